"""Issue 12, the driver: generated code never shares a linecache filename (no false
stale-source whatever the order of derivatives asked for), a lambda called from a
differentiated function is a located refusal, second derivatives through nested
grads and helpers, errors located in the user's file, methods of module-level objects.

Oracles: closed forms and central finite differences (tests/fd.py).
"""
from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

import s2sad
from s2sad.compile import CACHE
from tests.fd import fd_grad

# ---------------------------------------------------------------- stale-source


def cubed(v):
    return v * v * v


def poly_plain(x):
    return x * x * x + np.sin(x)


def poly_with_helper(x):
    return cubed(x) + np.sin(x)


def _poly_grad(x):
    return 3.0 * x ** 2 + np.cos(x)


def _poly_second(x):
    return 6.0 * x - np.sin(x)


X0 = 0.7


def _check_op(name, f):
    """Run one way of differentiating ``f`` at X0 and check it against the closed form."""
    d1, d2 = _poly_grad(X0), _poly_second(X0)
    if name == "grad":
        assert s2sad.grad(f)(X0) == pytest.approx(d1)
    elif name == "value_and_grad":
        assert s2sad.value_and_grad(f)(X0)[1] == pytest.approx(d1)
    elif name == "jvp":
        assert s2sad.jvp(f, (X0,), (2.0,))[1] == pytest.approx(2.0 * d1)
    elif name == "vjp":
        assert s2sad.vjp(f, X0)[1](2.0)[0] == pytest.approx(2.0 * d1)
    elif name == "hvp":
        assert s2sad.hvp(f)(X0, 2.0) == pytest.approx(2.0 * d2)
    elif name == "hessian":
        assert s2sad.hessian(f)(X0) == pytest.approx(d2)
    elif name == "grad_of_grad":
        assert s2sad.grad(s2sad.grad(f))(X0) == pytest.approx(d2)
    else:
        mode, _, opt = name.partition(":")
        assert "def " in s2sad.source(f, mode=mode, optimize=opt == "opt")


OPS = ("grad", "value_and_grad", "jvp", "vjp", "hvp", "hessian", "grad_of_grad",
       "reverse:opt", "reverse:plain", "forward:opt", "forward:plain")
FIRST = [op for op in OPS if op not in ("hvp", "hessian", "grad_of_grad")]


def _run_in_order(order, f):
    CACHE.clear()           # each order starts from nothing compiled (linecache keeps all)
    for name in order:
        _check_op(name, f)


@pytest.mark.parametrize("f", [poly_plain, poly_with_helper], ids=["plain", "helper"])
@pytest.mark.parametrize("second", ["hvp", "hessian", "grad_of_grad"])
def test_no_false_stale_source_whatever_came_before_a_second_derivative(f, second):
    # the second derivative reads back the text of the gradient it differentiates:
    # whatever two units were compiled before it, that text must be the one it runs
    for pair in itertools.permutations(FIRST, 2):
        _run_in_order(pair + (second,), f)
        _run_in_order((pair[0], second, pair[1], second), f)


@pytest.mark.parametrize("f", [poly_plain, poly_with_helper], ids=["plain", "helper"])
def test_no_false_stale_source_in_any_order(f):
    for a, b in itertools.permutations(OPS, 2):
        _run_in_order((a, b, a), f)
    shuffler = random.Random(12)
    for _ in range(6):
        order = list(OPS) * 2
        shuffler.shuffle(order)
        _run_in_order(order, f)


def test_issue_orders():
    _run_in_order(("hvp", "grad"), poly_with_helper)
    _run_in_order(("grad", "reverse:plain", "hvp"), poly_plain)
    _run_in_order(("grad", "reverse:plain", "hvp"), poly_with_helper)
