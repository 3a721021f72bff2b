"""Issue 16, item 1: compiling a long function is near-linear (the work counted, not
timed) and its depth of recursion does not grow with the program (timings:
bench/compile_time.py). Derivatives are checked against central finite differences
and against the other mode."""
from __future__ import annotations

import importlib.util
import inspect
import math
import os
import sys

import numpy as np
import pytest

import s2sad
from bench import compile_time
from s2sad.driver import diskcache
from tests.fd import fd_grad


def _load(tmp_path, source, name):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


@pytest.fixture
def shallow_stack():
    """A recursion limit a little above where the test stands: a pass that recursed
    once per statement or per substitution would overflow on these programs."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 300)
    yield
    sys.setrecursionlimit(old)


def _copies(n):
    """A chain of n copies, each one propagated away: the old pass recursed per copy."""
    lines = ["import numpy as np", "", "def f(x):", "    a0 = np.sin(x)"]
    lines += [f"    a{i} = a{i - 1}" for i in range(1, n)]
    lines += [f"    return a{n - 1} * x"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("make, n", [(compile_time.straight_line, 600), (_copies, 800)])
def test_long_programs_compile_without_deep_recursion(tmp_path, shallow_stack, make, n):
    f = _load(tmp_path, make(n), f"long_{make.__name__}_{n}")
    x = 0.3
    g = s2sad.grad(f)(x)
    assert g == pytest.approx(fd_grad(f, (x,), 0), rel=1e-5, abs=1e-9)
    y, dy = s2sad.jvp(f, (x,), (1.0,))
    assert y == pytest.approx(f(x)) and dy == pytest.approx(g, rel=1e-12)
    y, back = s2sad.vjp(f, x)
    assert back(1.0)[0] == pytest.approx(g, rel=1e-12)


def test_nested_branches(tmp_path, shallow_stack):
    f = _load(tmp_path, compile_time.nested_branches(30), "nested_30")
    for x in (0.3, -40.0, -5.5):
        g = s2sad.grad(f)(x)
        assert g == pytest.approx(fd_grad(f, (x,), 0), rel=1e-5, abs=1e-9)
        assert s2sad.jvp(f, (x,), (1.0,))[1] == pytest.approx(g, rel=1e-12)


def test_training_loop_with_parameter_dict():
    """Kinds settle by a worklist: a dict of arrays, loop-carried arrays updated each step."""
    def train(params, x, y):
        W, b = params["W"], params["b"]
        total = 0.0
        for _ in range(3):
            h = np.tanh(x @ W + b)
            total = total + np.mean((h @ params["v"] - y) ** 2)
            W = W * 0.9
            b = b - 0.1
        return total

    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "v": rng.normal(size=4)}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=5)
    before = {k: v.copy() for k, v in params.items()}
    g = s2sad.grad(train)(params, x, y)
    for key in params:
        def part(a, key=key):
            return train({**params, key: a}, x, y)
        np.testing.assert_allclose(g[key], fd_grad(part, (params[key],), 0), rtol=1e-5,
                                   atol=1e-8)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


# -- growth, counted: the lines the optimizer and the analysis run ---------------------

def _work(tmp_path, source, name) -> int:
    """How many lines of s2sad/optimize/ and s2sad/analysis/ run while ``grad(f)`` is
    made and first called: a count of work, the same on a loaded machine as on an idle
    one (a pass that rescanned the rest of the function per statement made it grow with
    the square of the size)."""
    f = _load(tmp_path, source, name)
    watched = (os.sep + "optimize" + os.sep, os.sep + "analysis" + os.sep)
    count = [0]

    def lines(frame, event, arg):
        count[0] += 1
        return lines

    def calls(frame, event, arg):
        path = frame.f_code.co_filename
        if watched[0] in path or watched[1] in path:
            count[0] += 1
            return lines
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        s2sad.grad(f)(0.3)
    finally:
        sys.settrace(previous)
    return count[0]


@pytest.mark.parametrize("make, n", [(compile_time.straight_line, 50),
                                     (compile_time.loop_body, 25)])
def test_compile_work_grows_near_linearly(tmp_path, monkeypatch, make, n):
    """Four times the statements, at most 4 ** 1.2 times the work (the quadratic passes
    this replaced gave 6.5 for the straight line and 7.4 for the loop body)."""
    monkeypatch.setitem(diskcache._state, "configured", None)     # transformed anew
    small = _work(tmp_path, make(n), f"work_{make.__name__}_{n}")
    large = _work(tmp_path, make(4 * n), f"work_{make.__name__}_{4 * n}")
    assert math.log(large / small, 4) <= 1.2, (small, large)


def test_a_loop_of_a_long_body(tmp_path, shallow_stack):
    """A loop whose body is 200 statements: one compile, no recursion per statement."""
    f = _load(tmp_path, compile_time.loop_body(200), "loop_200")
    for x in (0.3, 1.7):
        assert s2sad.grad(f)(x) == pytest.approx(fd_grad(f, (x,), 0), rel=1e-5, abs=1e-9)


def test_fifty_nested_branches(tmp_path):
    """Recursion follows the nesting (as Python's own compiler's does), not the length."""
    f = _load(tmp_path, compile_time.nested_branches(50), "nested_50")
    for x in (0.3, -60.0, -24.5, 2.0):
        g = s2sad.grad(f)(x)
        assert g == pytest.approx(fd_grad(f, (x,), 0), rel=1e-5, abs=1e-9)
