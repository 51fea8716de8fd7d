// Elementwise kernels over broadcast plans: binary ops, where and sum_to (unary ops,
// clip and cast: elementwise_unary.cpp). One inner-loop template per op family; float32
// loops are compiled with PFF_HOT (AVX2 clone). Integer semantics follow NumPy:
// wrap-around arithmetic, floor division and modulo with the sign of the divisor,
// x // 0 == x % 0 == 0.
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
using broadcast::row_strides;
using broadcast::walk;
using namespace scalar;

#define PFF_INLINE inline __attribute__((always_inline))

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
