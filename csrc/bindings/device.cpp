// Binds the device layer: which backend was linked, plus one test-only hook that tags a
// CPU tensor's storage as another device so the dispatch can be tested without a GPU.
#include "bindings/registry.h"
#include "core/device.h"

namespace py = pybind11;
using namespace pyfastfit;

#ifndef PYFASTFIT_WITH_CUDA
namespace pyfastfit::cuda {
// Declared and deliberately never defined: _dispatch_probe_for_tests links only because a
// build without CUDA never calls on_device's cuda lambda (the contract in core/device.h).
const char* undefined_without_cuda();
}  // namespace pyfastfit::cuda
#endif

PFF_BINDINGS(device, 1) {
  m.def("built_with_cuda", &built_with_cuda,
        "True when this _C was built with the CUDA backend (PYFASTFIT_CUDA=ON).");
  m.def("has_cuda", &built_with_cuda, "Alias of built_with_cuda (used by pyfastfit.config).");
  m.def(
      "_with_device_tag_for_tests",
      [](const Tensor& t, const std::string& device) {
        PFF_CHECK(device == "cpu" || device == "cuda", "[_with_device_tag_for_tests] device ",
                  "must be 'cpu' or 'cuda', got '", device, "'.");
        // Same host storage under another tag: any op that wrongly touched its data would
        // read valid host memory, so a missing dispatch shows up as a wrong result, not a crash.
        return Tensor(t.holder(), t.raw(), t.shape(), t.dtype(),
                      device == "cuda" ? Device::cuda : Device::cpu);
      },
      py::arg("tensor"), py::arg("device"),
      "Test only: `tensor`'s storage tagged as `device`. Never use outside tests.");
  m.def(
      "_dispatch_probe_for_tests",
      [](const Tensor& t) -> std::string {
        return on_device(
            "dispatch_probe", t.device(), [] { return "cpu"; },
            [] {
#ifdef PYFASTFIT_WITH_CUDA
              return "cuda";
#else
              return cuda::undefined_without_cuda();
#endif
            });
      },
      py::arg("tensor"), "Test only: which lambda of the two-lambda on_device ran.");
}
