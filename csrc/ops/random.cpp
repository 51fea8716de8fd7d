// Random ops: checks and dispatch to cpu::dropout_forward and cpu::gaussian_noise.
#include "ops/random.h"

#include <cmath>

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

Tensor gaussian_noise_forward(const Tensor& x, float stddev, uint64_t seed,
                              uint64_t counter) {
  Device d = common_device("gaussian_noise", {{"x", x}});
  check_float32(x, "gaussian_noise", "x");
  PFF_CHECK(stddev >= 0.f && std::isfinite(stddev),
            "[gaussian_noise] stddev must be a finite number >= 0, got ", stddev, ".");
  return on_device("gaussian_noise", d, [&] {
    Tensor out = Tensor::empty(x.shape());
    cpu::gaussian_noise(x.f32(), out.f32(), x.numel(), stddev, seed, counter);
    return out;
  });
}

namespace {

/** Checks `counter`, adds one to it in place and returns the new value. */
uint64_t advance(const Tensor& counter, const char* op) {
  PFF_CHECK(counter.dtype() == DType::int64 && counter.numel() == 1, "[", op,
            "] counter must be an int64 tensor of one element, got ",
            dtype_name(counter.dtype()), shape_str(counter.shape()), ".");
  int64_t* c = counter.data<int64_t>();
  *c += 1;
  return static_cast<uint64_t>(*c);
}

}  // namespace

std::pair<Tensor, Tensor> dropout_forward_counted(const Tensor& x, float rate, uint64_t seed,
                                                  const Tensor& counter) {
  common_device("dropout", {{"x", x}, {"counter", counter}});
  // The checks of dropout_forward first: a refused call leaves the counter as it was.
  check_float32(x, "dropout", "x");
  PFF_CHECK(rate >= 0.f && rate <= 1.f, "[dropout] rate must be in [0, 1], got ", rate, ".");
  return dropout_forward(x, rate, seed, advance(counter, "dropout"));
}

Tensor gaussian_noise_forward_counted(const Tensor& x, float stddev, uint64_t seed,
                                      const Tensor& counter) {
  common_device("gaussian_noise", {{"x", x}, {"counter", counter}});
  check_float32(x, "gaussian_noise", "x");
  PFF_CHECK(stddev >= 0.f && std::isfinite(stddev),
            "[gaussian_noise] stddev must be a finite number >= 0, got ", stddev, ".");
  return gaussian_noise_forward(x, stddev, seed, advance(counter, "gaussian_noise"));
}

}  // namespace pyfastfit
