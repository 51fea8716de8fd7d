// Tensor: a shape, a dtype, a device tag and ref-counted storage. Always C-contiguous.
// Storage is either our own aligned allocation or memory borrowed from another owner
// (a NumPy array), kept alive by the `holder` shared pointer.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/check.h"
#include "core/dtype.h"

namespace pyfastfit {

using Shape = std::vector<int64_t>;

/** Number of elements of a shape (1 for a scalar). */
inline int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

class Tensor {
 public:
  Tensor() = default;
  /** Wraps memory owned by `holder` (zero-copy); `data` must be C-contiguous. */
  Tensor(std::shared_ptr<void> holder, void* data, Shape shape, DType dtype,
         Device device = Device::cpu);

  /** A new uninitialised tensor (64-byte aligned host memory). While a capture is
   *  active on the thread (core/capture.h) the capture decides which buffer it is. */
  static Tensor empty(const Shape& shape, DType dtype = DType::float32);
  /** A fresh allocation, bypassing any capture (what `empty` allocates). */
  static Tensor allocate(const Shape& shape, DType dtype);
  /** A new tensor filled with zeros. */
  static Tensor zeros(const Shape& shape, DType dtype = DType::float32);
  /** A new tensor holding a copy of this one's data. */
  Tensor clone() const;

  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i < 0 ? i + ndim() : i]; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return numel_of(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool defined() const { return holder_ != nullptr || numel() == 0; }
  const std::shared_ptr<void>& holder() const { return holder_; }

  void* raw() const { return data_; }
  template <typename T>
  T* data() const { return static_cast<T*>(data_); }
  float* f32() const { return static_cast<float*>(data_); }

  /** Same storage viewed with another shape of equal size. */
  Tensor reshaped(const Shape& shape) const;

 private:
  std::shared_ptr<void> holder_;
  void* data_ = nullptr;
  Shape shape_;
  DType dtype_ = DType::float32;
  Device device_ = Device::cpu;
};

/** Throws "[op] <name> must be float32, got int64." unless t is float32. */
void check_float32(const Tensor& t, const char* op, const char* name);

}  // namespace pyfastfit
