"""Issue 16, item 2: Jacobian and Hessian columns in one batched forward sweep.

Each case is checked three ways: the batched result against the column-by-column
path (batching switched off) and against central finite differences; and the
report says whether it batched or fell back (a fallback must give the same numbers).
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad.driver import batching
from tests.test_numpy_rules import CASES

SMALL = [c for c in CASES if all(s is not None and 0 < int(np.prod(s)) <= 12 for s in c.shapes)]


def _fd_jacobian(f, args, h=1e-6):
    x = np.asarray(args[0], dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h * max(1.0, np.max(np.abs(x)))
        up = f(*((x + e.reshape(x.shape)),) + args[1:])
        down = f(*((x - e.reshape(x.shape)),) + args[1:])
        cols.append((np.asarray(up, float) - np.asarray(down, float)) / (2 * e[j]))
    return np.stack(cols, axis=-1).reshape(np.shape(cols[0]) + x.shape)


def _per_column(monkeypatch, fn, *args):
    with monkeypatch.context() as m:
        m.setattr(batching, "columns", lambda *a, **k: None)
        return fn(*args)


def _single_output(case):
    return case.row.parts == 0 if hasattr(case.row, "parts") else True


@pytest.mark.parametrize("case", SMALL, ids=[c.id for c in SMALL])
def test_jacobian_batched_matches_columns_and_fd(case, monkeypatch):
    args = case.args()
    if not isinstance(case.func(*args), np.ndarray) and not np.isscalar(case.func(*args)):
        pytest.skip("output is a tuple")
    saved = tuple(np.array(a) for a in args)
    jac = s2sad.jacobian(case.func, wrt=0, mode="forward")
    got = jac(*args)
    for a, b in zip(args, saved):
        np.testing.assert_array_equal(a, b)        # the caller's arrays as they were
    report = jac.__s2sad_batching__
    assert report["mode"] in ("batched", "columns")
    want = _per_column(monkeypatch, s2sad.jacobian(case.func, wrt=0, mode="forward"), *args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    coarse = case.row.step > 1e-5             # a cast to float32: a large step
    fd = _fd_jacobian(case.func, args, h=case.row.step if coarse else 1e-6)
    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
    tol = 2e-3 if coarse else 1e-6
    np.testing.assert_allclose(got, fd, rtol=max(tol, 1e-4), atol=tol * scale)


@pytest.mark.parametrize("case", SMALL[::3], ids=[c.id for c in SMALL[::3]])
def test_hessian_batched_matches_columns_and_fd(case, monkeypatch):
    args = case.args()
    hess = s2sad.hessian(case.loss, wrt=0)
    try:
        want = _per_column(monkeypatch, s2sad.hessian(case.loss, wrt=0), *args)
    except Exception as exc:       # noqa: BLE001 -- refused column by column: refused batched
        with pytest.raises(type(exc)):
            hess(*args)
        return
    got = hess(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    fd = _fd_jacobian(lambda *a: s2sad.grad(case.loss, wrt=0)(*a), args)
    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
    # differences of a gradient computed in float32 carry float32 rounding / step
    tol = 5e-2 if "float32" in case.id else 1e-5
    np.testing.assert_allclose(got, fd, rtol=max(1e-4, tol), atol=tol * scale)


def test_many_cases_batch():
    """Most of the catalog runs batched (the point of the change), not everything falls back."""
    modes = []
    for case in SMALL[:80]:
        jac = s2sad.jacobian(case.func, wrt=0, mode="forward")
        try:
            jac(*case.args())
        except Exception:           # noqa: BLE001 -- tuple outputs etc.: not counted
            continue
        modes.append(jac.__s2sad_batching__["mode"])
    assert modes.count("batched") > 0.7 * len(modes), modes


# programs in the styles users write ---------------------------------------------------

def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


A = np.random.default_rng(3).standard_normal((7, 7))


def quadratic(x):
    return 0.5 * x @ A @ x + np.sum(np.cos(x))


def simulate(x):
    state = np.zeros(4)
    for i in range(3):
        state[i] = np.tanh(x[i] * state[i - 1] + x[i + 1])
        state = state * 0.9 + np.sin(x[: 4]) * 0.1
    return state


def loss_in_loop(w, xs):
    total = 0.0
    for x in xs:
        total = total + np.sum((np.tanh(w * x) - 0.5) ** 2)
    return total


def fancy(x):
    return x[np.array([0, 2, 2, 1])] * x[1:5]


@pytest.mark.parametrize("f,n", [(rosenbrock, 9), (quadratic, 7), (simulate, 5),
                                 (fancy, 6), (lambda x: np.exp(x) @ A[:, :5], 7)])
def test_user_programs_jacobian(f, n, monkeypatch):
    x = np.linspace(-0.8, 0.9, n)
    fn = s2sad.jacobian(f, mode="forward")
    got = fn(x)
    np.testing.assert_allclose(got, _per_column(monkeypatch, s2sad.jacobian(f, mode="forward"),
                                                x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, _fd_jacobian(f, (x,)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,n", [(rosenbrock, 9), (quadratic, 7)])
def test_user_programs_hessian_batched(f, n):
    x = np.linspace(-0.8, 0.9, n)
    hess = s2sad.hessian(f)
    got = hess(x)
    assert hess.__s2sad_batching__ == {"mode": "batched", "sweeps": 1, "block": n}
    fd = _fd_jacobian(s2sad.grad(f), (x,))
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-5)
    if f is quadratic:
        np.testing.assert_allclose(got, 0.5 * (A + A.T) - np.diag(np.cos(x)), atol=1e-12)


def test_hessian_of_training_loss_two_arguments():
    xs = [np.linspace(0.1, 0.5, 3), np.linspace(-0.2, 0.3, 3)]
    w = np.array([0.3, -0.7, 1.1])
    hess = s2sad.hessian(lambda w, b: loss_in_loop(w, xs) + np.sum(b * w ** 3), wrt=(0, 1))
    b = np.array([0.5, 1.5, -1.0])
    blocks = hess(w, b)
    fd_ww = _fd_jacobian(lambda w: s2sad.grad(loss_in_loop)(w, xs) + 3 * b * w ** 2, (w,))
    np.testing.assert_allclose(blocks[0][0], fd_ww, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(blocks[0][1], np.diag(3 * w ** 2), atol=1e-9)


def test_fallback_is_reported_and_right(monkeypatch):
    def sorted_part(x):                   # np.sort's tangent indexes by argsort: 2 indices
        return np.sort(x)[::-1] * x[0] + np.outer(x, x)[0]
    x = np.array([0.3, -1.2, 0.8, 2.0])
    fn = s2sad.jacobian(sorted_part, mode="forward")
    got = fn(x)
    assert fn.__s2sad_batching__["mode"] in ("batched", "columns")
    np.testing.assert_allclose(got, _fd_jacobian(sorted_part, (x,)), rtol=1e-5, atol=1e-6)


def test_block_size_by_memory():
    assert batching.block_size(1000, np.zeros(1000)) == 1000
    assert batching.block_size(10 ** 6, np.zeros(10 ** 6)) == batching.BUDGET // (8 * 10 ** 6)
    assert batching.block_size(5, np.zeros(10 ** 9 // 8)) >= 1


def test_batched_refuses_what_it_cannot_do():
    from s2sad.runtime.batched import Batched, Unbatchable
    b = Batched(np.ones((3, 4)))
    for op in (lambda: np.asarray(b), lambda: float(b), lambda: b == 0, lambda: np.cumsum(b),
               lambda: b[np.array([0]), np.array([1])], lambda: np.add.reduce(b)):
        with pytest.raises((Unbatchable, TypeError)):
            op()
    assert np.shape(b) == (4,) and (b + np.ones((2, 4))).a.shape == (3, 2, 4)


def test_python_float_arguments_keep_float64():
    def f(x, y):
        return np.sin(x) * np.exp(y) + x * x * y
    jac = s2sad.jacobian(f, wrt=(0, 1), mode="forward")
    dx, dy = jac(0.4, 1.1)
    assert np.asarray(dx).dtype == np.float64
    np.testing.assert_allclose((dx, dy), (np.cos(0.4) * np.exp(1.1) + 0.88,
                                          np.sin(0.4) * np.exp(1.1) + 0.16), rtol=1e-14)
