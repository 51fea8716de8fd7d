"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, and
their functional forms (`add([a, b])`, ...)."""

from pyfastfit import ops
from pyfastfit.layers.layer import Layer


def _broadcast(shapes):
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(ndim):
        dims = [s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0]
        known = [d for d in dims if d is not None and d != 1]
        if len(set(known)) > 1:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {shapes}")
        if known:
            out.append(known[0])
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


class Merge(Layer):
    """Base of the elementwise merge layers: takes a list of same-shaped tensors."""

    _min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            raise ValueError(f"A merge layer should be called on a list of at least "
                             f"{self._min_inputs} inputs. Received: inputs={inputs!r:.200}")

    def compute_mask(self, inputs, mask=None):
        """Steps kept by every input (Keras's Merge: the masks and-ed together)."""
        from pyfastfit.layers.masking import merge_masks

        return merge_masks(mask)

    def build(self, input_shape):
        self._check(input_shape)
        _broadcast([tuple(s) for s in input_shape])
        self.built = True

    def call(self, inputs):
        self._check(inputs)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out, n):
        return out

    def compute_output_shape(self, input_shape):
        return _broadcast([tuple(s) for s in input_shape])


class Add(Merge):
    """Elementwise sum of a list of inputs.

    Example:

    >>> keras.layers.Add()([np.ones((2, 3)), np.ones((2, 3))])  # all 2.0
    """

    _merge = staticmethod(ops.add)
    _min_inputs = 1


class Subtract(Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs)."""

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs!r:.200}")
        return ops.subtract(inputs[0], inputs[1])

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        self.built = True


class Multiply(Merge):
    """Elementwise product of a list of inputs."""

    _merge = staticmethod(ops.multiply)
    _min_inputs = 1


class Average(Merge):
    """Elementwise mean of a list of inputs."""

    _merge = staticmethod(ops.add)

    def _finish(self, out, n):
        return ops.multiply(out, 1.0 / n)


class Maximum(Merge):
    """Elementwise maximum of a list of inputs."""

    _merge = staticmethod(ops.maximum)


class Minimum(Merge):
    """Elementwise minimum of a list of inputs."""

    _merge = staticmethod(ops.minimum)


class Concatenate(Layer):
    """Concatenates a list of inputs along `axis` (default: last).

    Example:

    >>> keras.layers.Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """As Keras: along the last (feature) axis, the steps kept by every input; along
        a step axis, the masks concatenated (an input without one keeps all its steps)."""
        from pyfastfit.layers.masking import merge_masks

        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        rank = len(inputs[0].shape)
        if self.axis % rank == rank - 1:
            return merge_masks(mask)
        full = [ops.cast(m, "bool") if m is not None else
                ops.greater(ops.ones(tuple(x.shape[:-1])), 0.0)
                for x, m in zip(inputs, mask)]
        return ops.concatenate(full, axis=self.axis % rank)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={input_shape}")
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        ndim = len(shapes[0])
        axis = self.axis % ndim if ndim else 0
        out = list(shapes[0])
        for s in shapes[1:]:
            if len(s) != ndim or any(
                    i != axis and a is not None and b is not None and a != b
                    for i, (a, b) in enumerate(zip(s, out))):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for "
                    f"the concatenation axis. Received: input_shape={shapes}")
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
            for i in range(ndim):
                if out[i] is None and i != axis:
                    out[i] = s[i]
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
