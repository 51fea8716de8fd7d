// Device dispatch for csrc/ops: every public op finds the one device its tensors live on
// (common_device) and runs that device's code (on_device). CPU code is always built; the
// code for any other device comes from the backend linked in, chosen by CMake:
//   PYFASTFIT_CUDA=OFF  links csrc/no_cuda/*.cpp: device_unavailable() throws
//                       "[op] built without CUDA" (MLX's no_gpu) and built_with_cuda() is false.
//   PYFASTFIT_CUDA=ON   compiles csrc/cuda/* and defines PYFASTFIT_WITH_CUDA.
//
// What a CUDA backend adds (csrc/cuda/, nothing in csrc/ops changes but the ops it speeds up):
//   1. csrc/cuda/device.cpp defining built_with_cuda() (true) and device_unavailable(op, d),
//      which then throws "[op] has no CUDA kernel" (a CUDA build reaching an op without one).
//   2. csrc/cuda/<family>.h: plain C++ declarations (no CUDA types, so ops/*.cpp compiles
//      with or without nvcc) of cuda:: functions over raw device pointers, mirroring
//      cpu::<family>.h; their definitions live in csrc/cuda/<family>.cu.
//   3. Device allocation (Tensor tagged Device::cuda, freed by its holder) and the explicit
//      host<->device copies of Tensor.from_numpy / Tensor.numpy (DESIGN.md 7.2).
// The contract for an ops/*.cpp function: argument checks that read only shapes and dtypes
// stay before the dispatch, and are shared by every device; everything that touches data
// (allocating outputs, reading a scalar, the kernel) goes inside the device's lambda. An op
// that gains a CUDA kernel changes
//     return on_device(op, d, [&] { ...cpu::... });
// into
//     return on_device(op, d, [&] { ...cpu::... }, [&] { ...cuda::... });
// In a build without CUDA the second lambda is never called, so its cuda:: functions are
// never referenced and need no definition.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace pyfastfit {

/** One named op argument for common_device: a tensor, an optional tensor (skipped when
 *  empty), a list of tensors or a list of lists of tensors. */
struct DeviceArg {
  DeviceArg(const char* n, const Tensor& t) : name(n), tensors(&t), count(1) {}
  DeviceArg(const char* n, const std::optional<Tensor>& t)
      : name(n), tensors(t ? &*t : nullptr), count(t ? 1 : 0) {}
  DeviceArg(const char* n, const std::vector<Tensor>& ts)
      : name(n), tensors(ts.data()), count(ts.size()), is_list(true) {}
  DeviceArg(const char* n, const std::vector<std::vector<Tensor>>& ls)
      : name(n), lists(&ls) {}

  const char* name;
  const Tensor* tensors = nullptr;
  size_t count = 0;
  bool is_list = false;
  const std::vector<std::vector<Tensor>>* lists = nullptr;
};

/** The device all of `args` live on (cpu when there are none). Throws ValueError
 *  "[op] expects all tensors on one device, got x on cpu and y on cuda." when they differ. */
Device common_device(const char* op, std::initializer_list<DeviceArg> args);

/** True when this build has the CUDA backend (defined by the linked backend). */
bool built_with_cuda();

/** Called when a tensor on `d` reaches `op` and this build has no kernel of `op` for `d`.
 *  Defined by the linked backend (csrc/no_cuda/ or csrc/cuda/); throws RuntimeError. */
[[noreturn]] void device_unavailable(const char* op, Device d);

/** Runs `cpu()` for CPU tensors; any other device has no kernel for this op. */
template <class Cpu>
decltype(auto) on_device(const char* op, Device d, Cpu&& cpu) {
  if (d == Device::cpu) return cpu();
  device_unavailable(op, d);
}

/** Runs `cpu()` for CPU tensors and, in a CUDA build, `cuda()` for CUDA tensors. */
template <class Cpu, class Cuda>
decltype(auto) on_device(const char* op, Device d, Cpu&& cpu, Cuda&& cuda) {
  if (d == Device::cpu) return cpu();
#ifdef PYFASTFIT_WITH_CUDA
  if (d == Device::cuda) return cuda();
#endif
  device_unavailable(op, d);
}

}  // namespace pyfastfit
