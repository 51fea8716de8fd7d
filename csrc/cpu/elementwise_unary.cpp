// Elementwise kernels without broadcasting: unary ops and their backward, clip, cast and
// nan_to_num (binary ops over broadcast plans: elementwise.cpp). Float32 loops are compiled
// with PFF_HOT (AVX2 clone), transcendental ones also for AVX-512 (PFF_HOT_MATH).
#include "cpu/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/broadcast_walk.h"
#include "cpu/scalar_ops.h"
#include "cpu/simd.h"
#include "cpu/vmath.h"

namespace pyfastfit::cpu {
namespace {

using broadcast::kGrain;
using scalar::wrap_mul;
using scalar::wrap_sub;

// Transcendental loops (exp, log, ...) gain 1.4-1.7x from AVX-512 where the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && \
    !defined(PYFASTFIT_NO_CLONES)
#define PFF_HOT_MATH \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PFF_HOT_MATH PFF_HOT
#endif

#define PFF_INLINE inline __attribute__((always_inline))

// ---------------------------------------------------------------- unary
template <typename T>
PFF_INLINE void unary_rows(UnaryOp op, const T* x, void* out, int64_t n) {
  T* o = static_cast<T*>(out);
  uint8_t* ob = static_cast<uint8_t*>(out);
  switch (op) {
    case UnaryOp::negative:
      for (int64_t i = 0; i < n; ++i) o[i] = wrap_sub(T(0), x[i]);
      return;
    case UnaryOp::square:
      for (int64_t i = 0; i < n; ++i) o[i] = wrap_mul(x[i], x[i]);
      return;
    case UnaryOp::abs:
      if constexpr (std::is_floating_point_v<T>) {
        for (int64_t i = 0; i < n; ++i) o[i] = std::fabs(x[i]);
      } else if constexpr (std::is_signed_v<T>) {
        for (int64_t i = 0; i < n; ++i) o[i] = x[i] < 0 ? wrap_sub(T(0), x[i]) : x[i];
      } else {
        for (int64_t i = 0; i < n; ++i) o[i] = x[i];
      }
      return;
    case UnaryOp::sign:
      for (int64_t i = 0; i < n; ++i) {
        T v = x[i];
        if constexpr (std::is_floating_point_v<T>) o[i] = v > 0 ? T(1) : (v < 0 ? T(-1) : v);
        else o[i] = static_cast<T>((T(0) < v) - (v < T(0)));
      }
      return;
    case UnaryOp::round:
      if constexpr (std::is_floating_point_v<T>) {
        for (int64_t i = 0; i < n; ++i) o[i] = std::nearbyint(x[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i] = x[i];
      }
      return;
    case UnaryOp::logical_not:
      for (int64_t i = 0; i < n; ++i) ob[i] = x[i] == T(0);
      return;
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::sqrt: for (int64_t i = 0; i < n; ++i) o[i] = std::sqrt(x[i]); break;
      case UnaryOp::rsqrt: for (int64_t i = 0; i < n; ++i) o[i] = T(1) / std::sqrt(x[i]); break;
      case UnaryOp::exp:
        if constexpr (std::is_same_v<T, float>) {
          for (int64_t i = 0; i < n; ++i) o[i] = exp_f32(x[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i] = std::exp(x[i]);
        }
        break;
      case UnaryOp::log:
        if constexpr (std::is_same_v<T, float>) {
          for (int64_t i = 0; i < n; ++i) o[i] = log_f32(x[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i] = std::log(x[i]);
        }
        break;
      case UnaryOp::log1p: for (int64_t i = 0; i < n; ++i) o[i] = std::log1p(x[i]); break;
      case UnaryOp::expm1: for (int64_t i = 0; i < n; ++i) o[i] = std::expm1(x[i]); break;
      case UnaryOp::floor: for (int64_t i = 0; i < n; ++i) o[i] = std::floor(x[i]); break;
      case UnaryOp::ceil: for (int64_t i = 0; i < n; ++i) o[i] = std::ceil(x[i]); break;
      case UnaryOp::reciprocal: for (int64_t i = 0; i < n; ++i) o[i] = T(1) / x[i]; break;
      case UnaryOp::sin: for (int64_t i = 0; i < n; ++i) o[i] = std::sin(x[i]); break;
      case UnaryOp::cos: for (int64_t i = 0; i < n; ++i) o[i] = std::cos(x[i]); break;
      case UnaryOp::tan: for (int64_t i = 0; i < n; ++i) o[i] = std::tan(x[i]); break;
      case UnaryOp::tanh:
        if constexpr (std::is_same_v<T, float>) {
          for (int64_t i = 0; i < n; ++i) o[i] = tanh_f32(x[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i] = std::tanh(x[i]);
        }
        break;
      case UnaryOp::sinh: for (int64_t i = 0; i < n; ++i) o[i] = std::sinh(x[i]); break;
      case UnaryOp::cosh: for (int64_t i = 0; i < n; ++i) o[i] = std::cosh(x[i]); break;
      case UnaryOp::arcsin: for (int64_t i = 0; i < n; ++i) o[i] = std::asin(x[i]); break;
      case UnaryOp::arccos: for (int64_t i = 0; i < n; ++i) o[i] = std::acos(x[i]); break;
      case UnaryOp::arctan: for (int64_t i = 0; i < n; ++i) o[i] = std::atan(x[i]); break;
      case UnaryOp::arcsinh: for (int64_t i = 0; i < n; ++i) o[i] = std::asinh(x[i]); break;
      case UnaryOp::arccosh: for (int64_t i = 0; i < n; ++i) o[i] = std::acosh(x[i]); break;
      case UnaryOp::arctanh: for (int64_t i = 0; i < n; ++i) o[i] = std::atanh(x[i]); break;
      case UnaryOp::trunc: for (int64_t i = 0; i < n; ++i) o[i] = std::trunc(x[i]); break;
      case UnaryOp::log2: for (int64_t i = 0; i < n; ++i) o[i] = std::log2(x[i]); break;
      case UnaryOp::log10: for (int64_t i = 0; i < n; ++i) o[i] = std::log10(x[i]); break;
      case UnaryOp::exp2: for (int64_t i = 0; i < n; ++i) o[i] = std::exp2(x[i]); break;
      case UnaryOp::erf: for (int64_t i = 0; i < n; ++i) o[i] = std::erf(x[i]); break;
      case UnaryOp::cbrt: for (int64_t i = 0; i < n; ++i) o[i] = std::cbrt(x[i]); break;
      case UnaryOp::isnan: for (int64_t i = 0; i < n; ++i) ob[i] = x[i] != x[i]; break;
      case UnaryOp::isinf: for (int64_t i = 0; i < n; ++i) ob[i] = std::fabs(x[i]) == std::numeric_limits<T>::infinity(); break;
      case UnaryOp::isfinite:
        for (int64_t i = 0; i < n; ++i) ob[i] = (x[i] - x[i]) == T(0);
        break;
      default: break;
    }
  }
  // Integer inputs of float functions never get here: the op layer converts them to
  // float32 first (and this may run inside a parallel region, where throwing aborts).
}

PFF_HOT_MATH void unary_rows_f32(UnaryOp op, const float* x, void* out, int64_t n) {
  unary_rows<float>(op, x, out, n);
}

PFF_HOT void unary_backward_rows(UnaryOp op, const float* g, const float* x, const float* o,
                                 float* d, int64_t n) {
  switch (op) {
    case UnaryOp::negative: for (int64_t i = 0; i < n; ++i) d[i] = -g[i]; break;
    case UnaryOp::square: for (int64_t i = 0; i < n; ++i) d[i] = 2.f * x[i] * g[i]; break;
    case UnaryOp::sqrt: for (int64_t i = 0; i < n; ++i) d[i] = 0.5f * g[i] / o[i]; break;
    case UnaryOp::rsqrt:
      for (int64_t i = 0; i < n; ++i) d[i] = -0.5f * g[i] * o[i] * o[i] * o[i];
      break;
    case UnaryOp::exp: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * o[i]; break;
    case UnaryOp::log: for (int64_t i = 0; i < n; ++i) d[i] = g[i] / x[i]; break;
    case UnaryOp::log1p: for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (1.f + x[i]); break;
    case UnaryOp::expm1: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (o[i] + 1.f); break;
    case UnaryOp::abs:
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        d[i] = v > 0.f ? g[i] : (v < 0.f ? -g[i] : (v == 0.f ? 0.f : v));
      }
      break;
    case UnaryOp::reciprocal: for (int64_t i = 0; i < n; ++i) d[i] = -g[i] * o[i] * o[i]; break;
    case UnaryOp::sin: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * std::cos(x[i]); break;
    case UnaryOp::cos: for (int64_t i = 0; i < n; ++i) d[i] = -g[i] * std::sin(x[i]); break;
    case UnaryOp::tan: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (1.f + o[i] * o[i]); break;
    case UnaryOp::tanh: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (1.f - o[i] * o[i]); break;
    case UnaryOp::sinh: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * std::cosh(x[i]); break;
    case UnaryOp::cosh: for (int64_t i = 0; i < n; ++i) d[i] = g[i] * std::sinh(x[i]); break;
    case UnaryOp::arcsin:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] / std::sqrt(1.f - x[i] * x[i]);
      break;
    case UnaryOp::arccos:
      for (int64_t i = 0; i < n; ++i) d[i] = -g[i] / std::sqrt(1.f - x[i] * x[i]);
      break;
    case UnaryOp::arctan: for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (1.f + x[i] * x[i]); break;
    case UnaryOp::arcsinh:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] / std::sqrt(x[i] * x[i] + 1.f);
      break;
    case UnaryOp::arccosh:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] / std::sqrt(x[i] * x[i] - 1.f);
      break;
    case UnaryOp::arctanh: for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (1.f - x[i] * x[i]); break;
    case UnaryOp::log2:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (x[i] * 0.69314718055994531f);
      break;
    case UnaryOp::log10:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (x[i] * 2.30258509299404568f);
      break;
    case UnaryOp::exp2:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * o[i] * 0.69314718055994531f;
      break;
    case UnaryOp::erf:  // 2/sqrt(pi) exp(-x^2)
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * 1.1283791670955126f * exp_f32(-x[i] * x[i]);
      break;
    case UnaryOp::cbrt: for (int64_t i = 0; i < n; ++i) d[i] = g[i] / (3.f * o[i] * o[i]); break;
    default:  // sign, floor, ceil, round, trunc: zero gradient
      for (int64_t i = 0; i < n; ++i) d[i] = 0.f;
      break;
  }
}

template <typename T>
void clip_typed(const T* x, double lo, double hi, T* o, int64_t n) {
  T l, h;
  if constexpr (std::is_floating_point_v<T>) {
    l = static_cast<T>(lo);
    h = static_cast<T>(hi);
  } else {
    // Bounds outside the type's range are clamped to it.
    double tl = static_cast<double>(std::numeric_limits<T>::lowest());
    double th = static_cast<double>(std::numeric_limits<T>::max());
    l = static_cast<T>(std::ceil(std::min(std::max(lo, tl), th)));
    h = static_cast<T>(std::floor(std::min(std::max(hi, tl), th)));
  }
  for (int64_t i = 0; i < n; ++i) {
    T v = x[i];
    v = v < l ? l : v;
    o[i] = v > h ? h : v;
  }
}

PFF_HOT void clip_f32(const float* x, double lo, double hi, float* o, int64_t n) {
  clip_typed<float>(x, lo, hi, o, n);
}

template <typename S, typename D>
void cast_typed(const S* x, D* o, int64_t n) {
  if constexpr (std::is_same_v<D, bool>) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    for (int64_t i = 0; i < n; ++i) {
      S v = x[i];
      o[i] = v == v ? static_cast<D>(v) : D(0);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<D>(x[i]);
  }
}

template <typename S>
void cast_from(const S* x, DType to, void* out, int64_t n) {
  switch (to) {
    case DType::float32: cast_typed(x, static_cast<float*>(out), n); break;
    case DType::int32: cast_typed(x, static_cast<int32_t*>(out), n); break;
    case DType::int64: cast_typed(x, static_cast<int64_t*>(out), n); break;
    case DType::uint8: cast_typed(x, static_cast<uint8_t*>(out), n); break;
    case DType::bool_: cast_typed(x, static_cast<bool*>(out), n); break;
  }
}

}  // namespace

const char* unary_name(UnaryOp op) {
  static const char* names[] = {
      "negative", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "abs", "sign",
      "floor", "ceil", "round", "reciprocal", "sin", "cos", "logical_not", "isnan",
      "isfinite", "isinf", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan",
      "arcsinh", "arccosh", "arctanh", "trunc", "log2", "log10", "exp2", "erf", "cbrt"};
  int i = static_cast<int>(op);
  return i >= 0 && i < static_cast<int>(UnaryOp::count) ? names[i] : "?";
}

void unary(UnaryOp op, DType dt, const void* x, void* out, int64_t n) {
  bool pred = op == UnaryOp::logical_not || op == UnaryOp::isnan || op == UnaryOp::isinf ||
              op == UnaryOp::isfinite;
  size_t isz = itemsize(dt), osz = pred ? 1 : isz;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    const char* xp = static_cast<const char*>(x) + b * static_cast<int64_t>(isz);
    char* op_ = static_cast<char*>(out) + b * static_cast<int64_t>(osz);
    switch (dt) {
      case DType::float32: unary_rows_f32(op, reinterpret_cast<const float*>(xp), op_, e - b); break;
      case DType::int32: unary_rows<int32_t>(op, reinterpret_cast<const int32_t*>(xp), op_, e - b); break;
      case DType::int64: unary_rows<int64_t>(op, reinterpret_cast<const int64_t*>(xp), op_, e - b); break;
      case DType::uint8:
      case DType::bool_: unary_rows<uint8_t>(op, reinterpret_cast<const uint8_t*>(xp), op_, e - b); break;
    }
  });
}

void unary_backward(UnaryOp op, const float* g, const float* x, const float* out, float* dx,
                    int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    unary_backward_rows(op, g + b, x ? x + b : nullptr, out ? out + b : nullptr, dx + b, e - b);
  });
}

void clip(DType dt, const void* x, double lo, double hi, void* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    switch (dt) {
      case DType::float32:
        clip_f32(static_cast<const float*>(x) + b, lo, hi, static_cast<float*>(out) + b, e - b);
        break;
      case DType::int32:
        clip_typed(static_cast<const int32_t*>(x) + b, lo, hi, static_cast<int32_t*>(out) + b, e - b);
        break;
      case DType::int64:
        clip_typed(static_cast<const int64_t*>(x) + b, lo, hi, static_cast<int64_t*>(out) + b, e - b);
        break;
      case DType::uint8:
      case DType::bool_:
        clip_typed(static_cast<const uint8_t*>(x) + b, lo, hi, static_cast<uint8_t*>(out) + b, e - b);
        break;
    }
  });
}

void clip_backward(const float* g, const float* x, double lo, double hi, float* dx,
                   int64_t n) {
  float l = static_cast<float>(lo), h = static_cast<float>(hi);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] = (x[i] >= l && x[i] <= h) ? g[i] : 0.f;
  });
}

void nan_to_num(const float* x, float nan, float posinf, float neginf, float* out, int64_t n) {
  const float inf = std::numeric_limits<float>::infinity();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float v = x[i];
      out[i] = v != v ? nan : (v == inf ? posinf : (v == -inf ? neginf : v));
    }
  });
}

void cast(DType from, const void* x, DType to, void* out, int64_t n) {
  if (from == to || (from == DType::bool_ && to == DType::uint8)) {
    if (n) std::memcpy(out, x, static_cast<size_t>(n) * itemsize(to));
    return;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    const char* xp = static_cast<const char*>(x) + b * static_cast<int64_t>(itemsize(from));
    char* op_ = static_cast<char*>(out) + b * static_cast<int64_t>(itemsize(to));
    switch (from) {
      case DType::float32: cast_from(reinterpret_cast<const float*>(xp), to, op_, e - b); break;
      case DType::int32: cast_from(reinterpret_cast<const int32_t*>(xp), to, op_, e - b); break;
      case DType::int64: cast_from(reinterpret_cast<const int64_t*>(xp), to, op_, e - b); break;
      case DType::uint8: cast_from(reinterpret_cast<const uint8_t*>(xp), to, op_, e - b); break;
      case DType::bool_: cast_from(reinterpret_cast<const uint8_t*>(xp), to, op_, e - b); break;
    }
  });
}

}  // namespace pyfastfit::cpu
