// The parts of a training step that a Program plugs together around its layer graph:
// the loss of each output ("head"), the compiled metrics, the optimizer update and the
// merge layers. Each part calls the same cpu:: kernels as the eager ops and losses, so
// both paths compute the same numbers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "cpu/losses.h"
#include "cpu/metrics.h"

namespace pyfastfit::program {

enum class LossKind { sparse_categorical_crossentropy, categorical_crossentropy,
                      binary_crossentropy, point };

/** One model output with its compiled loss (Keras `LossFunctionWrapper` semantics:
 *  per-sample losses, weighted by sample_weight, reduced over the batch). */
struct HeadSpec {
  int node = -1;
  LossKind loss = LossKind::point;
  bool from_logits = false;
  PointLoss point = PointLoss::mse;  // for LossKind::point
  float param = 0.f;                           // Huber's delta
  bool sum_reduction = false;                  // "sum" instead of "sum_over_batch_size"
  bool has_weight = false;                     // a loss_weights entry multiplies the loss
  float weight = 1.f;
  // Label smoothing of the categorical / binary cross-entropies: the loss reads
  // targets * smooth_scale + smooth_offset (metrics read the targets as given).
  bool smoothing = false;
  float smooth_scale = 1.f, smooth_offset = 0.f;
  // Positions per sample of an N-D output (batch, positions..., C): the loss and the
  // metrics see batch * positions rows of C values (Keras reduces the last axis, then
  // averages over every remaining element), and a sample's weight covers its rows.
  int64_t positions = 1;
};

/** One compiled metric of one head: a Keras `Mean` over per-sample values (its total
 *  and count come back in the sums), or confusion counts kept in the metric's own
 *  Variables. */
struct MetricSpec {
  int head = 0;
  bool point = false;                          // mean of a point loss (the MSE metric...)
  AccuracyKind accuracy = AccuracyKind::sparse;
  PointLoss point_kind = PointLoss::mse;
  float threshold = 0.5f;
  int64_t k = 5;
  bool weighted = false;                       // `weighted_metrics` see sample weights
  // Thresholded confusion counts (TruePositives..., Precision, Recall, AUC): each batch
  // is added straight into the metric's own (T,) Variables, as its eager update_state
  // does; such a metric leaves its two sums at zero.
  bool confusion = false;
  Tensor thresholds;       // float32 (T,)
  Tensor tp, fp, tn, fn;   // empty when the metric keeps no such count
};

/** Checks a confusion metric's thresholds and count Variables (and that its head has
 *  targets shaped like the predictions). */
void check_confusion_metric(const MetricSpec& metric, const HeadSpec& head, size_t index);

/** The optimizer step in the argument form of ops/optim.h's optimizer_update_ (the
 *  eager optimizers' kernel); params, slots and iterations share storage with the
 *  Python Variables. */
struct OptimizerSpec {
  std::string algo;
  std::vector<Tensor> params;
  std::vector<std::vector<Tensor>> slots;
  std::vector<double> hyper;
  std::string clip_mode = "none";
  float clip = 0.f;
  std::vector<float> weight_decay;
  Tensor iterations;
  Tensor learning_rate;  // a float32 scalar owned by the program, set per step
};

/** Per-head buffers for one batch (allocated once for the largest batch); R = B times
 *  the head's positions. */
struct HeadBuffers {
  Tensor labels;     // int64 (R,) for sparse losses
  Tensor target;     // float32 (R, C) otherwise
  Tensor smoothed;   // float32 (R, C): the label-smoothed targets (when the head smooths)
  Tensor weights;    // float32 (R,)
  Tensor loss_rows;  // float32 (R,)
  Tensor dloss;      // float32 (R,) d loss / d per-row loss
  Tensor scratch;    // float32 (B, C): softmax of logits, or elementwise gradients
  bool has_weights = false;
};

/** Parses loss and metric names used by the Python builder; throws on others. */
LossKind parse_loss_kind(const std::string& name);

/** Checks the targets and sample weights of one head against x's N rows. */
void check_head_data(const HeadSpec& head, int64_t width, const Tensor& y, const Tensor& sw,
                     int64_t n, size_t index);

/** Copies rows `rows[0..b)` of y and sw into the head's batch buffers. */
void gather_head(const HeadSpec& head, int64_t width, const Tensor& y, const Tensor& sw,
                 const int64_t* rows, int64_t b, HeadBuffers& buf);

/** The head's reduced loss (float32, before the loss weight). With dpred non-null also
 *  writes d(weight * loss) / d pred into dpred (B, C). */
float head_loss(const HeadSpec& head, const float* pred, int64_t b, int64_t width,
                HeadBuffers& buf, float* dpred);

/** Adds one batch's (total, count) of `metric` into sums[0..1]. */
void metric_update(const MetricSpec& metric, const HeadSpec& head, const float* pred,
                   int64_t b, int64_t width, HeadBuffers& buf, double* sums);

/** `opt` without the parameters marked in `skip` (shared storage; the iterations and
 *  learning-rate tensors are the same). */
OptimizerSpec without_params(const OptimizerSpec& opt, const std::vector<bool>& skip);

/** One optimizer update of every parameter of `opt` from `grads` (parallel to
 *  opt.params) at learning rate `lr`; advances iterations. */
void optimizer_step(OptimizerSpec& opt, const std::vector<Tensor>& grads, float lr);

}  // namespace pyfastfit::program
