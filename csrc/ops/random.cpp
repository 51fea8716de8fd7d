// Random ops: checks and dispatch to cpu::dropout_forward.
#include "ops/random.h"

#include "core/check.h"
#include "core/device.h"
#include "cpu/random.h"

namespace pyfastfit {

std::pair<Tensor, Tensor> dropout_forward(const Tensor& x, float rate, uint64_t seed,
                                          uint64_t counter) {
  Device d = common_device("dropout", {{"x", x}});
  check_float32(x, "dropout", "x");
  PFF_CHECK(rate >= 0.f && rate <= 1.f, "[dropout] rate must be in [0, 1], got ", rate, ".");
  return on_device("dropout", d, [&] {
    Tensor out = Tensor::empty(x.shape());
    Tensor mask = Tensor::empty(x.shape());
    cpu::dropout_forward(x.f32(), out.f32(), mask.f32(), x.numel(), rate, seed, counter);
    return std::pair<Tensor, Tensor>{out, mask};
  });
}

}  // namespace pyfastfit
