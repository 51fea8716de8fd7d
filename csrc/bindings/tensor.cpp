// Binds Tensor: zero-copy both ways with NumPy (buffer protocol), plus the thread knob.
// Conversion rule for from_numpy: float32/int32/int64/uint8/bool C-contiguous arrays are
// borrowed as they are; other floats become float32, other ints int32 (signed < 32 bit,
// uint8 stays) or int64 (uint32/uint64); non-contiguous arrays are copied once.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "core/check.h"
#include "core/tensor.h"
#include "core/threads.h"

namespace py = pybind11;
using namespace pyfastfit;

namespace {

const char* buffer_format(DType dt) {
  switch (dt) {
    case DType::float32: return "f";
    case DType::int32: return "i";
    case DType::int64: return "q";
    case DType::uint8: return "B";
    case DType::bool_: return "?";
  }
  return "f";
}

DType target_dtype(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f') return DType::float32;
  if (kind == 'b') return DType::bool_;
  if (kind == 'u') return size == 1 ? DType::uint8 : (size <= 2 ? DType::int32 : DType::int64);
  if (kind == 'i') return size == 8 ? DType::int64 : DType::int32;
  throw py::type_error(str("Cannot convert a NumPy array of dtype ",
                           std::string(py::str(dt)),
                           " to a pyfastfit Tensor: expected a numeric or bool dtype."));
}

py::dtype numpy_dtype(DType dt) {
  switch (dt) {
    case DType::float32: return py::dtype("float32");
    case DType::int32: return py::dtype("int32");
    case DType::int64: return py::dtype("int64");
    case DType::uint8: return py::dtype("uint8");
    case DType::bool_: return py::dtype("bool");
  }
  return py::dtype("float32");
}

DType parse_dtype(const std::string& name) {
  if (name == "float32") return DType::float32;
  if (name == "int32") return DType::int32;
  if (name == "int64") return DType::int64;
  if (name == "uint8") return DType::uint8;
  if (name == "bool") return DType::bool_;
  throw py::value_error(str("Unsupported dtype '", name,
                            "': expected one of float32, int32, int64, uint8, bool."));
}

// Buffers exported to Python on this thread (np.asarray(t), memoryview(t), ...): every
// host read or write of tensor data from Python goes through the getter below, so a
// test (or a step capture) sees host access as a change of this count. Thread-local and
// a plain increment, to cost nothing on the hot path.
thread_local int64_t host_access_count = 0;

Tensor from_numpy(py::array arr) {
  DType dt = target_dtype(arr.dtype());
  py::dtype want = numpy_dtype(dt);
  bool ok = arr.dtype().is(want) || arr.dtype().equal(want);
  if (!ok || !(arr.flags() & py::array::c_style) || !(arr.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_)) {
    arr = py::array::ensure(arr.attr("astype")(want, py::arg("order") = "C"),
                            py::array::c_style);
  }
  Shape shape(arr.shape(), arr.shape() + arr.ndim());
  void* data = const_cast<void*>(arr.data());
  // Keep the array alive while any Tensor views it; the GIL is taken to release it
  // because the last reference may drop inside a kernel that runs without the GIL.
  PyObject* owner = arr.release().ptr();
  std::shared_ptr<void> holder(owner, [](void* p) {
    py::gil_scoped_acquire gil;
    Py_DECREF(static_cast<PyObject*>(p));
  });
  return Tensor(std::move(holder), data, std::move(shape), dt);
}

}  // namespace

PFF_BINDINGS(tensor, 0) {
  py::class_<Tensor>(m, "Tensor", py::buffer_protocol())
      .def_buffer([](Tensor& t) {
        ++host_access_count;
        // Host memory only: a device tensor needs an explicit copy (DESIGN.md 7.2).
        PFF_CHECK(t.device() == Device::cpu, "[numpy] cannot view a tensor on ",
                  device_name(t.device()), " as host memory.");
        capture::note_host_access("its buffer was exported to NumPy");
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
        std::vector<py::ssize_t> strides(shape.size());
        py::ssize_t s = static_cast<py::ssize_t>(itemsize(t.dtype()));
        for (int i = t.ndim() - 1; i >= 0; --i) {
          strides[i] = s;
          s *= std::max<py::ssize_t>(shape[i], 1);
        }
        return py::buffer_info(t.raw(), static_cast<py::ssize_t>(itemsize(t.dtype())),
                               buffer_format(t.dtype()), t.ndim(), shape, strides);
      })
      .def_property_readonly("shape", [](const Tensor& t) {
        py::tuple s(t.ndim());
        for (int i = 0; i < t.ndim(); ++i) s[i] = t.shape()[i];
        return s;
      })
      .def_property_readonly("dtype", [](const Tensor& t) { return dtype_name(t.dtype()); })
      .def_property_readonly("device", [](const Tensor& t) { return device_name(t.device()); })
      .def_property_readonly("ndim", &Tensor::ndim)
      .def_property_readonly("size", &Tensor::numel)
      // float(t) of a one-element float32 tensor on the CPU without a NumPy view (logs
      // are read once per step); None for any other tensor (Python's general path).
      .def("float_value", [](const Tensor& t) -> py::object {
        if (t.device() != Device::cpu || t.numel() != 1 || t.dtype() != DType::float32)
          return py::none();
        ++host_access_count;
        capture::note_host_access("its buffer was exported to NumPy");
        return py::float_(static_cast<double>(*t.f32()));
      })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw()); })
      .def("clone", capture::recorded("clone", [](const Tensor& t) { return t.clone(); }),
           py::call_guard<py::gil_scoped_release>())
      .def("reshape", [](const Tensor& t, const Shape& s) { return t.reshaped(s); })
      // pickle / copy.deepcopy (optimizer plans and caches hold _C tensors): rebuilt by
      // from_numpy from a NumPy copy of the value, as pyfastfit.Tensor is.
      .def("__reduce__", [](py::object self) {
        py::object copy = py::module_::import("numpy").attr("array")(self, py::arg("copy") = true);
        return py::make_tuple(py::module_::import("pyfastfit._C").attr("from_numpy"),
                              py::make_tuple(copy));
      })
      .def("shares_memory_with", [](const Tensor& a, const Tensor& b) {
        return a.holder() == b.holder();
      });
  m.def("from_numpy", &from_numpy, py::arg("array"));
  m.def("empty", [](const Shape& s, const std::string& dt) { return Tensor::empty(s, parse_dtype(dt)); },
        py::arg("shape"), py::arg("dtype") = "float32");
  m.def("zeros", [](const Shape& s, const std::string& dt) { return Tensor::zeros(s, parse_dtype(dt)); },
        py::arg("shape"), py::arg("dtype") = "float32");
  m.def("host_access_count", []() { return host_access_count; });
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("get_num_threads", &get_num_threads);
  // Test hook: the modes (true = serial) a PoolChoice picks over iterations whose i-th
  // takes serial_s[i] or parallel_s[i] seconds (tests/csrc/test_pool_choice.py).
  m.def("_pool_choice_modes", [](const std::vector<double>& serial_s,
                                 const std::vector<double>& parallel_s) {
    PFF_CHECK(serial_s.size() == parallel_s.size(), "[pool_choice] serial_s and "
              "parallel_s differ in length: ", serial_s.size(), " vs ", parallel_s.size());
    PoolChoice choice;
    std::vector<bool> modes;
    for (size_t i = 0; i < serial_s.size(); ++i) {
      bool serial = choice.serial_next();
      modes.push_back(serial);
      choice.record(serial ? serial_s[i] : parallel_s[i]);
    }
    return modes;
  }, py::arg("serial_s"), py::arg("parallel_s"));
}
