"""Trainer: the mixin giving Model compile/fit/evaluate/predict (being written)."""


class Trainer:
    """Mixin with Keras's training API; `Model` inherits it."""
