"""NumPy float64 references for convolution and pooling (channels_last, 1 or 2 spatial
dims), written from the definitions: patches gathered by fancy indexing, one einsum."""

import numpy as np


def same_pads(size, k, s, d=1):
    """TensorFlow's "same": ceil(size / s) outputs, the odd pad at the end."""
    keff = (k - 1) * d + 1
    total = max((-(-size // s) - 1) * s + keff - size, 0)
    return total // 2, total - total // 2


def _as2d(x):
    return x[:, None] if x.ndim == 3 else x


def _pads(x, window, strides, dilation, padding):
    spatial = x.shape[1:-1]
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [same_pads(n, k, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)]


def _patches(x, window, strides, dilation, fill):
    """x (N, H, W, C) padded -> (N, OH, OW, KH, KW, C)."""
    (kh, kw), (sh, sw), (dh, dw) = window, strides, dilation
    oh = (x.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[2] - (kw - 1) * dw - 1) // sw + 1
    hi = (np.arange(oh) * sh)[:, None] + np.arange(kh) * dh
    wi = (np.arange(ow) * sw)[:, None] + np.arange(kw) * dw
    return x[:, hi[:, None, :, None], wi[None, :, None, :], :]


def _lift(v, n):
    v = (v,) * n if isinstance(v, int) else tuple(v)
    return ((1,) + v) if n == 1 else v


def conv(x, k, strides=1, padding="valid", dilation=1):
    """Grouped convolution; kernel (spatial..., C // groups, O)."""
    n = x.ndim - 2
    window = k.shape[:n]
    pads = _pads(x, window, _lift(strides, n)[-n:], _lift(dilation, n)[-n:], padding)
    pads = ([(0, 0)] if n == 1 else []) + pads
    x2, k2 = _as2d(x), (k[None] if n == 1 else k)
    xp = np.pad(x2, [(0, 0)] + pads + [(0, 0)])
    p = _patches(xp, k2.shape[:2], _lift(strides, n), _lift(dilation, n), 0)
    kh, kw, cg, o = k2.shape
    g = x.shape[-1] // cg
    p = p.reshape(p.shape[:5] + (g, cg))
    out = np.einsum("nhwijgc,ijcgo->nhwgo", p, k2.reshape(kh, kw, cg, g, o // g))
    out = out.reshape(out.shape[:3] + (o,))
    return out[:, 0] if n == 1 else out


def conv_transpose(x, k, strides=1, padding="valid", output_padding=None, dilation=1):
    """out[i * s + t * d - pad] += x[i] @ k[t].T, with Keras's output size and TF's pad."""
    n = x.ndim - 2
    x2, k2 = _as2d(x), (k[None] if n == 1 else k)
    s2, d2 = _lift(strides, n), _lift(dilation, n)
    op2 = (0,) * 2 if output_padding is None else _lift(output_padding, n)
    if n == 1 and output_padding is not None:
        op2 = (0, op2[-1])
    lengths, begins = [], []
    for i in range(2):
        size, ks, s, d = x2.shape[1 + i], k2.shape[i], s2[i], d2[i]
        keff = (ks - 1) * d + 1
        if output_padding is None or (n == 1 and i == 0):
            length = size * s + max(keff - s, 0) if padding == "valid" else size * s
            if n == 1 and i == 0:
                length = 1
        else:
            pad = keff // 2 if padding == "same" else 0
            length = (size - 1) * s + keff - 2 * pad + op2[i]
        lengths.append(length)
        begins.append(max((size - 1) * s + keff - length, 0) // 2 if padding == "same" else 0)
    N, H, W, _ = x2.shape
    kh, kw, o, _ = k2.shape
    full = np.zeros((N, (H - 1) * s2[0] + (kh - 1) * d2[0] + 1 + lengths[0],
                     (W - 1) * s2[1] + (kw - 1) * d2[1] + 1 + lengths[1], o))
    for a in range(kh):
        for b in range(kw):
            h0, w0 = a * d2[0], b * d2[1]
            full[:, h0:h0 + (H - 1) * s2[0] + 1:s2[0], w0:w0 + (W - 1) * s2[1] + 1:s2[1]] += \
                np.einsum("nhwi,oi->nhwo", x2, k2[a, b])
    out = full[:, begins[0]:begins[0] + lengths[0], begins[1]:begins[1] + lengths[1]]
    return out[:, 0] if n == 1 else out


def pool(x, pool_size, strides=None, padding="valid", kind="max"):
    """Max (NaN propagates) or mean over the input positions of each window."""
    n = x.ndim - 2
    window = _lift(pool_size, n)
    strides = window if strides is None else _lift(strides, n)
    pads = _pads(_as2d(x), window, strides, (1, 1), padding)
    x2 = _as2d(x)
    if kind == "max":
        xp = np.pad(x2, [(0, 0)] + pads + [(0, 0)], constant_values=-np.inf)
        out = _patches(xp, window, strides, (1, 1), None).max(axis=(3, 4))
    else:
        xp = np.pad(x2, [(0, 0)] + pads + [(0, 0)])
        ones = np.pad(np.ones_like(x2), [(0, 0)] + pads + [(0, 0)])
        total = _patches(xp, window, strides, (1, 1), None).sum(axis=(3, 4))
        out = total / _patches(ones, window, strides, (1, 1), None).sum(axis=(3, 4))
    return out[:, 0] if n == 1 else out
