"""Tiny structure helpers for the trainer: flatten / pack lists, tuples and dicts."""


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def flatten(x):
    """Flattens lists/tuples/dicts (dict values in key-insertion order) to a list."""
    if isinstance(x, dict):
        out = []
        for v in x.values():
            out.extend(flatten(v))
        return out
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(flatten(v))
        return out
    return [x]


def packer(structure):
    """Returns `pack(flat_list) -> structure` rebuilding `structure`'s nesting."""
    if isinstance(structure, dict):
        keys = list(structure)
        subs = [packer(structure[k]) for k in keys]
        sizes = [len(flatten(structure[k])) for k in keys]

        def pack(flat):
            out, i = {}, 0
            for k, p, n in zip(keys, subs, sizes):
                out[k] = p(flat[i:i + n])
                i += n
            return out

        return pack
    if isinstance(structure, (list, tuple)):
        kind = type(structure) if type(structure) in (list, tuple) else list
        subs = [packer(v) for v in structure]
        sizes = [len(flatten(v)) for v in structure]
        if all(n == 1 for n in sizes) and not any(is_nested(v) for v in structure):
            return kind

        def pack(flat):
            out, i = [], 0
            for p, n in zip(subs, sizes):
                out.append(p(flat[i:i + n]))
                i += n
            return kind(out)

        return pack
    return lambda flat: flat[0]


def map_structure(fn, x):
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x) if type(x) in (list, tuple) \
            else [map_structure(fn, v) for v in x]
    return fn(x)
