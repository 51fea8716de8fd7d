"""Winograd F(2x2, 3x3) against im2col + GEMM at W3's conv2 (13x13x32 -> 11x11x64, batch
128), interleaved A/B in one process (the machine is shared: only ratios mean anything).

    python bench/bench_winograd.py [--rounds 7] [--calls 20] [--shape N,H,W,C,O,padding]
    python bench/bench_winograd.py --fit-epochs 12     # whole W3 epochs instead

Each round times --calls calls of each pass with Winograd on, then off (the order
alternates between rounds), after checking both against each other; prints per pass the
median and best per-call time of each and the median of the per-round ratios. With
--fit-epochs, one W3 model (bench/impls/keras_like.py's, on its data) fits that many
epochs after a warm-up one, Winograd on and off in the order on, off, off, on, ... (the
fast path reads the switch per call), and the epoch times are compared the same way.
"""

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--shape", default="128,13,13,32,64,valid")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--fit-epochs", type=int, default=0)
    args = p.parse_args()
    import pyfastfit
    from pyfastfit import _C

    if args.threads:
        pyfastfit.config.set_num_threads(args.threads)
    if args.fit_epochs:
        return fit_epochs(pyfastfit, _C, args.fit_epochs)
    n, h, w, c, o, padding = args.shape.split(",")
    n, h, w, c, o = int(n), int(h), int(w), int(c), int(o)
    pad = 1 if padding == "same" else 0
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    rng = np.random.default_rng(0)
    x = _C.from_numpy(rng.standard_normal((n, h, w, c), dtype=np.float32))
    k = _C.from_numpy(rng.standard_normal((3, 3, c, o), dtype=np.float32) * 0.1)
    b = _C.from_numpy(rng.standard_normal(o, dtype=np.float32))
    d = _C.from_numpy(rng.standard_normal((n, oh, ow, o), dtype=np.float32))
    geo = ([1, 1], [pad, pad], [pad, pad], [1, 1])
    passes = {
        "forward (bias+relu)": lambda: _C.conv_forward_fused(x, k, b, "relu", 0.0, *geo)[0],
        "input gradient": lambda: _C.conv_backward(d, x, k, *geo, True, False)[0],
    }
    for name, fn in passes.items():
        _C._set_conv_winograd(True)
        a = np.asarray(fn())
        _C._set_conv_winograd(False)
        ref = np.asarray(fn())
        err = np.abs(a - ref).max() / max(np.abs(ref).max(), 1.0)
        assert err < 1e-5, (name, err)
    times = {(name, on): [] for name in passes for on in (True, False)}
    ratios = {name: [] for name in passes}
    for r in range(args.rounds):
        for name, fn in passes.items():
            per = {}
            for on in ((True, False) if r % 2 == 0 else (False, True)):
                _C._set_conv_winograd(on)
                fn()
                t0 = time.perf_counter()
                for _ in range(args.calls):
                    fn()
                per[on] = (time.perf_counter() - t0) / args.calls
                times[(name, on)].append(per[on])
            ratios[name].append(per[False] / per[True])
    _C._set_conv_winograd(True)
    print(f"# {args.shape}, {pyfastfit.config.get_num_threads()} thread(s), load avg "
          f"{os.getloadavg()[0]:.2f}, {args.rounds} rounds x {args.calls} calls")
    print("| pass | im2col median / best | Winograd median / best | speed-up (median of rounds) |")
    print("|---|---|---|---|")
    for name in passes:
        on, off = np.array(times[(name, True)]), np.array(times[(name, False)])
        print(f"| {name} | {np.median(off) * 1e3:.2f} / {off.min() * 1e3:.2f} ms | "
              f"{np.median(on) * 1e3:.2f} / {on.min() * 1e3:.2f} ms | "
              f"{np.median(ratios[name]):.2f}x |")


def fit_epochs(keras, _C, epochs):
    """W3 epochs alternating Winograd on / off in one process (see the module note)."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    sys.path.insert(0, os.path.join(ROOT, "bench", "impls"))
    import keras_like
    import workloads

    x, y, _, _ = workloads.make_workload_data("cnn")
    model = keras_like.build_cnn(keras)
    keras_like.compile_model(keras, model, "cnn", False)
    order = [True] + [(e // 2) % 2 == 1 for e in range(1, epochs + 1)]  # warm-up, then ABBA
    times = []

    class Switch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            _C._set_conv_winograd(order[epoch])
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    model.fit(x, y, batch_size=workloads.WORKLOADS["cnn"]["batch_size"], epochs=len(order),
              verbose=0, callbacks=[Switch()])
    _C._set_conv_winograd(True)
    assert model.fast_path_reason is None, model.fast_path_reason
    on = np.array([t for t, w in zip(times[1:], order[1:]) if w])
    off = np.array([t for t, w in zip(times[1:], order[1:]) if not w])
    print(f"# W3 fit epochs, {keras.config.get_num_threads()} thread(s), load avg "
          f"{os.getloadavg()[0]:.2f}; order on/off: "
          + " ".join("on" if w else "off" for w in order[1:]))
    print("epochs (s): " + " ".join(f"{t:.3f}{'+' if w else '-'}"
                                    for t, w in zip(times[1:], order[1:])))
    print(f"| W3 epoch | im2col median / best {np.median(off):.3f} / {off.min():.3f} s | "
          f"Winograd median / best {np.median(on):.3f} / {on.min():.3f} s | "
          f"ratio of medians {np.median(off) / np.median(on):.2f}x |")


if __name__ == "__main__":
    main()
