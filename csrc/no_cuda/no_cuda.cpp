// The backend linked when PYFASTFIT_CUDA is off (MLX's no_gpu): no CUDA kernels, so a
// tensor tagged cuda that reaches an op is a RuntimeError naming the op.
#include <stdexcept>

#include "core/device.h"

namespace pyfastfit {

bool built_with_cuda() { return false; }

void device_unavailable(const char* op, Device d) {
  throw std::runtime_error(str("[", op, "] built without CUDA: got a tensor on ",
                               device_name(d),
                               "; rebuild pyfastfit with CUDA (PYFASTFIT_CUDA=ON) to use it."));
}

}  // namespace pyfastfit
