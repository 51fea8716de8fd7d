"""`pad_sequences`: lists of variable-length sequences to one padded array."""

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre",
                  truncating="pre", value=0.0):
    """Pads (and truncates) sequences to a common length, as `keras.utils.pad_sequences`.

    Args:
        sequences: list of sequences (lists or arrays, each of shape `(length, ...)`).
        maxlen: output length. Defaults to the longest sequence.
        dtype: output dtype. Defaults to `"int32"`.
        padding: "pre" or "post": pad before or after each sequence.
        truncating: "pre" or "post": drop values from the start or the end of sequences
            longer than `maxlen`.
        value: padding value. Defaults to `0.0`.

    Returns:
        A NumPy array of shape `(len(sequences), maxlen, ...)`.

    Example:

    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    """
    for name, arg in (("padding", padding), ("truncating", truncating)):
        if arg not in ("pre", "post"):
            raise ValueError(f"`{name}` must be 'pre' or 'post'. Received: {name}={arg!r}")
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be a list of sequences. Received: {sequences!r}")
    seqs = [np.asarray(s) for s in sequences]
    lengths = [len(s) if s.ndim else 0 for s in seqs]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if maxlen < 0:
        raise ValueError(f"`maxlen` must be >= 0. Received: maxlen={maxlen}")
    sample_shape = ()
    for s in seqs:
        if s.ndim and len(s):
            sample_shape = s.shape[1:]
            break
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type {type(value)}; "
            "use dtype=object for variable-length strings."
        )
    out = np.full((len(seqs), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not lengths[i] or maxlen == 0:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if trunc.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at position {i} is "
                f"different from expected shape {sample_shape}"
            )
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out
