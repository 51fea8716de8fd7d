// Op layer for the cross-entropy losses: shape/dtype checks, output allocation and
// dispatch on the label dtype. Class axis is the last one; loss has the leading shape.
#pragma once
#include <tuple>

#include "core/tensor.h"

namespace pyfastfit {

/** (loss, probs): softmax cross-entropy of logits (..., C) with integer labels (...). */
std::tuple<Tensor, Tensor> sparse_softmax_cross_entropy_forward(const Tensor& logits,
                                                                const Tensor& labels);
/** dlogits = (probs - onehot(labels)) * g[..., None]. */
Tensor sparse_softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels,
                                             const Tensor& g);

/** (loss, probs): softmax cross-entropy of logits (..., C) with soft targets (..., C). */
std::tuple<Tensor, Tensor> softmax_cross_entropy_forward(const Tensor& logits,
                                                         const Tensor& target);
/** (dlogits, dtarget); dtarget is empty unless need_dtarget. */
std::tuple<Tensor, Tensor> softmax_cross_entropy_backward(const Tensor& probs,
                                                          const Tensor& target,
                                                          const Tensor& logits,
                                                          const Tensor& g,
                                                          bool need_dtarget);

/** Sparse categorical cross-entropy from probabilities (..., C) (Keras clipping). */
Tensor sparse_categorical_crossentropy_probs_forward(const Tensor& probs,
                                                     const Tensor& labels);
/** Gradient of the above with respect to probs. */
Tensor sparse_categorical_crossentropy_probs_backward(const Tensor& probs,
                                                      const Tensor& labels,
                                                      const Tensor& g);

/** Categorical cross-entropy from probabilities (renormalised, clipped, as Keras). */
Tensor categorical_crossentropy_probs_forward(const Tensor& probs, const Tensor& target);
/** (dprobs, dtarget); dtarget is empty unless need_dtarget. */
std::tuple<Tensor, Tensor> categorical_crossentropy_probs_backward(const Tensor& probs,
                                                                   const Tensor& target,
                                                                   const Tensor& g,
                                                                   bool need_dtarget);

/** Elementwise binary cross-entropy of output (logits or probabilities) and target. */
Tensor binary_crossentropy_forward(const Tensor& output, const Tensor& target,
                                   bool from_logits);
/** (doutput, dtarget); dtarget is empty unless need_dtarget. */
std::tuple<Tensor, Tensor> binary_crossentropy_backward(const Tensor& output,
                                                        const Tensor& target,
                                                        const Tensor& g, bool from_logits,
                                                        bool need_dtarget);

}  // namespace pyfastfit
