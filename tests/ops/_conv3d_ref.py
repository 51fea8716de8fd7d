"""NumPy float64 references for 3-D convolution and pooling (channels_last), written from
the definitions: one strided slice of the padded input per kernel tap."""

import numpy as np

from tests.ops._conv_ref import same_pads


def _triple(v):
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def _pads(spatial, window, strides, dilation, padding):
    if padding == "valid":
        return [(0, 0)] * 3
    return [same_pads(n, k, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)]


def _taps(xp, window, strides, dilation):
    """Yields ((kd, kh, kw), xp sliced to that tap's input at every output position)."""
    out = [(n - (k - 1) * d - 1) // s + 1
           for n, k, s, d in zip(xp.shape[1:4], window, strides, dilation)]
    for t in np.ndindex(*window):
        sl = tuple(slice(i * d, i * d + (o - 1) * s + 1, s)
                   for i, d, o, s in zip(t, dilation, out, strides))
        yield t, xp[(slice(None),) + sl]


def conv3d(x, k, strides=1, padding="valid", dilation=1):
    """Grouped 3-D convolution: x (N, D, H, W, C), kernel (KD, KH, KW, C // groups, O)."""
    strides, dilation = _triple(strides), _triple(dilation)
    pads = _pads(x.shape[1:4], k.shape[:3], strides, dilation, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    cg, o = k.shape[3:]
    g = x.shape[-1] // cg
    out = 0.0
    for t, xs in _taps(xp, k.shape[:3], strides, dilation):
        xs = xs.reshape(xs.shape[:4] + (g, cg))
        out = out + np.einsum("ndhwgc,cgo->ndhwgo", xs, k[t].reshape(cg, g, o // g))
    return out.reshape(out.shape[:4] + (o,))


def pool3d(x, pool, strides=None, padding="valid", kind="max"):
    """Max or average pooling; "same" padding is neither a max candidate nor counted."""
    pool = _triple(pool)
    strides = pool if strides is None else _triple(strides)
    pads = _pads(x.shape[1:4], pool, strides, (1, 1, 1), padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    windows = np.stack([xs for _, xs in _taps(xp, pool, strides, (1, 1, 1))])
    valid = ~np.isnan(windows)
    if kind == "max":
        return np.where(valid, windows, -np.inf).max(axis=0)
    return np.where(valid, windows, 0.0).sum(axis=0) / valid.sum(axis=0)
