// The windows of a pooling read from a node's numbers: shared by the pooling nodes and
// the convolution node that takes a folded max pooling (nodes/pool.cpp, nodes/conv.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "cpu/pool.h"
#include "program/node.h"

namespace pyfastfit::program {

/** The windows over an input of (D, H, W, C) per sample from the numbers "<prefix>out"
 *  (OH, OW), "<prefix>window" (KH, KW), "<prefix>strides", "<prefix>pads" and, for 3-D
 *  pooling, "<prefix>depth" (D, OD, KD, sd, pf; else D = 1), each checked (sizes and
 *  strides >= 1, paddings >= 0). N is left 0. */
cpu::PoolGeom pool_windows(const NodeSpec& s, const std::string& prefix, int64_t H,
                           int64_t W, int64_t C);

}  // namespace pyfastfit::program
