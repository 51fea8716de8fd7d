"""Callbacks: objects called at each stage of fit / evaluate / predict."""

from pyfastfit.callbacks.backup_and_restore import BackupAndRestore
from pyfastfit.callbacks.callback import Callback
from pyfastfit.callbacks.callback_list import CallbackList
from pyfastfit.callbacks.csv_logger import CSVLogger
from pyfastfit.callbacks.early_stopping import EarlyStopping
from pyfastfit.callbacks.history import History
from pyfastfit.callbacks.lambda_callback import LambdaCallback
from pyfastfit.callbacks.learning_rate_scheduler import LearningRateScheduler
from pyfastfit.callbacks.model_checkpoint import ModelCheckpoint
from pyfastfit.callbacks.monitor_callback import MonitorCallback
from pyfastfit.callbacks.progbar_logger import ProgbarLogger
from pyfastfit.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from pyfastfit.callbacks.remote_monitor import RemoteMonitor
from pyfastfit.callbacks.swap_ema_weights import SwapEMAWeights
from pyfastfit.callbacks.tensorboard import TensorBoard
from pyfastfit.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "MonitorCallback", "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor",
           "SwapEMAWeights", "TensorBoard", "TerminateOnNaN"]
