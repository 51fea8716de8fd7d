// The backward of a convolution followed by a max pooling. The pooling's gradient reaches
// one output position per window and filter (a global max: one per sample and filter,
// every tied one on ties), so the convolution's output gradient is zero elsewhere:
// summing over the positions that carry gradient costs windows x patch x filters per
// sample, where the dense kernel gradient and col2im cost positions x patch x filters
// (MaxPooling2D(2): a quarter; W4's Conv2D(3, 3) + GlobalMaxPooling2D, a text CNN's last
// Conv1D + GlobalMaxPooling1D: one position in hundreds).
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/activation.h"
#include "cpu/conv.h"

namespace pyfastfit::cpu {

/** Where rows of `positions` x `channels` values y reach their per-channel max `pooled`
 *  (rows x channels, as reduce_f32's max gives it): first[r * channels + c] = the first
 *  position p with y[r, p, c] == pooled[r, c] (-1 if none, a NaN max) and ties[...] =
 *  how many positions equal it. */
void global_max_positions(const float* y, const float* pooled, int32_t* first,
                          int32_t* ties, int64_t rows, int64_t positions, int64_t channels);

/** One nonzero of a convolution's output gradient: sample n, output position pos (over
 *  OD * OH * OW), filter o, d loss / d z (z = conv + bias, before the activation). */
struct ConvGradEntry {
  int64_t n, pos, o;
  float dz;
};

/** The nonzeros of d loss / d z for pooled = global max over positions of y = act(z)
 *  (rows, positions, channels): dpooled[r, c] split evenly over the positions equal to
 *  pooled[r, c] (as reduce max's backward), then through act' (reading z, nullable when
 *  !activation_backward_needs_input(act), or y). act must be elementwise (not softmax).
 *  first / ties as global_max_positions gave them. Ordered by sample, filter, position. */
std::vector<ConvGradEntry> global_max_grad_entries(
    Activation act, float alpha, const float* dpooled, const float* pooled, const float* y,
    const float* z, const int32_t* first, const int32_t* ties, int64_t rows,
    int64_t positions, int64_t channels);

/** The nonzeros of d loss / d z for pooled_out = max pooling of act(z) over `windows`
 *  windows per sample, with the forward's argmax idx (rows, windows, channels; -1 for an
 *  empty window) and z_at = z at each argmax (nullable when act's backward reads only its
 *  output, the pooled value): dpooled goes to the argmax position (as max_pool_backward)
 *  through act'. Overlapping windows may list a position twice (their gradients add).
 *  Ordered by sample, window, filter. */
std::vector<ConvGradEntry> max_pool_grad_entries(Activation act, float alpha,
                                                 const float* dpooled, const int32_t* idx,
                                                 const float* pooled_out, const float* z_at,
                                                 int64_t rows, int64_t windows,
                                                 int64_t channels);

/** dkernel (KD, KH, KW, C / groups, O), dbias (O, nullable) and dx (N, D, H, W, C,
 *  nullable) of a convolution whose output gradient dz is zero outside `entries`; each
 *  output is overwritten. */
void conv_backward_at(const std::vector<ConvGradEntry>& entries, const float* x,
                      const float* kernel, float* dkernel, float* dbias, float* dx,
                      const ConvGeom& g);

}  // namespace pyfastfit::cpu
