"""``grad(f, checkpoint=s)`` (value_and_grad, vjp): f's top-level ``for`` loops over
``range`` checkpointed as if each were marked ``s2sad.checkpointed(..., snapshots=s)``.

Oracles: the same function without the option (equal bit for bit: the same arithmetic),
central differences, the schedule's actions as the generated code takes them.
"""
import tracemalloc

import numpy as np
import pytest

import s2sad
from s2sad.runtime import checkpoint as schedule
from tests.fd import fd_grad


def two_loops(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + 0.1 * i
    z = 0.0
    for j in range(2, n, 3):
        for k in range(2):                      # nested: taped inside each step
            z = z + y * j * x
    for w in [0.5, 1.5]:                        # not over range: an ordinary loop
        z = z * w
    return z


@pytest.mark.parametrize("n, s", [(0, 1), (1, 1), (4, 1), (10, 2), (13, 3), (9, 40)])
def test_gradient_equals_the_unmarked_function(n, s):
    g = s2sad.grad(two_loops, checkpoint=s)(0.7, n)
    assert g == s2sad.grad(two_loops)(0.7, n)
    assert g == pytest.approx(fd_grad(lambda x: two_loops(x, n), (0.7,), 0), rel=1e-6, abs=1e-9)


def test_value_and_grad_vjp_and_has_aux():
    value, g = s2sad.value_and_grad(two_loops, checkpoint=2)(0.6, 11)
    assert (value, g) == s2sad.value_and_grad(two_loops)(0.6, 11)
    y, back = s2sad.vjp(two_loops, 0.6, 11, wrt="x", checkpoint=2)
    assert y == value and back(1.0) == (g,)

    def with_aux(x, n):
        return two_loops(x, n), n * 2
    assert s2sad.grad(with_aux, has_aux=True, checkpoint=3)(0.6, 11) == (g, 22)


def simulate(u, dt, steps):
    x = np.array(u, dtype=float)
    for k in range(steps):
        x[1:] = x[1:] + dt * (x[:-1] - x[1:])
        x[0] = x[0] * (1.0 - dt) + dt * np.sin(x[-1])
    return np.sum(x * x)


def test_arrays_updated_in_place():
    u = np.array([1.0, 0.5, -0.3, 2.0])
    keep = u.copy()
    g = s2sad.grad(simulate, wrt="u", checkpoint=2)(u, 0.1, 9)
    np.testing.assert_array_equal(g, s2sad.grad(simulate, wrt="u")(u, 0.1, 9))
    np.testing.assert_allclose(g, fd_grad(lambda v: simulate(v, 0.1, 9), (u,), 0), rtol=1e-6)
    np.testing.assert_array_equal(u, keep)


def test_source_marks_the_top_level_range_loops_only():
    text = s2sad.source(two_loops, args=(0.7, 10), checkpoint=4)
    assert text.count("_rt.Schedule(") == 2 and text.count("_rt.checkpointed(") == 2
    assert "snapshots=4" in text
    assert "_rt.Schedule(" not in s2sad.source(two_loops, args=(0.7, 10))


def marked_and_plain(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
    for i in range(n):
        y = np.sin(y)
    return y


def test_a_marked_loop_keeps_its_own_snapshots():
    text = s2sad.source(marked_and_plain, args=(0.7, 5), checkpoint=7)
    assert "snapshots=2)" in text and "snapshots=7)" in text
    g = s2sad.grad(marked_and_plain, checkpoint=7)(0.7, 5)
    assert g == s2sad.grad(marked_and_plain)(0.7, 5)


def test_each_loop_follows_the_schedule(monkeypatch):
    runs = []
    original = schedule.revolve

    def revolve(steps, snapshots):
        runs.append((steps, snapshots, list(original(steps, snapshots))))
        yield from runs[-1][2]
    monkeypatch.setattr(schedule, "revolve", revolve)
    s2sad.grad(two_loops, checkpoint=3)(0.7, 20)
    assert [(n, s) for n, s, _ in runs] == [(20, 3), (6, 3)]
    for n, s, actions in runs:
        held = most = 0
        actions = list(schedule.primitive(actions))
        for action, _, _ in actions:
            held += {"take": 1, "restore": -1}.get(action, 0)
            most = max(most, held)
        assert most <= s and [p for a, p, _ in actions if a == "step"] == list(range(n))[::-1]


def test_memory_with_the_option():
    def scalar(x, n):
        y = x
        for i in range(n):
            y = y * x + 1e-3
        return y
    peaks = []
    for g in (s2sad.grad(scalar), s2sad.grad(scalar, checkpoint=10)):
        g(0.5, 3)
        tracemalloc.start()
        assert g(0.5, 20000) == pytest.approx(1e-3 / 0.25, rel=1e-12)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 0.05 * peaks[0], peaks


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "3"])
def test_bad_snapshot_counts_are_refused(bad):
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(two_loops, checkpoint=bad)
    assert info.value.code == "bad-arguments" and "checkpoint=" in str(info.value)


def printing(x, n):
    y = x
    for i in range(n):
        y = y * x
        print(y)
    return y


def test_a_range_loop_the_option_cannot_checkpoint_is_a_located_refusal():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(printing, checkpoint=2)(0.5, 3)
    text = str(info.value)
    assert "checkpoint-side-effect" in text and "print(y)" in text
    assert "test_i17_checkpoint_option.py" in text and "checkpoint=" in text
    assert s2sad.grad(printing)(0.5, 0) == 1.0          # without the option: as before
