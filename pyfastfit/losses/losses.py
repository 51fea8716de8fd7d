"""Built-in losses: snake_case functions returning per-sample losses, and `Loss` classes
(keras/src/losses/losses.py, Keras 3). MSE, MAE, MAPE, MSLE, Huber, LogCosh, the hinges
and Poisson run as one fused C++ kernel; the cross-entropies use the fused
`ops.*_crossentropy` kernels.

This module is the entry point of the built-in losses: they are defined by family in
`regression_losses`, `probabilistic_losses` and `hinge_losses` and imported from here;
this module also registers the fused point-loss functions and defines Keras's aliases."""

from pyfastfit.losses.hinge_losses import (  # noqa: F401
    CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge,
)
from pyfastfit.losses.loss import _POINT_FUNCTIONS
from pyfastfit.losses.probabilistic_losses import (  # noqa: F401
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, KLDivergence,
    Poisson, SparseCategoricalCrossentropy, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, kl_divergence, poisson, sparse_categorical_crossentropy,
)
from pyfastfit.losses.regression_losses import (  # noqa: F401
    CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error,
)

_POINT_FUNCTIONS.update({
    mean_squared_error: "mean_squared_error", mean_absolute_error: "mean_absolute_error",
    mean_absolute_percentage_error: "mean_absolute_percentage_error",
    mean_squared_logarithmic_error: "mean_squared_logarithmic_error", huber: "huber",
    log_cosh: "log_cosh", hinge: "hinge", squared_hinge: "squared_hinge", poisson: "poisson",
})

# Keras aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy
