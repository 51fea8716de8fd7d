"""Row-index chunk streams, the currency of index pipelines (`Dataset` over
`from_tensor_slices`): a pass over the rows is a stream of chunks, each a `range`
(contiguous rows) or an int64 array. Pure NumPy helpers that cut, regroup into batches
and shuffle such streams; `_buffer_shuffle` is the element-by-element `tf.data` shuffle
that `_buffer_shuffle_chunks` reproduces exactly.
"""

import numpy as np


def _chunk_len(chunk):
    return len(chunk)


def _cut_chunks(chunks, start, stop):
    """Yields the part of a chunk stream between element positions [start, stop)."""
    pos = 0
    for chunk in chunks:
        n = _chunk_len(chunk)
        lo, hi = max(start - pos, 0), n if stop is None else min(stop - pos, n)
        if lo < hi:
            yield chunk[lo:hi]
        pos += n
        if stop is not None and pos >= stop:
            return


def _batch_index_chunks(chunks, batch_size, drop_remainder):
    """Regroups a stream of index chunks into chunks of exactly `batch_size` indices
    (a `range` when contiguous), the last one possibly shorter."""
    pending, npending = [], 0
    for chunk in chunks:
        start, n = 0, _chunk_len(chunk)
        if npending:
            need = batch_size - npending
            piece = chunk[:need]
            pending.append(piece)
            npending += _chunk_len(piece)
            start = _chunk_len(piece)
            if npending < batch_size:
                continue
            yield _join(pending)
            pending, npending = [], 0
        while n - start >= batch_size:
            yield chunk[start:start + batch_size]
            start += batch_size
        if start < n:
            pending, npending = [chunk[start:]], n - start
    if npending and not drop_remainder:
        yield _join(pending)


def _join(pieces):
    if len(pieces) == 1:
        return pieces[0]
    if all(isinstance(p, range) for p in pieces) and all(
        a.stop == b.start for a, b in zip(pieces, pieces[1:])
    ):
        return range(pieces[0].start, pieces[-1].stop)
    return np.concatenate([_as_index_array(p) for p in pieces])


def _as_index_array(chunk):
    if isinstance(chunk, range):
        return np.arange(chunk.start, chunk.stop, chunk.step, dtype=np.int64)
    return np.asarray(chunk, dtype=np.int64)


def _buffer_shuffle(items, buffer_size, rng):
    """tf.data's shuffle: fill a buffer, then repeatedly emit a random slot and refill it."""
    buffer = []
    draws = iter(())
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        j = next(draws, None)
        if j is None:
            draws = iter(rng.integers(0, buffer_size, size=4096).tolist())
            j = next(draws)
        yield buffer[j]
        buffer[j] = item
    for j in rng.permutation(len(buffer)).tolist():
        yield buffer[j]


def _buffer_shuffle_chunks(chunks, buffer_size, rng, out_chunk=4096):
    """`_buffer_shuffle` over row indices, emitted as int64 array chunks.

    Vectorized, with the same random draws (blocks of 4096 slots) and the same output
    order as the element-by-element `_buffer_shuffle`: within a run of draws, the row
    emitted for slot `j` is the one the previous draw of `j` in the run put there, or
    the buffer's row for `j` before the run.
    """
    buffer = np.empty(buffer_size, np.int64)
    filled = 0
    draws, pos = np.empty(0, np.int64), 0
    out, nout = [], 0
    for chunk in chunks:
        items = _as_index_array(chunk)
        start = 0
        if filled < buffer_size:
            take = min(buffer_size - filled, len(items))
            buffer[filled:filled + take] = items[:take]
            filled += take
            start = take
        while start < len(items):
            if pos == len(draws):
                draws, pos = rng.integers(0, buffer_size, size=4096), 0
            n = min(len(draws) - pos, len(items) - start)
            slots = draws[pos:pos + n]
            new = items[start:start + n]
            pos += n
            start += n
            emitted = buffer[slots]
            # A stable sort groups the draws of each slot in draw order (radix sort for
            # 16-bit keys).
            order = np.argsort(slots.astype(np.uint16) if buffer_size <= 65536 else slots,
                               kind="stable")
            same = slots[order[1:]] == slots[order[:-1]]
            emitted[order[1:][same]] = new[order[:-1][same]]
            last = np.ones(n, bool)
            last[:-1] = ~same
            buffer[slots[order[last]]] = new[order[last]]
            out.append(emitted)
            nout += n
            if nout >= out_chunk:
                flat = np.concatenate(out) if len(out) > 1 else out[0]
                for s in range(0, nout - out_chunk + 1, out_chunk):
                    yield flat[s:s + out_chunk]
                rest = nout % out_chunk
                out, nout = ([flat[nout - rest:]] if rest else []), rest
    tail = buffer[:filled][rng.permutation(filled)] if filled else np.empty(0, np.int64)
    flat = np.concatenate(out + [tail])
    for s in range(0, len(flat), out_chunk):
        yield flat[s:s + out_chunk]
