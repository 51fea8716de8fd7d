"""Capture and replay: `pyfastfit.function`, the counterpart of `tf.function` / `jax.jit`."""

from pyfastfit.capture.function import Function, function
from pyfastfit.capture.hooks import host_callback, is_capturing, taint

__all__ = ["Function", "function", "host_callback", "is_capturing", "taint"]
