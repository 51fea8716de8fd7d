// Pooling kernels, split over the pool by batch rows.
#include "cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

/** The window's input range [b, e) along one axis: start o * s - p, clipped. */
inline void window(int64_t o, int64_t s, int64_t p, int64_t k, int64_t n, int64_t& b,
                   int64_t& e) {
  int64_t start = o * s - p;
  b = std::max<int64_t>(start, 0);
  e = std::min<int64_t>(start + k, n);
}

// Samples per chunk: enough work per chunk that the pool's hand-off pays.
int64_t grain(const PoolGeom& g) {
  int64_t per = std::max<int64_t>(g.OD * g.OH * g.OW * g.C * g.KD * g.KH * g.KW, 1);
  return std::max<int64_t>(1, (1 << 14) / per);
}

}  // namespace

// Each kernel is a PFF_HOT function over samples [nb, ne), which the public function
// splits over the pool: the loops must not live in the parallel_for lambda, whose body
// GCC compiles outside the AVX2 clone (it ran SSE-only there). The loops are macros
// rather than lambdas for the same reason.

// Runs the statements once per sample n in [nb, ne); in_n and out_n are one sample's
// input and output sizes.
#define PFF_POOL_SAMPLES(g, ...)                                      \
  const int64_t in_n = g.D * g.H * g.W * g.C;                         \
  const int64_t out_n = g.OD * g.OH * g.OW * g.C;                     \
  for (int64_t n = nb; n < ne; ++n) {                                 \
    __VA_ARGS__                                                       \
  }

// Runs the statements once per output position (od, oh, ow) of one sample, with its
// window's clipped input depths [db, de), rows [hb, he) and columns [wb, we), and q, the
// position's index among the sample's OD * OH * OW (od = 0, db = 0, de = 1 in 2-D).
#define PFF_POOL_WINDOWS(g, ...)                                      \
  for (int64_t od = 0; od < g.OD; ++od) {                             \
    int64_t db, de;                                                   \
    window(od, g.sd, g.pf, g.KD, g.D, db, de);                        \
    for (int64_t oh = 0; oh < g.OH; ++oh) {                           \
      int64_t hb, he;                                                 \
      window(oh, g.sh, g.pt, g.KH, g.H, hb, he);                      \
      for (int64_t ow = 0; ow < g.OW; ++ow) {                         \
        int64_t wb, we;                                               \
        window(ow, g.sw, g.pl, g.KW, g.W, wb, we);                    \
        const int64_t q = (od * g.OH + oh) * g.OW + ow;               \
        __VA_ARGS__                                                   \
      }                                                               \
    }                                                                 \
  }

namespace {

PFF_HOT void max_pool_forward_samples(const float* x, float* out, int32_t* idx, int64_t nb,
                                      int64_t ne, const PoolGeom& g) {
  PFF_POOL_SAMPLES(g, {
    const float* xs = x + n * in_n;
    PFF_POOL_WINDOWS(g, {
      float* o = out + n * out_n + q * g.C;
      int32_t* id = idx + n * out_n + q * g.C;
      if (db >= de || hb >= he || wb >= we) {
        std::fill(o, o + g.C, 0.f);
        std::fill(id, id + g.C, -1);
        continue;
      }
      // The first window position seeds every channel; later ones replace it when
      // larger, and a NaN replaces anything but an earlier NaN (it propagates).
      int32_t first = static_cast<int32_t>((db * g.H + hb) * g.W + wb);
      std::memcpy(o, xs + first * g.C, sizeof(float) * g.C);
      std::fill(id, id + g.C, first);
      for (int64_t dp = db; dp < de; ++dp) {
        for (int64_t h = hb; h < he; ++h) {
          for (int64_t w = wb; w < we; ++w) {
            int32_t p = static_cast<int32_t>((dp * g.H + h) * g.W + w);
            if (p == first) continue;
            const float* v = xs + p * g.C;
            // Branch-free selects, so the channel loop vectorises (x != x is NaN).
            _Pragma("GCC ivdep") for (int64_t c = 0; c < g.C; ++c) {
              const float a = v[c], b = o[c];
              const bool take = a > b || (a != a && b == b);
              o[c] = take ? a : b;
              id[c] = take ? p : id[c];
            }
          }
        }
      }
    })
  })
}

/** Whether the windows never overlap and start at the origin (stride == pool size, no
 *  padding: the usual MaxPooling2D(2)), so each input position is in at most one window. */
bool tiles(const PoolGeom& g) {
  return g.KH >= 1 && g.KW >= 1 && g.KD >= 1 && g.sh == g.KH && g.sw == g.KW &&
         g.sd == g.KD && g.pt == 0 && g.pl == 0 && g.pf == 0;
}

/** max_pool_backward for tiles(g): each window's positions are written once, dout where
 *  the position is the window's argmax and 0 elsewhere, and the rows, columns and depths
 *  no window reaches (the floor of an odd size) are cleared: one pass over dx instead of
 *  clearing it and scattering into it (W3's first pool backward: 1.0 -> 0.5 ms). */
PFF_HOT void max_pool_backward_tiles(const float* dout, const int32_t* idx, float* dx,
                                     int64_t nb, int64_t ne, const PoolGeom& g) {
  const int64_t C = g.C, row = g.W * C;
  const int64_t cov_d = g.OD * g.KD, cov_h = g.OH * g.KH, cov_w = g.OW * g.KW;
  PFF_POOL_SAMPLES(g, {
    float* d = dx + n * in_n;
    for (int64_t dp = 0; dp < g.D; ++dp)
      for (int64_t h = 0; h < g.H; ++h) {
        float* r = d + (dp * g.H + h) * row;
        if (dp >= cov_d || h >= cov_h)
          std::memset(r, 0, sizeof(float) * row);
        else if (cov_w < g.W)
          std::memset(r + cov_w * C, 0, sizeof(float) * (g.W - cov_w) * C);
      }
    PFF_POOL_WINDOWS(g, {
      const float* go = dout + n * out_n + q * C;
      const int32_t* id = idx + n * out_n + q * C;
      for (int64_t dp = db; dp < de; ++dp)
        for (int64_t h = hb; h < he; ++h)
          for (int64_t w = wb; w < we; ++w) {
            const int32_t p = static_cast<int32_t>((dp * g.H + h) * g.W + w);
            float* v = d + p * C;
            for (int64_t c = 0; c < C; ++c) v[c] = id[c] == p ? go[c] : 0.f;
          }
    })
  })
}

PFF_HOT void max_pool_backward_samples(const float* dout, const int32_t* idx, float* dx,
                                       int64_t nb, int64_t ne, const PoolGeom& g) {
  PFF_POOL_SAMPLES(g, {
    float* d = dx + n * in_n;
    std::memset(d, 0, sizeof(float) * in_n);
    const float* go = dout + n * out_n;
    const int32_t* id = idx + n * out_n;
    for (int64_t q = 0; q < g.OD * g.OH * g.OW; ++q, go += g.C, id += g.C) {
      for (int64_t c = 0; c < g.C; ++c)
        if (id[c] >= 0) d[id[c] * g.C + c] += go[c];
    }
  })
}

PFF_HOT void average_pool_forward_samples(const float* x, float* out, int64_t nb, int64_t ne,
                                          const PoolGeom& g) {
  PFF_POOL_SAMPLES(g, {
    const float* xs = x + n * in_n;
    PFF_POOL_WINDOWS(g, {
      float* o = out + n * out_n + q * g.C;
      std::fill(o, o + g.C, 0.f);
      int64_t count = std::max<int64_t>(de - db, 0) * std::max<int64_t>(he - hb, 0) *
                      std::max<int64_t>(we - wb, 0);
      if (count == 0) continue;
      for (int64_t dp = db; dp < de; ++dp)
        for (int64_t h = hb; h < he; ++h)
          for (int64_t w = wb; w < we; ++w) {
            const float* v = xs + ((dp * g.H + h) * g.W + w) * g.C;
            for (int64_t c = 0; c < g.C; ++c) o[c] += v[c];
          }
      float inv = 1.f / static_cast<float>(count);
      for (int64_t c = 0; c < g.C; ++c) o[c] *= inv;
    })
  })
}

PFF_HOT void average_pool_backward_samples(const float* dout, float* dx, int64_t nb,
                                           int64_t ne, const PoolGeom& g) {
  PFF_POOL_SAMPLES(g, {
    float* d = dx + n * in_n;
    std::memset(d, 0, sizeof(float) * in_n);
    PFF_POOL_WINDOWS(g, {
      int64_t count = std::max<int64_t>(de - db, 0) * std::max<int64_t>(he - hb, 0) *
                      std::max<int64_t>(we - wb, 0);
      if (count == 0) continue;
      const float* go = dout + n * out_n + q * g.C;
      float inv = 1.f / static_cast<float>(count);
      for (int64_t dp = db; dp < de; ++dp)
        for (int64_t h = hb; h < he; ++h)
          for (int64_t w = wb; w < we; ++w) {
            float* v = d + ((dp * g.H + h) * g.W + w) * g.C;
            for (int64_t c = 0; c < g.C; ++c) v[c] += go[c] * inv;
          }
    })
  })
}

}  // namespace

void max_pool_forward(const float* x, float* out, int32_t* idx, const PoolGeom& g) {
  parallel_for(g.N, grain(g), [&](int64_t nb, int64_t ne) {
    max_pool_forward_samples(x, out, idx, nb, ne, g);
  });
}

void max_pool_backward(const float* dout, const int32_t* idx, float* dx, const PoolGeom& g) {
  const bool tiled = tiles(g);
  parallel_for(g.N, grain(g), [&](int64_t nb, int64_t ne) {
    if (tiled)
      max_pool_backward_tiles(dout, idx, dx, nb, ne, g);
    else
      max_pool_backward_samples(dout, idx, dx, nb, ne, g);
  });
}

void average_pool_forward(const float* x, float* out, const PoolGeom& g) {
  parallel_for(g.N, grain(g), [&](int64_t nb, int64_t ne) {
    average_pool_forward_samples(x, out, nb, ne, g);
  });
}

void average_pool_backward(const float* dout, float* dx, const PoolGeom& g) {
  parallel_for(g.N, grain(g), [&](int64_t nb, int64_t ne) {
    average_pool_backward_samples(dout, dx, nb, ne, g);
  });
}

#undef PFF_POOL_WINDOWS
#undef PFF_POOL_SAMPLES

namespace {

int64_t sample_grain(int64_t T, int64_t C) {
  return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(T * C, 1));
}

/** The mask's count of kept steps (exact: sums of 0 / 1 below 2^24). */
inline float kept(const float* m, int64_t T) {
  float n = 0.f;
  for (int64_t t = 0; t < T; ++t) n += m[t];
  return n;
}

}  // namespace

void masked_mean_pool_forward(const float* x, const float* mask, int64_t B, int64_t T,
                              int64_t C, float* y) {
  // x is (B, T, C), mask (B, T), y (B, C); each sample's steps are added in order.
  parallel_for(B, sample_grain(T, C), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const float* m = mask + b * T;
      float* yb = y + b * C;
      std::fill(yb, yb + C, 0.f);
      for (int64_t t = 0; t < T; ++t) {
        const float* xt = x + (b * T + t) * C;
        for (int64_t c = 0; c < C; ++c) yb[c] += xt[c] * m[t];
      }
      const float n = kept(m, T);
      for (int64_t c = 0; c < C; ++c) yb[c] /= n;
    }
  });
}

void masked_mean_pool_backward(const float* dy, const float* mask, int64_t B, int64_t T,
                               int64_t C, float* dx) {
  // dy is (B, C), mask (B, T), dx (B, T, C).
  parallel_for(B, sample_grain(T, C), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const float* m = mask + b * T;
      const float n = kept(m, T);
      for (int64_t t = 0; t < T; ++t) {
        float* dt = dx + (b * T + t) * C;
        for (int64_t c = 0; c < C; ++c) dt[c] = dy[b * C + c] / n * m[t];
      }
    }
  });
}

}  // namespace pyfastfit::cpu
