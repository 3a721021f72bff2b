"""Work that must happen once, not on every call (counted, not timed)."""
import numpy as np

import s2sad
from s2sad import analyze as analyze_module
from s2sad import pipeline


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
    s2sad.compile.CACHE.clear()
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
