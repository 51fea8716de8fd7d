// Cross-entropy kernels: per-row PFF_HOT loops, rows split over the pool when the batch
// is large. Label types are template parameters; the hot row loops take the label as
// an int64 so they are compiled (and multiversioned) once.
#include "cpu/crossentropy.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;
constexpr float kLo = kXentEpsilon, kHi = 1.f - kXentEpsilon;

int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(C, 1)); }

template <typename F>
void rows(int64_t B, int64_t C, F&& f) {
  parallel_for(B, row_grain(C), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) f(r);
  });
}

/** p = softmax(z) over one row; returns logsumexp(z). */
PFF_HOT float softmax_row(const float* z, float* p, int64_t C) {
  float m = -INFINITY;
  for (int64_t j = 0; j < C; ++j) m = std::max(m, z[j]);
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) {
    p[j] = std::exp(z[j] - m);
    s += p[j];
  }
  float inv = 1.f / s;
  for (int64_t j = 0; j < C; ++j) p[j] *= inv;
  return m + std::log(s);
}

PFF_HOT float logsumexp_row(const float* z, int64_t C) {
  float m = -INFINITY;
  for (int64_t j = 0; j < C; ++j) m = std::max(m, z[j]);
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) s += std::exp(z[j] - m);
  return m + std::log(s);
}

PFF_HOT void scale_row(const float* p, float g, float* d, int64_t C) {
  for (int64_t j = 0; j < C; ++j) d[j] = p[j] * g;
}

PFF_HOT float soft_target_loss_row(const float* z, const float* t, float lse, int64_t C) {
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) s += t[j] * (lse - z[j]);
  return s;
}

PFF_HOT void soft_target_grad_row(const float* p, const float* t, float g, float* d,
                                  int64_t C) {
  float st = 0.f;
  for (int64_t j = 0; j < C; ++j) st += t[j];
  for (int64_t j = 0; j < C; ++j) d[j] = g * (p[j] * st - t[j]);
}

inline float clipf(float v) { return std::min(std::max(v, kLo), kHi); }
inline bool in_clip(float v) { return v >= kLo && v <= kHi; }

PFF_HOT float clipped_sum_row(const float* p, int64_t C) {
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) s += clipf(p[j]);
  return s;
}

PFF_HOT float prob_loss_row(const float* p, const float* t, int64_t C) {
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) s += p[j];
  float inv = 1.f / s, l = 0.f;
  for (int64_t j = 0; j < C; ++j) l -= t[j] * std::log(clipf(p[j] * inv));
  return l;
}

PFF_HOT void prob_grad_row(const float* p, const float* t, float g, float* dp, float* dt,
                           int64_t C) {
  // q = p / s; a_j = dL/dq_j = -t_j / clip(q_j) inside the clip range (else 0);
  // dL/dp_k = (a_k - sum_j a_j q_j) / s.
  float s = 0.f;
  for (int64_t j = 0; j < C; ++j) s += p[j];
  float inv = 1.f / s, aq = 0.f;
  for (int64_t j = 0; j < C; ++j) {
    float q = p[j] * inv;
    float a = in_clip(q) ? -t[j] / q : 0.f;
    dp[j] = a;
    aq += a * q;
  }
  for (int64_t j = 0; j < C; ++j) dp[j] = g * (dp[j] - aq) * inv;
  if (dt)
    for (int64_t j = 0; j < C; ++j) dt[j] = -g * std::log(clipf(p[j] * inv));
}

PFF_HOT void sparse_prob_grad_row(const float* p, int64_t y, float g, float* dp, int64_t C) {
  // loss = log(S) - log(clip(p_y)), S = sum clip(p): d/dp_k = mask_k (1/S - [k=y]/clip(p_y)).
  float inv_s = 1.f / clipped_sum_row(p, C);
  for (int64_t j = 0; j < C; ++j) dp[j] = in_clip(p[j]) ? g * inv_s : 0.f;
  if (in_clip(p[y])) dp[y] -= g / p[y];
}

PFF_HOT void bce_logits_fwd(const float* x, const float* t, float* l, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    l[i] = std::max(x[i], 0.f) - x[i] * t[i] + std::log1p(std::exp(-std::fabs(x[i])));
}

PFF_HOT void bce_logits_bwd(const float* x, const float* t, const float* g, float* dx,
                            float* dt, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float e = std::exp(-std::fabs(x[i]));
    float sig = x[i] >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
    dx[i] = g[i] * (sig - t[i]);
  }
  if (dt)
    for (int64_t i = 0; i < n; ++i) dt[i] = -g[i] * x[i];
}

PFF_HOT void bce_fwd(const float* p, const float* t, float* l, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float pc = clipf(p[i]);
    l[i] = -(t[i] * std::log(pc) + (1.f - t[i]) * std::log(1.f - pc));
  }
}

PFF_HOT void bce_bwd(const float* p, const float* t, const float* g, float* dp, float* dt,
                     int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float pc = clipf(p[i]);
    dp[i] = in_clip(p[i]) ? g[i] * (-t[i] / pc + (1.f - t[i]) / (1.f - pc)) : 0.f;
  }
  if (dt)
    for (int64_t i = 0; i < n; ++i) {
      float pc = clipf(p[i]);
      dt[i] = -g[i] * (std::log(pc) - std::log(1.f - pc));
    }
}

template <typename F>
void elementwise(int64_t n, F&& f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { f(b, e - b); });
}

}  // namespace

template <typename L>
void check_labels(const L* labels, int64_t B, int64_t C, const char* op) {
  for (int64_t r = 0; r < B; ++r) {
    int64_t y = static_cast<int64_t>(labels[r]);
    PFF_CHECK(y >= 0 && y < C, "[", op, "] label ", y, " (at index ", r,
              ") is out of range: expected integer labels in [0, ", C,
              ") for num_classes=", C, ".");
  }
}

template <typename L>
void sparse_softmax_xent_forward(const float* logits, const L* labels, float* loss,
                                 float* probs, int64_t B, int64_t C) {
  check_labels(labels, B, C, "sparse_categorical_crossentropy");
  rows(B, C, [&](int64_t r) {
    const float* z = logits + r * C;
    float lse = softmax_row(z, probs + r * C, C);
    loss[r] = lse - z[static_cast<int64_t>(labels[r])];
  });
}

template <typename L>
void sparse_softmax_xent_backward(const float* probs, const L* labels, const float* g,
                                  float* dlogits, int64_t B, int64_t C) {
  check_labels(labels, B, C, "sparse_categorical_crossentropy");
  rows(B, C, [&](int64_t r) {
    float* d = dlogits + r * C;
    scale_row(probs + r * C, g[r], d, C);
    d[static_cast<int64_t>(labels[r])] -= g[r];
  });
}

void softmax_xent_forward(const float* logits, const float* target, float* loss,
                          float* probs, int64_t B, int64_t C) {
  rows(B, C, [&](int64_t r) {
    const float* z = logits + r * C;
    float lse = softmax_row(z, probs + r * C, C);
    loss[r] = soft_target_loss_row(z, target + r * C, lse, C);
  });
}

void softmax_xent_backward(const float* probs, const float* target, const float* logits,
                           const float* g, float* dlogits, float* dtarget, int64_t B,
                           int64_t C) {
  rows(B, C, [&](int64_t r) {
    soft_target_grad_row(probs + r * C, target + r * C, g[r], dlogits + r * C, C);
    if (dtarget) {
      const float* z = logits + r * C;
      float lse = logsumexp_row(z, C);
      float* dt = dtarget + r * C;
      for (int64_t j = 0; j < C; ++j) dt[j] = -g[r] * (z[j] - lse);
    }
  });
}

template <typename L>
void sparse_prob_xent_forward(const float* probs, const L* labels, float* loss, int64_t B,
                              int64_t C) {
  check_labels(labels, B, C, "sparse_categorical_crossentropy");
  rows(B, C, [&](int64_t r) {
    const float* p = probs + r * C;
    loss[r] = std::log(clipped_sum_row(p, C)) - std::log(clipf(p[static_cast<int64_t>(labels[r])]));
  });
}

template <typename L>
void sparse_prob_xent_backward(const float* probs, const L* labels, const float* g,
                               float* dprobs, int64_t B, int64_t C) {
  check_labels(labels, B, C, "sparse_categorical_crossentropy");
  rows(B, C, [&](int64_t r) {
    sparse_prob_grad_row(probs + r * C, static_cast<int64_t>(labels[r]), g[r],
                         dprobs + r * C, C);
  });
}

void prob_xent_forward(const float* probs, const float* target, float* loss, int64_t B,
                       int64_t C) {
  rows(B, C, [&](int64_t r) { loss[r] = prob_loss_row(probs + r * C, target + r * C, C); });
}

void prob_xent_backward(const float* probs, const float* target, const float* g,
                        float* dprobs, float* dtarget, int64_t B, int64_t C) {
  rows(B, C, [&](int64_t r) {
    prob_grad_row(probs + r * C, target + r * C, g[r], dprobs + r * C,
                  dtarget ? dtarget + r * C : nullptr, C);
  });
}

void binary_xent_logits_forward(const float* x, const float* target, float* loss,
                                int64_t n) {
  elementwise(n, [&](int64_t b, int64_t m) { bce_logits_fwd(x + b, target + b, loss + b, m); });
}

void binary_xent_logits_backward(const float* x, const float* target, const float* g,
                                 float* dx, float* dtarget, int64_t n) {
  elementwise(n, [&](int64_t b, int64_t m) {
    bce_logits_bwd(x + b, target + b, g + b, dx + b, dtarget ? dtarget + b : nullptr, m);
  });
}

void binary_xent_forward(const float* p, const float* target, float* loss, int64_t n) {
  elementwise(n, [&](int64_t b, int64_t m) { bce_fwd(p + b, target + b, loss + b, m); });
}

void binary_xent_backward(const float* p, const float* target, const float* g, float* dp,
                          float* dtarget, int64_t n) {
  elementwise(n, [&](int64_t b, int64_t m) {
    bce_bwd(p + b, target + b, g + b, dp + b, dtarget ? dtarget + b : nullptr, m);
  });
}

#define PFF_XENT_INSTANTIATE(L)                                                          \
  template void check_labels<L>(const L*, int64_t, int64_t, const char*);               \
  template void sparse_softmax_xent_forward<L>(const float*, const L*, float*, float*,   \
                                               int64_t, int64_t);                        \
  template void sparse_softmax_xent_backward<L>(const float*, const L*, const float*,    \
                                                float*, int64_t, int64_t);               \
  template void sparse_prob_xent_forward<L>(const float*, const L*, float*, int64_t,     \
                                            int64_t);                                    \
  template void sparse_prob_xent_backward<L>(const float*, const L*, const float*,       \
                                             float*, int64_t, int64_t);
PFF_XENT_INSTANTIATE(int32_t)
PFF_XENT_INSTANTIATE(int64_t)
PFF_XENT_INSTANTIATE(uint8_t)
#undef PFF_XENT_INSTANTIATE

}  // namespace pyfastfit::cpu
