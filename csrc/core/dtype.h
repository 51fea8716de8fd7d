// DType and Device: the element types and devices a Tensor can have. Float32 is the
// only math type; the integer and bool types carry labels, indices and masks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace pyfastfit {

enum class DType : uint8_t { float32, int32, int64, uint8, bool_ };
enum class Device : uint8_t { cpu, cuda };

/** Size of one element of `dt` in bytes. */
inline size_t itemsize(DType dt) {
  switch (dt) {
    case DType::float32: return 4;
    case DType::int32: return 4;
    case DType::int64: return 8;
    case DType::uint8: return 1;
    case DType::bool_: return 1;
  }
  return 0;
}

/** Keras/NumPy name of `dt` ("float32", "int64", "bool", ...). */
inline std::string dtype_name(DType dt) {
  switch (dt) {
    case DType::float32: return "float32";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::bool_: return "bool";
  }
  return "?";
}

inline std::string device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

}  // namespace pyfastfit
