"""Issue 14, items 4-6: closures over differentiated values (lambda lifting), call
forms and parameter trees, calls made for their side effect. Each program is checked
against central finite differences over the leaves of its parameter tree, and jvp
against vjp (<J v, w> == <v, J^T w>)."""
from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

RNG = np.random.default_rng(14)


# --- finite differences over a parameter tree --------------------------------------------


def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if dataclasses.is_dataclass(tree):
        return [leaf for f in dataclasses.fields(tree) for leaf in _leaves(getattr(tree, f.name))]
    return [tree]


def _rebuilt(like, leaves):
    if isinstance(like, dict):
        return {k: _rebuilt(v, leaves) for k, v in like.items()}
    if hasattr(like, "_fields"):
        return type(like)(*[_rebuilt(v, leaves) for v in like])
    if isinstance(like, (list, tuple)):
        return type(like)(_rebuilt(v, leaves) for v in like)
    if dataclasses.is_dataclass(like):
        return type(like)(**{f.name: _rebuilt(getattr(like, f.name), leaves)
                             for f in dataclasses.fields(like)})
    return leaves.pop(0)


def _flat(tree):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in _leaves(tree)])


def _unflat(like, vector):
    out, at = [], 0
    for leaf in _leaves(like):
        size = np.size(leaf)
        piece = vector[at:at + size]
        out.append(piece.reshape(np.shape(leaf)) if isinstance(leaf, np.ndarray)
                   else float(piece[0]))
        at += size
    return _rebuilt(like, out)


def fd_tree(f, args, i, h=1e-6):
    """d f / d args[i] by central differences, with args[i]'s structure."""
    base = _flat(args[i])
    grad = np.zeros_like(base)
    for k in range(base.size):
        step = h * max(1.0, abs(base[k]))
        up, down = base.copy(), base.copy()
        up[k] += step
        down[k] -= step
        at = lambda v: f(*args[:i], _unflat(args[i], v), *args[i + 1:])  # noqa: E731
        grad[k] = (float(at(up)) - float(at(down))) / (2 * step)
    return _unflat(args[i], grad)


def assert_tree_close(actual, expected, rtol=1e-6, atol=1e-8):
    if isinstance(expected, (dict, list, tuple)) or dataclasses.is_dataclass(expected):
        assert type(actual) is type(expected), (type(actual), type(expected))
    np.testing.assert_allclose(_flat(actual), _flat(expected), rtol=rtol, atol=atol)


def inner(a, b) -> float:
    return float(np.dot(_flat(a), _flat(b)))


def random_like(tree):
    return _unflat(tree, RNG.normal(size=_flat(tree).size))


def check_all_modes(f, args, i=0):
    """grad, value_and_grad, vjp and jvp of f with respect to args[i], each against
    finite differences or the other mode; the arguments left as they were."""
    before = [np.copy(v) for v in _leaves(args)]
    expected = fd_tree(f, args, i)
    g = s2sad.grad(f, wrt=i)(*args)
    assert_tree_close(g, expected)
    value, g2 = s2sad.value_and_grad(f, wrt=i)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    assert_tree_close(g2, expected)
    y, pullback = s2sad.vjp(f, *args, wrt=i)
    assert_tree_close(pullback(1.0)[0], expected)
    v = random_like(args[i])
    _, ydot = s2sad.jvp(f, args, (v,), wrt=i)
    assert float(ydot) == pytest.approx(inner(v, expected), rel=1e-6, abs=1e-8)
    for was, now in zip(before, _leaves(args)):
        np.testing.assert_array_equal(was, now)
    return g


# --- item 4: closures over a differentiated value ----------------------------------------


def mlp_loss(params, x, y):
    def predict(x):
        h = np.tanh(x @ params["W1"] + params["b1"])
        return h @ params["W2"]
    return np.mean((predict(x) - y) ** 2)


def closure_calling_closure(params, x, n=3):
    scale = 0.5

    def act(z):
        return np.tanh(z * scale) + params["b"]

    def layer(z):
        return act(z @ params["W"])
    total = 0.0
    for _ in range(n):
        total = total + np.sum(layer(x) ** 2)
    return total


def closure_over_rebound(w, x):
    def f(t):
        return np.sin(t * w)
    first = f(x)
    w = w * 2.0                  # the closure reads w's value at each call
    return first + f(x)


def mlp_params(sizes):
    return {"W1": RNG.normal(size=sizes[:2]) * 0.5, "b1": RNG.normal(size=sizes[1]) * 0.1,
            "W2": RNG.normal(size=sizes[1:]) * 0.5}


def test_closure_over_a_parameter_dict_in_every_mode():
    x, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    check_all_modes(mlp_loss, (mlp_params((3, 4, 2)), x, y))


def test_closure_calling_a_closure_lifts_both():
    params = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    check_all_modes(closure_calling_closure, (params, RNG.normal(size=(4, 3))))


def test_closure_reads_the_value_at_call_time():
    check_all_modes(closure_over_rebound, (0.7, 1.3))
    expected = np.cos(1.3 * 0.7) * 1.3 + 2 * np.cos(1.3 * 1.4) * 1.3
    assert s2sad.grad(closure_over_rebound)(0.7, 1.3) == pytest.approx(expected, rel=1e-13)


def escaping_closure(w):
    def f(t):
        return np.sin(t * w)
    return sum(g(2.0) for g in [f])


def returned_closure(w):
    def f(t):
        return t * w
    keep = f
    return keep(2.0)


@pytest.mark.parametrize("program", [escaping_closure, returned_closure])
def test_an_escaping_closure_stays_a_located_error(program):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(program)(0.3)
    assert "closure-over-active" in info.value.codes or "unsupported-syntax" in info.value.codes
    assert info.value.violations[0].filename == __file__


def test_second_order_of_a_closure_over_the_differentiated_value():
    def lossw(w):
        def f(z):
            return np.sin(z * w)
        return f(2.0)
    assert s2sad.grad(s2sad.grad(lossw))(0.3) == pytest.approx(-4.0 * np.sin(0.6), rel=1e-12)


# --- item 6: calls made for their side effect --------------------------------------------


CALLS = []


def record(value):
    CALLS.append(float(value))


def noisy_loss(w, x):
    y = np.sum(np.tanh(x * w))
    print(y)
    print(f"loss {y:.3f}")
    logging.info("loss %s", y)
    record(y)
    return y * y


def plotted(w, ax=None):
    y = np.sin(w) * 3.0
    if ax:
        ax.plot(y)
    return y


class Axes:
    def __init__(self):
        self.drawn = []

    def plot(self, y):
        self.drawn.append(float(y))


def test_effect_calls_run_once_in_the_primal_sweep(capsys):
    x = RNG.normal(size=4)
    check_all_modes(noisy_loss, (0.4, x))
    CALLS.clear()
    capsys.readouterr()
    s2sad.grad(noisy_loss)(0.4, x)
    assert len(capsys.readouterr().out.splitlines()) == 2 and len(CALLS) == 1
    y, pullback = s2sad.vjp(noisy_loss, 0.4, x, wrt=0)
    pullback(1.0)
    assert len(capsys.readouterr().out.splitlines()) == 2 and len(CALLS) == 2
    s2sad.jvp(noisy_loss, (0.4, x), (1.0,), wrt=0)
    assert len(capsys.readouterr().out.splitlines()) == 2 and len(CALLS) == 3


def test_an_effect_call_under_a_test_of_a_parameter():
    axes = Axes()
    assert s2sad.grad(plotted)(0.3, axes) == pytest.approx(3 * np.cos(0.3), rel=1e-14)
    assert axes.drawn == [pytest.approx(3 * np.sin(0.3))]
    assert s2sad.grad(plotted)(0.3) == pytest.approx(3 * np.cos(0.3), rel=1e-14)
    assert s2sad.jvp(plotted, (0.3, axes), (1.0,), wrt=0)[1] == pytest.approx(3 * np.cos(0.3))


def test_second_order_through_a_print(capsys):
    def f(w):
        y = np.sin(w) * w
        print(y)
        return y
    h = s2sad.hessian(f)(0.3)
    assert h == pytest.approx(2 * np.cos(0.3) - 0.3 * np.sin(0.3), rel=1e-12)


def training_loop_prints(w, x, y, steps=3, lr=0.1):
    def loss(w):
        return np.mean((x @ w - y) ** 2)
    total = 0.0
    for step in range(steps):
        current = loss(w)
        print(f"step {step}: loss {current:.4f}")
        total = total + current
        w = w - lr * w
    return total


def test_a_training_loop_that_prints_its_loss(capsys):
    x, y = RNG.normal(size=(6, 3)), RNG.normal(size=6)
    check_all_modes(training_loop_prints, (RNG.normal(size=3), x, y))


def in_place_effect(w):
    y = np.array([w, 2.0 * w])
    y.sort()
    return y[0]


def extends_a_local(w):
    out = []
    out.extend([w * 2.0])
    return out[0]


def numpy_effect(w):
    y = np.array([w, w])
    z = np.zeros(2)
    np.copyto(z, y)
    return np.sum(z)


@pytest.mark.parametrize("program", [in_place_effect, extends_a_local, numpy_effect])
def test_an_effect_that_could_change_a_value_is_refused_located(program):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(program)(0.3)
    assert info.value.violations[0].filename == __file__


# --- item 5: map, list, parameter lists of (W, b) tuples ------------------------------------


def square(x):
    return x * x


def scaled_sine(a, b):
    return a * np.sin(b)


def mapped(xs, ys):
    return sum(map(square, xs)) + sum(map(scaled_sine, xs, ys)) + np.sum(list(ys)[0])


def test_map_and_list_of_a_parameter_list():
    xs, ys = [1.0, 2.0, -0.5], [0.5, 0.3, 1.1]
    check_all_modes(mapped, (xs, ys), 0)
    check_all_modes(mapped, (xs, ys), 1)


def test_map_under_second_order():
    def f(w):
        return sum(map(square, [w, 2.0 * w])) + np.sin(w)
    assert s2sad.hessian(f)(0.3) == pytest.approx(10.0 - np.sin(0.3), rel=1e-12)


def mlp_layers(params, x):
    for W, b in params:
        x = np.tanh(x @ W + b)
    return np.sum(x ** 2)


def training_step(params, x, y, log=print):
    def predict(x):
        for W, b in params:
            x = np.tanh(x @ W + b)
        return x
    loss = np.mean((predict(x) - y) ** 2)
    log(f"loss {loss:.4f}")
    return loss


def layers(sizes):
    return [(RNG.normal(size=(m, n)) * 0.5, RNG.normal(size=n) * 0.1)
            for m, n in zip(sizes[:-1], sizes[1:])]


def test_an_mlp_with_a_list_of_weight_bias_tuples():
    g = check_all_modes(mlp_layers, (layers((3, 4, 2)), RNG.normal(size=(5, 3))))
    assert type(g) is list and type(g[0]) is tuple


def test_a_training_loop_over_a_closure_and_a_logger(capsys):
    params, x, y = layers((3, 5, 1)), RNG.normal(size=(8, 3)), RNG.normal(size=(8, 1))
    check_all_modes(training_step, (params, x, y))
    capsys.readouterr()
    for _ in range(3):
        g = s2sad.grad(training_step)(params, x, y)
        params = [(W - 0.1 * gW, b - 0.1 * gb) for (W, b), (gW, gb) in zip(params, g)]
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3 and all(line.startswith("loss ") for line in printed)
    assert float(printed[-1].split()[1]) < float(printed[0].split()[1]) + 1e-4


def star_model(x, *layers):
    for W in layers:
        x = np.tanh(x @ W)
    return np.sum(x)


def helper_with_star(*xs):
    return xs[0] * xs[1]


def calls_star_helper(a, b):
    return helper_with_star(a, b)


def splats(pairs):
    a, b = zip(*pairs)
    return a[0] * b[1]


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


def dataclass_loss(p, x):
    return np.sum((x * p.w + p.b) ** 2)


def test_zip_star_and_a_dataclass_parameter_now_differentiate():
    check_all_modes(splats, ([(1.0, 2.0), (3.0, 4.0)],))
    g = check_all_modes(dataclass_loss, (Params(RNG.normal(size=3), 0.5), np.arange(3.0)))
    assert type(g) is Params


@pytest.mark.parametrize("program, args", [
    (star_model, (np.ones((2, 3)), 0.5 * np.ones((3, 2)))),
    (calls_star_helper, (1.0, 2.0)),
])
def test_star_call_forms_are_specialised_on_the_call(program, args):
    # once located errors; now each call's shape is differentiated (test_i14_star_args)
    got = s2sad.grad(program)(*args)
    np.testing.assert_allclose(got, fd_grad(program, args, 0), rtol=1e-6, atol=1e-9)


def pushes_in_a_nested_def(x):
    lst = []

    def push(v, into):
        into.append(v)
    push(x * 2.0, lst)
    return lst[0]


def extends_a_parameter(w, out):
    out.extend([w * 2.0])
    return out[0]


@pytest.mark.parametrize("program, args", [(pushes_in_a_nested_def, (0.3,)),
                                           (extends_a_parameter, (0.3, []))])
def test_an_effect_call_that_writes_into_a_value_read_later_is_refused(program, args):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(program, wrt=0)(*args)
    assert info.value.violations[0].filename == __file__
