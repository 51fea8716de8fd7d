"""bench/run.py's tables and bench/workloads.py's counts (NumPy only: no peer framework,
no timing). Each test loads its own copies of the modules, so `set_quick` cannot leak."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def workloads():
    return _load("workloads")


@pytest.fixture
def run(monkeypatch):
    # run.py imports `harness` and `workloads` by name from bench/: give it fresh ones.
    monkeypatch.syspath_prepend(str(BENCH))
    for name in ("harness", "workloads"):
        monkeypatch.setitem(sys.modules, name, _load(name))
    return _load("run")


def _ok(median):
    return {"status": "ok", "median_s": median, "times_s": [median], "maxrss_mb": 100.0,
            "rss_after_data_mb": 50.0, "loadavg_1min_before": 0.5,
            "loadavg_at_end": [0.5, 0.5, 0.5]}


def test_sweep_grid_and_flops(workloads):
    grid = workloads.sweep_grid()
    assert len(grid) == 20 and len(set(grid)) == 20
    widths = sorted({wd for wd, _ in grid})
    assert widths[0] == 16 and widths[-1] == 384 and len(widths) == 10
    expected = 0
    for wd, _ in grid:
        # 64-w-w-10: forward 2io per layer; training adds the weight gradient everywhere
        # and the input gradient everywhere but the first layer.
        fwd = 2 * (64 * wd + wd * wd + wd * 10)
        train = fwd + 2 * (64 * wd + wd * wd + wd * 10) + 2 * (wd * wd + wd * 10)
        expected += 2 * 8000 * train + 2000 * fwd
    assert workloads.flops("sweep") == expected
    assert workloads.samples("sweep") == 20 * 2 * 8000


def test_custom_fit_counts_as_w1_training_without_validation(workloads):
    assert workloads.flops("custom_fit") == workloads.flops("custom_loop") == 11_456_000_000
    assert workloads.samples("custom_fit") == 50_000
    assert workloads.flops("mlp") > workloads.flops("custom_fit")  # W1 adds validation


def test_sweep_data(workloads):
    x, y, xt, yt = workloads.make_workload_data("sweep")
    assert x.shape == (8000, 64) and xt.shape == (2000, 64)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() < 1.0
    assert set(np.unique(y)) <= set(range(10)) and len(np.unique(y)) > 1
    x2, y2, _, _ = workloads.make_workload_data("sweep")
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_set_quick_shrinks_every_workload(workloads):
    full = {name: workloads.flops(name) for name in workloads.WORKLOADS}
    steps = {name: workloads.steps_per_epoch(name) for name in ("step1024", "step1")}
    workloads.set_quick()
    for name in workloads.WORKLOADS:
        if workloads.WORKLOADS[name].get("per_step"):  # a step's work does not shrink
            assert workloads.flops(name) == full[name], name
            assert 0 < workloads.steps_per_epoch(name) < steps[name], name
        else:
            assert 0 < workloads.flops(name) < full[name], name
    assert len(workloads.sweep_grid()) == 4
    x, y, xv, yv = workloads.make_workload_data("custom_fit")
    assert x.shape == (2000, 784) and xv.shape == (500, 784)
    assert workloads.make_workload_data("cnn")[0].shape == (256, 28, 28, 1)


def test_step_workloads_count_one_step(workloads):
    # W1's training FLOPs per sample: 4*784*64 (no input gradient) + 6*64*64 + 6*64*10
    per_sample = 4 * 784 * 64 + 6 * 64 * 64 + 6 * 64 * 10
    assert per_sample == 229_120
    assert workloads.flops("step1024") == 1024 * per_sample
    assert workloads.flops("step1") == per_sample
    assert workloads.samples("step1024") == 1024 and workloads.samples("step1") == 1
    assert workloads.steps_per_epoch("step1024") == 40
    assert workloads.steps_per_epoch("step1") == 2048
    assert workloads.steps_per_epoch("mlp") == 782  # the last batch of 50,000 is partial
    assert workloads.per_unit("step1024", [0.08, 0.04]) == [0.002, 0.001]
    assert workloads.per_unit("mlp", [0.08, 0.04]) == [0.08, 0.04]
    x, y, xv, yv = workloads.make_workload_data("step1024")
    assert x.shape == (40_960, 784) and y.shape == (40_960,) and xv is None and yv is None


def test_step_table_in_microseconds(run):
    results = {"pyfastfit": _ok(25e-6), "keras-jax": _ok(210e-6)}
    text = run.table("step1", results, peak_gflops=200.0)
    assert "s/step (median)" in text and "per step" in text
    row = next(line for line in text.splitlines() if line.startswith("| pyfastfit |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "25.0 us" and cells[4] == "8.40x"
    assert run.unit_of("step1024") == "step" and run.unit_of("mlp") == "epoch"


def test_fastest_peer_ignores_ours_and_failed_peers(run):
    results = {"pyfastfit": _ok(0.01), "keras": _ok(2.0), "keras-jax": _ok(0.5),
               "torch": {"status": "failed", "why": "exit 1: boom"}}
    assert run.fastest_peer(results) == ("keras-jax", 0.5)
    assert run.fastest_peer({"pyfastfit": _ok(0.01)}) is None
    assert run.fastest_peer({"torch": {"status": "skipped", "why": "no torch"}}) is None


def test_impls_for(run):
    everything = list(run.IMPLS)
    assert "keras-tf.function" in run.impls_for("custom_loop", everything)
    assert "pyfastfit-function" in run.impls_for("custom_loop", everything)
    for workload in ("mlp", "custom_fit", "sweep", "predict"):
        got = run.impls_for(workload, everything)
        assert "keras-tf.function" not in got and "pyfastfit-function" not in got
    # W5's "pyfastfit" row is the eager loop; W6's fit compiles train_step unless eager
    assert "pyfastfit-eager" not in run.impls_for("custom_loop", everything)
    assert "pyfastfit-eager" in run.impls_for("custom_fit", everything)
    for workload in run.workloads.WORKLOADS:
        got = run.impls_for(workload, everything)
        assert {"keras-jax", "pyfastfit", "pyfastfit-pinned", "torch"} <= set(got)


def test_table_shows_ratio_to_fastest_peer(run):
    results = {"pyfastfit": _ok(0.25), "pyfastfit-pinned": _ok(0.2), "keras": _ok(2.0),
               "keras-jax": _ok(1.0), "torch": {"status": "failed", "why": "exit 1: boom"}}
    text = run.table("sweep", results, peak_gflops=200.0)
    assert "vs fastest peer (keras-jax)" in text
    row = next(line for line in text.splitlines() if line.startswith("| pyfastfit |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "250.0 ms" and cells[4] == "4.00x" and cells[5] == "8.00x"
    roof = run.workloads.flops("sweep") / 200e9
    assert cells[7] == f"{100 * roof / 0.25:.1f}%"
    assert "| torch | failed: exit 1: boom |" in text
    assert "s/sweep (median)" in text


def test_summary_has_both_pyfastfit_columns(run):
    all_results = {
        "mlp": {"pyfastfit": _ok(0.1), "pyfastfit-pinned": _ok(0.125), "keras": _ok(1.0),
                "torch": _ok(0.5)},
        "predict": {"pyfastfit": {"status": "failed", "why": "x"}, "keras": _ok(1.0)},
        "cnn": {"pyfastfit": _ok(3.0), "pyfastfit-pinned": _ok(2.0)},
    }
    text = run.summary(all_results, peak_gflops=200.0)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| workload"))
    assert header.count("pyfastfit") == 2 and header.count("vs fastest peer") == 2
    mlp = [c.strip() for c in next(l for l in lines if l.startswith("| mlp")).split("|")[1:-1]]
    assert mlp[:4] == ["mlp", "epoch", "torch", "500.0 ms"]
    assert mlp[4:6] == ["100.0 ms", "5.00x"] and mlp[7:9] == ["125.0 ms", "4.00x"]
    predict = next(l for l in lines if l.startswith("| predict"))
    assert "failed" in predict and "not run" in predict
    cnn = next(l for l in lines if l.startswith("| cnn"))
    assert "none ran" in cnn and "3.00 s" in cnn and "2.00 s" in cnn
