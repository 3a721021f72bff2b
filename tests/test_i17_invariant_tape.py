"""A value a loop computes each step from names it never rebinds (``v2 = -k`` in the
bench's scalar loop) is the same value each step: the gradient no longer tapes it
(the assignment stays where it was, so whatever it raises it raises as before).

Oracles: central differences, the hand-written reverse gradient of the bench
(bench/workloads.py), closed forms; the tape is counted as the bench counts it
(floats in the pullback's residuals). Values an enclosing loop changes are still taped.
"""
import ast
import math

import numpy as np
import pytest

import s2sad
from bench import workloads
from tests.fd import fd_grad, fd_grads


def pendulum(k, c, x0, v0, dt, n):
    x = x0
    v = v0
    for i in range(n):
        if v > 0.0:
            f = c * v
        else:
            f = 0.5 * c * v
        a = -k * math.sin(x) - f
        x = x + dt * v
        v = v + dt * a
    return (x - 0.3) ** 2 + v * v


def outer_changes_k(k, x, n):
    for j in range(3):
        for i in range(n):
            x = x + (-k) * 0.1 * math.sin(x)      # -k: the same in each inner step
        k = k * 1.5                                # but not from one outer step to the next
    return x * x


def divides(c, x, n):
    for i in range(n):
        x = x * 0.9 + 1.0 / c * x                 # 1 / c: invariant, and it may raise
    return x


def tape_floats(f, args, wrt):
    _, pullback = s2sad.vjp(f, *args, wrt=wrt)
    stack = [c.cell_contents for c in (pullback.__closure__ or ())
             if isinstance(c.cell_contents, tuple)]
    count = 0
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (float, np.floating, np.ndarray)):
            count += 1
    return count


ARGS = (2.0, 0.8, 1.0, 0.0, 0.01, 200)


def test_scalar_loop_gradient_matches_the_hand_written_one_and_central_differences():
    got = s2sad.grad(pendulum, wrt=(0, 1))(*ARGS)
    hand = workloads.scalar_loop_hand(*ARGS)
    assert got == pytest.approx(hand, rel=1e-12)
    assert got == pytest.approx(fd_grads(pendulum, ARGS, (0, 1)), rel=1e-6)


def test_the_invariant_values_are_not_taped():
    # per step: sin(x), x and v (the hand-written gradient saves x and v); -k and 0.5 * c no more
    n = ARGS[-1]
    per_n = tape_floats(pendulum, ARGS, (0, 1))
    assert tape_floats(pendulum, ARGS[:-1] + (2 * n,), (0, 1)) - per_n == 3 * n


@pytest.mark.parametrize("n", [0, 1, 2, 50])
def test_all_modes_through_the_scalar_loop(n):
    args = ARGS[:-1] + (n,)
    g = s2sad.grad(pendulum, wrt=(0, 1))(*args)
    if n == 0:
        assert g == (0.0, 0.0)
    else:
        assert g == pytest.approx(fd_grads(pendulum, args, (0, 1)), rel=1e-6, abs=1e-12)
    y, pullback = s2sad.vjp(pendulum, *args, wrt=(0, 1))
    assert y == pendulum(*args)
    assert pullback(1.0) == g
    _, ydot = s2sad.jvp(pendulum, args, (0.3, -0.7), wrt=(0, 1))
    assert ydot == pytest.approx(0.3 * g[0] - 0.7 * g[1], rel=1e-12, abs=1e-15)
    hv = s2sad.hvp(pendulum, wrt=(0, 1))(*args, (1.0, 0.0))
    step = 1e-6
    up = s2sad.grad(pendulum, wrt=(0, 1))(args[0] + step, *args[1:])
    down = s2sad.grad(pendulum, wrt=(0, 1))(args[0] - step, *args[1:])
    assert hv == pytest.approx([(a - b) / (2 * step) for a, b in zip(up, down)],
                               rel=1e-5, abs=1e-9)


def test_a_value_an_outer_loop_changes_is_still_taped():
    for n in (0, 1, 5):
        g = s2sad.grad(outer_changes_k, wrt=(0, 1))(0.7, 0.4, n)
        assert g == pytest.approx(fd_grads(outer_changes_k, (0.7, 0.4, n), (0, 1)),
                                  rel=1e-6, abs=1e-12)
        hv = s2sad.hvp(outer_changes_k, wrt="k")(0.7, 0.4, n, 1.0)
        assert hv == pytest.approx((s2sad.grad(outer_changes_k, wrt="k")(0.7 + 1e-6, 0.4, n)
                                    - s2sad.grad(outer_changes_k, wrt="k")(0.7 - 1e-6, 0.4, n))
                                   / 2e-6, rel=1e-5, abs=1e-9)


def test_an_invariant_that_may_raise_stays_where_it_was():
    assert s2sad.grad(divides, wrt="x")(0.0, 2.0, 0) == 1.0     # no step: 1 / c never runs
    assert math.isinf(s2sad.grad(divides, wrt="x")(0.0, 2.0, 3))
    # it is computed in the loop, where the user wrote it, not hoisted out of it
    tree = ast.parse(s2sad.source(divides, wrt="x", args=(4.0, 2.0, 3)))
    first_loop = next(n for n in ast.walk(tree) if isinstance(n, ast.For))
    assert any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)
               for n in ast.walk(first_loop))
    assert "/ c" not in ast.unparse(tree).split("for ")[0]
    # closed form: x_n = x (0.9 + 1 / c)^n
    n, c = 7, 4.0
    assert s2sad.grad(divides, wrt="c")(c, 2.0, n) == pytest.approx(
        2.0 * n * (0.9 + 1 / c) ** (n - 1) * (-1 / c ** 2), rel=1e-13)
    assert s2sad.grad(divides, wrt="x")(c, 2.0, n) == pytest.approx((0.9 + 1 / c) ** n,
                                                                   rel=1e-13)


def test_float32_inputs_keep_their_dtype_and_arrays_are_unchanged():
    args = (np.float32(2.0), np.float32(0.8), np.float32(1.0), np.float32(0.0),
            np.float32(0.01), 30)
    g = s2sad.grad(pendulum, wrt=(0, 1))(*args)
    assert all(isinstance(v, np.float32) for v in g)
    ref = fd_grads(pendulum, tuple(float(a) for a in args[:-1]) + (30,), (0, 1))
    assert [float(v) for v in g] == pytest.approx(ref, rel=1e-3)
    zero_d = np.array(2.0)
    before = zero_d.copy()
    gk = s2sad.grad(pendulum, wrt="k")(zero_d, 0.8, 1.0, 0.0, 0.01, 30)
    assert np.array_equal(zero_d, before)
    assert float(gk) == pytest.approx(fd_grad(pendulum, (2.0, 0.8, 1.0, 0.0, 0.01, 30), 0),
                                      rel=1e-6)
