"""Optimizers vs NumPy float64 re-implementations of the Keras 3 update formulas."""

import math

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import optimizers
from pyfastfit.optimizers import schedules

STEPS = 10
SHAPES = [(3, 4), (5,), (1,)]


# ------------------------------------------------------------ NumPy references
def _clip(grads, cfg):
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        return [g * c / max(np.sqrt(np.sum(g * g)), c) for g in grads]
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        n = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * c / max(n, c) for g in grads]
    if cfg.get("clipvalue"):
        c = cfg["clipvalue"]
        return [np.clip(g, -c, c) for g in grads]
    return grads


class RefOptimizer:
    def __init__(self, kind, cfg, lr_fn):
        self.kind, self.cfg, self.lr_fn = kind, cfg, lr_fn
        self.t = 0
        self.state = None
        self.u_product = 1.0

    def step(self, params, grads):
        cfg = self.cfg
        lr = self.lr_fn(self.t)
        grads = _clip([g.astype(np.float64) for g in grads], cfg)
        wd = cfg.get("weight_decay")
        if wd is not None:
            for i, p in enumerate(params):
                if i not in cfg.get("_exclude", ()):
                    p -= p * wd * lr
        if self.state is None:
            init = cfg.get("initial_accumulator_value", 0.1) if self.kind == "adagrad" else 0.0
            self.state = [[np.full_like(p, init) for _ in range(3)] for p in params]
        t = self.t + 1
        if self.kind == "nadam":
            b1 = cfg.get("beta_1", 0.9)
            self.u_product *= b1 * (1 - 0.5 * 0.96 ** t)
        for p, g, st in zip(params, grads, self.state):
            getattr(self, "_" + self.kind)(p, g, st, lr, t)
        self.t += 1

    def _sgd(self, p, g, st, lr, t):
        mom = self.cfg.get("momentum", 0.0)
        if mom:
            m = st[0]
            m[...] = mom * m - lr * g
            if self.cfg.get("nesterov"):
                p += mom * m - lr * g
            else:
                p += m
        else:
            p -= lr * g

    def _rmsprop(self, p, g, st, lr, t):
        rho = self.cfg.get("rho", 0.9)
        mom = self.cfg.get("momentum", 0.0)
        eps = self.cfg.get("epsilon", 1e-7)
        v, a, m = st
        v[...] = rho * v + (1 - rho) * g * g
        if self.cfg.get("centered"):
            a[...] = rho * a + (1 - rho) * g
            den = v - a * a + eps
        else:
            den = v + eps
        inc = lr * g / np.sqrt(den)
        if mom > 0:
            m[...] = mom * m + inc
            p -= m
        else:
            p -= inc

    def _adam(self, p, g, st, lr, t):
        b1, b2 = self.cfg.get("beta_1", 0.9), self.cfg.get("beta_2", 0.999)
        eps = self.cfg.get("epsilon", 1e-7)
        m, v, vh = st
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        vv = v
        if self.cfg.get("amsgrad"):
            vh[...] = np.maximum(vh, v)
            vv = vh
        p -= m * alpha / (np.sqrt(vv) + eps)

    _adamw = _adam

    def _adagrad(self, p, g, st, lr, t):
        eps = self.cfg.get("epsilon", 1e-7)
        acc = st[0]
        acc += g * g
        p -= lr * g / np.sqrt(acc + eps)

    def _adamax(self, p, g, st, lr, t):
        b1, b2 = self.cfg.get("beta_1", 0.9), self.cfg.get("beta_2", 0.999)
        eps = self.cfg.get("epsilon", 1e-7)
        m, u, _ = st
        m += (g - m) * (1 - b1)
        u[...] = np.maximum(b2 * u, np.abs(g))
        p -= lr * m / ((1 - b1 ** t) * (u + eps))

    def _nadam(self, p, g, st, lr, t):
        b1, b2 = self.cfg.get("beta_1", 0.9), self.cfg.get("beta_2", 0.999)
        eps = self.cfg.get("epsilon", 1e-7)
        m, v, _ = st
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        prod_t = self.u_product
        prod_t1 = prod_t * u_t1
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - prod_t1) + (1 - u_t) * g / (1 - prod_t)
        v_hat = v / (1 - b2 ** t)
        p -= m_hat * lr / (np.sqrt(v_hat) + eps)


CLASSES = {"sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop, "adam": optimizers.Adam,
           "adamw": optimizers.AdamW, "adagrad": optimizers.Adagrad,
           "adamax": optimizers.Adamax, "nadam": optimizers.Nadam}
DEFAULT_LR = {"sgd": 0.01}

CASES = [
    ("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("sgd", {"momentum": 0.5, "weight_decay": 0.1, "learning_rate": 0.05}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.9}), ("rmsprop", {"centered": True}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "rho": 0.8, "clipvalue": 0.3}),
    ("adam", {}), ("adam", {"amsgrad": True}),
    ("adam", {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3, "global_clipnorm": 1.0}),
    ("adam", {"weight_decay": 0.05, "learning_rate": 0.01}),
    ("adamw", {}), ("adamw", {"weight_decay": 0.1, "amsgrad": True, "learning_rate": 0.01}),
    ("adagrad", {}), ("adagrad", {"initial_accumulator_value": 0.5, "learning_rate": 0.1}),
    ("adamax", {}), ("adamax", {"beta_2": 0.9, "clipnorm": 1.0}),
    ("nadam", {}), ("nadam", {"beta_1": 0.8, "learning_rate": 0.01, "clipvalue": 0.5}),
]


def _run(kind, cfg, lr_value=None, schedule=None, shapes=SHAPES):
    rng = np.random.default_rng(42)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(STEPS)]
    kwargs = dict(cfg)
    if schedule is not None:
        kwargs["learning_rate"] = schedule
        lr_fn = schedule._value
    else:
        lr = kwargs.get("learning_rate", DEFAULT_LR.get(kind, 0.001))
        lr_fn = lambda t: lr  # noqa: E731
    opt = CLASSES[kind](**kwargs)
    vars_ = [ff.Variable(a, name=f"v{i}") for i, a in enumerate(init)]
    ref_cfg = dict(cfg)
    if kind == "adamw":
        ref_cfg.setdefault("weight_decay", 0.004)
    ref = RefOptimizer(kind, ref_cfg, lr_fn)
    ref_params = [a.astype(np.float64) for a in init]
    for step in range(STEPS):
        opt.apply_gradients(zip([ff.Tensor(g) for g in grads[step]], vars_))
        ref.step(ref_params, grads[step])
    return opt, vars_, ref_params


@pytest.mark.parametrize("kind,cfg", CASES, ids=[f"{k}-{sorted(c)}" for k, c in CASES])
def test_matches_keras_formula(kind, cfg):
    opt, vars_, ref_params = _run(kind, cfg)
    for v, r in zip(vars_, ref_params):
        np.testing.assert_allclose(v.numpy(), r, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations) == STEPS


# 18,133 elements: one update is split over the pool as one range, its cut inside the
# first variable; small variables on either side of the large ones.
SPLIT_SHAPES = [(7,), (97, 101), (13,), (64, 130), (3,)]


@pytest.mark.parametrize("kind,cfg", [
    ("sgd", {"momentum": 0.9}), ("rmsprop", {"centered": True, "momentum": 0.5}),
    ("adam", {"amsgrad": True}), ("adagrad", {}), ("adamax", {}), ("nadam", {}),
    ("adamw", {"clipvalue": 0.3})])
def test_update_split_over_threads(kind, cfg):
    old = ff.config.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            ff.config.set_num_threads(threads)
            _, vars_, ref_params = _run(kind, cfg, shapes=SPLIT_SHAPES)
            for v, r in zip(vars_, ref_params):
                np.testing.assert_allclose(v.numpy(), r, rtol=2e-5, atol=2e-6)
            results.append([v.numpy() for v in vars_])
    finally:
        ff.config.set_num_threads(old)
    # Elementwise updates: the split changes which thread computes a value, not the value.
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["sgd", "adam", "rmsprop", "nadam"])
def test_with_schedule(kind):
    sched = schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
    opt, vars_, ref_params = _run(kind, {"momentum": 0.9} if kind == "sgd" else {},
                                  schedule=sched)
    for v, r in zip(vars_, ref_params):
        np.testing.assert_allclose(v.numpy(), r, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(float(opt.learning_rate), 0.05 * 0.5 ** (STEPS / 3), rtol=1e-6)


def test_nadam_u_product_variable():
    opt, _, _ = _run("nadam", {})
    expected = np.prod([0.9 * (1 - 0.5 * 0.96 ** t) for t in range(1, STEPS + 1)])
    np.testing.assert_allclose(float(opt.variables[-1]), expected, rtol=1e-5)


def test_exclude_from_weight_decay():
    rng = np.random.default_rng(0)
    w = ff.Variable(rng.standard_normal(4).astype(np.float32), name="kernel")
    b = ff.Variable(rng.standard_normal(4).astype(np.float32), name="bias")
    w0, b0 = w.numpy(), b.numpy()
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    zero = np.zeros(4, np.float32)
    opt.apply_gradients([(zero, w), (zero, b)])
    np.testing.assert_allclose(w.numpy(), w0 * (1 - 0.05), rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), b0)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_none_gradients_are_skipped_with_warning():
    a = ff.Variable(np.ones(2, np.float32), name="a")
    b = ff.Variable(np.ones(2, np.float32), name="b")
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b'\]"):
        opt.apply_gradients([(np.ones(2, np.float32), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), [0.5, 0.5])
    np.testing.assert_allclose(b.numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a), (None, b)])


def test_apply_without_variables_and_unknown_variable():
    a = ff.Variable(np.ones(2, np.float32), name="a")
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(2, np.float32)])
    opt.build([a])
    opt.apply([np.ones(2, np.float32)])
    assert int(opt.iterations) == 1
    other = ff.Variable(np.ones(2, np.float32), name="other")
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([np.ones(2, np.float32)], [other])


def test_gradient_shape_mismatch():
    a = ff.Variable(np.ones(3, np.float32), name="a")
    msg = r"gradient 0 has shape \(2,\) but its variable has shape \(3,\)"
    with pytest.raises(ValueError, match=msg):
        optimizers.SGD().apply([np.ones(2, np.float32)], [a])


def test_learning_rate_property_and_setter():
    opt = optimizers.Adam(learning_rate=0.01)
    assert isinstance(opt.learning_rate, ff.Variable)
    np.testing.assert_allclose(float(opt.learning_rate), 0.01, rtol=1e-6)
    opt.learning_rate = 0.5
    np.testing.assert_allclose(float(opt.learning_rate), 0.5)
    a = ff.Variable(np.zeros(1, np.float32), name="a")
    sgd = optimizers.SGD(learning_rate=0.1)
    sgd.learning_rate = 0.25
    sgd.apply_gradients([(np.ones(1, np.float32), a)])
    np.testing.assert_allclose(a.numpy(), [-0.25])
    sgd.learning_rate.assign(1.0)
    sgd.apply_gradients([(np.ones(1, np.float32), a)])
    np.testing.assert_allclose(a.numpy(), [-1.25])
    sched = optimizers.SGD(learning_rate=schedules.InverseTimeDecay(0.1, 1, 1.0))
    with pytest.raises(TypeError, match="not settable"):
        sched.learning_rate = 0.1
    calls = optimizers.SGD(learning_rate=lambda: 0.5)
    calls.apply_gradients([(np.ones(1, np.float32), a)])
    np.testing.assert_allclose(a.numpy(), [-1.75])
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")


def test_argument_errors():
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(foo=1)


@pytest.mark.parametrize(
    "name", ["sgd", "RMSprop", "ADAM", "adamw", "adagrad", "adamax", "nadam"])
def test_get_by_name(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name.lower()


def test_get_errors_list_names():
    msg = r"Could not interpret optimizer identifier: 'adamz'.*'adam'"
    with pytest.raises(ValueError, match=msg):
        optimizers.get("adamz")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt


@pytest.mark.parametrize("cls,kwargs", [
    (optimizers.SGD, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    (optimizers.RMSprop, {"rho": 0.8, "centered": True, "clipnorm": 1.0}),
    (optimizers.Adam, {"beta_1": 0.8, "amsgrad": True, "global_clipnorm": 2.0}),
    (optimizers.AdamW, {"weight_decay": 0.1}),
    (optimizers.Adagrad, {"initial_accumulator_value": 0.2}),
    (optimizers.Adamax, {"epsilon": 1e-5, "clipvalue": 0.5}),
    (optimizers.Nadam, {"beta_2": 0.99}),
    (optimizers.Adam, {"learning_rate": schedules.CosineDecay(0.1, 100, warmup_target=0.2,
                                                              warmup_steps=10)}),
])
def test_serialize_round_trip(cls, kwargs):
    opt = cls(**kwargs)
    cfg = optimizers.serialize(opt)
    assert cfg["class_name"] == cls.__name__ and cfg["module"] == "keras.optimizers"
    again = optimizers.deserialize(cfg)
    assert type(again) is cls
    assert again.get_config() == opt.get_config()
    again2 = optimizers.get(cfg)
    assert again2.get_config() == opt.get_config()
    assert cls.from_config(opt.get_config()).get_config() == opt.get_config()


def test_keras_defaults_in_config():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    assert optimizers.RMSprop().get_config()["rho"] == 0.9
    cfg = optimizers.Adam().get_config()
    got = (cfg["beta_1"], cfg["beta_2"], cfg["epsilon"], cfg["amsgrad"])
    assert got == (0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004
    assert optimizers.Adagrad().get_config()["initial_accumulator_value"] == 0.1


def test_variables_order_and_state_round_trip():
    a = ff.Variable(np.ones((2, 2), np.float32), name="dense/kernel")
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones((2, 2), np.float32), a)])
    names = [v.path for v in opt.variables]
    assert names == ["adam/iteration", "adam/learning_rate", "adam/dense_kernel_momentum",
                     "adam/dense_kernel_velocity"]
    store = {}
    opt.save_own_variables(store)
    opt2 = optimizers.Adam()
    opt2.build([a])
    opt2.load_own_variables(store)
    for x, y in zip(opt.variables, opt2.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_tape_gradients_drive_training():
    # A tiny least-squares problem solved with the tape and Adam.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    w_true = np.array([[1.0], [-2.0], [0.5]], np.float32)
    y = x @ w_true
    w = ff.Variable(np.zeros((3, 1), np.float32), name="w")
    opt = optimizers.Adam(learning_rate=0.1)
    for _ in range(200):
        g = (2.0 / len(x)) * x.T @ (x @ w.numpy() - y)
        opt.apply_gradients([(g.astype(np.float32), w)])
    np.testing.assert_allclose(w.numpy(), w_true, atol=1e-2)


def test_fused_spec_for_programs():
    a = ff.Variable(np.ones((2, 3), np.float32), name="k")
    b = ff.Variable(np.ones(3, np.float32), name="b")
    opt = optimizers.Adam(amsgrad=True, clipnorm=2.0, weight_decay=0.1)
    spec = opt._fused_spec([a, b])
    assert spec["algo"] == "adam" and spec["clip_mode"] == "clipnorm" and spec["clip"] == 2.0
    assert [len(s) for s in spec["slots"]] == [2, 2, 2]
    assert spec["weight_decay"] == [0.1, 0.1] and spec["lr_is_constant"]
    assert spec["params"][0].shares_memory_with(a._c)


def test_c_update_argument_errors():
    from pyfastfit.ops import _optim as optim_ops

    p = ff.Variable(np.ones(2, np.float32))
    lr = ff.Variable(np.float32(0.1))
    it = ff.Variable(np.int64(0))
    with pytest.raises(ValueError, match="unknown algorithm 'lion'"):
        optim_ops.update_("lion", [p._c], [p._c], [[]], lr._c, it._c, [0.0, 0.0])
    with pytest.raises(ValueError, match="adam expects 3 hyper-parameters, got 1"):
        optim_ops.update_("adam", [p._c], [p._c], [[p._c], [p._c], []], lr._c, it._c, [0.9])
    with pytest.raises(ValueError, match="unknown clip_mode 'norm'"):
        optim_ops.update_("sgd", [p._c], [p._c], [[]], lr._c, it._c, [0.0, 0.0], "norm", 1.0)
    np.testing.assert_allclose(optim_ops.global_norm([np.full(4, 3.0), None, np.ones(7)]),
                               np.sqrt(36 + 7))


@pytest.mark.parametrize("freq", [None, 3])
def test_ema(freq):
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(4).astype(np.float32)
    grads = [rng.standard_normal(4).astype(np.float32) for _ in range(7)]
    v = ff.Variable(w0, name="w")
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.9,
                         ema_overwrite_frequency=freq)
    w, avg = w0.astype(np.float64), np.zeros(4)
    for step, g in enumerate(grads):
        opt.apply_gradients([(g, v)])
        w = w - 0.1 * g
        m = 0.0 if step == 0 else 0.9
        avg = m * avg + (1 - m) * w
        if freq and (step + 1) % freq == 0:
            w = avg.copy()
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-5, atol=1e-6)
    assert [x.path for x in opt.variables][2] == "SGD/w_average"
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), avg, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=2.0)


def test_loss_scale_factor():
    v = ff.Variable(np.zeros(2, np.float32), name="v")
    opt = optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0)
    opt.apply_gradients([(np.array([4.0, 8.0], np.float32), v)])
    np.testing.assert_allclose(v.numpy(), [-1.0, -2.0])
    assert float(opt.scale_loss(2.0)) == 8.0


def test_gradient_accumulation():
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal(3).astype(np.float32)
    grads = [rng.standard_normal(3).astype(np.float32) for _ in range(6)]
    v = ff.Variable(w0, name="w")
    opt = optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=3)
    ref = RefOptimizer("adam", {}, lambda t: 0.1)
    ref_p = [w0.astype(np.float64)]
    for i, g in enumerate(grads):
        opt.apply_gradients([(g, v)])
        if (i + 1) % 3 == 0:
            ref.step(ref_p, [np.mean(grads[i - 2:i + 1], axis=0)])
        np.testing.assert_allclose(v.numpy(), ref_p[0], rtol=1e-5, atol=1e-6)
    assert int(opt.iterations) == 2
    assert int(opt._iterations) == 6
    names = [x.path for x in opt.variables]
    assert names[2:4] == ["adam/w_gradient_accumulator", "adam/w_momentum"]
    with pytest.raises(ValueError, match="gradient_accumulation_steps` must be an integer >= 2"):
        optimizers.SGD(gradient_accumulation_steps=1)
