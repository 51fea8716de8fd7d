// Reduction kernels (their backward: reduce_backward.cpp). The two hot layouts are
// handled with contiguous inner loops: inner == 1 (reduce the last axis: 8 double lanes
// per row) and inner > 1 (accumulate whole rows of length inner into a double buffer).
// Small outer counts split r across threads with per-thread partials.
#include "cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/reduce_parts.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

using namespace reduce_parts;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Acc { sum, prod, max, min };

inline double init_of(Acc a) {
  switch (a) {
    case Acc::sum: return 0.0;
    case Acc::prod: return 1.0;
    case Acc::max: return -kInf;
    default: return kInf;
  }
}

template <Acc A>
inline double comb(double a, double v) {
  if constexpr (A == Acc::sum) return a + v;
  if constexpr (A == Acc::prod) return a * v;
  // NaN sticks: once a is NaN neither comparison is true.
  if constexpr (A == Acc::max) return (v > a || v != v) ? v : a;
  return (v < a || v != v) ? v : a;
}

// Hot contiguous kernels (non-template so PFF_HOT clones them). Sums add floats in short
// blocks (vectorised with GCC vector types) and carry the block totals in double.
// Vector types only live inside the hot functions (inlined), so the ABI note is moot.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v8f __attribute__((vector_size(32)));

__attribute__((always_inline)) inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

PFF_HOT double row_sum(const float* x, int64_t n) {
  double total = 0.0;
  for (int64_t b = 0; b < n; b += 1024) {
    const int64_t e = std::min<int64_t>(n, b + 1024);
    v8f a0 = {0}, a1 = {0};
    int64_t j = b;
    for (; j + 16 <= e; j += 16) {
      a0 += load8(x + j);
      a1 += load8(x + j + 8);
    }
    a0 += a1;
    double t = 0.0;
    for (; j < e; ++j) t += x[j];
    for (int k = 0; k < 8; ++k) t += a0[k];
    total += t;
  }
  return total;
}

PFF_HOT void col_sum(const float* x, int64_t rows, int64_t inner, double* acc, float* tmp) {
  for (int64_t b = 0; b < rows; b += 64) {
    const int64_t e = std::min<int64_t>(rows, b + 64);
    for (int64_t i = 0; i < inner; ++i) tmp[i] = 0.f;
    for (int64_t j = b; j < e; ++j) {
      const float* row = x + j * inner;
      for (int64_t i = 0; i < inner; ++i) tmp[i] += row[i];
    }
    for (int64_t i = 0; i < inner; ++i) acc[i] += tmp[i];
  }
}

// max (or min) of n contiguous floats; NaN propagates (a cheap v - v probe finds rows
// holding NaN or inf, which are rescanned exactly).
PFF_HOT float row_max(const float* x, int64_t n, bool is_max) {
  const float init = is_max ? -std::numeric_limits<float>::infinity()
                            : std::numeric_limits<float>::infinity();
  v8f l0, l1, z = {0};
  for (int k = 0; k < 8; ++k) l0[k] = l1[k] = init;
  int64_t j = 0;
  if (is_max) {
    for (; j + 16 <= n; j += 16) {
      v8f v0 = load8(x + j), v1 = load8(x + j + 8);
      l0 = v0 > l0 ? v0 : l0;
      l1 = v1 > l1 ? v1 : l1;
      z += (v0 - v0) + (v1 - v1);
    }
  } else {
    for (; j + 16 <= n; j += 16) {
      v8f v0 = load8(x + j), v1 = load8(x + j + 8);
      l0 = v0 < l0 ? v0 : l0;
      l1 = v1 < l1 ? v1 : l1;
      z += (v0 - v0) + (v1 - v1);
    }
  }
  float m = init, zz = 0.f;
  for (; j < n; ++j) {
    m = is_max ? (x[j] > m ? x[j] : m) : (x[j] < m ? x[j] : m);
    zz += x[j] - x[j];
  }
  for (int k = 0; k < 8; ++k) {
    m = is_max ? (l0[k] > m ? l0[k] : m) : (l0[k] < m ? l0[k] : m);
    m = is_max ? (l1[k] > m ? l1[k] : m) : (l1[k] < m ? l1[k] : m);
    zz += z[k];
  }
  if (zz != zz)
    for (int64_t i = 0; i < n; ++i)
      if (x[i] != x[i]) return x[i];
  return m;
}

PFF_HOT void col_max(const float* __restrict x, int64_t rows, int64_t inner, bool is_max, float* __restrict acc,
                     float* __restrict z) {
  for (int64_t i = 0; i < inner; ++i) z[i] = 0.f;
  for (int64_t j = 0; j < rows; ++j) {
    const float* row = x + j * inner;
    if (is_max) {
      for (int64_t i = 0; i < inner; ++i) {
        float v = row[i];
        acc[i] = v > acc[i] ? v : acc[i];
        z[i] += v - v;
      }
    } else {
      for (int64_t i = 0; i < inner; ++i) {
        float v = row[i];
        acc[i] = v < acc[i] ? v : acc[i];
        z[i] += v - v;
      }
    }
  }
  for (int64_t i = 0; i < inner; ++i)
    if (z[i] != z[i])
      for (int64_t j = 0; j < rows; ++j)
        if (x[j * inner + i] != x[j * inner + i]) { acc[i] = x[j * inner + i]; break; }
}



// col_max for rows of a few values (global pooling over channels): the rows are walked
// as one flat array in periods of narrow_period() floats, each lane keeping its own extreme, so the loop
// vectorises; lanes are then combined per column. A NaN in a column wins, as col_max.
PFF_HOT void col_max_narrow(const float* __restrict x, int64_t rows, int64_t inner,
                            bool is_max, float* __restrict acc) {
  const int64_t period = narrow_period(inner), n = rows * inner;
  const float init = is_max ? -std::numeric_limits<float>::infinity()
                            : std::numeric_limits<float>::infinity();
  SmallBuffer buf(2 * period);
  float* lane = buf.data();
  float* z = lane + period;
  for (int64_t t = 0; t < period; ++t) lane[t] = init;
  int64_t k = 0;
  for (; k + period <= n; k += period) {
    if (is_max) {
      for (int64_t t = 0; t < period; ++t) {
        float v = x[k + t];
        lane[t] = v > lane[t] ? v : lane[t];
        z[t] += v - v;
      }
    } else {
      for (int64_t t = 0; t < period; ++t) {
        float v = x[k + t];
        lane[t] = v < lane[t] ? v : lane[t];
        z[t] += v - v;
      }
    }
  }
  for (int64_t t = 0; k + t < n; ++t) {
    float v = x[k + t];
    lane[t] = is_max ? (v > lane[t] ? v : lane[t]) : (v < lane[t] ? v : lane[t]);
    z[t] += v - v;
  }
  for (int64_t t = 0; t < period; ++t) {
    float& a = acc[t % inner];
    a = is_max ? (lane[t] > a ? lane[t] : a) : (lane[t] < a ? lane[t] : a);
  }
  for (int64_t i = 0; i < inner; ++i) {
    bool nan = false;
    for (int64_t t = i; t < period; t += inner) nan = nan || z[t] != z[t];
    if (!nan) continue;
    for (int64_t j = 0; j < rows; ++j)
      if (x[j * inner + i] != x[j * inner + i]) { acc[i] = x[j * inner + i]; break; }
  }
}

// acc[0..inner) <- combine rows [rb, re) of x (rows of length inner).
template <Acc A>
void acc_rows(const float* x, int64_t rb, int64_t re, int64_t inner, double* acc) {
  if (re <= rb) return;
  if constexpr (A == Acc::sum) {
    if (inner == 1) {
      acc[0] += row_sum(x + rb, re - rb);
    } else {
      std::vector<float> tmp(static_cast<size_t>(inner));
      col_sum(x + rb * inner, re - rb, inner, acc, tmp.data());
    }
    return;
  }
  if constexpr (A == Acc::max || A == Acc::min) {
    const bool is_max = A == Acc::max;
    if (inner == 1) {
      acc[0] = comb<A>(acc[0], row_max(x + rb, re - rb, is_max));
    } else {
      SmallBuffer buf(2 * inner);
      float* m = buf.data();
      float* z = m + inner;
      std::fill(m, m + inner, is_max ? -std::numeric_limits<float>::infinity()
                                     : std::numeric_limits<float>::infinity());
      if (inner < 8)
        col_max_narrow(x + rb * inner, re - rb, inner, is_max, m);
      else
        col_max(x + rb * inner, re - rb, inner, is_max, m, z);
      for (int64_t i = 0; i < inner; ++i) acc[i] = comb<A>(acc[i], m[i]);
    }
    return;
  }
  for (int64_t j = rb; j < re; ++j) {
    const float* row = x + j * inner;
    for (int64_t i = 0; i < inner; ++i) acc[i] = comb<A>(acc[i], static_cast<double>(row[i]));
  }
}

template <Acc A>
void reduce_acc(const float* x, double* out, int64_t outer, int64_t r, int64_t inner) {
  const int64_t total = outer * r * inner;
  const int nt = get_num_threads();
  std::fill(out, out + outer * inner, init_of(A));
  if (total < kGrain || nt == 1 || outer >= 4 * nt || r < 2 * nt) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(r * inner, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o)
                     acc_rows<A>(x + o * r * inner, 0, r, inner, out + o * inner);
                 });
    return;
  }
  // Few outer slices: split r over the threads, then combine the partials.
  const int64_t chunks = std::min<int64_t>(nt, std::max<int64_t>(1, total / kGrain));
  std::vector<double> part(static_cast<size_t>(chunks * outer * inner), init_of(A));
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t rb = r * c / chunks, re = r * (c + 1) / chunks;
      double* p = part.data() + c * outer * inner;
      for (int64_t o = 0; o < outer; ++o)
        acc_rows<A>(x + o * r * inner, rb, re, inner, p + o * inner);
    }
  });
  for (int64_t c = 0; c < chunks; ++c) {
    const double* p = part.data() + c * outer * inner;
    for (int64_t k = 0; k < outer * inner; ++k) out[k] = comb<A>(out[k], p[k]);
  }
}


// out[o, :] = sum over j of row_fn contributions (row_fn(o, j, acc) adds row j of slice o
// into acc[0..inner)); splits r across threads when there are few outer slices.
template <typename F>
void sum_over_rows(int64_t outer, int64_t r, int64_t inner, double* out, F&& row_fn) {
  const int64_t total = outer * r * inner;
  const int nt = get_num_threads();
  std::fill(out, out + outer * inner, 0.0);
  if (total < kGrain || nt == 1 || outer >= 4 * nt || r < 2 * nt) {
    per_outer(outer, r, inner, [&](int64_t o) {
      for (int64_t j = 0; j < r; ++j) row_fn(o, j, out + o * inner);
    });
    return;
  }
  const int64_t chunks = std::min<int64_t>(nt, std::max<int64_t>(1, total / kGrain));
  std::vector<double> part(static_cast<size_t>(chunks * outer * inner), 0.0);
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t rb = r * c / chunks, re = r * (c + 1) / chunks;
      double* p = part.data() + c * outer * inner;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = rb; j < re; ++j) row_fn(o, j, p + o * inner);
    }
  });
  for (int64_t c = 0; c < chunks; ++c) {
    const double* p = part.data() + c * outer * inner;
    for (int64_t k = 0; k < outer * inner; ++k) out[k] += p[k];
  }
}



}  // namespace


std::vector<double> reduce_parts::means(const float* x, int64_t outer, int64_t r,
                                          int64_t inner) {
  std::vector<double> m(static_cast<size_t>(outer * inner));
  reduce_acc<Acc::sum>(x, m.data(), outer, r, inner);
  for (auto& v : m) v /= static_cast<double>(r);
  return m;
}

void reduce_f32(Reduce op, const float* x, float* out, int64_t outer, int64_t r,
                int64_t inner, int64_t ddof) {
  const int64_t n = outer * inner;
  if (n == 0) return;
  std::vector<double> acc(static_cast<size_t>(n));
  switch (op) {
    case Reduce::sum:
    case Reduce::mean: {
      reduce_acc<Acc::sum>(x, acc.data(), outer, r, inner);
      double s = op == Reduce::mean ? 1.0 / static_cast<double>(r) : 1.0;
      if (op == Reduce::mean && r == 0) s = kNaN;
      for (int64_t k = 0; k < n; ++k) out[k] = static_cast<float>(acc[k] * s);
      return;
    }
    case Reduce::prod:
      reduce_acc<Acc::prod>(x, acc.data(), outer, r, inner);
      break;
    case Reduce::max:
      reduce_acc<Acc::max>(x, acc.data(), outer, r, inner);
      break;
    case Reduce::min:
      reduce_acc<Acc::min>(x, acc.data(), outer, r, inner);
      break;
    case Reduce::var:
    case Reduce::std_: {
      std::vector<double> m = means(x, outer, r, inner);
      sum_over_rows(outer, r, inner, acc.data(), [&](int64_t o, int64_t j, double* a) {
        const double* mu = m.data() + o * inner;
        const float* row = x + (o * r + j) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          double d = row[i] - mu[i];
          a[i] += d * d;
        }
      });
      double denom = static_cast<double>(r - ddof);
      for (int64_t k = 0; k < n; ++k) {
        double v = denom > 0 ? acc[k] / denom : kNaN;
        out[k] = static_cast<float>(op == Reduce::std_ ? std::sqrt(v) : v);
      }
      return;
    }
    case Reduce::logsumexp: {
      reduce_acc<Acc::max>(x, acc.data(), outer, r, inner);
      std::vector<double> s(static_cast<size_t>(n), 0.0);
      sum_over_rows(outer, r, inner, s.data(), [&](int64_t o, int64_t j, double* a) {
        const double* mx = acc.data() + o * inner;
        const float* row = x + (o * r + j) * inner;
        for (int64_t i = 0; i < inner; ++i)
          if (std::isfinite(mx[i])) a[i] += std::exp(row[i] - mx[i]);
      });
      for (int64_t k = 0; k < n; ++k)
        out[k] = static_cast<float>(std::isfinite(acc[k]) ? acc[k] + std::log(s[k]) : acc[k]);
      return;
    }
  }
  for (int64_t k = 0; k < n; ++k) out[k] = static_cast<float>(acc[k]);
}

void reduce_i64(Reduce op, const int64_t* x, int64_t* out, int64_t outer, int64_t r,
                int64_t inner) {
  per_outer(outer, r, inner, [&](int64_t o) {
    int64_t* a = out + o * inner;
    int64_t init = op == Reduce::prod ? 1
                   : op == Reduce::max ? std::numeric_limits<int64_t>::min()
                   : op == Reduce::min ? std::numeric_limits<int64_t>::max() : 0;
    std::fill(a, a + inner, init);
    for (int64_t j = 0; j < r; ++j) {
      const int64_t* row = x + (o * r + j) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        switch (op) {
          case Reduce::prod: a[i] *= row[i]; break;
          case Reduce::max: a[i] = std::max(a[i], row[i]); break;
          case Reduce::min: a[i] = std::min(a[i], row[i]); break;
          default: a[i] += row[i];
        }
      }
    }
  });
}

void reduce_bool(bool any, const uint8_t* x, uint8_t* out, int64_t outer, int64_t r,
                 int64_t inner) {
  per_outer(outer, r, inner, [&](int64_t o) {
    uint8_t* a = out + o * inner;
    std::fill(a, a + inner, any ? 0 : 1);
    for (int64_t j = 0; j < r; ++j) {
      const uint8_t* row = x + (o * r + j) * inner;
      for (int64_t i = 0; i < inner; ++i) a[i] = any ? (a[i] | (row[i] != 0)) : (a[i] & (row[i] != 0));
    }
  });
}

void argreduce_f32(bool is_max, const float* x, int64_t* out, int64_t outer, int64_t r,
                   int64_t inner) {
  per_outer(outer, r, inner, [&](int64_t o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* p = x + o * r * inner + i;
      int64_t best = 0;
      float bv = p[0];
      if (bv == bv) {
        for (int64_t j = 1; j < r; ++j) {
          float v = p[j * inner];
          if (v != v) { best = j; break; }
          if (is_max ? v > bv : v < bv) { bv = v; best = j; }
        }
      }
      out[o * inner + i] = best;
    }
  });
}

void cumulative_f32(bool prod, bool reverse, const float* x, float* out, int64_t outer,
                    int64_t r, int64_t inner) {
  per_outer(outer, r, inner, [&](int64_t o) {
    std::vector<double> a(static_cast<size_t>(inner), prod ? 1.0 : 0.0);
    for (int64_t jj = 0; jj < r; ++jj) {
      int64_t j = reverse ? r - 1 - jj : jj;
      const float* row = x + (o * r + j) * inner;
      float* orow = out + (o * r + j) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        a[i] = prod ? a[i] * row[i] : a[i] + row[i];
        orow[i] = static_cast<float>(a[i]);
      }
    }
  });
}

}  // namespace pyfastfit::cpu
