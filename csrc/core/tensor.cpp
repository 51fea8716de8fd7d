// Tensor allocation and views.
#include "core/tensor.h"

#include <cstdlib>
#include <cstring>

#include "core/capture.h"
#include "core/device.h"

namespace pyfastfit {

Tensor::Tensor(std::shared_ptr<void> holder, void* data, Shape shape, DType dtype,
               Device device)
    : holder_(std::move(holder)), data_(data), shape_(std::move(shape)),
      dtype_(dtype), device_(device) {}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  if (capture::Recording* r = capture::active()) return r->empty(shape, dtype);
  return allocate(shape, dtype);
}

Tensor Tensor::allocate(const Shape& shape, DType dtype) {
  for (auto d : shape) PFF_CHECK(d >= 0, "[empty] negative dimension in shape ", shape_str(shape), ".");
  // Checked products: a wrapped size would allocate a small buffer for a huge shape.
  uint64_t bytes = itemsize(dtype);
  bool overflow = false;
  for (auto d : shape)
    overflow = overflow || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes);
  constexpr uint64_t kMax = uint64_t{1} << 62;
  auto fail = [&]() {
    return AllocError(str("Unable to allocate a ", dtype_name(dtype), " tensor of shape ",
                          shape_str(shape), ": ",
                          overflow ? std::string("more than 2**64") : std::to_string(bytes),
                          " bytes."));
  };
  if (overflow || bytes > kMax) throw fail();
  // aligned_alloc needs a size that is a multiple of the alignment.
  size_t padded = ((bytes + 63) / 64) * 64;
  if (padded == 0) padded = 64;
  void* p = std::aligned_alloc(64, padded);
  if (!p) throw fail();
  std::shared_ptr<void> holder(p, [](void* q) { std::free(q); });
  return Tensor(std::move(holder), p, shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw(), 0, t.nbytes());
  return t;
}

Tensor Tensor::clone() const {
  return on_device("clone", device_, [&] {
    Tensor t = empty(shape_, dtype_);
    if (nbytes()) std::memcpy(t.raw(), data_, nbytes());
    return t;
  });
}

Tensor Tensor::reshaped(const Shape& shape) const {
  PFF_CHECK(numel_of(shape) == numel(), "[reshape] cannot reshape a tensor of shape ",
            shape_str(shape_), " into shape ", shape_str(shape), ".");
  return Tensor(holder_, data_, shape, dtype_, device_);
}

void check_float32(const Tensor& t, const char* op, const char* name) {
  PFF_CHECK(t.dtype() == DType::float32, "[", op, "] ", name, " must be float32, got ",
            dtype_name(t.dtype()), ".");
}

}  // namespace pyfastfit
