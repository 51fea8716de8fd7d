// Cross-entropy kernels on raw pointers (forward and backward side by side), shared by
// the eager ops and the fast-path programs. Rows are the samples, C the classes (last
// axis); every softmax kernel is one fused pass per row. Formulas follow Keras 3's
// TensorFlow backend (keras/src/backend/tensorflow/nn.py); eps is Keras's 1e-7.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

constexpr float kXentEpsilon = 1e-7f;

/** Throws "[op] label L is out of range ..." if a label is outside [0, C). */
template <typename L>
void check_labels(const L* labels, int64_t B, int64_t C, const char* op);

// ---- softmax cross-entropy from logits, sparse integer labels ----------------------
/** logits (B, C), labels (B,) -> loss (B,) = logsumexp(z) - z[label]; probs (B, C) =
 *  softmax(z) kept for the backward. Labels are checked first. */
template <typename L>
void sparse_softmax_xent_forward(const float* logits, const L* labels, float* loss,
                                 float* probs, int64_t B, int64_t C);
/** dlogits (B, C) = (probs - onehot(label)) * g[row]; g is (B,). dlogits may alias
 *  probs (a fused step can turn the saved softmax into the gradient in place). */
template <typename L>
void sparse_softmax_xent_backward(const float* probs, const L* labels, const float* g,
                                  float* dlogits, int64_t B, int64_t C);

// ---- softmax cross-entropy from logits, one-hot / soft targets ---------------------
/** logits, target (B, C) -> loss (B,) = -sum(t * log_softmax(z)); probs (B, C). */
void softmax_xent_forward(const float* logits, const float* target, float* loss,
                          float* probs, int64_t B, int64_t C);
/** dlogits = g * (probs * sum(t) - t) (= probs - t for targets summing to one);
 *  dtarget = -g * log_softmax(z) when dtarget is non-null (needs logits). dlogits may
 *  alias probs. */
void softmax_xent_backward(const float* probs, const float* target, const float* logits,
                           const float* g, float* dlogits, float* dtarget, int64_t B,
                           int64_t C);

// ---- categorical cross-entropy from probabilities ----------------------------------
/** Sparse: loss = -log(clip(p)[label] / sum(clip(p))), clip to [eps, 1-eps]
 *  (Keras: log of the clipped probabilities fed to a sparse softmax cross-entropy). */
template <typename L>
void sparse_prob_xent_forward(const float* probs, const L* labels, float* loss, int64_t B,
                              int64_t C);
template <typename L>
void sparse_prob_xent_backward(const float* probs, const L* labels, const float* g,
                               float* dprobs, int64_t B, int64_t C);
/** Dense: q = p / sum(p), loss = -sum(t * log(clip(q, eps, 1-eps))). */
void prob_xent_forward(const float* probs, const float* target, float* loss, int64_t B,
                       int64_t C);
/** dprobs (B, C), and dtarget = -g * log(clip(q)) when non-null. */
void prob_xent_backward(const float* probs, const float* target, const float* g,
                        float* dprobs, float* dtarget, int64_t B, int64_t C);

// ---- binary cross-entropy, elementwise ---------------------------------------------
/** From logits x: max(x, 0) - x*t + log1p(exp(-|x|)). */
void binary_xent_logits_forward(const float* x, const float* target, float* loss,
                                int64_t n);
/** dx = g * (sigmoid(x) - t); dtarget = -g * x when non-null. */
void binary_xent_logits_backward(const float* x, const float* target, const float* g,
                                 float* dx, float* dtarget, int64_t n);
/** From probabilities p: pc = clip(p, eps, 1-eps); -(t log pc + (1-t) log(1-pc)). */
void binary_xent_forward(const float* p, const float* target, float* loss, int64_t n);
/** dp = g * (-(t/pc) + (1-t)/(1-pc)) inside the clip range, else 0;
 *  dtarget = -g * (log pc - log(1-pc)) when non-null. */
void binary_xent_backward(const float* p, const float* target, const float* g, float* dp,
                          float* dtarget, int64_t n);

}  // namespace pyfastfit::cpu
