// common_device: the one device of an op's tensors, or a ValueError naming two that differ.
#include "core/device.h"

#include <string>

namespace pyfastfit {
namespace {

// Visits every tensor of `args` with its printed name; stops when f returns false.
template <class F>
void each_tensor(std::initializer_list<DeviceArg> args, F&& f) {
  for (const DeviceArg& a : args) {
    if (a.lists) {
      for (size_t i = 0; i < a.lists->size(); ++i)
        for (size_t j = 0; j < (*a.lists)[i].size(); ++j)
          if (!f((*a.lists)[i][j], str(a.name, "[", i, "][", j, "]"))) return;
      continue;
    }
    for (size_t i = 0; i < a.count; ++i)
      if (!f(a.tensors[i], a.is_list ? str(a.name, "[", i, "]") : std::string(a.name))) return;
  }
}

bool all_on(std::initializer_list<DeviceArg> args, Device d) {
  for (const DeviceArg& a : args) {
    if (a.lists) {
      for (const auto& l : *a.lists)
        for (const Tensor& t : l)
          if (t.device() != d) return false;
      continue;
    }
    for (size_t i = 0; i < a.count; ++i)
      if (a.tensors[i].device() != d) return false;
  }
  return true;
}

Device first_device(std::initializer_list<DeviceArg> args) {
  for (const DeviceArg& a : args) {
    if (a.lists) {
      for (const auto& l : *a.lists)
        if (!l.empty()) return l[0].device();
    } else if (a.count) {
      return a.tensors[0].device();
    }
  }
  return Device::cpu;
}

}  // namespace

Device common_device(const char* op, std::initializer_list<DeviceArg> args) {
  // Fast path (every call of every op): no strings unless two devices differ.
  Device first = first_device(args);
  if (all_on(args, first)) return first;
  std::string first_name, other_name;
  Device other = first;
  each_tensor(args, [&](const Tensor& t, std::string name) {
    if (first_name.empty()) first_name = name;
    if (t.device() == first) return true;
    other = t.device();
    other_name = std::move(name);
    return false;
  });
  throw std::invalid_argument(str("[", op, "] expects all tensors on one device, got ",
                                  first_name, " on ", device_name(first), " and ", other_name,
                                  " on ", device_name(other), "."));
}

}  // namespace pyfastfit
