"""Work that must happen once, not on every call (counted, not timed)."""
import inspect
import math

import numpy as np
import pytest

import s2sad
from s2sad.analysis import analyze as analyze_module
from s2sad.driver import pipeline


def poly(x, y):
    return np.sin(x) * y + x * x


def _count_analyses(monkeypatch):
    calls = []
    original = analyze_module.analyze

    def counting(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)
    monkeypatch.setattr(analyze_module, "analyze", counting)
    monkeypatch.setattr(pipeline, "analyze", counting)
    return calls


def test_repeated_vjp_jvp_and_grad_analyze_once(monkeypatch):
    s2sad.driver.compile.CACHE.clear()
    calls = _count_analyses(monkeypatch)
    for _ in range(3):
        y, pullback = s2sad.vjp(poly, 0.5, 2.0)
        assert np.allclose(pullback(1.0), (np.cos(0.5) * 2.0 + 1.0, np.sin(0.5)))
        assert np.isclose(s2sad.jvp(poly, (0.5, 2.0), (1.0, 0.0))[1], np.cos(0.5) * 2.0 + 1.0)
        assert np.isclose(s2sad.grad(poly)(0.5, 2.0), np.cos(0.5) * 2.0 + 1.0)
    once = len(calls)
    s2sad.vjp(poly, 0.5, 2.0)
    s2sad.jvp(poly, (0.5, 2.0), (1.0, 0.0))
    s2sad.grad(poly)(0.5, 2.0)
    assert len(calls) == once          # checked and generated once, then cached


def root(x, scale=2.0):
    return scale * math.sqrt(x)


def pair(x):
    return x, x


def test_gradient_on_floats_takes_the_function_s_own_parameters():
    g = s2sad.grad(root)
    assert list(inspect.signature(g).parameters) == ["x", "scale"]
    assert g.__code__.co_varnames[:2] == ("x", "scale")      # no *args wrapper
    for _ in range(2):                                      # first call, then the fast path
        assert g(4.0) == 0.5 and g(4.0, 4.0) == 1.0 and g(scale=1.0, x=4.0) == 0.25
        assert g(0.0) == math.inf                           # 1 / (2 sqrt(0)): recovered
        assert g(np.float64(4.0)) == 0.5 and g(4.0, 2) == 0.5


def test_non_scalar_output_is_a_usage_error_on_every_call():
    g = s2sad.grad(pair)
    for _ in range(2):
        with pytest.raises(s2sad.UsageError, match="scalar"):
            g(1.0)


def shadows(fn, type, x):
    return fn * type * x * x


def test_parameters_named_like_the_entry_s_own_names():
    g = s2sad.grad(shadows, wrt=2)
    for _ in range(2):
        assert g(2.0, 3.0, 1.5) == 2.0 * 3.0 * 2.0 * 1.5
