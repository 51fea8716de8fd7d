// Checks shared by the convolution and pooling ops on their per-spatial-dim arguments.
#pragma once
#include <cstdint>

#include "core/check.h"
#include "core/tensor.h"

namespace pyfastfit {

/** Checks one per-spatial-dim argument (strides, dilation, pads, pool size) and lifts it
 *  to 2-D: 1-D tensors run as H = 1, which takes `lift` (1 for strides/dilation, 0 for
 *  pads). Entries must be >= lo (0 for pads, 1 otherwise). */
inline void lift2(const Shape& v, int64_t S, int64_t lo, int64_t lift, const char* op,
                  const char* name, int64_t& a, int64_t& b) {
  PFF_CHECK(static_cast<int64_t>(v.size()) == S, "[", op, "] ", name, " must have ", S,
            " entries (one per spatial dim), got ", shape_str(v), ".");
  for (int64_t e : v)
    PFF_CHECK(e >= lo, "[", op, "] ", name, " must be ", lo == 0 ? "non-negative" : "positive",
              ", got ", shape_str(v), ".");
  a = S == 2 ? v[0] : lift;
  b = v[S - 1];
}

/** lift2 for up to 3 spatial dims: depth d (lifted for S < 3), then a (H) and b (W). */
inline void lift3(const Shape& v, int64_t S, int64_t lo, int64_t lift, const char* op,
                  const char* name, int64_t& d, int64_t& a, int64_t& b) {
  if (S < 3) {
    d = lift;
    lift2(v, S, lo, lift, op, name, a, b);
    return;
  }
  PFF_CHECK(v.size() == 3, "[", op, "] ", name, " must have 3 entries (one per spatial dim), ",
            "got ", shape_str(v), ".");
  PFF_CHECK(v[0] >= lo, "[", op, "] ", name, " must be ",
            lo == 0 ? "non-negative" : "positive", ", got ", shape_str(v), ".");
  lift2(Shape(v.begin() + 1, v.end()), 2, lo, lift, op, name, a, b);
  d = v[0];
}

}  // namespace pyfastfit
