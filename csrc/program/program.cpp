// Program: construction, buffers (allocated once), data checks, and the train /
// evaluate / predict loops over many steps (forward.cpp and backward.cpp hold the passes).
#include "program/program.h"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <unordered_set>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/constraints.h"
#include "cpu/gemm.h"
#include "cpu/penalty.h"
#include "ops/optim.h"
#include "program/node_helpers.h"

namespace pyfastfit::program {

using detail::has;
using detail::ptr_or_null;

namespace {
// Every live Program, so a forked child can reset their mutexes (as the thread pool
// drops its own in the child). Leaked on purpose: Programs may outlive static teardown.
std::mutex& registry_mu() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::unordered_set<Program*>& registry() {
  static auto* set = new std::unordered_set<Program*>;
  return *set;
}
void before_fork() { registry_mu().lock(); }
void after_fork_parent() { registry_mu().unlock(); }
void after_fork_child();

void register_program(Program* p) {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(before_fork, after_fork_parent, after_fork_child); });
  std::lock_guard<std::mutex> lock(registry_mu());
  registry().insert(p);
}
}  // namespace

void reset_program_mutexes_in_child() {
  // The registry mutex was locked by before_fork in the forking thread: re-create it too.
  new (&registry_mu()) std::mutex;
  for (Program* p : registry()) new (&p->mu_) std::mutex;
}

namespace {
void after_fork_child() { reset_program_mutexes_in_child(); }
}  // namespace

Program::~Program() {
  std::lock_guard<std::mutex> lock(registry_mu());
  registry().erase(this);
}

void Program::poll_interrupt(Clock::time_point& last) {
  if (!interrupt_check_) return;
  auto now = Clock::now();
  if (now - last < std::chrono::milliseconds(50)) return;
  interrupt_check_();
  last = Clock::now();
}

Program::Program(std::vector<NodeSpec> specs, std::vector<int> outputs,
                 std::vector<HeadSpec> heads, std::vector<MetricSpec> metrics,
                 OptimizerSpec optimizer, int64_t max_batch)
    : outputs_(std::move(outputs)), heads_(std::move(heads)), metrics_(std::move(metrics)),
      opt_(std::move(optimizer)) {
  int n = static_cast<int>(specs.size());
  while (num_inputs_ < n && specs[num_inputs_].kind == "input") ++num_inputs_;
  PFF_CHECK(num_inputs_ >= 1 && num_inputs_ < n,
            "[program] the graph must start with its input nodes and at least one layer "
            "must follow.");
  PFF_CHECK(!outputs_.empty(), "[program] the model needs at least one output.");
  for (int o : outputs_)
    PFF_CHECK(o >= num_inputs_ && o < n, "[program] output node ", o, " out of range [",
              num_inputs_, ", ", n, ").");
  consumers_.assign(n, 0);
  needs_grad_.assign(n, false);
  random_index_.assign(n, -1);
  int draws = 0;
  int num_params = static_cast<int>(opt_.params.size());
  for (int i = 0; i < n; ++i) {
    auto& spec = specs[i];
    PFF_CHECK(i < num_inputs_ || spec.kind != "input",
              "[program] input nodes must come first (node ", i, " is an input).");
    PFF_CHECK(i < num_inputs_ || !spec.inputs.empty(), "[program] node ", i,
              " has no inputs.");
    std::vector<std::vector<int64_t>> in_shapes;
    for (int j : spec.inputs) {
      PFF_CHECK(j >= 0 && j < i, "[program] node ", i, " reads node ", j,
                " which is not before it.");
      consumers_[j]++;
      if (needs_grad_[j]) needs_grad_[i] = true;
      in_shapes.push_back(nodes_[j]->spec().shape);
    }
    for (auto& p : spec.params) {
      PFF_CHECK(p.slot < num_params, "[program] node ", i, " names parameter ", p.slot,
                " of ", num_params, ".");
      if (p.slot >= 0) needs_grad_[i] = true;
    }
    if (spec.activity_l1 != 0.f || spec.activity_l2 != 0.f) activity_nodes_.push_back(i);
    nodes_.push_back(make_node(std::move(spec), in_shapes));
    if (i < num_inputs_) input_width_ += nodes_[i]->width();
    if (nodes_[i]->random()) random_index_[i] = draws++;
  }
  for (auto& h : heads_) {
    PFF_CHECK(std::find(outputs_.begin(), outputs_.end(), h.node) != outputs_.end(),
              "[program] a loss reads node ", h.node, " which is not an output.");
    PFF_CHECK(h.positions >= 1 && width(h.node) % h.positions == 0, "[program] a loss ",
              "reads node ", h.node, " of width ", width(h.node), " as ", h.positions,
              " positions.");
    // The loss is one more source of the node's gradient: a node consuming it must not
    // write its input gradient over the loss's.
    consumers_[h.node]++;
  }
  for (size_t k = 0; k < metrics_.size(); ++k) {
    auto& m = metrics_[k];
    PFF_CHECK(m.head >= 0 && m.head < static_cast<int>(heads_.size()),
              "[program] a metric reads head ", m.head, " of ", heads_.size(), ".");
    if (m.confusion) check_confusion_metric(m, heads_[m.head], k);
  }
  for (auto& p : opt_.params) param_grads_.push_back(Tensor::empty(p.shape()));
  param_uses_.assign(num_params, 0);
  for (auto& node : nodes_)
    for (auto& p : node->spec().params)
      if (p.slot >= 0) param_uses_[p.slot]++;
  param_seen_.assign(num_params, 0);
  param_scratch_.resize(num_params);
  for (int p = 0; p < num_params; ++p)
    if (param_uses_[p] > 1) param_scratch_[p] = Tensor::empty(opt_.params[p].shape());
  // A large trained weight is updated block by block as the backward produces its
  // gradient, when its node can and the optimizer updates slices.
  fused_param_.assign(num_params, false);
  bool slices = !opt_.algo.empty() && optimizer_updates_slices(opt_.algo, opt_.clip_mode);
  frozen_grads_.resize(n);
  first_use_.resize(n);
  std::unordered_set<const void*> seen;  // a shared layer's weights count once
  int64_t most = 1, most_weights = 1;
  for (int i = 0; i < n; ++i) {
    auto& params = nodes_[i]->spec().params;
    frozen_grads_[i].resize(params.size());
    for (size_t k = 0; k < params.size(); ++k) {
      auto& p = params[k];
      if (p.slot < 0 && needs_grad_[i]) frozen_grads_[i][k] = Tensor::empty(p.weight.shape());
      if (slices && p.slot >= 0 && param_uses_[p.slot] == 1 &&
          nodes_[i]->can_fuse_update(static_cast<int>(k)))
        fused_param_[p.slot] = true;
      bool first = seen.insert(p.weight.raw()).second;
      first_use_[i].push_back(first);
      if (!first || p.constraint.kind == ConstraintKind::none) continue;
      has_constraints_ = true;
      auto [rows, cols] = nodes_[i]->constraint_dims(static_cast<int>(k));
      most = std::max({most, rows, cols});
      most_weights = std::max(most_weights, p.weight.numel());
    }
  }
  rest_opt_ = without_params(opt_, fused_param_);
  for (int p = 0; p < num_params; ++p)
    if (!fused_param_[p]) rest_grads_.push_back(param_grads_[p]);
  if (has_constraints_) {
    constraint_squares_ = Tensor::empty({most_weights});
    constraint_norms_ = Tensor::empty({most});
  }
  received_.assign(n, 0);
  value_.resize(n);
  grad_.resize(n);
  value_ptr_.assign(n, nullptr);
  grad_ptr_.assign(n, nullptr);
  head_bufs_.resize(heads_.size());
  reserve(std::max<int64_t>(1, max_batch));
  register_program(this);
}

void Program::reserve(int64_t batch) {
  if (batch <= max_batch_) return;
  try {
    rows_.resize(batch);
  } catch (const std::exception&) {  // bad_alloc or length_error of the vector
    throw AllocError(str("Unable to allocate the fast path's buffers for a batch of ", batch,
                         " samples."));
  }
  max_batch_ = batch;
  int n = static_cast<int>(nodes_.size());
  int64_t maxw = 1;
  for (int i = 0; i < n; ++i) {
    auto& node = *nodes_[i];
    Shape s{batch, node.width()};
    maxw = std::max(maxw, node.width());
    if (!node.aliases_input()) value_[i] = Tensor::empty(s);
    value_ptr_[i] = detail::ptr_or_null(value_[i]);
    if (i < num_inputs_) continue;
    node.reserve(batch);
    bool is_head = std::any_of(heads_.begin(), heads_.end(),
                               [&](const HeadSpec& h) { return h.node == i; });
    if (needs_grad_[i] || is_head) {
      grad_[i] = Tensor::empty(s);
      grad_ptr_[i] = grad_[i].f32();
    }
  }
  scratch_ = Tensor::empty({batch, maxw});
  allocate_head_buffers(head_bufs_, batch);
}

void Program::allocate_head_buffers(std::vector<HeadBuffers>& bufs, int64_t batch) const {
  bufs.resize(heads_.size());
  for (size_t h = 0; h < heads_.size(); ++h) {
    int64_t C = width(heads_[h].node), R = batch * heads_[h].positions;
    auto& buf = bufs[h];
    buf.labels = Tensor::empty({R}, DType::int64);
    buf.target = Tensor::empty({batch, C});
    if (heads_[h].smoothing) buf.smoothed = Tensor::empty({batch, C});
    buf.weights = Tensor::empty({R});
    buf.loss_rows = Tensor::empty({R});
    buf.dloss = Tensor::empty({R});
    buf.scratch = Tensor::empty({batch, C});
  }
}

int64_t Program::check_data(const Data& d, bool with_targets) const {
  PFF_CHECK(static_cast<int>(d.xs.size()) == num_inputs_, "[program] expected ", num_inputs_,
            " input array(s), got ", d.xs.size(), ".");
  int64_t N = 0;
  for (int j = 0; j < num_inputs_; ++j) {
    const Tensor& x = d.xs[j];
    check_float32(x, "program", "x");
    int64_t rows = x.ndim() ? x.dim(0) : 0;
    PFF_CHECK(x.ndim() >= 1 && x.numel() == rows * width(j), "[program] input ", j,
              " must have ", width(j), " features per sample, got shape ",
              shape_str(x.shape()), ".");
    PFF_CHECK(j == 0 || rows == N, "[program] input ", j, " has ", rows,
              " rows but input 0 has ", N, ".");
    N = rows;
  }
  if (!with_targets) return N;
  PFF_CHECK(d.ys.size() == heads_.size() && d.sws.size() == heads_.size(),
            "[program] expected ", heads_.size(), " target and sample-weight arrays, got ",
            d.ys.size(), " and ", d.sws.size(), ".");
  for (size_t h = 0; h < heads_.size(); ++h)
    check_head_data(heads_[h], width(heads_[h].node), d.ys[h], d.sws[h], N, h);
  return N;
}

void Program::losses_and_metrics(const Data& d, int64_t first, int64_t b, bool with_grad,
                                 double* sums, std::vector<HeadBuffers>& bufs) {
  float total = 0.f;
  for (size_t h = 0; h < heads_.size(); ++h) {
    auto& head = heads_[h];
    int node = head.node;
    gather_head(head, width(node), d.ys[h], d.sws[h], rows_.data() + first, b, bufs[h]);
    float* dpred = with_grad ? grad_ptr_[node] : nullptr;
    int64_t P = head.positions;
    float value = head_loss(head, value_ptr_[node] + first * width(node), b * P,
                            width(node) / P, bufs[h], dpred);
    if (dpred) received_[node] = 1;
    sums[2 + h] += static_cast<double>(value) * b;
    float weighted = head.has_weight ? value * head.weight : value;
    total = h == 0 ? weighted : total + weighted;
  }
  // compute_loss adds model.losses last: the layers' activity penalties of this batch,
  // then the weight penalties.
  for (int i : activity_nodes_) {
    auto& spec = nodes_[i]->spec();
    float p = cpu::weight_penalty(value_ptr_[i] + first * width(i), b * width(i),
                                  spec.activity_l1, spec.activity_l2);
    total = total + p / static_cast<float>(b);
  }
  for (float p : penalties_) total = total + p;
  // Keras weights the running loss by the batch size.
  sums[0] += static_cast<double>(total) * b;
  sums[1] += b;
  size_t base = 2 + heads_.size();
  for (size_t m = 0; m < metrics_.size(); ++m) {
    auto& spec = metrics_[m];
    int node = heads_[spec.head].node;
    int64_t P = heads_[spec.head].positions;
    metric_update(spec, heads_[spec.head], value_ptr_[node] + first * width(node), b * P,
                  width(node) / P, bufs[spec.head], &sums[base + 2 * m]);
  }
}

void Program::compute_penalties() {
  penalties_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& params = nodes_[i]->spec().params;
    for (size_t k = 0; k < params.size(); ++k) {
      auto& p = params[k];
      if (!first_use_[i][k] || (p.l1 == 0.f && p.l2 == 0.f)) continue;
      penalties_.push_back(cpu::weight_penalty(p.weight.f32(), p.weight.numel(), p.l1, p.l2));
    }
  }
}

std::vector<double> Program::train(const Data& d, const Tensor& order, int64_t first_step,
                                   int64_t steps, int64_t batch, const std::vector<float>& lrs,
                                   const std::vector<uint64_t>& counters) {
  std::lock_guard<std::mutex> lock(mu_);
  last_forwards_ = 0;
  nonfinite_step_ = -1;
  last_sums_.assign(num_sums(), 0.0);
  PFF_CHECK(!heads_.empty(), "[program] this program has no loss: it can only predict.");
  PFF_CHECK(opt_.params.empty() || !opt_.algo.empty(),
            "[program] this program has no optimizer: it cannot train.");
  int64_t rows_in_x = check_data(d, true);
  PFF_CHECK(batch >= 1, "[program] batch must be positive, got ", batch, ".");
  PFF_CHECK(steps >= 0 && static_cast<int64_t>(lrs.size()) >= steps,
            "[program] need one learning rate per step: ", lrs.size(), " for ", steps, ".");
  PFF_CHECK(order.dtype() == DType::int64 && order.ndim() == 1,
            "[program] order must be a 1-D int64 array.");
  int64_t draws = std::count_if(random_index_.begin(), random_index_.end(),
                                [](int k) { return k >= 0; });
  PFF_CHECK(static_cast<int64_t>(counters.size()) == draws, "[program] expected ", draws,
            " random-node counters, got ", counters.size(), ".");
  reserve(batch);
  int64_t N = order.numel();
  const int64_t* ord = order.data<int64_t>();
  PFF_CHECK(first_step >= 0, "[program] first_step must be >= 0, got ", first_step, ".");
  int64_t lo = std::min(N, first_step * batch), hi = std::min(N, (first_step + steps) * batch);
  for (int64_t i = lo; i < hi; ++i)  // only the rows this call reads
    PFF_CHECK(ord[i] >= 0 && ord[i] < rows_in_x, "[program] order holds row ", ord[i],
              " but x has ", rows_in_x, " rows.");
  // As the eager loop, a model without trainable weights skips the optimizer (its
  // iterations do not advance).
  bool update = !opt_.params.empty();
  auto last_poll = Clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    if (s > 0) poll_interrupt(last_poll);  // between whole steps: state stays consistent
    int64_t begin = (first_step + s) * batch;
    int64_t b = std::min(batch, N - begin);
    if (b <= 0) break;
    SerialScope serial(pool_choice_.serial_next());
    const auto step_start = Clock::now();
    std::copy(ord + begin, ord + begin + b, rows_.begin());
    for (int j = 0; j < num_inputs_; ++j) value_ptr_[j] = value_[j].f32();
    int64_t next = begin + batch;
    if (s + 1 < steps && next < N) prefetch_rows(d.xs, ord + next, std::min(batch, N - next));
    forward(b, true, &counters, s, rows_.data(), &d.xs);
    ++last_forwards_;
    std::fill(received_.begin(), received_.end(), 0);
    compute_penalties();  // of the weights this step's forward used
    double loss_before = last_sums_[0];
    losses_and_metrics(d, 0, b, update, last_sums_.data(), head_bufs_);
    bool finite = std::isfinite(last_sums_[0] - loss_before);
    if (update) {
      step_lr_ = lrs[s];
      step_done_ = iterations_done(opt_.iterations);
      backward(b);
      optimizer_step(rest_opt_, rest_grads_, lrs[s]);
      if (has_constraints_) apply_constraints();
    }
    pool_choice_.record(std::chrono::duration<double>(Clock::now() - step_start).count());
    if (stop_on_nonfinite_ && !finite) {
      nonfinite_step_ = s;
      break;
    }
  }
  return last_sums_;
}

int64_t Program::inference_rows(int64_t batch) const {
  // Inference runs the forward over several batches at once (larger GEMMs, fewer
  // parallel regions; losses and metrics are still taken per batch, as the eager loop
  // does): up to 2,048 rows while the value buffers stay within 32 MB (W1's predict of
  // 10k: 9.3 -> 8.0 ms against 512 rows; 4,096 was slower), never under 512 rows. Where
  // gemm computes small pieces, 256 rows a thread (each share within their row limit):
  // W1's evaluate / predict of 10k 8.28 / 7.71 -> 7.71 / 7.14 ms (in-process medians;
  // 384 rows the same, 1,024 no better than 2,048; OpenBLAS's AVX2 kernels: no change).
  int64_t row_floats = 0;
  for (size_t i = 0; i < nodes_.size(); ++i)
    row_floats += width(static_cast<int>(i)) + nodes_[i]->scratch_per_row();
  const int64_t pieces_rows = cpu::kGemmSmallPiecesMaxRows * get_num_threads();
  const int64_t most = cpu::gemm_has_small_pieces() ? std::min<int64_t>(2048, pieces_rows) : 2048;
  const int64_t rows = std::clamp<int64_t>((int64_t{8} << 20) / std::max<int64_t>(row_floats, 1),
                                           std::min<int64_t>(512, most), most);
  return batch * std::max<int64_t>(1, rows / batch);
}

void Program::losses_over_batches(const Data& d, int64_t rows, int64_t batch,
                                  std::vector<double>& sums) {
  // The batches of a chunk are independent: each share of the cores takes consecutive
  // batches with its own head buffers, and their sums are added in batch order, so the
  // result is the serial loop's to the bit. W1's evaluate of 10k at batch 64 (157
  // batches), in-process medians of 60 alternated calls: 8.35 -> 8.21 and 7.66 -> 7.51
  // ms. Confusion metrics add into their Variables directly, and stay serial.
  const int64_t nb = (rows + batch - 1) / batch;
  const int nt = get_num_threads();
  const bool confusion = std::any_of(metrics_.begin(), metrics_.end(),
                                     [](const MetricSpec& m) { return m.confusion; });
  if (nb < 2 || nt < 2 || confusion) {
    for (int64_t first = 0; first < rows; first += batch)
      losses_and_metrics(d, first, std::min(batch, rows - first), false, sums.data(),
                         head_bufs_);
    return;
  }
  if (static_cast<int>(share_bufs_.size()) < nt || share_batch_ < batch) {
    share_bufs_.resize(std::max<size_t>(share_bufs_.size(), static_cast<size_t>(nt)));
    for (auto& bufs : share_bufs_) allocate_head_buffers(bufs, batch);
    share_batch_ = batch;
  }
  const size_t ns = num_sums();
  batch_sums_.assign(static_cast<size_t>(nb) * ns, 0.0);
  parallel_for(nt, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      for (int64_t k = nb * c / nt; k < nb * (c + 1) / nt; ++k)
        losses_and_metrics(d, k * batch, std::min(batch, rows - k * batch), false,
                           &batch_sums_[k * ns], share_bufs_[c]);
  });
  for (int64_t k = 0; k < nb; ++k)
    for (size_t j = 0; j < ns; ++j) sums[j] += batch_sums_[k * ns + j];
}

std::vector<double> Program::evaluate(const Data& d, int64_t begin, int64_t end,
                                      int64_t batch) {
  std::lock_guard<std::mutex> lock(mu_);
  PFF_CHECK(!heads_.empty(), "[program] this program has no loss: it can only predict.");
  int64_t N = check_data(d, true);
  PFF_CHECK(batch >= 1, "[program] batch must be positive, got ", batch, ".");
  PFF_CHECK(begin >= 0 && begin <= end && end <= N, "[program] rows [", begin, ", ", end,
            ") are not inside x's ", N, " rows.");
  int64_t chunk = inference_rows(batch);
  reserve(chunk);
  compute_penalties();
  std::vector<double> sums(num_sums(), 0.0);
  auto last_poll = Clock::now();
  for (int64_t start = begin; start < end; start += chunk) {
    if (start > begin) poll_interrupt(last_poll);
    int64_t rows = std::min(chunk, end - start);
    SerialScope serial(infer_choice_.serial_next());
    const auto chunk_start = Clock::now();
    for (int64_t i = 0; i < rows; ++i) rows_[i] = start + i;
    point_inputs_at(d.xs, start);  // contiguous rows: read x in place
    forward(rows, false, nullptr, 0);
    losses_over_batches(d, rows, batch, sums);
    infer_choice_.record(std::chrono::duration<double>(Clock::now() - chunk_start).count());
  }
  return sums;
}

void Program::predict(const std::vector<Tensor>& xs, const std::vector<Tensor>& outs,
                      int64_t begin, int64_t end, int64_t batch) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t N = check_data(Data{xs, {}, {}}, false);
  PFF_CHECK(outs.size() == outputs_.size(), "[program] expected ", outputs_.size(),
            " output arrays, got ", outs.size(), ".");
  for (size_t o = 0; o < outs.size(); ++o) {
    check_float32(outs[o], "program", "out");
    PFF_CHECK(outs[o].numel() == N * width(outputs_[o]), "[program] output array ", o,
              " has shape ", shape_str(outs[o].shape()), "; expected (", N, ", ",
              width(outputs_[o]), ").");
  }
  PFF_CHECK(batch >= 1, "[program] batch must be positive, got ", batch, ".");
  PFF_CHECK(begin >= 0 && begin <= end && end <= N, "[program] rows [", begin, ", ", end,
            ") are not inside x's ", N, " rows.");
  int64_t chunk = inference_rows(batch);
  reserve(chunk);
  auto last_poll = Clock::now();
  for (int64_t start = begin; start < end; start += chunk) {
    if (start > begin) poll_interrupt(last_poll);
    int64_t b = std::min(chunk, end - start);
    SerialScope serial(infer_choice_.serial_next());
    const auto chunk_start = Clock::now();
    point_inputs_at(xs, start);
    forward(b, false, nullptr, 0);
    for (size_t o = 0; o < outs.size(); ++o) {
      int64_t w = width(outputs_[o]);
      std::memcpy(outs[o].f32() + start * w, value_ptr_[outputs_[o]], sizeof(float) * b * w);
    }
    infer_choice_.record(std::chrono::duration<double>(Clock::now() - chunk_start).count());
  }
}

}  // namespace pyfastfit::program
