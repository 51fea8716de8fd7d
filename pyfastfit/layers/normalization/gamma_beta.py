"""The config entries the normalization layers share: their `gamma` / `beta` weights'
initializers, regularizers and constraints (Keras's names)."""

from pyfastfit import constraints, initializers, regularizers


def _serialize(module, obj):
    return module.serialize(obj) if obj is not None else None


def gamma_beta_config(layer):
    """`beta_/gamma_` initializer, regularizer and constraint entries of `layer`'s
    config."""
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        "beta_regularizer": _serialize(regularizers, layer.beta_regularizer),
        "gamma_regularizer": _serialize(regularizers, layer.gamma_regularizer),
        "beta_constraint": _serialize(constraints, layer.beta_constraint),
        "gamma_constraint": _serialize(constraints, layer.gamma_constraint),
    }
