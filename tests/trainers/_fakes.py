"""Tiny models for trainer tests: `Trainer` subclasses over raw Variables.

They exercise the training API without depending on `layers` (the real models are
covered by tests/integration).
"""

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Variable
from pyfastfit.trainers.trainer import Trainer


class _Dense:
    def __init__(self, n_in, n_out, activation=None, seed=0):
        rng = np.random.default_rng(seed)
        lim = np.sqrt(6.0 / (n_in + n_out))
        self.kernel = Variable(rng.uniform(-lim, lim, (n_in, n_out)).astype(np.float32))
        self.bias = Variable(np.zeros(n_out, np.float32))
        self.activation = activation

    def __call__(self, x):
        y = ops.matmul(x, self.kernel) + self.bias
        return getattr(ops, self.activation)(y) if self.activation else y


class TinyModel(Trainer):
    """`n_in -> hidden (relu) -> heads`; `heads` maps output name -> (units, activation).

    `outputs="single"` returns one tensor (first head), `"list"` a list, `"dict"` a
    dict. `add_loss` adds `factor * mean(output ** 2)` to `self.losses` per call.
    """

    def __init__(self, n_in=4, hidden=8, heads=None, outputs="single", add_loss=None,
                 seed=0):
        heads = heads or {"out": (3, "softmax")}
        self.hidden = _Dense(n_in, hidden, "relu", seed)
        self.heads = {name: _Dense(hidden, u, a, seed + 1 + i)
                      for i, (name, (u, a)) in enumerate(heads.items())}
        self.output_names = list(heads)
        self.mode = outputs
        self.add_loss_factor = add_loss
        self.losses = []
        self.calls = []

    @property
    def trainable_weights(self):
        out = [self.hidden.kernel, self.hidden.bias]
        for d in self.heads.values():
            out += [d.kernel, d.bias]
        return out

    def __call__(self, x, training=False):
        self.calls.append(training)
        if isinstance(x, dict):
            x = x["features"]
        h = self.hidden(ops.convert_to_tensor(x))
        outs = {name: d(h) for name, d in self.heads.items()}
        if self.add_loss_factor is not None:
            first = next(iter(outs.values()))
            self.losses = [ops.mean(ops.square(first)) * self.add_loss_factor]
        if self.mode == "single":
            return next(iter(outs.values()))
        if self.mode == "list":
            return list(outs.values())
        return outs


def classification_data(n=96, n_in=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    y = (np.argmax(x[:, :classes], axis=1)).astype(np.int64)
    return x, y
