// Binds the fast-path Program (program/program.h) and its spec structs.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "cpu/activation.h"
#include "program/program.h"

namespace py = pybind11;
using namespace pyfastfit;
using namespace pyfastfit::program;

PFF_BINDINGS(program, 20) {
  using release = py::call_guard<py::gil_scoped_release>;
  py::class_<ConstraintSpec>(m, "ProgramConstraint")
      .def(py::init([](const std::string& kind) {
             ConstraintSpec c;
             c.kind = parse_constraint_kind(kind);
             return c;
           }),
           py::arg("kind"))
      .def_readwrite("min_value", &ConstraintSpec::min_value)
      .def_readwrite("max_value", &ConstraintSpec::max_value)
      .def_readwrite("rate", &ConstraintSpec::rate)
      .def_readwrite("keep", &ConstraintSpec::keep)
      .def_readwrite("axis", &ConstraintSpec::axis);
  py::class_<ParamSpec>(m, "ProgramParam")
      .def(py::init([](Tensor weight, int slot, float l1, float l2, ConstraintSpec c) {
             return ParamSpec{std::move(weight), slot, l1, l2, c};
           }),
           py::arg("weight"), py::arg("slot"), py::arg("l1") = 0.f, py::arg("l2") = 0.f,
           py::arg("constraint") = ConstraintSpec{})
      .def_readonly("slot", &ParamSpec::slot);
  py::class_<NodeSpec>(m, "ProgramNode")
      .def(py::init([](const std::string& kind, std::vector<int> inputs,
                       std::vector<int64_t> shape) {
             NodeSpec n;
             n.kind = kind;
             n.inputs = std::move(inputs);
             n.shape = std::move(shape);
             return n;
           }),
           py::arg("kind"), py::arg("inputs"), py::arg("shape"))
      .def_readonly("kind", &NodeSpec::kind)
      .def_readonly("inputs", &NodeSpec::inputs)
      .def_readonly("shape", &NodeSpec::shape)
      .def_property_readonly("width", &NodeSpec::width)
      .def_readwrite("numbers", &NodeSpec::numbers)
      .def_readwrite("names", &NodeSpec::names)
      .def_readwrite("tensors", &NodeSpec::tensors)
      .def_readwrite("params", &NodeSpec::params)
      .def_readwrite("activity_l1", &NodeSpec::activity_l1)
      .def_readwrite("activity_l2", &NodeSpec::activity_l2)
      .def_readwrite("seed", &NodeSpec::seed);
  py::class_<HeadSpec>(m, "ProgramHead")
      .def(py::init([](int node, const std::string& loss) {
             HeadSpec h;
             h.node = node;
             h.loss = parse_loss_kind(loss);
             return h;
           }),
           py::arg("node"), py::arg("loss"))
      .def_readwrite("from_logits", &HeadSpec::from_logits)
      .def_property("point", [](const HeadSpec&) { return py::none(); },
                    [](HeadSpec& h, const std::string& p) { h.point = parse_point_loss(p); })
      .def_readwrite("param", &HeadSpec::param)
      .def_readwrite("sum_reduction", &HeadSpec::sum_reduction)
      .def_readwrite("has_weight", &HeadSpec::has_weight)
      .def_readwrite("weight", &HeadSpec::weight)
      .def_readwrite("smoothing", &HeadSpec::smoothing)
      .def_readwrite("smooth_scale", &HeadSpec::smooth_scale)
      .def_readwrite("smooth_offset", &HeadSpec::smooth_offset)
      .def_readwrite("positions", &HeadSpec::positions);
  py::class_<MetricSpec>(m, "ProgramMetric")
      .def(py::init([](int head, const std::string& kind, bool weighted) {
             MetricSpec s;
             s.head = head;
             s.weighted = weighted;
             if (kind.rfind("point:", 0) == 0) {
               s.point = true;
               s.point_kind = parse_point_loss(kind.substr(6));
             } else if (kind == "confusion") {
               s.confusion = true;
             } else {
               s.accuracy = parse_accuracy_kind(kind);
             }
             return s;
           }),
           py::arg("head"), py::arg("kind"), py::arg("weighted"))
      .def_readwrite("threshold", &MetricSpec::threshold)
      .def_readwrite("k", &MetricSpec::k)
      .def_readwrite("thresholds", &MetricSpec::thresholds)
      .def_readwrite("tp", &MetricSpec::tp)
      .def_readwrite("fp", &MetricSpec::fp)
      .def_readwrite("tn", &MetricSpec::tn)
      .def_readwrite("fn", &MetricSpec::fn);
  py::class_<Program>(m, "Program")
      .def(py::init([](std::vector<NodeSpec> nodes, std::vector<int> outputs,
                       std::vector<HeadSpec> heads, std::vector<MetricSpec> metrics,
                       const std::string& algo, std::vector<Tensor> params,
                       std::vector<std::vector<Tensor>> slots, std::vector<double> hyper,
                       const std::string& clip_mode, float clip,
                       std::vector<float> weight_decay, Tensor iterations, int64_t max_batch) {
             OptimizerSpec o{algo, std::move(params), std::move(slots), std::move(hyper),
                             clip_mode, clip, std::move(weight_decay), std::move(iterations),
                             Tensor::empty({})};
             auto prog = std::make_unique<Program>(std::move(nodes), std::move(outputs),
                                                   std::move(heads), std::move(metrics),
                                                   std::move(o), max_batch);
             prog->set_interrupt_check(bindings::check_signals);
             return prog;
           }),
           py::arg("nodes"), py::arg("outputs"), py::arg("heads"), py::arg("metrics"),
           py::arg("algo"), py::arg("params"), py::arg("slots"), py::arg("hyper"),
           py::arg("clip_mode"), py::arg("clip"), py::arg("weight_decay"),
           py::arg("iterations"), py::arg("max_batch"))
      .def("train",
           [](Program& p, std::vector<Tensor> xs, std::vector<Tensor> ys,
              std::vector<Tensor> sws, const Tensor& order, int64_t first_step, int64_t steps,
              int64_t batch, const std::vector<float>& lrs,
              const std::vector<uint64_t>& counters) {
             return p.train(Data{std::move(xs), std::move(ys), std::move(sws)}, order,
                            first_step, steps, batch, lrs, counters);
           },
           py::arg("xs"), py::arg("ys"), py::arg("sws"), py::arg("order"), py::arg("first_step"),
           py::arg("steps"), py::arg("batch"), py::arg("lrs"), py::arg("counters"),
           release())
      .def("evaluate",
           [](Program& p, std::vector<Tensor> xs, std::vector<Tensor> ys,
              std::vector<Tensor> sws, int64_t begin, int64_t end, int64_t batch) {
             return p.evaluate(Data{std::move(xs), std::move(ys), std::move(sws)}, begin, end,
                               batch);
           },
           py::arg("xs"), py::arg("ys"), py::arg("sws"), py::arg("begin"), py::arg("end"),
           py::arg("batch"), release())
      .def("predict", &Program::predict, py::arg("xs"), py::arg("outs"), py::arg("begin"),
           py::arg("end"), py::arg("batch"), release())
      .def_property("stop_on_nonfinite", &Program::stop_on_nonfinite,
                    &Program::set_stop_on_nonfinite)
      .def_property_readonly("nonfinite_step", &Program::nonfinite_step)
      .def_property_readonly("num_sums", &Program::num_sums)
      .def_property_readonly("last_forwards", &Program::last_forwards)
      .def_property_readonly("last_sums", &Program::last_sums);
}
