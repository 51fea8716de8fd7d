// Recording: the op list of a captured function, its buffers, and its replay.
#include "core/capture.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/threads.h"

namespace pyfastfit::capture {
namespace {

thread_local Recording* tls_active = nullptr;

std::string hex(const void* p) {
  std::ostringstream os;
  os << p;
  return os.str();
}

/** FNV-1a over the bytes: constants made from Python values compare by content. */
uint64_t content_hash(const Tensor& t) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = static_cast<const unsigned char*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace

Recording* active() { return tls_active; }

void note_host_access(const char* what) {
  Recording* r = tls_active;
  if (r != nullptr && r->recording())
    r->mark_tainted(std::string("a tensor's value was read or written in Python (") + what +
                    ")");
}

Tensor Recording::add_input(const Tensor& value) {
  PFF_CHECK(mode_ == Mode::idle, "[capture] inputs must be added before recording starts.");
  Tensor t = value.clone();
  roles_[t.holder().get()] = "in" + std::to_string(inputs_.size());
  inputs_.push_back(t);
  return t;
}

void Recording::begin() {
  PFF_CHECK(mode_ == Mode::idle && steps_.empty(), "[capture] a recording is made once.");
  PFF_CHECK(tls_active == nullptr, "[capture] another recording is active on this thread.");
  mode_ = Mode::record;
  tls_active = this;
}

void Recording::end() {
  if (tls_active == this) tls_active = nullptr;
  mode_ = Mode::idle;
  PFF_CHECK(op_depth_ == 0 && boundary_depth_ == 0, "[capture] recording ended inside an op.");
}

void Recording::pause() {
  PFF_CHECK(tls_active == this && mode_ == Mode::record, "[capture] pause outside recording.");
  tls_active = nullptr;
}

void Recording::resume() {
  PFF_CHECK(tls_active == nullptr && mode_ == Mode::record, "[capture] resume without pause.");
  tls_active = this;
}

Tensor Recording::empty(const Shape& shape, DType dtype) {
  if (mode_ == Mode::replay) {
    PFF_CHECK(cursor_ < allocs_.size(), "[capture] replay allocated more than the capture.");
    const Tensor& t = allocs_[cursor_++];
    PFF_CHECK(t.shape() == shape && t.dtype() == dtype,
              "[capture] replay allocated ", dtype_name(dtype), shape_str(shape),
              " where the capture allocated ", dtype_name(t.dtype()), shape_str(t.shape()), ".");
    return t;
  }
  Tensor t = Tensor::allocate(shape, dtype);
  if (mode_ != Mode::record || boundary_depth_ > 0) return t;
  if (op_depth_ == 0) {
    mark_tainted("a C++ call that is not a recorded op allocated a tensor");
    return t;
  }
  roles_[t.holder().get()] = "a" + std::to_string(allocs_.size());
  allocs_.push_back(t);
  return t;
}

void Recording::end_op(const char* op, size_t alloc_begin, std::function<void()> run,
                       const std::string& attrs) {
  --op_depth_;
  steps_.push_back(Step{op, std::move(run), alloc_begin, allocs_.size()});
  signature_ += op;
  signature_ += attrs;
  signature_ += '\n';
}

void Recording::add_constant(const Tensor& t) {
  if (!t.holder() || roles_.count(t.holder().get())) return;
  std::ostringstream os;
  os << 'k' << std::hex << content_hash(t);
  roles_[t.holder().get()] = os.str();
}

std::string Recording::role(const Tensor& t) const {
  const void* h = t.holder().get();
  auto it = roles_.find(h);
  if (it == roles_.end()) return "x" + hex(t.raw());  // outside state: a variable, say
  if (it->second[0] == 'k' || t.raw() == h) return it->second;
  // A view into an input or an allocation (our own buffers start at the holder).
  return it->second + '+' +
         std::to_string(static_cast<const char*>(t.raw()) - static_cast<const char*>(h));
}

void Recording::check_replayable(size_t num_inputs) const {
  PFF_CHECK(mode_ == Mode::idle, "[capture] replay while the recording is in use.");
  PFF_CHECK(taint_.empty(), "[capture] this recording cannot be replayed: ", taint_, ".");
  PFF_CHECK(tls_active == nullptr, "[capture] replay inside an active recording.");
  PFF_CHECK(num_inputs == inputs_.size(), "[capture] expected ", inputs_.size(),
            " inputs, got ", num_inputs, ".");
}

bool Recording::matches(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != inputs_.size()) return false;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].shape() != inputs_[i].shape() || inputs[i].dtype() != inputs_[i].dtype())
      return false;
  return true;
}

std::vector<Tensor> Recording::replay(const std::vector<Tensor>& inputs) {
  check_replayable(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& dst = inputs_[i];
    const Tensor& src = inputs[i];
    PFF_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(), "[capture] input ", i,
              " is ", dtype_name(src.dtype()), shape_str(src.shape()), ", the capture's was ",
              dtype_name(dst.dtype()), shape_str(dst.shape()), ".");
    if (dst.nbytes() && src.raw() != dst.raw()) std::memcpy(dst.raw(), src.raw(), dst.nbytes());
  }
  return run_steps();
}

std::vector<Tensor> Recording::replay_rows(const std::vector<Tensor>& sources, int64_t start,
                                           const Tensor& order) {
  check_replayable(sources.size());
  gather_rows(sources, start, order);
  return run_steps();
}

std::vector<Tensor> Recording::replay_rows_steps(const std::vector<Tensor>& sources,
                                                 int64_t start, const Tensor& order,
                                                 int64_t steps,
                                                 const std::function<void()>& between) {
  check_replayable(sources.size());
  PFF_CHECK(steps >= 1, "[capture] replay_rows_steps needs at least one step, got ", steps,
            ".");
  const int64_t rows = inputs_.empty() || inputs_[0].ndim() == 0 ? 0 : inputs_[0].dim(0);
  constexpr auto kPollEvery = std::chrono::milliseconds(50);
  auto last_poll = std::chrono::steady_clock::now();
  // The widest source's rows of the next batch go to the idle workers to prefetch: the
  // gather reads them at random places in memory (W6: 64 rows of 3 KB from 157 MB; its
  // gather 23 -> 16 us a step).
  size_t wide = 0;
  for (size_t i = 1; i < sources.size(); ++i)
    if (inputs_[i].nbytes() > inputs_[wide].nbytes()) wide = i;
  const bool prefetch = rows > 0 && !sources.empty() && order.defined() &&
                        order.dtype() == DType::int64 && order.ndim() == 1;
  for (int64_t s = 0;; ++s) {
    gather_rows(sources, start + s * rows, order);
    const int64_t next = start + (s + 1) * rows;
    if (prefetch && s + 1 < steps && next + rows <= order.numel())
      prefetch_when_idle(sources[wide].raw(),
                         static_cast<int64_t>(inputs_[wide].nbytes()) / rows,
                         order.data<int64_t>() + next, rows);
    if (s + 1 == steps) return run_steps();
    run_steps(/*copy_outputs=*/false);
    if (between && std::chrono::steady_clock::now() - last_poll >= kPollEvery) {
      between();
      last_poll = std::chrono::steady_clock::now();
    }
  }
}

void Recording::gather_rows(const std::vector<Tensor>& sources, int64_t start,
                            const Tensor& order) {
  const bool ordered = order.defined();
  int64_t rows = -1;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Tensor& dst = inputs_[i];
    const Tensor& src = sources[i];
    PFF_CHECK(dst.ndim() >= 1 && src.ndim() == dst.ndim() && src.dtype() == dst.dtype() &&
                  std::equal(src.shape().begin() + 1, src.shape().end(),
                             dst.shape().begin() + 1) &&
                  src.device() == Device::cpu && dst.device() == Device::cpu,
              "[capture] rows of ", dtype_name(src.dtype()), shape_str(src.shape()),
              " cannot fill input ", i, " (", dtype_name(dst.dtype()), shape_str(dst.shape()),
              ").");
    PFF_CHECK(rows < 0 || rows == dst.dim(0), "[capture] inputs of different batch sizes.");
    rows = dst.dim(0);
  }
  if (rows < 0) return;
  int64_t have = sources[0].dim(0);  // rows every source has
  for (const Tensor& src : sources) have = std::min(have, src.dim(0));
  PFF_CHECK(!ordered || (order.dtype() == DType::int64 && order.ndim() == 1),
            "[capture] the row order must be a 1-D int64 tensor.");
  const int64_t n = ordered ? order.numel() : have;
  PFF_CHECK(start >= 0 && start + rows <= n, "[capture] rows ", start, "..", start + rows,
            " are out of range for ", n, " rows.");
  const int64_t* idx = ordered ? order.data<int64_t>() + start : nullptr;
  for (int64_t r = 0; ordered && r < rows; ++r)
    PFF_CHECK(idx[r] >= 0 && idx[r] < have, "[capture] row index ", idx[r],
              " is out of range for ", have, " rows.");
  for (size_t i = 0; i < sources.size(); ++i) {
    const size_t row_bytes = rows ? inputs_[i].nbytes() / static_cast<size_t>(rows) : 0;
    if (row_bytes == 0) continue;
    const auto* src = static_cast<const char*>(sources[i].raw());
    auto* dst = static_cast<char*>(inputs_[i].raw());
    // Wide rows come from memory at random places: two cores fetch them faster than one.
    const int64_t grain = std::max<int64_t>(1, (int64_t{64} << 10) / row_bytes);
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      if (!ordered) {
        std::memcpy(dst + b * row_bytes, src + (start + b) * row_bytes, (e - b) * row_bytes);
        return;
      }
      for (int64_t r = b; r < e; ++r)
        std::memcpy(dst + r * row_bytes, src + idx[r] * row_bytes, row_bytes);
    });
  }
}

std::vector<Tensor> Recording::run_steps(bool copy_outputs) {
  struct Active {
    Recording* r;
    explicit Active(Recording* rec) : r(rec) {
      r->mode_ = Mode::replay;
      tls_active = r;
    }
    ~Active() {
      tls_active = nullptr;
      r->mode_ = Mode::idle;
    }
  } scope(this);
  // Each replay is one training (or test) step: run it with the pool or on this thread,
  // whichever PoolChoice finds faster (threads.h).
  const bool timed = step_seconds_ == nullptr;
  SerialScope serial(timed && pool_choice_.serial_next());
  const auto replay_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    cursor_ = s.alloc_begin;
    if (step_seconds_ != nullptr) {
      auto t0 = std::chrono::steady_clock::now();
      s.run();
      (*step_seconds_)[i] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } else {
      s.run();
    }
    PFF_CHECK(cursor_ == s.alloc_end, "[capture] replay of `", s.op, "` allocated ",
              cursor_ - s.alloc_begin, " tensors, the capture ", s.alloc_end - s.alloc_begin,
              ".");
  }
  if (timed)
    pool_choice_.record(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                      replay_start).count());
  std::vector<Tensor> out;
  if (!copy_outputs) return out;
  out.reserve(outputs_.size());
  // Copies: the next replay writes the same buffers, and a returned tensor is immutable.
  tls_active = nullptr;
  for (const Tensor& t : outputs_) {
    Tensor c = Tensor::allocate(t.shape(), t.dtype());
    if (t.nbytes()) std::memcpy(c.raw(), t.raw(), t.nbytes());
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::pair<std::string, double>> Recording::profile(
    const std::vector<Tensor>& inputs, int repeats) {
  std::vector<double> seconds(steps_.size(), 0.0);
  step_seconds_ = &seconds;
  try {
    for (int r = 0; r < repeats; ++r) replay(inputs);
  } catch (...) {
    step_seconds_ = nullptr;
    throw;
  }
  step_seconds_ = nullptr;
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < steps_.size(); ++i) out.emplace_back(steps_[i].op, seconds[i]);
  return out;
}

}  // namespace pyfastfit::capture
