// NumPy's scalar semantics for the elementwise kernels (elementwise.cpp,
// elementwise_unary.cpp): wrap-around integer arithmetic, floor division and modulo with
// the sign of the divisor (x // 0 == x % 0 == 0), and max / min that propagate NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace pyfastfit::cpu::scalar {

#define PFF_SCALAR_INLINE inline __attribute__((always_inline))

template <typename T>
PFF_SCALAR_INLINE T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return static_cast<T>(a + b);
  }
}
template <typename T>
PFF_SCALAR_INLINE T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return static_cast<T>(a - b);
  }
}
template <typename T>
PFF_SCALAR_INLINE T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return static_cast<T>(a * b);
  }
}

template <typename T>
PFF_SCALAR_INLINE T floordiv_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    // NumPy's npy_floor_divide (via divmod).
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return std::copysign(T(0), a / b);
    T fl = std::floor(div);
    if (div - fl > T(0.5)) fl += 1;
    return fl;
  } else {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return wrap_sub(T(0), a);
      T q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return q;
    } else {
      return static_cast<T>(a / b);
    }
  }
}

template <typename T>
PFF_SCALAR_INLINE T mod_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return std::fmod(a, b);
    T m = std::fmod(a, b);
    if (m != 0) {
      if ((b < 0) != (m < 0)) m += b;
    } else {
      m = std::copysign(T(0), b);
    }
    return m;
  } else {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return 0;
      T r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  }
}

template <typename T>
PFF_SCALAR_INLINE T pow_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::pow(a, b);
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
    }
    T r = 1, base = a;
    auto e = b;
    while (e) {
      if (e & 1) r = wrap_mul(r, base);
      base = wrap_mul(base, base);
      e = static_cast<T>(e >> 1);
    }
    return r;
  }
}

template <typename T>
PFF_SCALAR_INLINE T max_of(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return extremum(true, a, b);
  else if constexpr (std::is_floating_point_v<T>) return (a > b || a != a) ? a : b;
  else return a > b ? a : b;
}
template <typename T>
PFF_SCALAR_INLINE T min_of(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return extremum(false, a, b);
  else if constexpr (std::is_floating_point_v<T>) return (a < b || a != a) ? a : b;
  else return a < b ? a : b;
}

#undef PFF_SCALAR_INLINE

}  // namespace pyfastfit::cpu::scalar
