// Program: whole train / evaluate / predict loops for a graph of built-in layers, run
// in C++ for many steps per call. Every buffer is allocated once for the largest
// batch; a step gathers its rows from the caller's arrays, runs forward, the loss of
// each output, backward and the optimizer update, and accumulates loss and metrics.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "core/tensor.h"
#include "core/threads.h"
#include "program/node.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

/** The data of one call: one x array (N, per-sample shape...) per input node, one target array
 *  and one sample-weight array (empty: none) per head. Arrays are used in place, never
 *  copied. */
struct Data {
  std::vector<Tensor> xs;
  std::vector<Tensor> ys;
  std::vector<Tensor> sws;
};

class Program {
 public:
  /** `nodes` in topological order, the input nodes first (each built by its kind's
   *  registered class, program/nodes/); `outputs` the model's output
   *  nodes; `heads` the outputs with a loss (none for a predict-only program, whose
   *  optimizer algo is empty). Buffers grow when a call brings a larger batch. */
  Program(std::vector<NodeSpec> nodes, std::vector<int> outputs, std::vector<HeadSpec> heads,
          std::vector<MetricSpec> metrics, OptimizerSpec optimizer, int64_t max_batch);

  /** Runs `steps` training steps; step s uses rows order[(first_step + s) * batch ...]
   *  (the last batch of the order may be short). `lrs[s]` is step s's learning rate;
   *  `counters` holds each random node's call counter before the call (in node
   *  order); step s of the call draws with counter + s + 1, as the eager layer.
   *  Returns the sums: [loss * b, b, per-head loss * b..., metric (total, count)...]. */
  std::vector<double> train(const Data& data, const Tensor& order, int64_t first_step,
                            int64_t steps, int64_t batch, const std::vector<float>& lrs,
                            const std::vector<uint64_t>& counters);

  /** Forward, losses and metrics over rows [begin, end) in batches; sums as train. */
  std::vector<double> evaluate(const Data& data, int64_t begin, int64_t end, int64_t batch);

  /** Writes each output for rows [begin, end) of the inputs `xs` into outs (full-size
   *  arrays). */
  void predict(const std::vector<Tensor>& xs, const std::vector<Tensor>& outs, int64_t begin,
               int64_t end, int64_t batch);

  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  /** Called between whole steps (train) or chunks of rows (evaluate, predict) at most
   *  every ~50 ms of work; it throws to stop the call there (the bindings raise
   *  KeyboardInterrupt from a pending Ctrl-C this way). Set once, before any call. */
  void set_interrupt_check(std::function<void()> check) { interrupt_check_ = std::move(check); }
  /** When set, train() stops after the first step whose loss is NaN or infinite (that
   *  step's update included, as Keras's TerminateOnNaN sees it after the step). */
  void set_stop_on_nonfinite(bool on) { stop_on_nonfinite_ = on; }
  bool stop_on_nonfinite() const { return stop_on_nonfinite_; }
  /** The step (within the last train() call) that stopped it, or -1. */
  int64_t nonfinite_step() const { return nonfinite_step_; }

  int64_t max_batch() const { return max_batch_; }
  /** Training forward passes the last train() call ran (random nodes draw once each),
   *  and its sums so far: read after an exception to account for the steps done. */
  int64_t last_forwards() const { return last_forwards_; }
  std::vector<double> last_sums() const { return last_sums_; }
  size_t num_sums() const { return 2 + heads_.size() + 2 * metrics_.size(); }

 private:
  class NodeBackward;
  void reserve(int64_t batch);
  /** Checks the data's arrays; returns their number of rows. */
  int64_t check_data(const Data& data, bool with_targets) const;
  void prefetch_rows(const std::vector<Tensor>& xs, const int64_t* rows, int64_t b) const;
  /** Points the input nodes at rows [start, ...) of xs, read in place. */
  void point_inputs_at(const std::vector<Tensor>& xs, int64_t start);
  /** Forward of b rows; with `gather_rows`, row r of input j is first copied from row
   *  gather_rows[r] of xs[j] into the input buffer. */
  void forward(int64_t b, bool training, const std::vector<uint64_t>* counters, int64_t step,
               const int64_t* gather_rows = nullptr, const std::vector<Tensor>* xs = nullptr);
  /** Nodes [first, last) over rows [r0, r1). */
  void forward_nodes(int first, int last, int64_t r0, int64_t r1, int64_t b, bool training,
                     const std::vector<uint64_t>* counters, int64_t step);
  void backward(int64_t b);
  /** The loss and metrics of rows [first, first + b) added into sums[0, num_sums()),
   *  with `bufs` (one HeadBuffers per head) as the heads' scratch. */
  void losses_and_metrics(const Data& data, int64_t first, int64_t b, bool with_grad,
                          double* sums, std::vector<HeadBuffers>& bufs);
  /** losses_and_metrics of every batch of `batch` rows in [0, rows), without gradients,
   *  added into sums in batch order. */
  void losses_over_batches(const Data& data, int64_t rows, int64_t batch,
                           std::vector<double>& sums);
  /** Sizes each head's buffers in `bufs` for `batch` samples. */
  void allocate_head_buffers(std::vector<HeadBuffers>& bufs, int64_t batch) const;
  /** The weight penalties of the current weights, into penalties_ (node order, each
   *  node's parameters in order, a shared weight once). */
  void compute_penalties();
  /** The trained weights' constraints, after a step's updates (as the optimizer). */
  void apply_constraints();
  int64_t width(int node) const { return nodes_[node]->width(); }
  /** Rows evaluate and predict run forward at once for batches of `batch`. */
  int64_t inference_rows(int64_t batch) const;
  const ParamSpec& param(int node, int k) const { return nodes_[node]->spec().params[k]; }

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<int> outputs_;
  std::vector<HeadSpec> heads_;
  std::vector<MetricSpec> metrics_;
  OptimizerSpec opt_;
  int num_inputs_ = 0;  // nodes [0, num_inputs_) are the inputs
  int64_t input_width_ = 0;  // their widths added up
  PoolChoice pool_choice_;    // training steps with the pool or on one thread (threads.h)
  PoolChoice infer_choice_;   // the same for evaluate's and predict's chunks
  int64_t max_batch_ = 0;

  // Per node: forward value and gradient (aliasing nodes share their input's value).
  std::vector<Tensor> value_, grad_;
  std::vector<float*> value_ptr_, grad_ptr_;
  std::vector<int> consumers_, received_, random_index_;
  std::vector<bool> needs_grad_;
  std::vector<Tensor> param_grads_;  // parallel to opt_.params
  // Per node and parameter: gradient scratch of a parameter that is not trained (its
  // node still computes the gradient with its input's), and whether it is the first
  // use of that weight (penalties and constraints apply once per weight).
  std::vector<std::vector<Tensor>> frozen_grads_;
  std::vector<std::vector<bool>> first_use_;
  // A parameter of a shared layer gets one gradient per call: the first is written to
  // param_grads_, the others to param_scratch_ and added (param_seen_ counts per step).
  std::vector<int> param_uses_, param_seen_;
  std::vector<Tensor> param_scratch_;
  // Parameters updated block by block inside the backward (large Dense kernels), and
  // the step's learning rate and iteration count they use.
  std::vector<bool> fused_param_;
  OptimizerSpec rest_opt_;            // opt_ without the fused parameters
  std::vector<Tensor> rest_grads_;    // their gradients, parallel to rest_opt_.params
  float step_lr_ = 0.f;
  int64_t step_done_ = 0;
  std::vector<float> penalties_;  // regularization terms the loss adds this step
  std::vector<int> activity_nodes_;  // nodes with an activity penalty
  bool has_constraints_ = false;
  Tensor constraint_squares_, constraint_norms_;  // apply_constraint's scratch
  std::vector<HeadBuffers> head_bufs_;
  // losses_over_batches: one set of head buffers per share (sized for share_batch_
  // samples) and each batch's sums, added in order afterwards.
  std::vector<std::vector<HeadBuffers>> share_bufs_;
  int64_t share_batch_ = 0;
  std::vector<double> batch_sums_;
  Tensor scratch_;
  std::vector<int64_t> rows_;
  int64_t last_forwards_ = 0;
  std::vector<double> last_sums_;
  std::function<void()> interrupt_check_;
  bool stop_on_nonfinite_ = false;
  int64_t nonfinite_step_ = -1;
  std::mutex mu_;  // one call at a time: predict may come from several threads

  using Clock = std::chrono::steady_clock;
  /** Runs interrupt_check_ when ~50 ms passed since `last` (then resets it). */
  void poll_interrupt(Clock::time_point& last);
  /** A forked child: re-creates every Program's mutex (a thread of the parent may have
   *  held one across fork(); it does not exist in the child). */
  friend void reset_program_mutexes_in_child();
};

}  // namespace pyfastfit::program
