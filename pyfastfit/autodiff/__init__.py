"""Reverse-mode autodiff: GradientTape and the table of backward rules."""

from pyfastfit.autodiff.tape import GradientTape, is_recording, record

__all__ = ["GradientTape", "is_recording", "record"]
