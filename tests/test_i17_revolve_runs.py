"""revolve's runs of one-step advances (``taking``) and of restore-then-step turns
(``reversing``): one action stands for each run, so that the generated code loops over
its steps instead of asking the schedule once per step.

Oracle: revolve written one action per step, as published (Griewank and Walther,
Algorithm 799; the version s2sad had before the runs): the runs written out
(``primitive``) are its actions, slots included. Gradients through marked loops
whose schedule has runs equal the unmarked loop's bit for bit and central differences.
"""
from math import comb

import numpy as np
import pytest

import s2sad
from s2sad.runtime import checkpoint
from tests.fd import fd_grad
from tests.test_i17_revolve import Counting


def _published_split(length, free):
    if free == 1:
        return length - 1
    r = checkpoint.repetitions(length, free)
    low = comb(free + r - 2, free) if r >= 2 else 0
    return max(1, low, length - comb(free - 1 + r, free - 1))


def published_revolve(steps, snapshots):
    snapshots = max(1, int(snapshots))
    if steps <= 0:
        return
    if steps > 1:
        yield "take", 0, 0
    pending, current = [(0, steps, snapshots)], 0
    while pending:
        start, end, free = pending.pop()
        if current != start:
            yield "restore", snapshots - free, start
            if end - start > 1:
                yield "take", snapshots - free, start
        while end - start > 1:
            middle = start + _published_split(end - start, free)
            yield "advance", start, middle
            pending.append((start, middle, free))
            start, free = middle, free - 1
            if end - start > 1:
                yield "take", snapshots - free, start
        yield "step", start, start + 1
        current = start + 1


@pytest.mark.parametrize("s", [1, 2, 3, 4, 5, 7, 10, 20, 100])
def test_runs_written_out_are_the_published_schedule(s):
    for n in list(range(0, 70)) + [100, 127, 1000, 3003, 5000]:
        assert list(checkpoint.primitive(checkpoint.revolve(n, s))) == \
            list(published_revolve(n, s)), (n, s)


def test_a_cheap_loop_asks_the_schedule_for_few_actions():
    for n, s in ((1000, 100), (10 ** 4, 100), (10 ** 5, 100), (1000, 20)):
        fused = list(checkpoint.revolve(n, s))
        assert {a for a, _, _ in fused} >= {"taking", "reversing"}
        assert len(fused) < 0.5 * len(list(published_revolve(n, s))), (n, s)


def marked(x, n, s):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=s):
        y = np.sin(y) * x + 1e-3 * i
    return y


def plain(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + 1e-3 * i
    return y


def over(x, seq, s):
    y = x
    for c in s2sad.checkpointed(seq, snapshots=s):
        y = np.sin(y) * x + c
    return y


def newton(a, s):
    x = a
    while s2sad.checkpointed(abs(x * x - a) > 1e-12 * a, snapshots=s):
        x = 0.5 * (x + a / x)
    return x


@pytest.mark.parametrize("n, s", [(3, 5), (40, 10), (300, 20), (1000, 100)])
def test_marked_gradients_through_runs_equal_the_unmarked_loop(n, s):
    g = s2sad.grad(marked, wrt="x")(0.5, n, s)
    assert g == s2sad.grad(plain, wrt="x")(0.5, n)
    assert g == pytest.approx(fd_grad(plain, (0.5, n), 0), rel=1e-6)
    y, pullback = s2sad.vjp(marked, 0.5, n, s, wrt="x")
    assert y == plain(0.5, n) and pullback(1.0) == (g,)
    hv = s2sad.hvp(marked, wrt="x")(0.5, n, s, 1.0)
    assert hv == s2sad.hvp(plain, wrt="x")(0.5, n, 1.0)
    f32 = s2sad.grad(marked, wrt="x")(np.float32(0.5), n, s)
    assert isinstance(f32, np.float32) and f32 == pytest.approx(g, rel=1e-3)


@pytest.mark.parametrize("n, s", [(40, 10), (300, 20)])
def test_each_step_runs_as_often_as_the_published_schedule_says(n, s):
    seq = Counting([0.01 * k for k in range(n)])
    s2sad.grad(over, wrt="x")(0.5, seq, s)
    runs = [0] * n
    for action, p, q in published_revolve(n, s):
        for k in range(p, q) if action in ("advance", "step") else ():
            runs[k] += 1
    assert seq.reads == runs


def test_a_while_loop_whose_segments_have_runs():
    # Newton from far: many steps, few snapshots; d sqrt(a) / da = 1 / (2 sqrt(a))
    a = np.float64(1e6)
    g = s2sad.grad(newton, wrt="a")(a, 12)
    assert g == pytest.approx(0.5 / np.sqrt(a), rel=1e-12)
    keep = np.array([1e6])
    assert s2sad.grad(newton, wrt="a")(keep[0], 12) == g and keep[0] == 1e6


def indexed_marked(x, w, s):
    y = 0.0
    for i in s2sad.checkpointed(range(x.shape[0]), snapshots=s):
        y = np.sin(y) * w + x[i]
    return y


def indexed_plain(x, w):
    y = 0.0
    for i in range(x.shape[0]):
        y = np.sin(y) * w + x[i]
    return y


@pytest.mark.parametrize("n, s", [(2, 3), (30, 4), (200, 20)])
def test_a_step_whose_adjoint_reads_the_index(n, s):
    x = np.linspace(0.1, 0.9, n)
    keep = x.copy()
    gx, gw = s2sad.grad(indexed_marked, wrt=("x", "w"))(x, 0.7, s)
    px, pw = s2sad.grad(indexed_plain, wrt=("x", "w"))(x, 0.7)
    np.testing.assert_array_equal(gx, px)
    assert gw == pw
    np.testing.assert_allclose(gx, fd_grad(indexed_plain, (x, 0.7), 0), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(x, keep)


def skipping_marked(x, s):
    y = x
    for i in s2sad.checkpointed(range(30), snapshots=s):
        if i % 3 == 0:
            continue
        y = np.sin(y) * x + 0.01
    return y


def skipping_plain(x):
    y = x
    for i in range(30):
        if i % 3 == 0:
            continue
        y = np.sin(y) * x + 0.01
    return y


def test_a_step_that_jumps_keeps_its_own_loop():
    # 'reversing' writes a step out only where no jump leaves it; here it loops over one step
    text = s2sad.source(skipping_marked, args=(0.5, 4))
    assert "range(_k1, _k1 + 1)" in text
    for s in (1, 4, 40):
        g = s2sad.grad(skipping_marked)(0.5, s)
        assert g == s2sad.grad(skipping_plain)(0.5)
        assert g == pytest.approx(fd_grad(skipping_plain, (0.5,), 0), rel=1e-6)


def test_a_step_that_only_counts_is_written_out():
    text = s2sad.source(marked, args=(0.5, 1000, 100))
    body = text[text.index("'reversing'"):text.index("else:", text.index("'reversing'"))]
    assert "range(_k1, _k1 + 1)" not in body and "_n1" not in body and "= _k1" in body
