"""Data adapters: turn user data (NumPy arrays and their lists/tuples/dicts) into batches."""

from pyfastfit.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
    class_weight_to_sample_weights,
    train_validation_split,
    unpack_x_y_sample_weight,
)

__all__ = [
    "ArrayDataAdapter",
    "class_weight_to_sample_weights",
    "train_validation_split",
    "unpack_x_y_sample_weight",
]
