"""Online checkpointing of a marked ``while`` loop: ``while s2sad.checkpointed(cond,
snapshots=s):`` (the trip count is known only when the loop ends).

Oracles: the unmarked while loop's derivatives (the same arithmetic), central
differences, closed forms (Newton's square root: d sqrt(a) / da = 1 / (2 sqrt(a))),
the dot-product test between modes, and, for the schedule, the snapshots held as
counted from the actions the generated code takes (at most s at once) and how often
each step's body runs (counted by the body itself).
"""
import tracemalloc

import numpy as np
import pytest

import s2sad
from tests.test_i17_revolve import Counting     # counts the reads of each item
from s2sad.errors import CompileError
from s2sad.runtime import checkpoint
from tests.fd import fd_grad


def counted(x, n, s):
    y = x
    k = 0
    while s2sad.checkpointed(k < n, snapshots=s):
        y = np.sin(y) * x + 0.1 * k
        k = k + 1
    return y


def counted_plain(x, n):
    y = x
    k = 0
    while k < n:
        y = np.sin(y) * x + 0.1 * k
        k = k + 1
    return y


def test_the_marker_is_the_identity_on_a_condition():
    assert s2sad.checkpointed(True, snapshots=3) is True
    assert s2sad.checkpointed(False, snapshots=3) is False
    assert counted(0.7, 9, 2) == counted_plain(0.7, 9)


TRIPS = [(n, s) for n in (0, 1, 2, 3, 4, 5, 6, 100, 1000) for s in (1, 2, 3, 4)] + \
    [(9, 9), (10, 9), (17, 8), (1000, 10), (333, 7)]


@pytest.mark.parametrize("n, s", TRIPS)
def test_gradient_equals_the_unmarked_loop(n, s):
    if n == 1000 and s == 1:
        n = 150                                  # one snapshot: quadratic by nature
    g = s2sad.grad(counted, wrt="x")(0.7, n, s)
    ref = s2sad.grad(counted_plain, wrt="x")(0.7, n)
    assert g == pytest.approx(ref, rel=1e-14, abs=1e-300)
    v, g2 = s2sad.value_and_grad(counted, wrt="x")(0.7, n, s)
    assert v == counted_plain(0.7, n) and g2 == g


@pytest.mark.parametrize("n, s", [(0, 2), (1, 1), (2, 2), (3, 2), (4, 3), (13, 3), (40, 4)])
def test_vjp_jvp_and_differences(n, s):
    g = s2sad.grad(counted, wrt="x")(0.6, n, s)
    assert g == pytest.approx(fd_grad(lambda x: counted(x, n, s), (0.6,), 0),
                              rel=1e-6, abs=1e-9)
    y, back = s2sad.vjp(counted, 0.6, n, s, wrt="x")
    assert y == counted_plain(0.6, n) and back(1.0) == pytest.approx((g,), rel=1e-14)
    y2, ydot = s2sad.jvp(lambda x: counted(x, n, s), (0.6,), (1.0,))
    _, ref = s2sad.jvp(lambda x: counted_plain(x, n), (0.6,), (1.0,))
    assert y2 == y and ydot == ref
    assert ydot == pytest.approx(g, rel=1e-12, abs=1e-15)       # <J 1, 1> == <1, J^T 1>


# realistic loops whose trip count depends on the data -----------------------------

def newton_sqrt(a, s):
    x = a
    while s2sad.checkpointed(abs(x * x - a) > 1e-13 * a, snapshots=s):
        x = 0.5 * (x + a / x)
    return x


def newton_sqrt_plain(a):
    x = a
    while abs(x * x - a) > 1e-13 * a:
        x = 0.5 * (x + a / x)
    return x


@pytest.mark.parametrize("a", [2.0, 9.0, 1e6, 0.01])
@pytest.mark.parametrize("s", [1, 2, 3])
def test_newton_iteration_to_tolerance(a, s):
    g = s2sad.grad(newton_sqrt, wrt="a")(a, s)
    assert g == pytest.approx(s2sad.grad(newton_sqrt_plain, wrt="a")(a), rel=1e-14)
    assert g == pytest.approx(0.5 / np.sqrt(a), rel=1e-9)        # closed form


def bisect(p, s):
    lo = 0.0
    hi = 2.0
    width = hi - lo
    while s2sad.checkpointed(width > 1e-9, snapshots=s):
        mid = 0.5 * (lo + hi)
        if mid * mid * mid - p > 0.0:
            hi = mid
        else:
            lo = mid
        width = hi - lo
    return p * (lo + hi) + lo * lo


def bisect_plain(p):
    lo = 0.0
    hi = 2.0
    width = hi - lo
    while width > 1e-9:
        mid = 0.5 * (lo + hi)
        if mid * mid * mid - p > 0.0:
            hi = mid
        else:
            lo = mid
        width = hi - lo
    return p * (lo + hi) + lo * lo


@pytest.mark.parametrize("s", [1, 2, 4, 40])
def test_bisection_with_branches_in_the_body(s):
    for p in (0.5, 3.0):
        assert bisect(p, s) == bisect_plain(p)
        assert s2sad.grad(bisect, wrt="p")(p, s) == s2sad.grad(bisect_plain, wrt="p")(p)


def relax(u, dt, tol, s):
    x = np.array(u, dtype=float)
    change = 1.0
    while s2sad.checkpointed(change > tol, snapshots=s):
        old = 1.0 * x[0]
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.cos(x[-1])
        change = abs(x[0] - old)
    return np.sum(x * x)


def relax_plain(u, dt, tol):
    x = np.array(u, dtype=float)
    change = 1.0
    while change > tol:
        old = 1.0 * x[0]
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.cos(x[-1])
        change = abs(x[0] - old)
    return np.sum(x * x)


@pytest.mark.parametrize("s", [1, 3, 6])
def test_an_array_updated_in_place_is_snapshotted_by_copy(s):
    u = np.array([1.0, 0.5, -0.3, 2.0])
    keep = u.copy()
    g = s2sad.grad(relax, wrt="u")(u, 0.2, 1e-4, s)
    np.testing.assert_allclose(g, s2sad.grad(relax_plain, wrt="u")(u, 0.2, 1e-4), rtol=1e-14)
    np.testing.assert_array_equal(u, keep)
    u32 = u.astype(np.float32)
    g32 = s2sad.grad(relax, wrt="u")(u32, np.float32(0.2), 1e-3, s)
    assert g32.dtype == np.float32
    np.testing.assert_array_equal(g32, s2sad.grad(relax_plain, wrt="u")(
        u32, np.float32(0.2), 1e-3))


# the schedule -------------------------------------------------------------------

def over(x, seq, s):
    y = x
    k = 0
    while s2sad.checkpointed(k < len(seq), snapshots=s):
        y = np.sin(y) * x + seq[k]
        k = k + 1
    return y


def over_plain(x, seq):
    y = x
    k = 0
    while k < len(seq):
        y = np.sin(y) * x + seq[k]
        k = k + 1
    return y


@pytest.fixture
def recorded(monkeypatch):
    """What the generated code asks ``_rt.Online``, as it asks."""
    log = []

    class Recording(checkpoint.Online):
        def full(self):
            log.append(("full", super().full()))
            return log[-1][1]

        def due(self):
            log.append(("due", super().due()))
            return log[-1][1]

        def backward(self):
            for action in super().backward():
                log.extend(checkpoint.primitive([action]))    # a run: its takes, restores..
                yield action
    monkeypatch.setattr(s2sad.runtime, "Online", Recording)
    return log


@pytest.mark.parametrize("n, s", [(1, 1), (2, 1), (7, 1), (10, 2), (10, 3), (37, 3),
                                  (40, 4), (100, 6), (8, 8), (5, 20), (300, 10)])
def test_at_most_s_snapshots_are_held(n, s, recorded):
    seq = Counting([0.01 * k for k in range(n)])
    g = s2sad.grad(over, wrt="x")(0.5, seq, s)
    assert g == pytest.approx(s2sad.grad(over_plain, wrt="x")(0.5, list(seq)), rel=1e-14)
    held, most, turns = 0, 0, []
    for entry in recorded:                       # the generated code's lists, counted
        if entry == ("full", True):
            held = (held + 1) // 2               # it keeps every other one
        elif entry == ("due", True) or entry[0] == "take":
            held += 1
        elif entry[0] == "restore":
            held -= 1
        elif entry[0] == "step":
            turns.append(entry[1])
        most = max(most, held)
    assert most <= s and held == 0 and turns == list(range(n - 1, -1, -1))
    assert min(seq.reads) >= 2                   # untaped in the primal, then taped
    if s >= 4:                                   # segments of at most 4n/s steps, revolve
        assert max(seq.reads) <= 2 + 2 * np.log2(max(2, 4 * n / s)), seq.reads


def test_source_shows_the_online_schedule():
    text = s2sad.source(counted, args=(0.5, 10, 3))
    assert "_rt.Online(s)" in text and ".full()" in text and ".due()" in text
    assert ".backward()" in text and "[::2]" in text


def test_memory_is_a_small_fraction_of_the_tape():
    def scalar(x, n):
        y = x
        k = 0
        while k < n:
            y = y * x + 1e-3
            k = k + 1
        return y

    def scalar_marked(x, n, s):
        y = x
        k = 0
        while s2sad.checkpointed(k < n, snapshots=s):
            y = y * x + 1e-3
            k = k + 1
        return y
    n = 10 ** 5
    peaks = []
    for g, args in ((s2sad.grad(scalar, wrt="x"), (0.5, n)),
                    (s2sad.grad(scalar_marked, wrt="x"), (0.5, n, 20))):
        g(*args[:1], 3, *args[2:])                  # compile outside the measurement
        tracemalloc.start()
        value = g(*args)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert value == pytest.approx(1e-3 / (1 - 0.5) ** 2, rel=1e-12)   # c / (1 - x)**2
    assert peaks[1] < 0.02 * peaks[0], peaks


# refusals: the same as a marked for loop's -----------------------------------------

def noisy(x, n):
    y = x
    k = 0
    while s2sad.checkpointed(k < n, snapshots=2):
        print(y)
        y = y * x
        k = k + 1
    return y


def stopping(x, n):
    y = x
    k = 0
    while s2sad.checkpointed(k < n, snapshots=2):
        y = y * x
        if y > 3.0:
            break
        k = k + 1
    return y


def carrying(x):
    y = x
    k = 0
    while s2sad.checkpointed(k < 5, snapshots=2):
        if k > 0:
            y = y + prev
        prev = y * x
        k = k + 1
    return y


@pytest.mark.parametrize("f, args, said", [(noisy, (0.5, 3), "print"),
                                           (stopping, (0.5, 3), "break"),
                                           (carrying, (0.5,), "prev")])
def test_side_effects_are_located_refusals(f, args, said):
    with pytest.raises(CompileError) as info:
        s2sad.grad(f, wrt="x")(*args)
    text = str(info.value)
    assert "checkpoint-side-effect" in text and said in text and "test_i17_while.py" in text
