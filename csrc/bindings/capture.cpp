// Binds capture::Recording (pyfastfit.function's op list) and the capture kinds.
#include <pybind11/stl.h>

#include <memory>
#include <optional>

#include "bindings/registry.h"
#include "core/capture.h"

namespace py = pybind11;
using namespace pyfastfit;
using capture::Recording;

PFF_BINDINGS(capture, 5) {
  using release = py::call_guard<py::gil_scoped_release>;
  // Class methods and static methods are not module functions: never recorded themselves.
  py::class_<Recording, std::shared_ptr<Recording>>(m, "Recording")
      .def(py::init<>())
      .def("add_input", &Recording::add_input, py::arg("value"))
      .def("set_outputs", &Recording::set_outputs, py::arg("outputs"))
      .def("begin", &Recording::begin)
      .def("end", &Recording::end)
      .def("pause", &Recording::pause)
      .def("resume", &Recording::resume)
      .def("replay", &Recording::replay, py::arg("inputs"), release())
      .def("try_replay",
           [](Recording& r, const std::vector<Tensor>& inputs)
               -> std::optional<std::vector<Tensor>> {
             if (!r.matches(inputs)) return std::nullopt;  // another signature
             return r.replay(inputs);
           },
           py::arg("inputs"), release())
      .def("replay_rows",
           [](Recording& r, const std::vector<Tensor>& sources, int64_t start,
              const std::optional<Tensor>& order) {
             return r.replay_rows(sources, start, order ? *order : Tensor());
           },
           py::arg("sources"), py::arg("start"), py::arg("order") = py::none(), release())
      .def("replay_rows_steps",
           [](Recording& r, const std::vector<Tensor>& sources, int64_t start,
              const std::optional<Tensor>& order, int64_t steps) {
             return r.replay_rows_steps(sources, start, order ? *order : Tensor(), steps,
                                        bindings::check_signals);
           },
           py::arg("sources"), py::arg("start"), py::arg("order"), py::arg("steps"), release())
      .def("profile", &Recording::profile, py::arg("inputs"), py::arg("repeats"), release())
      .def_property_readonly("signature", &Recording::signature)
      .def_property_readonly("taint", &Recording::taint)
      .def_property_readonly("num_steps", &Recording::num_steps)
      .def_property_readonly("num_allocs", &Recording::num_allocs)
      .def_static("is_recording", []() {
        Recording* r = capture::active();
        return r != nullptr && r->recording();
      })
      .def_static("taint_active", [](const std::string& why) {
        if (Recording* r = capture::active()) r->mark_tainted(why);
      }, py::arg("reason"))
      .def_static("capture_kinds", []() { return bindings::capture_kinds(); });
}
