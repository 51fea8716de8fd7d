// 3-D convolutions (ConvGeom::deep()): im2col + the OpenBLAS GEMM over blocks of output
// depth planes. A unit is one output depth plane of one sample, (n, od) = (u / OD,
// u % OD), whose OH * OW output rows are contiguous in out (N, OD, OH, OW, O); its patch
// rows put the KD input planes' im2col_plane side by side (columns kd, kh, kw, c).
// Splitting by units rather than samples bounds the patch matrix of a large volume and
// keeps the pool busy at batch sizes of 1-2 (a CT-scan model's).
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/conv_detail.h"
#include "cpu/gemm.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu::conv_detail {
namespace {

/** Units per block, so that one block's patch matrix fits kColBudget. */
int64_t block_units(const ConvGeom& g) {
  return std::max<int64_t>(1, kColBudget / std::max<int64_t>(g.OH * g.OW * g.patch(), 1));
}

// col (nu * OH * OW, P) = the patch rows of units [u0, u0 + nu), group gi.
PFF_HOT void im2col_units(const float* x, float* col, int64_t u0, int64_t nu, int64_t gi,
                          const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch(), HWC = g.H * g.W * g.C;
  const int64_t plane = g.KH * g.KW * cg, rows = g.OH * g.OW;
  for (int64_t u = 0; u < nu; ++u) {
    const int64_t n = (u0 + u) / g.OD, od = (u0 + u) % g.OD;
    for (int64_t kd = 0; kd < g.KD; ++kd) {
      float* dst = col + u * rows * P + kd * plane;
      const int64_t id = od * g.sd - g.pf + kd * g.dd;
      if (id < 0 || id >= g.D) {  // a padding plane: zeros
        for (int64_t r = 0; r < rows; ++r) std::fill(dst + r * P, dst + r * P + plane, 0.f);
        continue;
      }
      im2col_plane(x + (n * g.D + id) * HWC + gi * cg, dst, P, g);
    }
  }
}

// The adjoint of im2col_units: adds the patch entries back into dx.
PFF_HOT void col2im_units(const float* col, float* dx, int64_t u0, int64_t nu, int64_t gi,
                          const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch(), HWC = g.H * g.W * g.C;
  const int64_t plane = g.KH * g.KW * cg, rows = g.OH * g.OW;
  for (int64_t u = 0; u < nu; ++u) {
    const int64_t n = (u0 + u) / g.OD, od = (u0 + u) % g.OD;
    for (int64_t kd = 0; kd < g.KD; ++kd) {
      const int64_t id = od * g.sd - g.pf + kd * g.dd;
      if (id < 0 || id >= g.D) continue;
      col2im_plane(col + u * rows * P + kd * plane, dx + (n * g.D + id) * HWC + gi * cg, P,
                   g);
    }
  }
}

}  // namespace

void deep_forward(const float* x, const float* kernel, const float* bias, Activation act,
                  float alpha, float* z, float* out, const ConvGeom& g) {
  const int64_t rows = g.OH * g.OW, P = g.patch(), og = g.og(), bu = block_units(g);
  parallel_for(g.N * g.OD, 1, [&](int64_t b, int64_t e) {
    Scratch col(std::min(bu, e - b) * rows * P, 0);
    for (int64_t u0 = b; u0 < e; u0 += bu) {
      const int64_t nu = std::min(bu, e - u0), M = nu * rows;
      float* zb = z + u0 * rows * g.O;
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        im2col_units(x, col.data(), u0, nu, gi, g);
        // z[:, gi*og : (gi+1)*og] (M, og) = col (M, P) @ kernel[:, gi*og ...] (P, og)
        gemm(false, false, M, og, P, 1.f, col.data(), P, kernel + gi * og, g.O, 0.f,
             zb + gi * og, g.O);
      }
      epilogue(zb, out + u0 * rows * g.O, M, g.O, bias, act, alpha);
    }
  });
}

void deep_backward_input(const float* dout, const float* kernel, float* dx,
                         const ConvGeom& g) {
  // By samples: the units of one sample add into overlapping input planes, so they run
  // in order on one thread, in blocks of at most one sample's units.
  const int64_t rows = g.OH * g.OW, P = g.patch(), og = g.og(), in_n = g.in_sample();
  const int64_t bu = std::min(block_units(g), g.OD);
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    Scratch col(bu * rows * P, 0);
    for (int64_t n = b; n < e; ++n) {
      std::memset(dx + n * in_n, 0, sizeof(float) * in_n);
      for (int64_t u0 = n * g.OD; u0 < (n + 1) * g.OD; u0 += bu) {
        const int64_t nu = std::min(bu, (n + 1) * g.OD - u0), M = nu * rows;
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          // dcol (M, P) = dout[:, group] (M, og) @ kernel[:, group]^T (og, P)
          gemm(false, true, M, P, og, 1.f, dout + u0 * rows * g.O + gi * og, g.O,
               kernel + gi * og, g.O, 0.f, col.data(), P);
          col2im_units(col.data(), dx, u0, nu, gi, g);
        }
      }
    }
  });
}

void deep_backward_kernel(const float* dout, const float* x, float* dkernel,
                          const ConvGeom& g) {
  const int64_t rows = g.OH * g.OW, P = g.patch(), og = g.og(), K = P * g.O;
  const int64_t U = g.N * g.OD, bu = block_units(g);
  // One partial dkernel per chunk of units, summed in chunk order afterwards.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), U));
  std::vector<float> part(static_cast<size_t>(chunks * K), 0.f);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const int64_t b = U * c / chunks, e = U * (c + 1) / chunks;
      float* dk = part.data() + c * K;
      Scratch col(std::min(bu, std::max<int64_t>(e - b, 1)) * rows * P, 0);
      for (int64_t u0 = b; u0 < e; u0 += bu) {
        const int64_t nu = std::min(bu, e - u0), M = nu * rows;
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          im2col_units(x, col.data(), u0, nu, gi, g);
          // dk[:, group] (P, og) += col^T (P, M) @ dout[:, group] (M, og)
          gemm(true, false, P, og, M, 1.f, col.data(), P, dout + u0 * rows * g.O + gi * og,
               g.O, 1.f, dk + gi * og, g.O);
        }
      }
    }
  });
  std::memcpy(dkernel, part.data(), sizeof(float) * K);
  for (int64_t c = 1; c < chunks; ++c) {
    const float* p = part.data() + c * K;
    for (int64_t i = 0; i < K; ++i) dkernel[i] += p[i];
  }
}

}  // namespace pyfastfit::cpu::conv_detail
