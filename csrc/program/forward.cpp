// Program: the forward pass (row gather included), split over the cores by rows.
#include <algorithm>
#include <cstring>

#include "core/threads.h"
#include "cpu/activation.h"
#include "cpu/dense.h"
#include "cpu/random.h"
#include "program/node_helpers.h"
#include "program/program.h"

namespace pyfastfit::program {

using detail::act_cols;
using detail::act_rows;
using detail::has;
using detail::ptr_or_null;

void Program::prefetch_rows(const std::vector<Tensor>& xs, const int64_t* rows,
                            int64_t b) const {
  // Shuffled rows come from anywhere in x (often far larger than the caches): asking
  // for the next batch while this one computes turns the gather's DRAM misses into
  // cache hits.
  for (int j = 0; j < num_inputs_; ++j) {
    const char* src = reinterpret_cast<const char*>(xs[j].f32());
    int64_t bytes = nodes_[j].width * static_cast<int64_t>(sizeof(float));
    for (int64_t i = 0; i < b; ++i) {
      const char* row = src + rows[i] * bytes;
      for (int64_t off = 0; off < bytes; off += 64) __builtin_prefetch(row + off, 0, 2);
    }
  }
}

void Program::point_inputs_at(const std::vector<Tensor>& xs, int64_t start) {
  for (int j = 0; j < num_inputs_; ++j) value_ptr_[j] = xs[j].f32() + start * nodes_[j].width;
}

void Program::forward(int64_t b, bool training, const std::vector<uint64_t>* counters,
                      int64_t step, const int64_t* gather_rows,
                      const std::vector<Tensor>* xs) {
  int n = static_cast<int>(nodes_.size());
  // Identity nodes alias their input; resolve them before the rows are split.
  for (int i = num_inputs_; i < n; ++i)
    if (nodes_[i].kind == NodeKind::identity) value_ptr_[i] = value_ptr_[nodes_[i].inputs[0]];
  // Every node is row-wise, so each core runs the whole forward for its share of the
  // rows (gather included): one parallel region per step, and a row's values are the
  // same whichever share it falls in.
  // Shares under 32 rows make thin GEMMs that each read the whole kernel (W2's batch of
  // 32 ran 12% slower split in two); a single share leaves the GEMMs to split columns.
  int64_t grain = std::max<int64_t>(32, (int64_t{1} << 12) / input_width_);
  parallel_for(b, grain, [&](int64_t lo, int64_t hi) {
    if (gather_rows) {
      for (int j = 0; j < num_inputs_; ++j) {
        int64_t w = nodes_[j].width;
        const float* src = (*xs)[j].f32();
        float* dst = value_ptr_[j];
        for (int64_t r = lo; r < hi; ++r)
          std::memcpy(dst + r * w, src + gather_rows[r] * w, sizeof(float) * w);
      }
    }
    forward_rows(lo, hi, training, counters, step);
  });
}

void Program::forward_rows(int64_t r0, int64_t r1, bool training,
                           const std::vector<uint64_t>* counters, int64_t step) {
  int n = static_cast<int>(nodes_.size());
  int64_t rows = r1 - r0;
  for (int i = num_inputs_; i < n; ++i) {
    auto& nd = nodes_[i];
    int64_t w = nd.width, off = r0 * w, cnt = rows * w;
    int64_t in_w = nodes_[nd.inputs[0]].width;
    const float* in0 = value_ptr_[nd.inputs[0]] + r0 * in_w;
    float* out = value_ptr_[i] + off;
    switch (nd.kind) {
      case NodeKind::input:
      case NodeKind::identity:
        break;
      case NodeKind::dense:
        cpu::dense_forward(in0, nd.kernel.f32(), ptr_or_null(nd.bias),
                           has(pre_[i]) ? pre_[i].f32() + off : nullptr, out, rows, in_w, w,
                           nd.act, nd.alpha);
        break;
      case NodeKind::activation:
        if (has(pre_[i])) std::memcpy(pre_[i].f32() + off, in0, sizeof(float) * cnt);
        cpu::activation_forward(nd.act, in0, out, act_rows(nd.act, rows),
                                act_cols(nd.act, rows, w), nd.alpha);
        break;
      case NodeKind::dropout:
        if (training && nd.rate > 0.f) {
          uint64_t counter = (*counters)[dropout_index_[i]] + static_cast<uint64_t>(step) + 1;
          // Mask indices are the element's place in the whole batch.
          cpu::dropout_forward_range(value_ptr_[nd.inputs[0]], value_ptr_[i], mask_[i].f32(),
                                     off, off + cnt, nd.rate, nd.seed, counter);
        } else {
          std::memcpy(out, in0, sizeof(float) * cnt);
        }
        break;
      case NodeKind::concatenate: {
        int64_t col = 0;
        for (int j : nd.inputs) {
          int64_t wj = nodes_[j].width;
          const float* src = value_ptr_[j];
          for (int64_t r = r0; r < r1; ++r)
            std::memcpy(value_ptr_[i] + r * w + col, src + r * wj, sizeof(float) * wj);
          col += wj;
        }
        break;
      }
      default:
        merge_forward(nd.kind, nd.inputs, value_ptr_, off, out, cnt);
        break;
    }
  }
}

}  // namespace pyfastfit::program
