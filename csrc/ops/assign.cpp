// In-place assign / assign_add / assign_sub of state tensors: checks, then the cast and
// broadcasting binary kernels of cpu/elementwise writing straight into dst.
#include "ops/assign.h"

#include <cstring>

#include "core/check.h"
#include "core/device.h"
#include "cpu/elementwise.h"
#include "ops/elementwise.h"

namespace pyfastfit {
namespace {

// src's shape must broadcast to exactly dst's shape (the result may not grow dst).
void check_broadcasts_to(const char* op, const Tensor& dst, const Tensor& src) {
  const Shape& d = dst.shape();
  const Shape& s = src.shape();
  bool ok = s.size() <= d.size();
  for (size_t i = 0; ok && i < s.size(); ++i) {
    int64_t sd = s[s.size() - 1 - i], dd = d[d.size() - 1 - i];
    ok = sd == dd || sd == 1;
  }
  PFF_CHECK(ok, "[", op, "] a value of shape ", shape_str(s),
            " does not broadcast to the variable's shape ", shape_str(d), ".");
}

void update_(cpu::BinaryOp op, const char* name, const Tensor& dst, const Tensor& src) {
  Device dev = common_device(name, {{"variable", dst}, {"value", src}});
  check_broadcasts_to(name, dst, src);
  if (dst.dtype() == DType::bool_) {
    PFF_CHECK(op == cpu::BinaryOp::add, "[", name,
              "] cannot subtract from a bool variable (NumPy's boolean subtract is not "
              "defined); cast it to an integer dtype first.");
    op = cpu::BinaryOp::logical_or;
  }
  on_device(name, dev, [&] {
    if (dst.numel() == 0) return;
    Tensor s = astype(src, dst.dtype());
    cpu::Plan plan;
    if (s.shape() == dst.shape()) {
      plan.operands = 3;
      plan.numel = dst.numel();
      if (plan.numel != 1 || dst.ndim()) {
        plan.shape = {plan.numel};
        for (auto& st : plan.strides) st = {1};
      }
    } else {
      plan = cpu::make_plan(dst.shape(), {&dst.shape(), &s.shape()});
    }
    // Each output element reads only the same element of dst, so writing in place is safe.
    cpu::binary(op, dst.dtype(), dst.raw(), s.raw(), dst.raw(), plan);
  });
}

}  // namespace

void assign_(const Tensor& dst, const Tensor& src) {
  const char* op = "assign_";
  Device dev = common_device(op, {{"variable", dst}, {"value", src}});
  PFF_CHECK(src.shape() == dst.shape(), "[", op, "] a value of shape ", shape_str(src.shape()),
            " cannot be assigned to a variable of shape ", shape_str(dst.shape()), ".");
  on_device(op, dev, [&] {
    if (dst.numel() == 0 || src.raw() == dst.raw()) return;
    if (src.dtype() == dst.dtype()) {
      // memmove: src may be another view of dst's storage.
      std::memmove(dst.raw(), src.raw(), dst.nbytes());
    } else {
      cpu::cast(src.dtype(), src.raw(), dst.dtype(), dst.raw(), dst.numel());
    }
  });
}

void assign_add_(const Tensor& dst, const Tensor& src) {
  update_(cpu::BinaryOp::add, "assign_add_", dst, src);
}

void assign_sub_(const Tensor& dst, const Tensor& src) {
  update_(cpu::BinaryOp::subtract, "assign_sub_", dst, src);
}

}  // namespace pyfastfit
