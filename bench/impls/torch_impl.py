"""Plain PyTorch implementation of the workloads: an idiomatic loop over preloaded
tensors with torch.optim, `torch.set_num_threads(2)`.

    /work/venvs/peers/bin/python bench/impls/torch_impl.py --workload mlp --epochs 3

Same hyper-parameters as Keras: RMSprop(lr=1e-3, alpha=0.9, eps=1e-7) (Keras's rho and
epsilon), SGD(1e-3); the model outputs logits and nn.CrossEntropyLoss applies
log-softmax (the same loss as softmax + sparse CE). fit-like epochs shuffle with
torch.randperm and track loss + accuracy as Keras's progress logs do; W1 adds a
no_grad validation pass over the 10,000 validation samples.

W3 (`cnn`) and W4 (`multi_io`) take the same NHWC arrays, permuted once to NCHW / NCL
(outside the timing) as torch's convolutions need; Adam(lr=1e-3, eps=1e-7) and
RMSprop(lr=1e-3, alpha=0.9, eps=1e-7) as Keras's defaults. W4's loss is
2 * MSE + 1 * categorical CE on log_softmax, its logs MSE, MAPE, MAE, CE and accuracy
per step as Keras's metrics do.

W6 (`custom_fit`) has no `fit` to customize in PyTorch: it is W1's loop without
validation, tracking only the mean loss as chapter 7's `train_step` does. W7 (`sweep`)
is the same grid as the Keras one: per (width, lr) a new 64-w-w-10 MLP, Adam(lr,
eps=1e-7), 2 epochs at batch 32 (loss + accuracy tracked), a no_grad evaluation at
batch 32.
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


def build_cnn():
    """W3: Conv(32,3,relu)-MaxPool2-Conv(64,3,relu)-MaxPool2-Flatten-Linear(1600, 10)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(workloads.CNN_DENSE[0], workloads.CLASSES))


class MultiIO(nn.Module):
    """W4: Conv2d(3,3) + global max pool on the image, Conv1d(3,3) + global max pool on
    the series, concatenated, a linear score head and a linear class head (logits)."""

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(workloads.MIO_IMAGE[2], 3, 3)
        self.conv1d = nn.Conv1d(workloads.MIO_SERIES[1], 3, 3)
        self.score = nn.Linear(6, 1)
        self.classes = nn.Linear(6, workloads.MIO_CLASSES)

    def forward(self, img, ts):
        x1 = self.conv2d(img).amax(dim=(2, 3))
        x2 = self.conv1d(ts).amax(dim=2)
        x = torch.cat([x1, x2], dim=1)
        return self.score(x), self.classes(x)


def fit_conv(name, w, epochs):
    """One fit-like epoch per call for W3/W4 (randperm batches, logs as Keras's)."""
    x, y, _, _ = workloads.make_workload_data(name)
    rss_after_data = harness.rss_mb()
    bs = w["batch_size"]
    logs = {}
    if name == "cnn":
        xs = [torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()]
        ys = [torch.from_numpy(y)]
        model = build_cnn()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        crit = nn.CrossEntropyLoss()

        def step(xb, yb):
            out = model(*xb)
            loss = crit(out, yb[0])
            return loss, (loss.detach(), (out.argmax(1) == yb[0]).sum())

        names = ("loss", "accuracy")
    else:
        xs = [torch.from_numpy(x[0]).permute(0, 3, 1, 2).contiguous(),
              torch.from_numpy(x[1]).permute(0, 2, 1).contiguous()]
        ys = [torch.from_numpy(t) for t in y]
        model = MultiIO()
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

        def step(xb, yb):
            score, logits = model(*xb)
            mse = ((score - yb[0]) ** 2).mean()
            cce = -(yb[1] * torch.log_softmax(logits, 1)).sum(1).mean()
            loss = 2.0 * mse + cce
            with torch.no_grad():
                err = (score - yb[0]).abs()
                mape = (100 * err / yb[0].abs().clamp_min(1e-7)).mean()
                acc = (logits.argmax(1) == yb[1].argmax(1)).sum()
            return loss, (loss.detach(), mse.detach(), cce.detach(), mape, err.mean(), acc)

        names = ("loss", "score_output_loss", "class_output_loss",
                 "score_output_mean_absolute_percentage_error",
                 "score_output_mean_absolute_error", "class_output_categorical_accuracy")
    n = len(ys[0])

    def epoch():
        model.train()
        perm = torch.randperm(n)
        sums = [torch.zeros(()) for _ in names]
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            opt.zero_grad()
            loss, stats = step([t[idx] for t in xs], [t[idx] for t in ys])
            loss.backward()
            opt.step()
            for k, v in enumerate(stats):
                # accuracy stats are counts; the others batch means
                sums[k] += v if v.dtype == torch.int64 else v * len(idx)
        logs.update({k: float(v) / n for k, v in zip(names, sums)})

    times = harness.time_calls(epoch, epochs + 1, warmup=0)
    res = harness.summarize(times[1:], times[:1])
    res["final_logs"] = logs
    res["rss_after_data_mb"] = rss_after_data
    return res


def sweep(w, units):
    """W7: `units` runs of the whole grid (the first untimed)."""
    xn, yn, xtn, ytn = workloads.make_workload_data("sweep")
    rss_after_data = harness.rss_mb()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    xt, yt = torch.from_numpy(xtn), torch.from_numpy(ytn)
    bs = w["batch_size"]
    crit = nn.CrossEntropyLoss()
    last = []

    def grid():
        rows = []
        for width, lr in workloads.sweep_grid():
            model = nn.Sequential(
                nn.Linear(workloads.SWEEP_FEATURES, width), nn.ReLU(),
                nn.Linear(width, width), nn.ReLU(), nn.Linear(width, workloads.CLASSES))
            opt = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
            for _ in range(w["epochs"]):
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
                    total += loss.detach() * len(idx)
                    correct += (out.argmax(1) == yb).sum()
            loss, acc = evaluate(model, crit, xt, yt, bs)
            rows.append([width, lr, loss, acc])
        last[:] = rows

    times = harness.time_calls(grid, units, warmup=0)
    res = harness.summarize(times[1:], times[:1])
    best = max(last, key=lambda r: r[3])
    res["final_logs"] = {"best_width": best[0], "best_lr": best[1],
                         "best_test_accuracy": best[3],
                         "mean_test_accuracy": sum(r[3] for r in last) / len(last)}
    res["sweep"] = last
    res["models_per_unit"] = len(last)
    res["rss_after_data_mb"] = rss_after_data
    return res


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
    p.add_argument("--quick", action="store_true",
                   help="tiny sample counts (workloads.set_quick), for smoke tests")
    args = p.parse_args()
    if args.quick:
        workloads.set_quick()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    w = workloads.WORKLOADS[args.workload]
    if args.workload in ("cnn", "multi_io"):
        res = fit_conv(args.workload, w, args.epochs)
        res["versions"] = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        harness.emit(res)
        return
    if args.workload == "sweep":
        res = sweep(w, args.epochs + 1)
        res["versions"] = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        harness.emit(res)
        return
    xn, yn, xvn, yvn = workloads.make_workload_data(args.workload)
    rss_after_data = harness.rss_mb()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    if xvn is not None:
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
        # fit logs loss and accuracy; the guide's custom loop tracks accuracy; chapter 7's
        # train_step (W6) only the mean loss
        track_acc = not w.get("custom_train_step")
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
                total += loss.detach() * len(idx)
                if track_acc:
                    correct += (out.argmax(1) == yb).sum()
            logs["loss"] = float(total) / len(x)
            if track_acc:
                logs["accuracy"] = float(correct) / len(x)
            if w["validation"]:
                logs["val_loss"], logs["val_accuracy"] = evaluate(model, crit, xv, yv, bs)

        times = workloads.per_unit(args.workload,
                                   harness.time_calls(epoch, args.epochs + 1, warmup=0))
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
