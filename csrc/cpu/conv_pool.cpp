#include "cpu/conv_pool.h"

#include <algorithm>
#include <vector>

#include "core/threads.h"
#include "cpu/conv_detail.h"
#include "cpu/dense.h"

namespace pyfastfit::cpu {

int64_t conv_pool_block(const ConvGeom& g) {
  // A block's convolution output within ~256 KB (L2), W3's conv1: 3 samples.
  return std::max<int64_t>(1, (int64_t{64} << 10) / std::max<int64_t>(g.positions() * g.O, 1));
}

void conv_max_pool_forward(const float* x, const float* kernel, const float* bias,
                           Activation act, float alpha, float* out, int32_t* idx, float* z_at,
                           const ConvGeom& g, const PoolGeom& pg) {
  const int64_t bs = conv_pool_block(g), conv_out = g.positions() * g.O;
  const int64_t pooled = pg.OD * pg.OH * pg.OW * g.O, in_n = g.in_sample();
  const bool keep_z = z_at != nullptr;
  // Blocks in parallel, each convolved and pooled on one thread (the kernels' own
  // parallel calls run serially inside): a block of a few samples split over the threads
  // would leave one idle for part of it and hand work over twice per block.
  const int64_t blocks = (g.N + bs - 1) / bs;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    // Per-thread buffers kept between calls (not zeroed: every value is written).
    conv_detail::Scratch y_buf(bs * conv_out, 2), z_buf(keep_z ? bs * conv_out : 0, 3);
    float *y = y_buf.data(), *z = z_buf.data();
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * bs, nb = std::min(bs, g.N - n0);
      ConvGeom gb = g;
      gb.N = nb;
      PoolGeom pb = pg;
      pb.N = nb;
      conv_forward_fused(x + n0 * in_n, kernel, bias, act, alpha, keep_z ? z : nullptr, y, gb);
      int32_t* id = idx + n0 * pooled;
      max_pool_forward(y, out + n0 * pooled, id, pb);
      if (!keep_z) continue;
      float* za = z_at + n0 * pooled;
      for (int64_t s = 0; s < nb; ++s)
        for (int64_t k = 0; k < pooled / g.O; ++k)
          for (int64_t c = 0; c < g.O; ++c) {
            const int64_t i = (s * pooled / g.O + k) * g.O + c;
            za[i] = id[i] < 0 ? 0.f : z[s * conv_out + id[i] * g.O + c];
          }
    }
  });
}

void conv_max_pool_backward(const float* dout, const int32_t* idx, const float* out,
                            const float* z_at, Activation act, float alpha, const float* x,
                            const float* kernel, float* dkernel, float* dbias, float* dx,
                            const ConvGeom& g, const PoolGeom& pg) {
  const int64_t bs = conv_pool_block(g), conv_out = g.positions() * g.O;
  const int64_t pooled = pg.OD * pg.OH * pg.OW * g.O, in_n = g.in_sample();
  const int64_t blocks = (g.N + bs - 1) / bs, K = g.patch() * g.O;
  std::vector<float> dk_part(static_cast<size_t>(blocks * K));
  std::vector<float> db_part(static_cast<size_t>(dbias ? blocks * g.O : 0), 0.f);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    conv_detail::Scratch dzp_buf(bs * pooled, 3), dz_buf(bs * conv_out, 2);
    float *dzp = dzp_buf.data(), *dz = dz_buf.data();
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * bs, nb = std::min(bs, g.N - n0), m = nb * pooled;
      const int32_t* id = idx + n0 * pooled;
      // d loss / d z at the argmax positions, then spread into the block's output map.
      activation_backward(act, dout + n0 * pooled, z_at ? z_at + n0 * pooled : nullptr,
                          out + n0 * pooled, dzp, 1, m, alpha);
      // The pooling's own backward spreads them (one pass for windows that tile).
      PoolGeom pb = pg;
      pb.N = nb;
      max_pool_backward(dzp, id, dz, pb);
      if (dbias) column_sums(dzp, db_part.data() + b * g.O, m / g.O, g.O);
      ConvGeom gb = g;
      gb.N = nb;
      conv_backward_kernel(dz, x + n0 * in_n, dk_part.data() + b * K, gb);
      if (dx) conv_backward_input(dz, kernel, dx + n0 * in_n, gb);
    }
  });
  std::fill(dkernel, dkernel + K, 0.f);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < K; ++i) dkernel[i] += dk_part[b * K + i];
  if (!dbias) return;
  std::fill(dbias, dbias + g.O, 0.f);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t o = 0; o < g.O; ++o) dbias[o] += db_part[b * g.O + o];
}

}  // namespace pyfastfit::cpu
