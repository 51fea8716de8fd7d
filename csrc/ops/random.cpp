// Random ops: checks and dispatch to cpu::dropout_forward, cpu::gaussian_noise and the
// keras.random kernels (cpu::random_*).
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

namespace {

void check_state(const Tensor& state, const char* op) {
  PFF_CHECK(state.dtype() == DType::int64 && state.shape() == Shape{2}, "[", op,
            "] state must be an int64 tensor of shape (2,) holding (seed, counter), got ",
            dtype_name(state.dtype()), shape_str(state.shape()), ".");
}

void check_shape(const Shape& shape, const char* op) {
  for (int64_t d : shape)
    PFF_CHECK(d >= 0, "[", op, "] shape must have non-negative sizes, got ",
              shape_str(shape), ".");
}

/** (seed, counter) from a checked state; adds one to the counter atomically first when
 *  `advance` (the value returned is the counter before the increment). */
std::pair<uint64_t, uint64_t> take_state(const Tensor& state, bool advance) {
  int64_t* s = state.data<int64_t>();
  auto seed = static_cast<uint64_t>(__atomic_load_n(s, __ATOMIC_RELAXED));
  int64_t counter = advance ? __atomic_fetch_add(s + 1, int64_t{1}, __ATOMIC_RELAXED)
                            : __atomic_load_n(s + 1, __ATOMIC_RELAXED);
  return {seed, static_cast<uint64_t>(counter)};
}

/** The common form of the float draws: checks, takes the state, runs `kernel`. */
template <class Kernel>
Tensor float_draw(const char* op, const Shape& shape, const Tensor& state, bool advance,
                  Kernel kernel) {
  Device d = common_device(op, {{"state", state}});
  check_shape(shape, op);
  check_state(state, op);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(shape);
    auto [seed, counter] = take_state(state, advance);
    kernel(out.f32(), out.numel(), seed, counter);
    return out;
  });
}

}  // namespace

Tensor random_normal(const Shape& shape, double mean, double stddev, const Tensor& state,
                     bool advance) {
  return float_draw("random_normal", shape, state, advance,
                    [&](float* out, int64_t n, uint64_t seed, uint64_t counter) {
                      cpu::random_normal(out, n, mean, stddev, seed, counter);
                    });
}

Tensor random_uniform(const Shape& shape, double minval, double maxval, const Tensor& state,
                      bool advance) {
  return float_draw("random_uniform", shape, state, advance,
                    [&](float* out, int64_t n, uint64_t seed, uint64_t counter) {
                      cpu::random_uniform(out, n, minval, maxval, seed, counter);
                    });
}

Tensor random_truncated_normal(const Shape& shape, double mean, double stddev,
                               const Tensor& state, bool advance) {
  return float_draw("random_truncated_normal", shape, state, advance,
                    [&](float* out, int64_t n, uint64_t seed, uint64_t counter) {
                      cpu::random_truncated_normal(out, n, mean, stddev, seed, counter);
                    });
}

Tensor random_randint(const Shape& shape, int64_t minval, uint64_t span_minus_one,
                      const std::string& dtype, const Tensor& state, bool advance) {
  const char* op = "random_randint";
  Device d = common_device(op, {{"state", state}});
  check_shape(shape, op);
  check_state(state, op);
  PFF_CHECK(dtype == "int32" || dtype == "int64", "[", op,
            "] dtype must be \"int32\" or \"int64\", got \"", dtype, "\".");
  const bool wide = dtype == "int64";
  if (!wide) {
    // The largest value, minval + span_minus_one, must fit too.
    PFF_CHECK(minval >= INT32_MIN && span_minus_one <= uint64_t{UINT32_MAX} &&
                  minval + static_cast<int64_t>(span_minus_one) <= INT32_MAX,
              "[", op, "] [", minval, ", ", minval, " + ", span_minus_one,
              "] does not fit in int32.");
  } else {
    // In unsigned arithmetic INT64_MAX - minval is exact for every int64 minval.
    const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(minval);
    PFF_CHECK(span_minus_one <= room, "[", op, "] [", minval, ", ", minval, " + ",
              span_minus_one, "] does not fit in int64.");
  }
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(shape, wide ? DType::int64 : DType::int32);
    auto [seed, counter] = take_state(state, advance);
    if (wide)
      cpu::random_randint(out.data<int64_t>(), out.numel(), minval, span_minus_one, seed,
                          counter);
    else
      cpu::random_randint(out.data<int32_t>(), out.numel(), minval, span_minus_one, seed,
                          counter);
    return out;
  });
}

std::pair<Tensor, Tensor> dropout_forward_state(const Tensor& x, float rate,
                                                const Tensor& state) {
  common_device("dropout", {{"x", x}, {"state", state}});
  check_float32(x, "dropout", "x");
  PFF_CHECK(rate >= 0.f && rate <= 1.f, "[dropout] rate must be in [0, 1], got ", rate, ".");
  check_state(state, "dropout");
  auto [seed, counter] = take_state(state, true);
  return dropout_forward(x, rate, seed, counter);
}

Tensor random_state_next(const Tensor& state, bool ordered) {
  const char* op = "random_state_next";
  Device d = common_device(op, {{"state", state}});
  check_state(state, op);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty({2}, DType::int64);
    int64_t* s = state.data<int64_t>();
    int64_t* o = out.data<int64_t>();
    o[0] = __atomic_load_n(s, __ATOMIC_RELAXED);
    if (ordered) {
      o[1] = __atomic_fetch_add(s + 1, int64_t{1}, __ATOMIC_RELAXED);
    } else {
      // A near-unique scramble of the counter (Keras: (state + 1) * 5387 % 933199),
      // moved above 2^40 so it never meets the ordered counters of a fresh generator.
      int64_t old = __atomic_load_n(s + 1, __ATOMIC_RELAXED), next;
      do {
        next = static_cast<int64_t>(
            ((static_cast<uint64_t>(old) + 1) % 933199) * 5387 % 933199 + (uint64_t{1} << 40));
      } while (!__atomic_compare_exchange_n(s + 1, &old, next, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED));
      o[1] = old;
    }
    return out;
  });
}

}  // namespace pyfastfit
