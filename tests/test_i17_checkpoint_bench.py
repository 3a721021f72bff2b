"""bench/checkpoint.py's pieces (not its timings): the hand-written RNN gradient it
compares against, the recompute count it predicts from, its tables.

Oracles: central differences and s2sad's gradient for the hand-written one; revolve's
closed form for the untaped steps (``r n - C(s + r, s + 1)`` when ``n = C(s + r, s)``).
"""
from math import comb

import numpy as np
import pytest

import s2sad
from bench import checkpoint as bench
from tests.fd import fd_grad


def test_the_hand_written_rnn_gradient():
    rng = np.random.default_rng(4)
    W, U, xs = rng.normal(size=(5, 5)) * 0.4, rng.normal(size=5), rng.normal(size=7)
    gW, gU = bench.rnn_hand(W, U, xs)
    np.testing.assert_allclose(gW, fd_grad(bench.rnn_plain, (W, U, xs), 0), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(gU, fd_grad(bench.rnn_plain, (W, U, xs), 1), rtol=1e-6,
                               atol=1e-8)
    mW, mU = s2sad.grad(bench.rnn_marked, wrt=("W", "U"))(W, U, xs, 3)
    pW, pU = s2sad.grad(bench.rnn_plain, wrt=("W", "U"))(W, U, xs)
    np.testing.assert_array_equal(mW, pW)
    np.testing.assert_array_equal(mU, pU)
    np.testing.assert_allclose(mW, gW, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("s, r", [(1, 1), (1, 4), (2, 3), (3, 3), (5, 2), (20, 3)])
def test_untaped_steps_are_revolves_least_number(s, r):
    n = comb(s + r, s)
    assert bench.extra_steps(n, s) == r * n - comb(s + r, s + 1)
    assert bench.extra_steps(1, s) == 0


def test_tables_render():
    row = {"n": 1000, "s": 20, "r": 3, "steps run / n": 3.75, "unmarked peak": 636_800,
           "marked peak": 19_300, "marked s": 0.181, "measured time": 2.16,
           "same gradient": True}
    text = bench.markdown([row])
    assert text.splitlines()[2] == \
        "| 10^3 | 20 | 3 | 3.75 | 636.8 kB | 19.3 kB | 0.181 | 2.16× | yes |"
    assert bench.markdown([]).startswith("| ")
