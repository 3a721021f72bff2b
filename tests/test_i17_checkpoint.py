"""Checkpointed loops: ``for i in s2sad.checkpointed(range(n), snapshots=s)``.

The gradient of a marked loop equals the unmarked one bit for bit (the arithmetic is the
same, recomputed), and finite differences; the marker is the identity in the primal and
in forward mode; the adjoint keeps snapshots instead of a tape of every step.
"""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def scalar_plain(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + 0.1 * i
    return y


def scalar_marked(x, n, s=3):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=s):
        y = np.sin(y) * x + 0.1 * i
    return y


def rnn_plain(params, xs):
    h = np.zeros(3)
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(params["W"] @ h + params["U"] * xs[t])
        total = total + np.sum(h * h)
    return total


def rnn_marked(params, xs, s=2):
    h = np.zeros(3)
    total = 0.0
    for t in s2sad.checkpointed(range(xs.shape[0]), snapshots=s):
        h = np.tanh(params["W"] @ h + params["U"] * xs[t])
        total = total + np.sum(h * h)
    return total


def simulate_plain(u, dt, steps):
    x = np.array(u, dtype=float)
    for k in range(steps):
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.sin(x[-1])
    return np.sum(x * x)


def simulate_marked(u, dt, steps):
    x = np.array(u, dtype=float)
    for k in s2sad.checkpointed(range(steps), snapshots=3):
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.sin(x[-1])
    return np.sum(x * x)


@pytest.mark.parametrize("n, s", [(1, 1), (5, 1), (7, 2), (10, 3), (10, 10), (4, 50),
                                  (0, 2), (33, 5)])
def test_scalar_loop_matches_unmarked_and_fd(n, s):
    g = s2sad.grad(scalar_marked, wrt="x")(0.7, n, s)
    assert g == s2sad.grad(scalar_plain, wrt="x")(0.7, n)
    assert g == pytest.approx(fd_grad(lambda x: scalar_marked(x, n, s), (0.7,), 0), rel=1e-6)
    assert scalar_marked(0.7, n, s) == scalar_plain(0.7, n)


def test_marker_is_the_identity():
    r = range(5)
    assert s2sad.checkpointed(r, snapshots=2) is r


def test_source_shows_snapshots_and_segments():
    text = s2sad.source(scalar_marked, args=(0.7, 10, 3))
    assert "_rt.Schedule(len(" in text and ".forward()" in text and ".backward()" in text
    for action in ("'take'", "'restore'", "'advance'"):
        assert f"_a1 == {action}" in text


@pytest.mark.parametrize("steps, s", [(6, 1), (6, 2), (6, 6), (9, 4), (6, 100)])
def test_rnn_with_parameter_dict(steps, s):
    rng = np.random.default_rng(1)
    params = {"W": rng.normal(size=(3, 3)) * 0.5, "U": rng.normal(size=3)}
    xs = rng.normal(size=steps)
    keep = {k: v.copy() for k, v in params.items()}, xs.copy()
    g = s2sad.grad(rnn_marked, wrt="params")(params, xs, s)
    ref = s2sad.grad(rnn_plain, wrt="params")(params, xs)
    for k in params:
        np.testing.assert_array_equal(g[k], ref[k])
        fd = fd_grad(lambda p: rnn_marked({**params, k: p}, xs, s), (params[k],), 0)
        np.testing.assert_allclose(g[k], fd, rtol=1e-6, atol=1e-8)
    assert all(np.array_equal(params[k], keep[0][k]) for k in params)
    np.testing.assert_array_equal(xs, keep[1])


def test_in_place_simulation_matches_unmarked():
    u = np.array([1.0, 0.5, -0.3, 2.0])
    keep = u.copy()
    g = s2sad.grad(simulate_marked, wrt="u")(u, 0.1, 8)
    np.testing.assert_array_equal(g, s2sad.grad(simulate_plain, wrt="u")(u, 0.1, 8))
    np.testing.assert_allclose(g, fd_grad(lambda v: simulate_marked(v, 0.1, 8), (u,), 0),
                               rtol=1e-6)
    np.testing.assert_array_equal(u, keep)


def test_jvp_and_vjp_agree():
    x, n = 0.4, 9
    _, ydot = s2sad.jvp(lambda x: scalar_marked(x, n, 2), (x,), (1.0,))
    y, back = s2sad.vjp(scalar_marked, x, n, 2, wrt="x")
    (xbar,) = back(1.0)
    assert y == scalar_plain(x, n)
    assert ydot == pytest.approx(xbar, rel=1e-12)
    assert xbar == s2sad.grad(scalar_plain, wrt="x")(x, n)


def test_hvp_through_the_checkpointed_adjoint():
    x, n = 0.4, 6
    hv = s2sad.hvp(scalar_marked, wrt="x")(x, n, 2, 1.0)
    ref = s2sad.hvp(scalar_plain, wrt="x")(x, n, 1.0)
    assert hv == pytest.approx(ref, rel=1e-12)


def test_trace_of_a_marked_loop():
    t = s2sad.trace(scalar_marked, 0.7, 4, 2, wrt="x")
    ref = s2sad.trace(scalar_plain, 0.7, 4, wrt="x")
    assert str(t)
    assert len(t.rows) >= len(ref.rows) - 2 if hasattr(t, "rows") else True


def noisy(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        print(y)
    return y


def drawing(x, n, rng):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + rng.normal()
    return y


def collecting(x, n):
    ys = []
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        ys.append(y)
    return y + ys[0]


def stopping(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        if y > 10.0:
            break
    return y


@pytest.mark.parametrize("f, args, construct", [
    (noisy, (0.5, 3), "print(y)"), (drawing, (0.5, 3, np.random.default_rng(0)), "rng.normal()"),
    (collecting, (0.5, 3), "ys.append(y)"), (stopping, (0.5, 3), "break")])
def test_side_effects_are_located_refusals(f, args, construct):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f, wrt="x")(*args)
    text = str(info.value)
    assert "checkpoint-side-effect" in text and "test_i17_checkpoint.py" in text
    assert construct in text


def test_unmarked_inner_loop_may_break():
    def f(x, n):
        y = x
        for i in s2sad.checkpointed(range(n), snapshots=2):
            for j in range(3):
                y = y * x
                if j == 1:
                    break
        return y
    assert s2sad.grad(f, wrt="x")(0.9, 4) == pytest.approx(9 * 0.9 ** 8, rel=1e-12)   # x**9


def carries_a_name_made_inside(x):
    s = 0.0
    for i in s2sad.checkpointed(range(6), snapshots=2):
        if i > 0:
            s = s + prev * x  # refused  (noqa: F821: made by the step before)
        prev = np.sin(x * (i + 1.0))
    return s


def test_a_name_carried_from_inside_the_loop_is_refused_where_it_is_read():
    """Before this check the gradient was silently wrong (-5.46 against -3.73): the
    snapshots held only names that exist before the loop."""
    import inspect
    lines, first = inspect.getsourcelines(carries_a_name_made_inside)
    line = first + next(i for i, t in enumerate(lines) if "# refused" in t)
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(carries_a_name_made_inside)(0.7)
    found = [v for v in info.value.violations if v.code == "checkpoint-side-effect"]
    assert found and found[0].lineno == line and "prev" in found[0].message, str(info.value)
