"""Callbacks: objects called at each stage of fit / evaluate / predict."""

from pyfastfit.callbacks.callback import Callback
from pyfastfit.callbacks.callback_list import CallbackList
from pyfastfit.callbacks.history import History
from pyfastfit.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
