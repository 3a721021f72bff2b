"""The benchmark's workloads (bench/): each hand-written gradient agrees with central
finite differences of its primal, s2sad agrees with the hand-written gradient, and
the quick mode of the runner works with s2sad and the hand-written gradients alone
(no peer library needed)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import s2sad
from bench import run as bench_run
from bench.workloads import WORKLOADS, arguments, gmm_placement

from .fd import fd_grads

ROOT = Path(__file__).resolve().parents[1]


def _close(got, want, rtol):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        assert g.shape == w.shape
        scale = max(float(np.max(np.abs(w))), 1e-12)
        assert float(np.max(np.abs(g - w))) <= rtol * scale


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_hand_written_gradient_matches_finite_differences(name):
    w = WORKLOADS[name]
    args = arguments(w, "tiny")
    _close(w.hand(*args), fd_grads(w.primal, args, w.wrt), rtol=1e-6)


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_primal_returns_a_float(name):
    w = WORKLOADS[name]
    out = w.primal(*arguments(w, "tiny"))
    assert np.ndim(out) == 0 and np.isfinite(out)


def test_scalar_loop_takes_both_branches():
    w = WORKLOADS["scalar_loop"]
    k, c, x0, v0, dt, n = arguments(w, "full")
    x, v, signs = x0, v0, set()
    for _ in range(n):
        signs.add(v > 0.0)
        a = -k * np.sin(x) - (c if v > 0.0 else 0.5 * c) * v
        x, v = x + dt * v, v + dt * a
    assert signs == {True, False}


def test_while_loop_iterates_several_times():
    a = arguments(WORKLOADS["while_loop"], "full")[0]
    x, steps = a, 0
    while abs(x * x - a) > 1e-12 * a:
        x, steps = 0.5 * (x + a / x), steps + 1
    assert steps >= 5 and abs(x - np.sqrt(a)) < 1e-9 * np.sqrt(a)


def test_gmm_placement_builds_lower_triangular_factors():
    d = 4
    D, T = gmm_placement(d)
    icf = np.arange(1.0, d * (d + 1) // 2 + 1.0)
    Q = np.reshape(icf[:d] @ D + icf[d:] @ T, (d, d))
    assert np.array_equal(np.diag(Q), icf[:d])
    assert np.array_equal(np.triu(Q, 1), np.zeros((d, d)))
    # ADBench's order: the strictly lower entries column by column
    assert np.array_equal(Q[np.tril_indices(d, -1)][[0, 1, 3, 2, 4, 5]], icf[d:])


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_s2sad_gradient_matches_hand_written(name):
    w = WORKLOADS[name]
    args = arguments(w, "tiny")
    assert bench_run.mismatch(s2sad.grad(w.primal, wrt=w.wrt)(*args), w.hand(*args)) is None


def test_mismatch_reports_the_error():
    assert bench_run.mismatch((1.0, np.ones(2)), (1.0, np.ones(2))) is None
    assert "relative error" in bench_run.mismatch(1.1, 1.0)
    assert "shape" in bench_run.mismatch(np.ones(3), np.ones(2))


def test_quick_mode_with_s2sad_and_hand_written_only(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--tools", "s2sad,hand",
         "--sections", "gradients", "--out-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = (tmp_path / "results.md").read_text()
    assert "## Gradient time / hand-written gradient time" in text
    for name in WORKLOADS:
        row = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
        assert "skipped" not in row and "×" in row
    assert "autograd" not in text.split("## Memory")[0]
