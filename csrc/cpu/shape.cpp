// Data-movement kernels: one strided walk serves transpose, slicing, broadcasting, flip
// and pad; take/take_along gather rows; sorting works row by row.
#include "cpu/shape.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;

// Drops size-1 dims and merges dims that are contiguous with each other.
void simplify(std::vector<int64_t>& counts, std::vector<int64_t>& strides) {
  std::vector<int64_t> c, s;
  for (size_t d = 0; d < counts.size(); ++d) {
    if (counts[d] == 1) continue;
    if (!c.empty() && s.back() == strides[d] * counts[d]) {
      c.back() *= counts[d];
      s.back() = strides[d];
    } else {
      c.push_back(counts[d]);
      s.push_back(strides[d]);
    }
  }
  counts.swap(c);
  strides.swap(s);
}

template <typename T, bool Gather>
PFF_HOT void walk_rows(const T* src, T* dst, const std::vector<int64_t>& counts,
                       const std::vector<int64_t>& strides, int64_t offset, int64_t rb,
                       int64_t re) {
  const int nd = static_cast<int>(counts.size());
  const int64_t inner = counts[nd - 1], is = strides[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  int64_t off = offset, r = rb;
  for (int d = nd - 2; d >= 0; --d) {
    idx[d] = r % counts[d];
    r /= counts[d];
    off += idx[d] * strides[d];
  }
  for (int64_t row = rb; row < re; ++row) {
    if (Gather) {
      T* o = dst + row * inner;
      const T* in = src + off;
      if (is == 1) {
        std::memcpy(o, in, inner * sizeof(T));
      } else if (is == 0) {
        T v = in[0];
        for (int64_t j = 0; j < inner; ++j) o[j] = v;
      } else {
        for (int64_t j = 0; j < inner; ++j) o[j] = in[j * is];
      }
    } else {
      const T* in = src + row * inner;
      T* o = dst + off;
      if (is == 1) {
        std::memcpy(o, in, inner * sizeof(T));
      } else {
        for (int64_t j = 0; j < inner; ++j) o[j * is] = in[j];
      }
    }
    for (int d = nd - 2; d >= 0; --d) {
      off += strides[d];
      if (++idx[d] < counts[d]) break;
      off -= strides[d] * counts[d];
      idx[d] = 0;
    }
  }
}

// Gather where the innermost output dim is strided in the source but another dim p is
// contiguous there (a transpose): copy 16x16 tiles so both sides stay cache friendly.
template <typename T>
PFF_HOT void tiled_gather(const T* src, T* dst, const std::vector<int64_t>& counts,
                          const std::vector<int64_t>& strides, int64_t offset, int p) {
  constexpr int64_t kTile = 16;
  const int nd = static_cast<int>(counts.size());
  const int64_t cl = counts[nd - 1], sl = strides[nd - 1], cp = counts[p];
  std::vector<int64_t> ostr(nd);
  int64_t acc = 1;
  for (int d = nd - 1; d >= 0; --d) {
    ostr[d] = acc;
    acc *= counts[d];
  }
  std::vector<int> others;
  int64_t O = 1;
  for (int d = 0; d < nd - 1; ++d)
    if (d != p) {
      others.push_back(d);
      O *= counts[d];
    }
  const int64_t pb = (cp + kTile - 1) / kTile;
  const int64_t osp = ostr[p];
  parallel_for(O * pb, std::max<int64_t>(1, kGrain / (kTile * std::max<int64_t>(cl, 1))),
               [&](int64_t b, int64_t e) {
                 for (int64_t u = b; u < e; ++u) {
                   int64_t o = u / pb, i0 = (u % pb) * kTile;
                   int64_t so = offset, dof = 0, r = o;
                   for (int k = static_cast<int>(others.size()) - 1; k >= 0; --k) {
                     int d = others[k];
                     int64_t id = r % counts[d];
                     r /= counts[d];
                     so += id * strides[d];
                     dof += id * ostr[d];
                   }
                   const int64_t i1 = std::min(cp, i0 + kTile);
                   for (int64_t j0 = 0; j0 < cl; j0 += kTile) {
                     const int64_t j1 = std::min(cl, j0 + kTile);
                     for (int64_t i = i0; i < i1; ++i) {
                       T* o_row = dst + dof + i * osp;
                       const T* s_col = src + so + i;
                       for (int64_t j = j0; j < j1; ++j) o_row[j] = s_col[j * sl];
                     }
                   }
                 }
               });
}

template <typename T, bool Gather>
void walk(const void* src, void* dst, std::vector<int64_t> counts,
          std::vector<int64_t> strides, int64_t offset) {
  int64_t total = 1;
  for (auto c : counts) total *= c;
  if (total == 0) return;
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  simplify(counts, strides);
  if (counts.empty()) {
    if (Gather) d[0] = s[offset];
    else d[offset] = s[0];
    return;
  }
  const int64_t inner = counts.back();
  if (Gather && counts.size() >= 2 && strides.back() != 1 && strides.back() != 0 && inner >= 8) {
    for (int p = static_cast<int>(counts.size()) - 2; p >= 0; --p)
      if (strides[p] == 1 && counts[p] >= 8) {
        tiled_gather<T>(s, d, counts, strides, offset, p);
        return;
      }
  }
  const int64_t rows = total / inner;
  // Scatters with a non-unit innermost stride can still be split by rows safely because
  // the caller guarantees the destination positions do not overlap.
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)),
               [&](int64_t rb, int64_t re) {
                 walk_rows<T, Gather>(s, d, counts, strides, offset, rb, re);
               });
}

template <bool Gather>
void walk_any(const void* src, void* dst, size_t esize, std::vector<int64_t> counts,
              std::vector<int64_t> strides, int64_t offset) {
  switch (esize) {
    case 1: return walk<uint8_t, Gather>(src, dst, std::move(counts), std::move(strides), offset);
    case 2: return walk<uint16_t, Gather>(src, dst, std::move(counts), std::move(strides), offset);
    case 4: return walk<uint32_t, Gather>(src, dst, std::move(counts), std::move(strides), offset);
    default: return walk<uint64_t, Gather>(src, dst, std::move(counts), std::move(strides), offset);
  }
}

}  // namespace

void strided_gather(const void* src, void* dst, size_t esize, std::vector<int64_t> counts,
                    std::vector<int64_t> strides, int64_t offset) {
  walk_any<true>(src, dst, esize, std::move(counts), std::move(strides), offset);
}

void strided_scatter(const void* src, void* dst, size_t esize, std::vector<int64_t> counts,
                     std::vector<int64_t> strides, int64_t offset) {
  walk_any<false>(src, dst, esize, std::move(counts), std::move(strides), offset);
}

void take(const void* src, void* dst, size_t esize, int64_t outer, int64_t n, int64_t inner,
          const int64_t* idx, int64_t m) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  const size_t row = static_cast<size_t>(inner) * esize;
  if (row == 0) return;
  parallel_for(outer * m, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t k = b; k < e; ++k) {
                   int64_t o = k / m, j = k % m;
                   std::memcpy(d + k * row, s + (o * n + idx[j]) * row, row);
                 }
               });
}

PFF_HOT void take_backward(const float* src, float* dst, int64_t outer, int64_t n,
                           int64_t inner, const int64_t* idx, int64_t m) {
  // Indices may repeat, so rows of one outer slice are accumulated serially.
  parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(m * inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o)
                   for (int64_t j = 0; j < m; ++j) {
                     const float* g = src + (o * m + j) * inner;
                     float* t = dst + (o * n + idx[j]) * inner;
                     for (int64_t i = 0; i < inner; ++i) t[i] += g[i];
                   }
               });
}

void take_along(const void* src, void* dst, size_t esize, int64_t outer, int64_t n,
                int64_t inner, const int64_t* idx, int64_t m) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(m * inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o)
                   for (int64_t j = 0; j < m; ++j)
                     for (int64_t i = 0; i < inner; ++i) {
                       int64_t k = (o * m + j) * inner + i;
                       std::memcpy(d + k * esize, s + ((o * n + idx[k]) * inner + i) * esize,
                                   esize);
                     }
               });
}

void take_along_backward(const float* src, float* dst, int64_t outer, int64_t n,
                         int64_t inner, const int64_t* idx, int64_t m) {
  parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(m * inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o)
                   for (int64_t j = 0; j < m; ++j)
                     for (int64_t i = 0; i < inner; ++i) {
                       int64_t k = (o * m + j) * inner + i;
                       dst[(o * n + idx[k]) * inner + i] += src[k];
                     }
               });
}

void concat_rows(const std::vector<const void*>& srcs, const std::vector<int64_t>& widths,
                 void* dst, int64_t outer) {
  int64_t total = 0;
  for (auto w : widths) total += w;
  auto* d = static_cast<char*>(dst);
  parallel_for(outer, std::max<int64_t>(1, (kGrain * 4) / std::max<int64_t>(total, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o) {
                   char* row = d + o * total;
                   for (size_t k = 0; k < srcs.size(); ++k) {
                     if (widths[k])
                       std::memcpy(row, static_cast<const char*>(srcs[k]) + o * widths[k],
                                   widths[k]);
                     row += widths[k];
                   }
                 }
               });
}

void fill(void* dst, size_t esize, int64_t n, const void* value) {
  auto* d = static_cast<char*>(dst);
  bool zero = true;
  for (size_t b = 0; b < esize; ++b) zero &= static_cast<const char*>(value)[b] == 0;
  if (zero) {
    std::memset(d, 0, n * esize);
    return;
  }
  switch (esize) {
    case 1: std::memset(d, *static_cast<const uint8_t*>(value), n); break;
    case 4: {
      uint32_t v;
      std::memcpy(&v, value, 4);
      std::fill_n(reinterpret_cast<uint32_t*>(d), n, v);
      break;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, value, 8);
      std::fill_n(reinterpret_cast<uint64_t*>(d), n, v);
    }
  }
}

void argsort_rows(const float* x, int64_t rows, int64_t n, bool descending, int64_t* idx) {
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const float* v = x + r * n;
                   int64_t* o = idx + r * n;
                   std::iota(o, o + n, int64_t{0});
                   if (descending) {
                     // NaN first (largest), as top_k treats it.
                     std::stable_sort(o, o + n, [v](int64_t a, int64_t c) {
                       return (std::isnan(v[a]) && !std::isnan(v[c])) || v[a] > v[c];
                     });
                   } else {
                     // NaN last, as NumPy.
                     std::stable_sort(o, o + n, [v](int64_t a, int64_t c) {
                       return (!std::isnan(v[a]) && std::isnan(v[c])) || v[a] < v[c];
                     });
                   }
                 }
               });
}

void top_k_rows(const float* x, int64_t rows, int64_t n, int64_t k, bool sorted,
                int64_t* idx) {
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 std::vector<int64_t> order(n);
                 for (int64_t r = b; r < e; ++r) {
                   const float* v = x + r * n;
                   std::iota(order.begin(), order.end(), int64_t{0});
                   auto greater = [v](int64_t a, int64_t c) {
                     bool na = std::isnan(v[a]), nc = std::isnan(v[c]);
                     if (na != nc) return na;
                     if (!na && v[a] != v[c]) return v[a] > v[c];
                     return a < c;
                   };
                   std::partial_sort(order.begin(), order.begin() + k, order.end(), greater);
                   if (!sorted) std::sort(order.begin(), order.begin() + k);
                   std::copy(order.begin(), order.begin() + k, idx + r * k);
                 }
               });
}

}  // namespace pyfastfit::cpu

namespace pyfastfit::cpu {
namespace {

template <typename S, typename D>
PFF_HOT void cast_loop(const S* s, D* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<D, bool>) {
      d[i] = s[i] != S(0);
    } else if constexpr (std::is_floating_point_v<S> && !std::is_floating_point_v<D>) {
      // Out-of-range and NaN conversions are undefined in C++; clamp like a saturating cast.
      float v = static_cast<float>(s[i]);
      d[i] = std::isnan(v) ? D(0) : static_cast<D>(std::max<double>(
          std::min<double>(v, static_cast<double>(std::numeric_limits<D>::max())),
          static_cast<double>(std::numeric_limits<D>::lowest())));
    } else {
      d[i] = static_cast<D>(s[i]);
    }
  }
}

template <typename S>
void cast_from(const S* s, void* dst, int dst_code, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    switch (dst_code) {
      case 0: cast_loop(s + b, static_cast<float*>(dst) + b, e - b); break;
      case 1: cast_loop(s + b, static_cast<int32_t*>(dst) + b, e - b); break;
      case 2: cast_loop(s + b, static_cast<int64_t*>(dst) + b, e - b); break;
      case 3: cast_loop(s + b, static_cast<uint8_t*>(dst) + b, e - b); break;
      default: cast_loop(s + b, static_cast<bool*>(dst) + b, e - b); break;
    }
  });
}

}  // namespace

void cast(const void* src, int src_code, void* dst, int dst_code, int64_t n) {
  switch (src_code) {
    case 0: return cast_from(static_cast<const float*>(src), dst, dst_code, n);
    case 1: return cast_from(static_cast<const int32_t*>(src), dst, dst_code, n);
    case 2: return cast_from(static_cast<const int64_t*>(src), dst, dst_code, n);
    case 3: return cast_from(static_cast<const uint8_t*>(src), dst, dst_code, n);
    default: return cast_from(static_cast<const bool*>(src), dst, dst_code, n);
  }
}

}  // namespace pyfastfit::cpu
