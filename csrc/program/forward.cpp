// Program: the forward pass (row gather included), split over the cores by rows.
#include <algorithm>
#include <cstring>

#include "core/threads.h"
#include "program/program.h"

namespace pyfastfit::program {

void Program::prefetch_rows(const std::vector<Tensor>& xs, const int64_t* rows,
                            int64_t b) const {
  // Shuffled rows come from anywhere in x (often far larger than the caches): the pool's
  // workers prefetch the next batch's rows (of the widest input) while they wait between
  // this step's jobs, so its gather finds them in cache. A burst of prefetches on the
  // calling thread stalled it about as long as the gather it saved (W1 epoch without
  // validation, in-process A/B, medians of 14: 99.6 ms idle workers, 106.9 the caller's
  // burst, 104.3 none).
  int wide = 0;
  for (int j = 1; j < num_inputs_; ++j)
    if (width(j) > width(wide)) wide = j;
  prefetch_when_idle(xs[wide].f32(), width(wide) * static_cast<int64_t>(sizeof(float)), rows,
                     b);
}

void Program::point_inputs_at(const std::vector<Tensor>& xs, int64_t start) {
  for (int j = 0; j < num_inputs_; ++j) value_ptr_[j] = xs[j].f32() + start * width(j);
}

void Program::forward(int64_t b, bool training, const std::vector<uint64_t>* counters,
                      int64_t step, const int64_t* gather_rows,
                      const std::vector<Tensor>* xs) {
  int n = static_cast<int>(nodes_.size());
  // Aliasing nodes read their input's buffer; resolve them before the rows are split.
  for (int i = num_inputs_; i < n; ++i)
    if (nodes_[i]->aliases_input()) value_ptr_[i] = value_ptr_[nodes_[i]->spec().inputs[0]];
  // Each run of row-wise nodes is one parallel region: each core runs the whole run
  // (the gather included) for its share of the rows, and a row's values are the same
  // whichever share it falls in. A node that needs the whole batch (BatchNormalization
  // in training) runs alone between such runs, splitting its own work.
  // Shares under 32 rows make thin GEMMs that each read the whole kernel (W2's batch of
  // 32 ran 12% slower split in two); a single share leaves the GEMMs to split columns.
  const int64_t gather_grain = std::max<int64_t>(1, (int64_t{1} << 12) / input_width_);
  const int64_t grain = std::max<int64_t>(32, gather_grain);
  bool gather = gather_rows != nullptr;
  auto gather_range = [&](int64_t lo, int64_t hi) {
    for (int j = 0; j < num_inputs_; ++j) {
      int64_t w = width(j);
      const float* src = (*xs)[j].f32();
      float* dst = value_ptr_[j];
      for (int64_t r = lo; r < hi; ++r)
        std::memcpy(dst + r * w, src + gather_rows[r] * w, sizeof(float) * w);
    }
  };
  // A batch of wide samples in one share (W4: 32 samples of 4,072 floats) would be
  // gathered by one core while the other waits: gather it on its own, split finer.
  if (gather && b < 2 * grain && b * input_width_ >= (int64_t{1} << 16)) {
    parallel_for(b, gather_grain, gather_range);
    gather = false;
  }
  int first = num_inputs_;
  while (first < n || gather) {
    int last = first;
    while (last < n && nodes_[last]->row_wise(training)) ++last;
    if (last > first || gather) {
      parallel_for(b, grain, [&](int64_t lo, int64_t hi) {
        if (gather) gather_range(lo, hi);
        forward_nodes(first, last, lo, hi, b, training, counters, step);
      });
      gather = false;
    }
    if (last < n) forward_nodes(last, last + 1, 0, b, b, training, counters, step);
    first = last + 1;
  }
}

void Program::forward_nodes(int first, int last, int64_t r0, int64_t r1, int64_t b,
                            bool training, const std::vector<uint64_t>* counters,
                            int64_t step) {
  Pass p{value_ptr_.data(), 0, r0, r1, b, training, 0};
  for (int i = first; i < last; ++i) {
    p.self = i;
    p.counter = random_index_[i] >= 0 && counters
                    ? (*counters)[random_index_[i]] + static_cast<uint64_t>(step) + 1
                    : 0;
    nodes_[i]->forward(p);
  }
}

}  // namespace pyfastfit::program
