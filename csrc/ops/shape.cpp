// Shape and indexing ops: argument checks, allocation, dispatch to cpu::.
#include "ops/shape.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/device.h"
#include "cpu/shape.h"

namespace pyfastfit {
namespace {

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(s.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

int code(DType d) { return static_cast<int>(d); }

// Indices as int64, wrapped into [0, n), with a clear error for out-of-range ones.
std::vector<int64_t> wrap_indices(const Tensor& idx, int64_t n, const char* op,
                                  bool allow_negative = true) {
  PFF_CHECK(idx.dtype() == DType::int32 || idx.dtype() == DType::int64 ||
                idx.dtype() == DType::uint8,
            "[", op, "] indices must be an integer tensor, got ", dtype_name(idx.dtype()), ".");
  std::vector<int64_t> out(static_cast<size_t>(idx.numel()));
  cpu::cast(idx.raw(), code(idx.dtype()), out.data(), code(DType::int64), idx.numel());
  for (auto& v : out) {
    // Embedding lookups reject negative ids (Keras does) instead of counting from the end.
    PFF_CHECK(allow_negative || v >= 0, "[", op, "] index ", v,
              " is negative; expected indices in [0, ", n, ").");
    int64_t w = v < 0 ? v + n : v;
    PFF_CHECK(w >= 0 && w < n, "[", op, "] index ", v, " is out of bounds for an axis of size ",
              n, ".");
    v = w;
  }
  return out;
}

void check_axis(int64_t axis, int ndim, const char* op) {
  PFF_CHECK(axis >= 0 && axis < ndim, "[", op, "] axis ", axis,
            " is out of bounds for a tensor of rank ", ndim, ".");
}

struct Split3 {
  int64_t outer = 1, n = 1, inner = 1;
};
Split3 split3(const Shape& s, int64_t axis) {
  Split3 r;
  for (int64_t d = 0; d < axis; ++d) r.outer *= s[d];
  r.n = s[axis];
  for (size_t d = axis + 1; d < s.size(); ++d) r.inner *= s[d];
  return r;
}

}  // namespace

DType dtype_from_name(const std::string& name) {
  if (name == "float32") return DType::float32;
  if (name == "int32") return DType::int32;
  if (name == "int64") return DType::int64;
  if (name == "uint8") return DType::uint8;
  if (name == "bool") return DType::bool_;
  PFF_CHECK(false, "Unsupported dtype '", name,
            "': expected one of float32, int32, int64, uint8, bool.");
  return DType::float32;
}

Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm) {
  Device d = common_device("transpose", {{"x", x}});
  PFF_CHECK(static_cast<int>(perm.size()) == x.ndim(), "[transpose] axes has ", perm.size(),
            " entries for a tensor of rank ", x.ndim(), ".");
  std::vector<bool> seen(perm.size(), false);
  Shape os(perm.size()), st(perm.size());
  Shape xs = contiguous_strides(x.shape());
  for (size_t i = 0; i < perm.size(); ++i) {
    int64_t p = perm[i];
    PFF_CHECK(p >= 0 && p < x.ndim() && !seen[p], "[transpose] axes must be a permutation of 0..",
              x.ndim() - 1, ".");
    seen[p] = true;
    os[i] = x.shape()[p];
    st[i] = xs[p];
  }
  return on_device("transpose", d, [&] {
    Tensor out = Tensor::empty(os, x.dtype());
    cpu::strided_gather(x.raw(), out.raw(), itemsize(x.dtype()), os, st, 0);
    return out;
  });
}

Tensor strided_slice(const Tensor& x, const Shape& starts, const Shape& steps,
                     const Shape& counts) {
  Device dev = common_device("slice", {{"x", x}});
  const int nd = x.ndim();
  PFF_CHECK(static_cast<int>(starts.size()) == nd && static_cast<int>(steps.size()) == nd &&
                static_cast<int>(counts.size()) == nd,
            "[slice] expects one start/step/count per dimension.");
  Shape xs = contiguous_strides(x.shape()), st(nd);
  int64_t offset = 0;
  bool empty = false;
  for (int d = 0; d < nd; ++d) {
    PFF_CHECK(counts[d] >= 0, "[slice] negative count.");
    if (counts[d] == 0) { empty = true; continue; }
    int64_t last = starts[d] + (counts[d] - 1) * steps[d];
    PFF_CHECK(starts[d] >= 0 && starts[d] < x.dim(d) && last >= 0 && last < x.dim(d),
              "[slice] slice out of bounds for dimension ", d, " of size ", x.dim(d), ".");
    offset += starts[d] * xs[d];
    st[d] = steps[d] * xs[d];
  }
  return on_device("slice", dev, [&] {
    Tensor out = Tensor::empty(counts, x.dtype());
    if (!empty) cpu::strided_gather(x.raw(), out.raw(), itemsize(x.dtype()), counts, st, offset);
    return out;
  });
}

Tensor contiguous_view(const Tensor& x, int64_t offset, const Shape& shape) {
  // Pointer arithmetic only, no data access: the same on every device, so no dispatch.
  int64_t n = numel_of(shape);
  PFF_CHECK(offset >= 0 && offset + n <= x.numel(), "[view] block of ", n,
            " elements at offset ", offset, " does not fit in a tensor of shape ",
            shape_str(x.shape()), ".");
  char* p = static_cast<char*>(x.raw()) + offset * static_cast<int64_t>(itemsize(x.dtype()));
  return Tensor(x.holder(), p, shape, x.dtype(), x.device());
}

Tensor strided_slice_backward(const Tensor& g, const Shape& shape, const Shape& starts,
                              const Shape& steps, const Shape& counts) {
  Device dev = common_device("slice_backward", {{"g", g}});
  check_float32(g, "slice_backward", "g");
  PFF_CHECK(g.shape() == counts, "[slice_backward] g has shape ", shape_str(g.shape()),
            ", expected ", shape_str(counts), ".");
  return on_device("slice_backward", dev, [&] {
    Tensor dx = Tensor::zeros(shape);
    Shape xs = contiguous_strides(shape), st(shape.size());
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (counts[d] == 0) return dx;
      offset += starts[d] * xs[d];
      st[d] = steps[d] * xs[d];
    }
    cpu::strided_scatter(g.raw(), dx.raw(), 4, counts, st, offset);
    return dx;
  });
}

Tensor slice_update(const Tensor& x, const Shape& starts, const Tensor& updates) {
  Device dev = common_device("slice_update", {{"inputs", x}, {"updates", updates}});
  const int nd = x.ndim();
  PFF_CHECK(updates.ndim() == nd && static_cast<int>(starts.size()) == nd,
            "[slice_update] updates of shape ", shape_str(updates.shape()),
            " and start_indices must have the rank of inputs (", nd, ").");
  PFF_CHECK(updates.dtype() == x.dtype(), "[slice_update] updates must have the dtype of inputs (",
            dtype_name(x.dtype()), "), got ", dtype_name(updates.dtype()), ".");
  for (int d = 0; d < nd; ++d)
    PFF_CHECK(starts[d] >= 0 && starts[d] + updates.dim(d) <= x.dim(d), "[slice_update] updates of shape ",
              shape_str(updates.shape()), " at start ", starts[d], " do not fit dimension ", d,
              " of inputs with shape ", shape_str(x.shape()), ".");
  return on_device("slice_update", dev, [&] {
    Tensor out = x.clone();
    if (updates.numel() == 0) return out;
    Shape st = contiguous_strides(x.shape());
    int64_t offset = 0;
    for (int d = 0; d < nd; ++d) offset += starts[d] * st[d];
    cpu::strided_scatter(updates.raw(), out.raw(), itemsize(x.dtype()), updates.shape(), st,
                         offset);
    return out;
  });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  Device dev = common_device("broadcast_to", {{"x", x}});
  const int nd = static_cast<int>(shape.size());
  PFF_CHECK(nd >= x.ndim(), "[broadcast_to] cannot broadcast a tensor of shape ",
            shape_str(x.shape()), " to shape ", shape_str(shape), ".");
  Shape xs = contiguous_strides(x.shape()), st(nd, 0);
  for (int d = 0; d < nd; ++d) {
    int xd = d - (nd - x.ndim());
    if (xd < 0) continue;
    int64_t s = x.shape()[xd];
    PFF_CHECK(s == shape[d] || s == 1, "[broadcast_to] cannot broadcast a tensor of shape ",
              shape_str(x.shape()), " to shape ", shape_str(shape), ".");
    st[d] = s == 1 ? 0 : xs[xd];
  }
  return on_device("broadcast_to", dev, [&] {
    Tensor out = Tensor::empty(shape, x.dtype());
    if (out.numel()) cpu::strided_gather(x.raw(), out.raw(), itemsize(x.dtype()), shape, st, 0);
    return out;
  });
}

Tensor take(const Tensor& x, const Tensor& indices, int64_t axis, bool allow_negative) {
  Device d = common_device("take", {{"x", x}, {"indices", indices}});
  check_axis(axis, x.ndim(), "take");
  auto sp = split3(x.shape(), axis);
  return on_device("take", d, [&] {
    auto idx = wrap_indices(indices, sp.n, "take", allow_negative);
    Shape os(x.shape().begin(), x.shape().begin() + axis);
    os.insert(os.end(), indices.shape().begin(), indices.shape().end());
    os.insert(os.end(), x.shape().begin() + axis + 1, x.shape().end());
    Tensor out = Tensor::empty(os, x.dtype());
    cpu::take(x.raw(), out.raw(), itemsize(x.dtype()), sp.outer, sp.n, sp.inner, idx.data(),
              static_cast<int64_t>(idx.size()));
    return out;
  });
}

Tensor take_backward(const Tensor& g, const Tensor& indices, const Shape& shape, int64_t axis) {
  Device d = common_device("take_backward", {{"g", g}, {"indices", indices}});
  check_float32(g, "take_backward", "g");
  auto sp = split3(shape, axis);
  return on_device("take_backward", d, [&] {
    auto idx = wrap_indices(indices, sp.n, "take");
    Tensor dx = Tensor::zeros(shape);
    PFF_CHECK(g.numel() == sp.outer * static_cast<int64_t>(idx.size()) * sp.inner,
              "[take_backward] g has shape ", shape_str(g.shape()), ".");
    cpu::take_backward(g.f32(), dx.f32(), sp.outer, sp.n, sp.inner, idx.data(),
                       static_cast<int64_t>(idx.size()));
    return dx;
  });
}

Tensor take_along_axis(const Tensor& x, const Tensor& indices, int64_t axis) {
  Device d = common_device("take_along_axis", {{"x", x}, {"indices", indices}});
  check_axis(axis, x.ndim(), "take_along_axis");
  PFF_CHECK(indices.ndim() == x.ndim(), "[take_along_axis] indices must have the rank of x (",
            x.ndim(), "), got shape ", shape_str(indices.shape()), ".");
  for (int d = 0; d < x.ndim(); ++d)
    PFF_CHECK(d == axis || indices.dim(d) == x.dim(d), "[take_along_axis] indices of shape ",
              shape_str(indices.shape()), " do not match x of shape ", shape_str(x.shape()),
              " outside axis ", axis, ".");
  auto sp = split3(x.shape(), axis);
  return on_device("take_along_axis", d, [&] {
    auto idx = wrap_indices(indices, sp.n, "take_along_axis");
    Tensor out = Tensor::empty(indices.shape(), x.dtype());
    cpu::take_along(x.raw(), out.raw(), itemsize(x.dtype()), sp.outer, sp.n, sp.inner,
                    idx.data(), indices.dim(axis));
    return out;
  });
}

Tensor take_along_axis_backward(const Tensor& g, const Tensor& indices, const Shape& shape,
                                int64_t axis) {
  Device d = common_device("take_along_axis_backward", {{"g", g}, {"indices", indices}});
  check_float32(g, "take_along_axis_backward", "g");
  auto sp = split3(shape, axis);
  return on_device("take_along_axis_backward", d, [&] {
    auto idx = wrap_indices(indices, sp.n, "take_along_axis");
    Tensor dx = Tensor::zeros(shape);
    cpu::take_along_backward(g.f32(), dx.f32(), sp.outer, sp.n, sp.inner, idx.data(),
                             indices.dim(axis));
    return dx;
  });
}

Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis) {
  PFF_CHECK(!xs.empty(), "[concatenate] needs at least one tensor.");
  Device d = common_device("concatenate", {{"xs", xs}});
  const Tensor& f = xs[0];
  check_axis(axis, f.ndim(), "concatenate");
  Shape os = f.shape();
  os[axis] = 0;
  std::vector<const void*> srcs;
  std::vector<int64_t> widths;
  auto sp0 = split3(f.shape(), axis);
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& t = xs[k];
    PFF_CHECK(t.dtype() == f.dtype(), "[concatenate] all tensors must have the same dtype; got ",
              dtype_name(f.dtype()), " and ", dtype_name(t.dtype()), ".");
    bool ok = t.ndim() == f.ndim();
    for (int d = 0; ok && d < f.ndim(); ++d) ok = d == axis || t.dim(d) == f.dim(d);
    PFF_CHECK(ok, "[concatenate] shapes ", shape_str(f.shape()), " and ", shape_str(t.shape()),
              " (input ", k, ") do not match outside axis ", axis, ".");
    os[axis] += t.dim(axis);
    srcs.push_back(t.raw());
    widths.push_back(t.dim(axis) * sp0.inner * static_cast<int64_t>(itemsize(t.dtype())));
  }
  return on_device("concatenate", d, [&] {
    Tensor out = Tensor::empty(os, f.dtype());
    if (out.numel()) cpu::concat_rows(srcs, widths, out.raw(), sp0.outer);
    return out;
  });
}

Tensor pad(const Tensor& x, const Shape& before, const Shape& after, double value) {
  Device dev = common_device("pad", {{"x", x}});
  const int nd = x.ndim();
  PFF_CHECK(static_cast<int>(before.size()) == nd && static_cast<int>(after.size()) == nd,
            "[pad] pad_width needs one (before, after) pair per dimension (", nd, ").");
  Shape os(nd);
  for (int d = 0; d < nd; ++d) {
    PFF_CHECK(before[d] >= 0 && after[d] >= 0, "[pad] pad widths must be non-negative.");
    os[d] = x.dim(d) + before[d] + after[d];
  }
  return on_device("pad", dev, [&] {
    Tensor out = full(os, value, dtype_name(x.dtype()));
    Shape st = contiguous_strides(os);
    int64_t offset = 0;
    for (int d = 0; d < nd; ++d) offset += before[d] * st[d];
    if (x.numel())
      cpu::strided_scatter(x.raw(), out.raw(), itemsize(x.dtype()), x.shape(), st, offset);
    return out;
  });
}

Tensor cast(const Tensor& x, const std::string& dtype) {
  DType dt = dtype_from_name(dtype);
  if (dt == x.dtype()) return x;
  return on_device("cast", x.device(), [&] {
    Tensor out = Tensor::empty(x.shape(), dt);
    cpu::cast(x.raw(), code(x.dtype()), out.raw(), code(dt), x.numel());
    return out;
  });
}

Tensor full(const Shape& shape, double value, const std::string& dtype) {
  // A creation op with no tensor argument: it makes CPU tensors (no device argument yet).
  DType dt = dtype_from_name(dtype);
  Tensor out = Tensor::empty(shape, dt);
  alignas(8) unsigned char buf[8] = {0};
  float f = static_cast<float>(value);
  cpu::cast(&f, code(DType::float32), buf, code(dt), 1);
  if (dt == DType::int32 || dt == DType::int64) {
    // Integers go through int64 so large values are exact.
    int64_t v = static_cast<int64_t>(value);
    if (dt == DType::int32) { int32_t v32 = static_cast<int32_t>(v); std::memcpy(buf, &v32, 4); }
    else std::memcpy(buf, &v, 8);
  }
  cpu::fill(out.raw(), itemsize(dt), out.numel(), buf);
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t depth, const std::string& dtype) {
  Device d = common_device("one_hot", {{"labels", labels}});
  PFF_CHECK(depth >= 0, "[one_hot] num_classes must be non-negative, got ", depth, ".");
  PFF_CHECK(labels.dtype() != DType::float32 && labels.dtype() != DType::bool_,
            "[one_hot] labels must be integers, got ", dtype_name(labels.dtype()), ".");
  dtype_from_name(dtype);  // a bad dtype fails before the dispatch, on every device
  return on_device("one_hot", d, [&] {
    std::vector<int64_t> lab(static_cast<size_t>(labels.numel()));
    cpu::cast(labels.raw(), code(labels.dtype()), lab.data(), code(DType::int64),
              labels.numel());
    Shape os = labels.shape();
    os.push_back(depth);
    Tensor f = Tensor::zeros(os);
    float* p = f.f32();
    for (size_t i = 0; i < lab.size(); ++i)
      if (lab[i] >= 0 && lab[i] < depth) p[i * depth + lab[i]] = 1.f;
    return cast(f, dtype);
  });
}

Tensor argsort(const Tensor& x, bool descending) {
  Device d = common_device("argsort", {{"x", x}});
  check_float32(x, "argsort", "x");
  int64_t n = x.ndim() ? x.dim(-1) : 1;
  return on_device("argsort", d, [&] {
    Tensor out = Tensor::empty(x.shape(), DType::int64);
    if (x.numel())
      cpu::argsort_rows(x.f32(), x.numel() / n, n, descending, out.data<int64_t>());
    return out;
  });
}

Tensor top_k_indices(const Tensor& x, int64_t k, bool sorted) {
  Device d = common_device("top_k", {{"x", x}});
  check_float32(x, "top_k", "x");
  PFF_CHECK(x.ndim() >= 1, "[top_k] x must have at least one dimension.");
  int64_t n = x.dim(-1);
  PFF_CHECK(k >= 0 && k <= n, "[top_k] k must be in [0, ", n, "] (the size of the last axis), got ",
            k, ".");
  Shape os = x.shape();
  os.back() = k;
  return on_device("top_k", d, [&] {
    Tensor out = Tensor::empty(os, DType::int64);
    if (out.numel()) cpu::top_k_rows(x.f32(), x.numel() / n, n, k, sorted, out.data<int64_t>());
    return out;
  });
}

}  // namespace pyfastfit
