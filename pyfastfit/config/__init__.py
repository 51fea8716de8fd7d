"""Runtime configuration, as `keras.config`: backend name, floatx, epsilon, image data
format, plus pyfastfit's thread count, device selection and fast-path switch."""

from pyfastfit.core._c import _C
from pyfastfit.backend import (  # noqa: F401,I001  (re-exported as keras.config does)
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
    set_image_data_format,
)

_device = "cpu"
_fast_path_enabled = True


def set_num_threads(n):
    """Sets the size of pyfastfit's thread pool (OpenBLAS always runs single-threaded
    inside it, so the two never oversubscribe the cores).

    Args:
        n: a positive number of threads.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, received: n={n!r}")
    _C.set_num_threads(n)


def get_num_threads():
    """The size of pyfastfit's thread pool (defaults to the number of cores)."""
    return _C.get_num_threads()


def list_devices():
    """Devices pyfastfit can run on: always "cpu", plus "cuda" in CUDA builds with a GPU."""
    return ["cpu", "cuda"] if _C.has_cuda() else ["cpu"]


def set_device(device):
    """Selects the device for new tensors: "cpu" or "cuda"."""
    global _device
    if device not in ("cpu", "cuda"):
        raise ValueError(f"set_device expects 'cpu' or 'cuda', received: {device!r}")
    if device == "cuda" and not _C.has_cuda():
        raise RuntimeError(
            "set_device('cuda'): this pyfastfit build has no CUDA backend; "
            "rebuild with `pip install . -C cmake.define.PYFASTFIT_CUDA=ON`."
        )
    _device = device


def get_device():
    """The current default device name."""
    return _device


def set_fast_path_enabled(enabled):
    """Turns the C++ fast path of `fit`/`evaluate`/`predict` on or off for every model.

    With it off, built-in models train on the eager path (one C++ op per layer call,
    Python per step), as custom models always do. Results are the same either way.

    Args:
        enabled: a bool.
    """
    global _fast_path_enabled
    if not isinstance(enabled, bool):
        raise ValueError(f"set_fast_path_enabled expects a bool, received: "
                         f"enabled={enabled!r}")
    _fast_path_enabled = enabled


def is_fast_path_enabled():
    """Whether `fit`/`evaluate`/`predict` may use the C++ fast path (default True)."""
    return _fast_path_enabled


class _Float32Policy:
    """The only dtype policy pyfastfit runs: float32 variables and computations."""

    name = "float32"
    compute_dtype = "float32"
    variable_dtype = "float32"
    quantization_mode = None

    def __repr__(self):
        return '<DTypePolicy "float32">'


_FLOAT32_POLICY = _Float32Policy()


def dtype_policy():
    """The global dtype policy: always float32 (`.name`, `.compute_dtype`,
    `.variable_dtype` are "float32")."""
    return _FLOAT32_POLICY


def set_dtype_policy(policy):
    """Sets the global dtype policy; pyfastfit supports only "float32".

    Args:
        policy: "float32" (or a policy object whose `name` is "float32"). Mixed or
            other precisions ("mixed_float16", "bfloat16", ...) raise a ValueError.
    """
    name = policy if isinstance(policy, str) else getattr(policy, "name", None)
    if name != "float32":
        raise ValueError("pyfastfit supports only the 'float32' dtype policy; its kernels "
                         f"compute in float32. Received: policy={policy!r}")


def enable_unsafe_deserialization():
    """Lets loading run Lambda bytecode and functions of other modules (trusted files
    only); see `pyfastfit.saving.load_model(safe_mode=...)`."""
    from pyfastfit.saving import serialization_lib

    serialization_lib.enable_unsafe_deserialization()


__all__ = ["backend", "dtype_policy", "enable_unsafe_deserialization", "epsilon",
           "floatx", "get_device", "get_num_threads", "image_data_format",
           "is_fast_path_enabled", "list_devices", "set_device", "set_dtype_policy",
           "set_epsilon", "set_fast_path_enabled", "set_floatx",
           "set_image_data_format", "set_num_threads"]
