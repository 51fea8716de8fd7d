"""Models: `Model` (Functional or subclassed) and `Sequential`, plus `load_model`,
`save_model`, `clone_model` and `model_from_json`."""

from pyfastfit.models.cloning import clone_model, model_from_json
from pyfastfit.models.functional import Functional
from pyfastfit.models.model import Model
from pyfastfit.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Alias of `pyfastfit.saving.load_model`."""
    from pyfastfit.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile,
                 safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Alias of `pyfastfit.saving.save_model`."""
    from pyfastfit.saving import save_model as _save

    return _save(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model",
           "model_from_json", "save_model"]
