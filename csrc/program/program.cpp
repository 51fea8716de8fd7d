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
#include "cpu/constraints.h"
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

Program::Program(std::vector<NodeSpec> nodes, std::vector<int> outputs,
                 std::vector<HeadSpec> heads, std::vector<MetricSpec> metrics,
                 OptimizerSpec optimizer, int64_t max_batch)
    : nodes_(std::move(nodes)), outputs_(std::move(outputs)), heads_(std::move(heads)),
      metrics_(std::move(metrics)), opt_(std::move(optimizer)) {
  int n = static_cast<int>(nodes_.size());
  while (num_inputs_ < n && nodes_[num_inputs_].kind == NodeKind::input) {
    PFF_CHECK(nodes_[num_inputs_].width >= 1, "[program] input node ", num_inputs_,
              " has width ", nodes_[num_inputs_].width, ".");
    input_width_ += nodes_[num_inputs_++].width;
  }
  PFF_CHECK(num_inputs_ >= 1 && num_inputs_ < n,
            "[program] the graph must start with its input nodes and at least one layer "
            "must follow.");
  PFF_CHECK(!outputs_.empty(), "[program] the model needs at least one output.");
  for (int o : outputs_)
    PFF_CHECK(o >= num_inputs_ && o < n, "[program] output node ", o, " out of range [",
              num_inputs_, ", ", n, ").");
  consumers_.assign(n, 0);
  needs_grad_.assign(n, false);
  dropout_index_.assign(n, -1);
  int drops = 0;
  for (int i = num_inputs_; i < n; ++i) {
    auto& nd = nodes_[i];
    PFF_CHECK(nd.kind != NodeKind::input, "[program] input nodes must come first (node ", i,
              " is an input).");
    PFF_CHECK(!nd.inputs.empty(), "[program] node ", i, " has no inputs.");
    PFF_CHECK(nd.width >= 1, "[program] node ", i, " has width ", nd.width, ".");
    for (int j : nd.inputs) {
      PFF_CHECK(j >= 0 && j < i, "[program] node ", i, " reads node ", j,
                " which is not before it.");
      consumers_[j]++;
      if (needs_grad_[j]) needs_grad_[i] = true;
    }
    bool single = nd.kind == NodeKind::dense || nd.kind == NodeKind::activation ||
                  nd.kind == NodeKind::dropout || nd.kind == NodeKind::identity;
    PFF_CHECK(!single || nd.inputs.size() == 1, "[program] node ", i, " takes one input.");
    int64_t in_w = nodes_[nd.inputs[0]].width;
    if (nd.kind == NodeKind::dense) {
      PFF_CHECK(nd.kernel.ndim() == 2 && nd.kernel.dim(0) == in_w && nd.kernel.dim(1) == nd.width,
                "[program] dense node ", i, " has kernel ", shape_str(nd.kernel.shape()),
                "; expected (", in_w, ", ", nd.width, ").");
      check_float32(nd.kernel, "program", "kernel");
      PFF_CHECK(!has(nd.bias) || nd.bias.numel() == nd.width, "[program] dense node ", i,
                " has ", nd.bias.numel(), " biases for ", nd.width, " units.");
      for (int p : {nd.kernel_param, nd.bias_param})
        PFF_CHECK(p < static_cast<int>(opt_.params.size()), "[program] dense node ", i,
                  " names parameter ", p, " of ", opt_.params.size(), ".");
      if (nd.kernel_param >= 0 || nd.bias_param >= 0) needs_grad_[i] = true;
      for (float c : {nd.kernel_l1, nd.kernel_l2, nd.bias_l1, nd.bias_l2})
        PFF_CHECK(c >= 0.f && c < std::numeric_limits<float>::infinity(),
                  "[program] dense node ", i, " has a penalty coefficient ", c,
                  "; expected a finite number >= 0.");
      PFF_CHECK(has(nd.bias) || (nd.bias_l1 == 0.f && nd.bias_l2 == 0.f),
                "[program] dense node ", i, " has a bias penalty but no bias.");
      PFF_CHECK(nd.activity_l1 >= 0.f && nd.activity_l2 >= 0.f, "[program] dense node ", i,
                " has a negative activity penalty.");
      if (nd.activity_l1 != 0.f || nd.activity_l2 != 0.f) activity_nodes_.push_back(i);
    } else if (nd.kind == NodeKind::concatenate) {
      int64_t total = 0;
      for (int j : nd.inputs) total += nodes_[j].width;
      PFF_CHECK(total == nd.width, "[program] concatenate node ", i, " has width ", nd.width,
                " but its inputs add up to ", total, ".");
    } else {
      for (int j : nd.inputs)
        PFF_CHECK(nodes_[j].width == nd.width, "[program] node ", i, " (width ", nd.width,
                  ") reads node ", j, " of width ", nodes_[j].width, ".");
      if (nd.kind == NodeKind::dropout) {
        PFF_CHECK(nd.rate >= 0.f && nd.rate < 1.f, "[program] dropout rate ", nd.rate,
                  " must be in [0, 1).");
        dropout_index_[i] = drops++;
      }
    }
  }
  for (auto& h : heads_) {
    PFF_CHECK(std::find(outputs_.begin(), outputs_.end(), h.node) != outputs_.end(),
              "[program] a loss reads node ", h.node, " which is not an output.");
  }
  for (size_t k = 0; k < metrics_.size(); ++k) {
    auto& m = metrics_[k];
    PFF_CHECK(m.head >= 0 && m.head < static_cast<int>(heads_.size()),
              "[program] a metric reads head ", m.head, " of ", heads_.size(), ".");
    if (m.confusion) check_confusion_metric(m, heads_[m.head], k);
  }
  for (auto& p : opt_.params) param_grads_.push_back(Tensor::empty(p.shape()));
  param_uses_.assign(opt_.params.size(), 0);
  for (auto& nd : nodes_)
    if (nd.kind == NodeKind::dense)
      for (int p : {nd.kernel_param, nd.bias_param})
        if (p >= 0) param_uses_[p]++;
  param_seen_.assign(opt_.params.size(), 0);
  param_scratch_.resize(opt_.params.size());
  for (size_t p = 0; p < opt_.params.size(); ++p)
    if (param_uses_[p] > 1) param_scratch_[p] = Tensor::empty(opt_.params[p].shape());
  frozen_grads_.resize(2 * n);
  for (int i = 1; i < n; ++i) {
    auto& nd = nodes_[i];
    if (nd.kind != NodeKind::dense || !needs_grad_[i]) continue;
    if (nd.kernel_param < 0) frozen_grads_[2 * i] = Tensor::empty(nd.kernel.shape());
    if (nd.bias_param < 0 && has(nd.bias)) frozen_grads_[2 * i + 1] = Tensor::empty({nd.width});
  }
  // A large trainable Dense kernel is updated block by block as the backward produces
  // its gradient (the block is still in cache, and each core updates what it computed).
  fused_param_.assign(opt_.params.size(), false);
  fused_node_.assign(n, false);
  if (!opt_.algo.empty() && optimizer_updates_slices(opt_.algo, opt_.clip_mode)) {
    for (int i = 1; i < n; ++i) {
      auto& nd = nodes_[i];
      if (nd.kind == NodeKind::dense && nd.kernel_param >= 0 &&
          param_uses_[nd.kernel_param] == 1 && nd.kernel.numel() >= (int64_t{1} << 15)) {
        fused_node_[i] = true;
        fused_param_[nd.kernel_param] = true;
      }
    }
  }
  rest_opt_ = without_params(opt_, fused_param_);
  for (size_t p = 0; p < opt_.params.size(); ++p)
    if (!fused_param_[p]) rest_grads_.push_back(param_grads_[p]);
  // A shared layer's weights (the same kernel in several dense nodes) are penalized once.
  first_call_.assign(n, false);
  for (int i = num_inputs_; i < n; ++i) {
    if (nodes_[i].kind != NodeKind::dense) continue;
    first_call_[i] = true;
    for (int j = num_inputs_; j < i; ++j)
      if (nodes_[j].kind == NodeKind::dense && nodes_[j].kernel.raw() == nodes_[i].kernel.raw())
        first_call_[i] = false;
  }
  int64_t most = 1, most_weights = 1;
  for (auto& nd : nodes_) {
    if (nd.kind != NodeKind::dense) continue;
    bool any = nd.kernel_constraint.kind != cpu::ConstraintKind::none ||
               nd.bias_constraint.kind != cpu::ConstraintKind::none;
    has_constraints_ = has_constraints_ || any;
    if (!any) continue;
    most = std::max({most, nd.kernel.dim(0), nd.width});
    most_weights = std::max(most_weights, nd.kernel.numel());
  }
  if (has_constraints_) {
    constraint_squares_ = Tensor::empty({most_weights});
    constraint_norms_ = Tensor::empty({most});
  }
  received_.assign(n, 0);
  value_.resize(n); pre_.resize(n); mask_.resize(n); grad_.resize(n);
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
  for (int j = 0; j < num_inputs_; ++j) value_[j] = Tensor::empty({batch, nodes_[j].width});
  int64_t maxw = 1;
  for (int i = num_inputs_; i < n; ++i) {
    auto& nd = nodes_[i];
    Shape s{batch, nd.width};
    maxw = std::max(maxw, nd.width);
    if (nd.kind != NodeKind::identity) value_[i] = Tensor::empty(s);
    value_ptr_[i] = ptr_or_null(value_[i]);
    bool keeps_z = nd.kind == NodeKind::dense || nd.kind == NodeKind::activation;
    if (keeps_z && cpu::activation_backward_needs_input(nd.act)) pre_[i] = Tensor::empty(s);
    if (nd.kind == NodeKind::dropout) mask_[i] = Tensor::empty(s);
    bool is_head = std::any_of(heads_.begin(), heads_.end(),
                               [&](const HeadSpec& h) { return h.node == i; });
    if (needs_grad_[i] || is_head) {
      grad_[i] = Tensor::empty(s);
      grad_ptr_[i] = grad_[i].f32();
    }
  }
  for (int i = 0; i < n; ++i) maxw = std::max(maxw, nodes_[i].width);
  scratch_ = Tensor::empty({batch, maxw});
  for (size_t h = 0; h < heads_.size(); ++h) {
    int64_t C = width(heads_[h].node);
    auto& buf = head_bufs_[h];
    buf.labels = Tensor::empty({batch}, DType::int64);
    buf.target = Tensor::empty({batch, C});
    if (heads_[h].smoothing) buf.smoothed = Tensor::empty({batch, C});
    buf.weights = Tensor::empty({batch});
    buf.loss_rows = Tensor::empty({batch});
    buf.dloss = Tensor::empty({batch});
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
    PFF_CHECK(x.ndim() >= 1 && x.numel() == rows * nodes_[j].width, "[program] input ", j,
              " must have ", nodes_[j].width, " features per sample, got shape ",
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
                                 std::vector<double>& sums) {
  float total = 0.f;
  for (size_t h = 0; h < heads_.size(); ++h) {
    auto& head = heads_[h];
    int node = head.node;
    gather_head(head, width(node), d.ys[h], d.sws[h], rows_.data() + first, b, head_bufs_[h]);
    float* dpred = with_grad ? grad_ptr_[node] : nullptr;
    float value = head_loss(head, value_ptr_[node] + first * width(node), b, width(node),
                            head_bufs_[h], dpred);
    if (dpred) received_[node] = 1;
    sums[2 + h] += static_cast<double>(value) * b;
    float weighted = head.has_weight ? value * head.weight : value;
    total = h == 0 ? weighted : total + weighted;
  }
  // compute_loss adds model.losses last: the layers' activity penalties of this batch,
  // then the weight penalties.
  for (int i : activity_nodes_) {
    auto& nd = nodes_[i];
    float p = cpu::weight_penalty(value_ptr_[i] + first * nd.width, b * nd.width,
                                  nd.activity_l1, nd.activity_l2);
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
    metric_update(spec, heads_[spec.head], value_ptr_[node] + first * width(node), b,
                  width(node), head_bufs_[spec.head], &sums[base + 2 * m]);
  }
}

void Program::compute_penalties() {
  penalties_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& nd = nodes_[i];
    if (nd.kind != NodeKind::dense || !first_call_[i]) continue;
    if (nd.kernel_l1 != 0.f || nd.kernel_l2 != 0.f)
      penalties_.push_back(cpu::weight_penalty(nd.kernel.f32(), nd.kernel.numel(),
                                               nd.kernel_l1, nd.kernel_l2));
    if (nd.bias_l1 != 0.f || nd.bias_l2 != 0.f)
      penalties_.push_back(cpu::weight_penalty(nd.bias.f32(), nd.width, nd.bias_l1,
                                               nd.bias_l2));
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
  int64_t drops = std::count_if(dropout_index_.begin(), dropout_index_.end(),
                                [](int k) { return k >= 0; });
  PFF_CHECK(static_cast<int64_t>(counters.size()) == drops, "[program] expected ", drops,
            " dropout counters, got ", counters.size(), ".");
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
    std::copy(ord + begin, ord + begin + b, rows_.begin());
    for (int j = 0; j < num_inputs_; ++j) value_ptr_[j] = value_[j].f32();
    int64_t next = begin + batch;
    if (s + 1 < steps && next < N) prefetch_rows(d.xs, ord + next, std::min(batch, N - next));
    forward(b, true, &counters, s, rows_.data(), &d.xs);
    ++last_forwards_;
    std::fill(received_.begin(), received_.end(), 0);
    compute_penalties();  // of the weights this step's forward used
    double loss_before = last_sums_[0];
    losses_and_metrics(d, 0, b, update, last_sums_);
    bool finite = std::isfinite(last_sums_[0] - loss_before);
    if (update) {
      step_lr_ = lrs[s];
      step_done_ = iterations_done(opt_.iterations);
      backward(b);
      optimizer_step(rest_opt_, rest_grads_, lrs[s]);
      if (has_constraints_) apply_constraints();
    }
    if (stop_on_nonfinite_ && !finite) {
      nonfinite_step_ = s;
      break;
    }
  }
  return last_sums_;
}

namespace {
// Inference runs the forward over several batches at once (larger GEMMs, better use of
// the cores); losses and metrics are still taken per batch, as the eager loop does.
int64_t inference_rows(int64_t batch) { return batch * std::max<int64_t>(1, 512 / batch); }
}  // namespace

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
    for (int64_t i = 0; i < rows; ++i) rows_[i] = start + i;
    point_inputs_at(d.xs, start);  // contiguous rows: read x in place
    forward(rows, false, nullptr, 0);
    for (int64_t first = 0; first < rows; first += batch)
      losses_and_metrics(d, first, std::min(batch, rows - first), false, sums);
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
    point_inputs_at(xs, start);
    forward(b, false, nullptr, 0);
    for (size_t o = 0; o < outs.size(); ++o) {
      int64_t w = width(outputs_[o]);
      std::memcpy(outs[o].f32() + start * w, value_ptr_[outputs_[o]], sizeof(float) * b * w);
    }
  }
}

}  // namespace pyfastfit::program
