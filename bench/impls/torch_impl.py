"""Plain PyTorch implementation of the workloads: an idiomatic loop over preloaded
tensors with torch.optim, `torch.set_num_threads(2)`.

    /work/venvs/peers/bin/python bench/impls/torch_impl.py --workload mlp --epochs 3

Same hyper-parameters as Keras: RMSprop(lr=1e-3, alpha=0.9, eps=1e-7) (Keras's rho and
epsilon), SGD(1e-3); the model outputs logits and nn.CrossEntropyLoss applies
log-softmax (the same loss as softmax + sparse CE). fit-like epochs shuffle with
torch.randperm and track loss + accuracy as Keras's progress logs do; W1 adds a
no_grad validation pass over the 10,000 validation samples.
"""

import argparse
import os
import sys
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import harness  # noqa: E402
import workloads  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402


def build(w):
    mods, fan_in = [], workloads.FEATURES
    for units in w["layers"][:-1]:
        mods += [nn.Linear(fan_in, units), nn.ReLU()]
        if w.get("dropout"):
            mods.append(nn.Dropout(w["dropout"]))
        fan_in = units
    mods.append(nn.Linear(fan_in, w["layers"][-1]))
    return nn.Sequential(*mods)


def evaluate(model, crit, x, y, bs):
    model.eval()
    total, correct = torch.zeros(()), torch.zeros((), dtype=torch.int64)
    with torch.no_grad():
        for s in range(0, len(x), bs):
            out = model(x[s:s + bs])
            total += crit(out, y[s:s + bs]) * out.shape[0]
            correct += (out.argmax(1) == y[s:s + bs]).sum()
    return float(total) / len(x), float(correct) / len(x)


def predict(model, x, bs):
    model.eval()
    with torch.no_grad():
        return torch.cat([torch.softmax(model(x[s:s + bs]), 1)
                          for s in range(0, len(x), bs)]).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", choices=sorted(workloads.WORKLOADS), required=True)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    w = workloads.WORKLOADS[args.workload]
    xn, yn, xvn, yvn = workloads.make_data()
    rss_after_data = harness.rss_mb()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    xv, yv = torch.from_numpy(xvn), torch.from_numpy(yvn)
    bs = w["batch_size"]
    model = build(w)
    crit = nn.CrossEntropyLoss()
    res = {}
    if w["kind"] in ("fit", "custom_loop"):
        if w["kind"] == "fit":
            opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        track = True  # fit logs loss and accuracy; the guide's custom loop tracks accuracy
        logs = {}

        def epoch():
            model.train()
            perm = torch.randperm(len(x))
            total, correct = torch.zeros(()), torch.zeros((), dtype=torch.int64)
            for s in range(0, len(x), bs):
                idx = perm[s:s + bs]
                xb, yb = x[idx], y[idx]
                opt.zero_grad()
                out = model(xb)
                loss = crit(out, yb)
                loss.backward()
                opt.step()
                if track:
                    total += loss.detach() * len(idx)
                    correct += (out.argmax(1) == yb).sum()
            logs["loss"] = float(total) / len(x) if track else float(loss)
            if track:
                logs["accuracy"] = float(correct) / len(x)
            if w["validation"]:
                logs["val_loss"], logs["val_accuracy"] = evaluate(model, crit, xv, yv, bs)

        times = harness.time_calls(epoch, args.epochs + 1, warmup=0)
        res = harness.summarize(times[1:], times[:1])
        res["final_logs"] = logs
    elif w["kind"] == "evaluate":
        t0 = time.perf_counter()
        evaluate(model, crit, xv, yv, bs)
        warm = time.perf_counter() - t0
        res = harness.summarize(
            harness.time_calls(lambda: evaluate(model, crit, xv, yv, bs), args.epochs, 0),
            [warm])
    else:
        t0 = time.perf_counter()
        predict(model, xv, bs)
        warm = time.perf_counter() - t0
        res = harness.summarize(
            harness.time_calls(lambda: predict(model, xv, bs), args.epochs, 0), [warm])
    res["versions"] = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    res["rss_after_data_mb"] = rss_after_data
    harness.emit(res)


if __name__ == "__main__":
    main()
