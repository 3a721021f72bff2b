"""Binomial checkpointing (revolve) for ``for i in s2sad.checkpointed(seq, snapshots=s)``.

Oracles: the unmarked loop's gradient (the same arithmetic, so equal bit for bit),
central differences, and, for the schedule, a brute-force minimum over every split
(T(l, c) = min_m m + T(l - m, c - 1) + T(m, c), computed here, not by the code) and
the bound of Griewank and Walther: no step runs untaped more than r times, r the
least number with C(s + r, s) >= n.
"""
import tracemalloc
from functools import lru_cache
from math import comb

import numpy as np
import pytest

import s2sad
from s2sad.runtime import checkpoint
from tests.fd import fd_grad


def plain(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + 0.1 * i
    return y


def marked(x, n, s):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=s):
        y = np.sin(y) * x + 0.1 * i
    return y


PAIRS = [(n, s) for n in (0, 1, 2, 3, 4, 7, 10, 16, 35) for s in (1, 2, 3, 5, 9)] + \
    [(5, 5), (5, 6), (6, 50), (1, 1), (2, 1), (120, 4), (200, 2)]


@pytest.mark.parametrize("n, s", PAIRS)
def test_gradient_equals_the_unmarked_loop(n, s):
    g = s2sad.grad(marked, wrt="x")(0.7, n, s)
    assert g == s2sad.grad(plain, wrt="x")(0.7, n)
    assert marked(0.7, n, s) == plain(0.7, n)


@pytest.mark.parametrize("n, s", [(0, 2), (1, 1), (9, 2), (17, 3)])
def test_against_differences_and_vjp(n, s):
    g = s2sad.grad(marked, wrt="x")(0.6, n, s)
    assert g == pytest.approx(fd_grad(lambda x: marked(x, n, s), (0.6,), 0), rel=1e-6, abs=1e-9)
    y, back = s2sad.vjp(marked, 0.6, n, s, wrt="x")
    assert y == plain(0.6, n) and back(1.0) == (g,)
    _, ydot = s2sad.jvp(lambda x: marked(x, n, s), (0.6,), (1.0,))
    assert ydot == pytest.approx(g, rel=1e-12, abs=1e-15)


def stepping(u, dt, steps, s):
    x = np.array(u, dtype=float)
    for k in s2sad.checkpointed(range(steps), snapshots=s):
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.sin(x[-1])
    return np.sum(x * x)


def stepping_plain(u, dt, steps):
    x = np.array(u, dtype=float)
    for k in range(steps):
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.sin(x[-1])
    return np.sum(x * x)


@pytest.mark.parametrize("steps, s", [(1, 1), (7, 1), (12, 2), (12, 3), (5, 8), (30, 4)])
def test_arrays_updated_in_place_are_snapshotted_by_copy(steps, s):
    u = np.array([1.0, 0.5, -0.3, 2.0])
    keep = u.copy()
    g = s2sad.grad(stepping, wrt="u")(u, 0.1, steps, s)
    np.testing.assert_array_equal(g, s2sad.grad(stepping_plain, wrt="u")(u, 0.1, steps))
    np.testing.assert_allclose(g, fd_grad(lambda v: stepping(v, 0.1, steps, s), (u,), 0),
                               rtol=1e-6)
    np.testing.assert_array_equal(u, keep)


def rnn(params, xs, s):
    h = np.zeros(3)
    total = 0.0
    for t in s2sad.checkpointed(range(xs.shape[0]), snapshots=s):
        h = np.tanh(params["W"] @ h + params["U"] * xs[t])
        total = total + np.sum(h * h)
    return total


def rnn_plain(params, xs):
    h = np.zeros(3)
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(params["W"] @ h + params["U"] * xs[t])
        total = total + np.sum(h * h)
    return total


@pytest.mark.parametrize("steps, s", [(11, 1), (11, 3), (20, 4), (3, 3)])
def test_rnn_and_float32(steps, s):
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(3, 3)) * 0.5, "U": rng.normal(size=3)}
    xs = rng.normal(size=steps)
    g, ref = s2sad.grad(rnn, wrt="params")(params, xs, s), \
        s2sad.grad(rnn_plain, wrt="params")(params, xs)
    for k in params:
        np.testing.assert_array_equal(g[k], ref[k])
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    g32 = s2sad.grad(rnn, wrt="params")(p32, xs.astype(np.float32), s)
    ref32 = s2sad.grad(rnn_plain, wrt="params")(p32, xs.astype(np.float32))
    for k in params:
        assert g32[k].dtype == np.float32
        np.testing.assert_array_equal(g32[k], ref32[k])


def test_hessian_vector_product_through_revolve():
    hv = s2sad.hvp(marked, wrt="x")(0.4, 13, 3, 1.0)
    assert hv == pytest.approx(s2sad.hvp(plain, wrt="x")(0.4, 13, 1.0), rel=1e-12)


# the schedule: how often the body runs, how many snapshots are held ---------------

@lru_cache(maxsize=None)
def fewest_advances(length, free):
    """The least number of untaped steps that reverse ``length`` steps with ``free``
    snapshots, trying every first split (the recursion of the revolve paper)."""
    if length <= 1:
        return 0
    if free == 0:
        return float("inf")
    return min(m + fewest_advances(length - m, free - 1) + fewest_advances(m, free)
               for m in range(1, length))


def least_repetitions(n, s):
    r = 0
    while comb(s + r, s) < n:
        r += 1
    return r


class Counting(list):
    """A sequence that counts how often each item is read: once per run of the body."""

    def __init__(self, items):
        super().__init__(items)
        self.reads = [0] * len(items)

    def __getitem__(self, k):
        self.reads[k] += 1
        return list.__getitem__(self, k)


def over(x, seq, s):
    y = x
    for c in s2sad.checkpointed(seq, snapshots=s):
        y = np.sin(y) * x + c
    return y


def over_plain(x, seq):
    y = x
    for c in seq:
        y = np.sin(y) * x + c
    return y


@pytest.fixture
def recorded(monkeypatch):
    """The actions the generated code takes from ``_rt.Schedule``, as it takes them."""
    actions = []
    original = checkpoint.revolve

    def revolve(steps, snapshots):
        for action in original(steps, snapshots):
            actions.append(action)
            yield action
    monkeypatch.setattr(checkpoint, "revolve", revolve)
    return actions


@pytest.mark.parametrize("n, s", [(1, 1), (2, 1), (6, 1), (10, 2), (10, 3), (24, 3),
                                  (40, 4), (33, 6), (8, 8), (5, 20)])
def test_body_runs_and_snapshots_are_revolves_optimum(n, s, recorded):
    seq = Counting([0.01 * k for k in range(n)])
    g = s2sad.grad(over, wrt="x")(0.5, seq, s)
    assert g == s2sad.grad(over_plain, wrt="x")(0.5, list(seq))
    r = least_repetitions(n, s)
    untaped = [k - 1 for k in seq.reads]          # each step also runs once taped
    assert min(untaped) >= 0 and max(untaped) <= r, seq.reads
    assert sum(untaped) == fewest_advances(n, s)
    held, most, turns = 0, 0, []
    recorded = list(checkpoint.primitive(recorded))   # runs of steps written out
    for action, p, q in recorded:
        held += {"take": 1, "restore": -1}.get(action, 0)
        most = max(most, held)
        if action == "step":
            turns.append(p)
    assert most <= s and held == 0 and turns == list(range(n - 1, -1, -1))
    assert sum(q - p for a, p, q in recorded if a == "advance") == sum(untaped)


def test_snapshots_beyond_the_steps_run_each_step_once_untaped(recorded):
    """s >= n: each step runs untaped once (the primal sweep) and taped once; the last
    step runs taped only, in the primal sweep."""
    seq = Counting([0.01 * k for k in range(12)])
    s2sad.grad(over, wrt="x")(0.5, seq, 50)
    assert seq.reads == [2] * 11 + [1]
    assert sum(1 for a in checkpoint.primitive(recorded) if a[0] == "take") == 11


def test_memory_is_a_small_fraction_of_the_tape():
    def scalar(x, n):
        y = x
        for i in range(n):
            y = y * x + 1e-3
        return y

    def scalar_marked(x, n, s):
        y = x
        for i in s2sad.checkpointed(range(n), snapshots=s):
            y = y * x + 1e-3
        return y
    n = 10 ** 5
    peaks = []
    for g, args in ((s2sad.grad(scalar, wrt="x"), (0.5, n)),
                    (s2sad.grad(scalar_marked, wrt="x"), (0.5, n, 10))):
        g(*args[:1], 3, *args[2:])                  # compile outside the measurement
        tracemalloc.start()
        value = g(*args)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert value == pytest.approx(1e-3 / (1 - 0.5) ** 2, rel=1e-12)   # c / (1 - x)**2
    assert peaks[1] < 0.02 * peaks[0], peaks
