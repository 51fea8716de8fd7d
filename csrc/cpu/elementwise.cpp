// Elementwise kernels. One inner-loop template per op family; float32 loops are compiled
// with PFF_HOT (AVX2 clone). Integer semantics follow NumPy: wrap-around arithmetic,
// floor division and modulo with the sign of the divisor, x // 0 == x % 0 == 0.
#include "cpu/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/simd.h"
#include "cpu/vmath.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;

// Transcendental loops (exp, log, ...) gain 1.4-1.7x from AVX-512 where the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && \
    !defined(PYFASTFIT_NO_CLONES)
#define PFF_HOT_MATH \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PFF_HOT_MATH PFF_HOT
#endif

#define PFF_INLINE inline __attribute__((always_inline))

// ---------------------------------------------------------------- scalar semantics
template <typename T>
PFF_INLINE T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return static_cast<T>(a + b);
  }
}
template <typename T>
PFF_INLINE T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return static_cast<T>(a - b);
  }
}
template <typename T>
PFF_INLINE T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return static_cast<T>(a * b);
  }
}

template <typename T>
PFF_INLINE T floordiv_of(T a, T b) {
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
PFF_INLINE T mod_of(T a, T b) {
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
PFF_INLINE T pow_of(T a, T b) {
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
PFF_INLINE T max_of(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return extremum(true, a, b);
  else if constexpr (std::is_floating_point_v<T>) return (a > b || a != a) ? a : b;
  else return a > b ? a : b;
}
template <typename T>
PFF_INLINE T min_of(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return extremum(false, a, b);
  else if constexpr (std::is_floating_point_v<T>) return (a < b || a != a) ? a : b;
  else return a < b ? a : b;
}

// ---------------------------------------------------------------- binary inner loops
/** rows x n elements: row r of a starts at a + r * ra (likewise b, o); sa/sb are the
 *  inner strides (0 = broadcast, 1 = contiguous). */
template <typename T, typename O, typename F>
PFF_INLINE void loop2(const T* a, int64_t sa, const T* b, int64_t sb, O* o, int64_t n,
                      const int64_t* rs, int64_t rows, F f) {
  for (int64_t r = 0; r < rows; ++r, a += rs[1], b += rs[2], o += rs[0]) {
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    } else if (sa == 0 && sb == 1) {
      const T x = a[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(x, b[i]);
    } else if (sa == 1 && sb == 0) {
      const T y = b[0];
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], y);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i * sa], b[i * sb]);
    }
  }
}

template <typename T>
PFF_INLINE T shift_left(T x, T y) {
  constexpr int kBits = static_cast<int>(sizeof(T) * 8);
  using U = std::make_unsigned_t<T>;
  if (y < T(0) || y >= T(kBits)) return T(0);
  return static_cast<T>(static_cast<U>(x) << y);
}
template <typename T>
PFF_INLINE T shift_right(T x, T y) {
  constexpr int kBits = static_cast<int>(sizeof(T) * 8);
  if (y < T(0) || y >= T(kBits)) return x < T(0) ? T(-1) : T(0);  // NumPy: sign fill
  return static_cast<T>(x >> y);
}

template <typename T>
void bitwise_rows(BinaryOp op, const T* a, int64_t sa, const T* b, int64_t sb, T* o, int64_t n,
                  const int64_t* rs, int64_t rows) {
  switch (op) {
    case BinaryOp::bitwise_and: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return T(x & y); }); break;
    case BinaryOp::bitwise_or: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return T(x | y); }); break;
    case BinaryOp::bitwise_xor: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return T(x ^ y); }); break;
    case BinaryOp::left_shift: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return shift_left(x, y); }); break;
    case BinaryOp::right_shift: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return shift_right(x, y); }); break;
    default: break;
  }
}

template <typename T>
PFF_INLINE void binary_rows(BinaryOp op, const T* a, int64_t sa, const T* b, int64_t sb,
                            void* out, int64_t n, const int64_t* rs, int64_t rows) {
  T* o = static_cast<T*>(out);
  uint8_t* ob = static_cast<uint8_t*>(out);
  switch (op) {
    case BinaryOp::add: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return wrap_add(x, y); }); break;
    case BinaryOp::subtract: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return wrap_sub(x, y); }); break;
    case BinaryOp::multiply: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return wrap_mul(x, y); }); break;
    case BinaryOp::divide:
      if constexpr (std::is_floating_point_v<T>) {
        loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return x / y; });
      } else {
        loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return floordiv_of(x, y); });
      }
      break;
    case BinaryOp::power: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return pow_of(x, y); }); break;
    case BinaryOp::maximum: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return max_of(x, y); }); break;
    case BinaryOp::minimum: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return min_of(x, y); }); break;
    case BinaryOp::floor_divide: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return floordiv_of(x, y); }); break;
    case BinaryOp::mod: loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return mod_of(x, y); }); break;
    case BinaryOp::equal: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x == y); }); break;
    case BinaryOp::not_equal: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x != y); }); break;
    case BinaryOp::greater: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x > y); }); break;
    case BinaryOp::greater_equal: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x >= y); }); break;
    case BinaryOp::less: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x < y); }); break;
    case BinaryOp::less_equal: loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t(x <= y); }); break;
    case BinaryOp::logical_and:
      loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t((x != T(0)) & (y != T(0))); });
      break;
    case BinaryOp::logical_or:
      loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t((x != T(0)) | (y != T(0))); });
      break;
    case BinaryOp::logical_xor:
      loop2(a, sa, b, sb, ob, n, rs, rows, [](T x, T y) { return uint8_t((x != T(0)) ^ (y != T(0))); });
      break;
    case BinaryOp::arctan2:
      if constexpr (std::is_floating_point_v<T>) {
        loop2(a, sa, b, sb, o, n, rs, rows, [](T x, T y) { return std::atan2(x, y); });
      }
      break;
    case BinaryOp::bitwise_and:
    case BinaryOp::bitwise_or:
    case BinaryOp::bitwise_xor:
    case BinaryOp::left_shift:
    case BinaryOp::right_shift:
      if constexpr (std::is_integral_v<T>) bitwise_rows(op, a, sa, b, sb, o, n, rs, rows);
      break;
    default: break;
  }
}

PFF_HOT void binary_rows_f32(BinaryOp op, const float* a, int64_t sa, const float* b,
                             int64_t sb, void* out, int64_t n, const int64_t* rs, int64_t rows) {
  binary_rows<float>(op, a, sa, b, sb, out, n, rs, rows);
}
void binary_rows_i32(BinaryOp op, const int32_t* a, int64_t sa, const int32_t* b, int64_t sb,
                     void* out, int64_t n, const int64_t* rs, int64_t rows) {
  binary_rows<int32_t>(op, a, sa, b, sb, out, n, rs, rows);
}
void binary_rows_i64(BinaryOp op, const int64_t* a, int64_t sa, const int64_t* b, int64_t sb,
                     void* out, int64_t n, const int64_t* rs, int64_t rows) {
  binary_rows<int64_t>(op, a, sa, b, sb, out, n, rs, rows);
}
void binary_rows_u8(BinaryOp op, const uint8_t* a, int64_t sa, const uint8_t* b, int64_t sb,
                    void* out, int64_t n, const int64_t* rs, int64_t rows) {
  binary_rows<uint8_t>(op, a, sa, b, sb, out, n, rs, rows);
}

/** Runs `rows` rows of n elements at the given element offsets, per typed dtype;
 *  rs holds the row strides of out, a and b (in elements). */
void binary_dispatch(BinaryOp op, DType dt, const void* a, int64_t oa, int64_t sa,
                     const void* b, int64_t ob, int64_t sb, void* out, int64_t oo, int64_t n,
                     const int64_t* rs = nullptr, int64_t rows = 1) {
  static const int64_t kNoStride[3] = {0, 0, 0};
  if (!rs) rs = kNoStride;
  size_t osz = binary_is_predicate(op) ? 1 : itemsize(dt);
  void* o = static_cast<char*>(out) + oo * static_cast<int64_t>(osz);
  switch (dt) {
    case DType::float32:
      binary_rows_f32(op, static_cast<const float*>(a) + oa, sa, static_cast<const float*>(b) + ob, sb, o, n, rs, rows);
      break;
    case DType::int32:
      binary_rows_i32(op, static_cast<const int32_t*>(a) + oa, sa, static_cast<const int32_t*>(b) + ob, sb, o, n, rs, rows);
      break;
    case DType::int64:
      binary_rows_i64(op, static_cast<const int64_t*>(a) + oa, sa, static_cast<const int64_t*>(b) + ob, sb, o, n, rs, rows);
      break;
    case DType::uint8:
    case DType::bool_:
      binary_rows_u8(op, static_cast<const uint8_t*>(a) + oa, sa, static_cast<const uint8_t*>(b) + ob, sb, o, n, rs, rows);
      break;
  }
}

// ---------------------------------------------------------------- the broadcast walk
/** Calls f(offsets, n, rows) for blocks of `rows` runs of the innermost (collapsed) dim
 *  that are consecutive along the second-innermost dim (row strides: row_strides(p)), in
 *  parallel over runs (or over the one run) when the plan is large. */
template <typename F>
void walk(const Plan& p, bool parallel, F&& f) {
  int nd = static_cast<int>(p.shape.size());
  int K = p.operands;
  if (p.numel == 0) return;
  if (nd == 0) {
    int64_t offs[4] = {0, 0, 0, 0};
    f(offs, int64_t{1}, int64_t{1});
    return;
  }
  int64_t inner = p.shape[nd - 1];
  int64_t rows = p.numel / inner;
  int64_t grain = parallel ? kGrain : std::numeric_limits<int64_t>::max();
  if (rows == 1) {
    parallel_for(inner, grain, [&](int64_t b, int64_t e) {
      int64_t offs[4] = {0, 0, 0, 0};
      for (int k = 0; k < K; ++k) offs[k] = b * p.strides[k][nd - 1];
      f(offs, e - b, int64_t{1});
    });
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, grain / inner), [&](int64_t rb, int64_t re) {
    int64_t idx[64];
    int64_t offs[4] = {0, 0, 0, 0};
    int64_t r = rb;
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = r % p.shape[d];
      r /= p.shape[d];
      for (int k = 0; k < K; ++k) offs[k] += idx[d] * p.strides[k][d];
    }
    const int d1 = nd - 2;
    for (int64_t row = rb; row < re;) {
      int64_t cnt = std::min<int64_t>(re - row, p.shape[d1] - idx[d1]);
      f(offs, inner, cnt);
      row += cnt;
      for (int k = 0; k < K; ++k) offs[k] += cnt * p.strides[k][d1];
      idx[d1] += cnt;
      if (idx[d1] < p.shape[d1]) continue;
      for (int k = 0; k < K; ++k) offs[k] -= idx[d1] * p.strides[k][d1];
      idx[d1] = 0;
      for (int d = d1 - 1; d >= 0; --d) {
        for (int k = 0; k < K; ++k) offs[k] += p.strides[k][d];
        if (++idx[d] < p.shape[d]) break;
        for (int k = 0; k < K; ++k) offs[k] -= idx[d] * p.strides[k][d];
        idx[d] = 0;
      }
    }
  });
}

/** Row strides (second-innermost dim) of each operand; 0 for plans with < 2 dims. */
inline void row_strides(const Plan& p, int64_t* rs) {
  int nd = static_cast<int>(p.shape.size());
  for (int k = 0; k < p.operands; ++k) rs[k] = nd >= 2 ? p.strides[k][nd - 2] : 0;
}

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

template <typename T>
void fill_scalar(double s, T* v) {
  if constexpr (std::is_floating_point_v<T>) {
    *v = static_cast<T>(s);
  } else {
    *v = static_cast<T>(static_cast<int64_t>(s));
  }
}

PFF_HOT float sum_rows_f32(const float* x, int64_t n) { return sum_f32(x, n); }

PFF_HOT void add_into_f32(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] += x[i];
}

template <typename T>
PFF_INLINE void where_rows_t(const uint8_t* c, int64_t sc, const T* a, int64_t sa, const T* b,
                             int64_t sb, T* o, int64_t n) {
  if (sc == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) {
      T va = a[i], vb = b[i];  // load both: a branch-free select vectorises
      o[i] = c[i] ? va : vb;
    }
  } else if (sc == 1 && sa == 1 && sb == 0) {
    const T vb = b[0];
    for (int64_t i = 0; i < n; ++i) {
      T va = a[i];
      o[i] = c[i] ? va : vb;
    }
  } else if (sc == 1 && sa == 0 && sb == 1) {
    const T va = a[0];
    for (int64_t i = 0; i < n; ++i) {
      T vb = b[i];
      o[i] = c[i] ? va : vb;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      T va = a[i * sa], vb = b[i * sb];
      o[i] = c[i * sc] ? va : vb;
    }
  }
}

PFF_HOT void where_rows(const uint8_t* c, int64_t sc, const uint32_t* a, int64_t sa,
                        const uint32_t* b, int64_t sb, uint32_t* o, int64_t n) {
  where_rows_t(c, sc, a, sa, b, sb, o, n);
}
void where_rows(const uint8_t* c, int64_t sc, const uint8_t* a, int64_t sa, const uint8_t* b,
                int64_t sb, uint8_t* o, int64_t n) {
  where_rows_t(c, sc, a, sa, b, sb, o, n);
}
void where_rows(const uint8_t* c, int64_t sc, const uint64_t* a, int64_t sa,
                const uint64_t* b, int64_t sb, uint64_t* o, int64_t n) {
  where_rows_t(c, sc, a, sa, b, sb, o, n);
}

}  // namespace

const char* binary_name(BinaryOp op) {
  static const char* names[] = {
      "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "floor_divide",
      "mod", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
      "logical_and", "logical_or", "logical_xor", "arctan2", "bitwise_and", "bitwise_or",
      "bitwise_xor", "left_shift", "right_shift"};
  int i = static_cast<int>(op);
  return i >= 0 && i < static_cast<int>(BinaryOp::count) ? names[i] : "?";
}

const char* unary_name(UnaryOp op) {
  static const char* names[] = {
      "negative", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "abs", "sign",
      "floor", "ceil", "round", "reciprocal", "sin", "cos", "logical_not", "isnan",
      "isfinite", "isinf", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan",
      "arcsinh", "arccosh", "arctanh", "trunc", "log2", "log10", "exp2", "erf", "cbrt"};
  int i = static_cast<int>(op);
  return i >= 0 && i < static_cast<int>(UnaryOp::count) ? names[i] : "?";
}

Plan make_plan(const std::vector<int64_t>& out_shape,
               const std::vector<const std::vector<int64_t>*>& in_shapes) {
  Plan p;
  p.operands = 1 + static_cast<int>(in_shapes.size());
  int nd = static_cast<int>(out_shape.size());
  // Full strides per operand, right-aligned; 0 on broadcast dims.
  std::vector<std::vector<int64_t>> full(p.operands, std::vector<int64_t>(nd, 0));
  for (int k = 0; k < p.operands; ++k) {
    const std::vector<int64_t>& s = k == 0 ? out_shape : *in_shapes[k - 1];
    int off = nd - static_cast<int>(s.size());
    int64_t st = 1;
    for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
      full[k][d + off] = s[d] == 1 ? 0 : st;
      st *= s[d];
    }
  }
  p.numel = 1;
  for (auto d : out_shape) p.numel *= d;
  for (int d = 0; d < nd; ++d) {
    if (out_shape[d] == 1) continue;
    int cur = static_cast<int>(p.shape.size()) - 1;
    bool merge = cur >= 0;
    for (int k = 0; merge && k < p.operands; ++k)
      merge = p.strides[k][cur] == full[k][d] * out_shape[d];
    if (merge) {
      p.shape[cur] *= out_shape[d];
      for (int k = 0; k < p.operands; ++k) p.strides[k][cur] = full[k][d];
    } else {
      p.shape.push_back(out_shape[d]);
      for (int k = 0; k < p.operands; ++k) p.strides[k].push_back(full[k][d]);
    }
  }
  if (p.shape.size() > 60) throw std::invalid_argument("[broadcast] too many dimensions.");
  return p;
}

void binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, const Plan& plan) {
  int nd = static_cast<int>(plan.shape.size());
  int64_t sa = nd ? plan.strides[1][nd - 1] : 0, sb = nd ? plan.strides[2][nd - 1] : 0;
  int64_t rs[4];
  row_strides(plan, rs);
  walk(plan, true, [&](const int64_t* offs, int64_t n, int64_t rows) {
    binary_dispatch(op, dt, a, offs[1], sa, b, offs[2], sb, out, offs[0], n, rs, rows);
  });
}

void binary_scalar(BinaryOp op, DType dt, const void* a, double s, bool reverse, void* out,
                   int64_t n) {
  alignas(8) unsigned char sv[8];
  switch (dt) {
    case DType::float32: fill_scalar(s, reinterpret_cast<float*>(sv)); break;
    case DType::int32: fill_scalar(s, reinterpret_cast<int32_t*>(sv)); break;
    case DType::int64: fill_scalar(s, reinterpret_cast<int64_t*>(sv)); break;
    case DType::uint8: fill_scalar(s, reinterpret_cast<uint8_t*>(sv)); break;
    case DType::bool_: sv[0] = s != 0; break;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    if (reverse) binary_dispatch(op, dt, sv, 0, 0, a, b, 1, out, b, e - b);
    else binary_dispatch(op, dt, a, b, 1, sv, 0, 0, out, b, e - b);
  });
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

void where(DType dt, const uint8_t* cond, const void* a, const void* b, void* out,
           const Plan& plan) {
  int nd = static_cast<int>(plan.shape.size());
  int64_t sc = nd ? plan.strides[1][nd - 1] : 0, sa = nd ? plan.strides[2][nd - 1] : 0,
          sb = nd ? plan.strides[3][nd - 1] : 0;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* A = static_cast<const T*>(a);
    const T* B = static_cast<const T*>(b);
    T* O = static_cast<T*>(out);
    int64_t rs[4];
    row_strides(plan, rs);
    walk(plan, true, [&](const int64_t* offs, int64_t n, int64_t rows) {
      for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* c = cond + offs[1] + r * rs[1];
        const T* pa = A + offs[2] + r * rs[2];
        const T* pb = B + offs[3] + r * rs[3];
        T* po = O + offs[0] + r * rs[0];
        where_rows(c, sc, pa, sa, pb, sb, po, n);
      }
    });
  };
  switch (itemsize(dt)) {
    case 1: run(uint8_t{}); break;
    case 4: run(uint32_t{}); break;
    default: run(uint64_t{}); break;
  }
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

void sum_to(const float* g, float* out, const Plan& plan) {
  int nd = static_cast<int>(plan.shape.size());
  int64_t so = nd ? plan.strides[1][nd - 1] : 0;
  // Runs may write the same outputs; they are independent only when the reduction is
  // over the inner dim alone (every outer dim maps to distinct outputs).
  bool independent = so == 0;
  for (int d = 0; independent && d < nd - 1; ++d) independent = plan.strides[1][d] != 0;
  int64_t rs[4];
  row_strides(plan, rs);
  walk(plan, independent, [&](const int64_t* offs, int64_t n, int64_t rows) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* gp = g + offs[0] + r * rs[0];
      float* op_ = out + offs[1] + r * rs[1];
      if (so == 0) {
        op_[0] += sum_rows_f32(gp, n);
      } else if (so == 1) {
        add_into_f32(gp, op_, n);
      } else {
        for (int64_t i = 0; i < n; ++i) op_[i * so] += gp[i];
      }
    }
  });
}

}  // namespace pyfastfit::cpu
