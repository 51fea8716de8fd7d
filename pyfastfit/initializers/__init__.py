"""Initializers by class and by Keras name: `initializers.get("glorot_uniform")`."""

from pyfastfit.initializers.initializers import (
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity,
    IdentityInitializer, Initializer, LecunNormal, LecunUniform, Ones, Orthogonal,
    RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros, compute_fans,
)
from pyfastfit.utils import registry

_CLASSES = (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity,
            LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform,
            TruncatedNormal, VarianceScaling, Zeros)
_NAMES = {
    "constant": Constant, "glorot_normal": GlorotNormal, "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal, "he_uniform": HeUniform, "identity": Identity,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "ones": Ones,
    "orthogonal": Orthogonal, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "zeros": Zeros, "zero": Zeros, "one": Ones,
    "uniform": RandomUniform, "normal": RandomNormal,
}
for _c in _CLASSES:
    _NAMES[_c.__name__] = _c
_NAMES["IdentityInitializer"] = Identity

# snake_case function-style aliases, as Keras exports them.
constant, glorot_normal, glorot_uniform = Constant, GlorotNormal, GlorotUniform
he_normal, he_uniform, identity = HeNormal, HeUniform, Identity
lecun_normal, lecun_uniform, ones, orthogonal = LecunNormal, LecunUniform, Ones, Orthogonal
random_normal, random_uniform = RandomNormal, RandomUniform
truncated_normal, variance_scaling, zeros = TruncatedNormal, VarianceScaling, Zeros


_REGISTRY = registry.NameRegistry("initializer", "keras.initializers", _NAMES, Initializer,
                                  valid=sorted(k for k in _NAMES if k[0].islower()))


def serialize(initializer):
    """Keras 3 config dict of an initializer."""
    return _REGISTRY.serialize(initializer)


def deserialize(config, custom_objects=None):
    """Initializer from `serialize`'s dict (or a `{"class_name", "config"}` dict)."""
    return _REGISTRY.deserialize(config, custom_objects)


def get(identifier):
    """Returns an initializer from a name, config dict, instance or callable.

    Example:

    >>> initializers.get("he_normal")
    <...HeNormal object ...>
    """
    return _REGISTRY.get(identifier)


__all__ = [c.__name__ for c in _CLASSES] + [
    "Initializer", "IdentityInitializer", "compute_fans", "deserialize", "get", "serialize",
    "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal",
    "random_uniform", "truncated_normal", "variance_scaling", "zeros",
]
