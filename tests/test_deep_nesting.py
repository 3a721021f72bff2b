"""Deeply nested branches: an if/elif chain nests one level per elif. Up to the depth
Python compiles, the derivatives match finite differences in both modes; past it (the
generated code's 100 levels of indentation, Python's recursion limit while s2sad reads
a longer chain) the error is a located ``too-deep`` CompileError at the ``def`` line,
never a RecursionError."""
import importlib.util
import math
import sys

import pytest

import s2sad
from tests.fd import fd_grad


def chain(name, first, last, rest):
    lines = [f"def {name}(x):", f"    if x < {first}.0:", f"        y = x * {first}.0"]
    for k in range(first + 1, last):
        lines += [f"    elif x < {k}.0:", f"        y = np.sin(x) * {k}.0"]
    return "\n".join(lines + ["    else:", f"        y = {rest}", "    return y", ""])


def nested(depth):
    lines, indent = ["def f(x):", "    y = x"], "    "
    for i in range(depth):
        lines.append(f"{indent}if y > {i - depth}:")
        indent += "    "
        lines.append(f"{indent}y = y * 1.01 + np.sin(y) * 0.01")
    for i in range(depth):
        indent = indent[:-4]
        lines += [f"{indent}else:", f"{indent}    y = y - 0.1"]
    return "\n".join(lines + ["    return y", ""])


def load(tmp_path, text, name):
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\n\n" + text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(path)


@pytest.mark.parametrize("x", [-0.5, 10.5, 59.5, 70.0])
def test_a_chain_of_sixty_matches_finite_differences(tmp_path, x):
    module, _ = load(tmp_path, chain("f", 0, 60, "x * x"), f"chain60_{int(x * 10)}")
    expected = fd_grad(module.f, (x,), 0)
    assert s2sad.grad(module.f)(x) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert s2sad.jvp(module.f, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_fifty_nested_branches_match_finite_differences(tmp_path):
    module, _ = load(tmp_path, nested(50), "nested50")
    expected = fd_grad(module.f, (0.3,), 0)
    assert s2sad.grad(module.f)(0.3) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("length", [120, 200, 1000])
def test_a_longer_chain_is_a_located_error(tmp_path, length):
    module, path = load(tmp_path, chain("f", 0, length, "x"), f"chain{length}")
    limit = sys.getrecursionlimit()
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(module.f)(0.5)
    assert sys.getrecursionlimit() == limit
    (violation,) = info.value.violations
    assert violation.code == "too-deep" and violation.filename == path
    assert violation.lineno == 3 and violation.source_line == "def f(x):"
    assert "helper" in violation.suggestion
    with pytest.raises(s2sad.CompileError, match="too-deep"):
        s2sad.jvp(module.f, (0.5,), (1.0,))


def test_the_suggested_split_works(tmp_path):
    text = chain("rest", 60, 120, "x * x") + "\n\n" + chain("f", 0, 60, "rest(x)")
    module, _ = load(tmp_path, text, "chain_split")
    for x in (30.5, 90.5, 150.5):
        expected = fd_grad(module.f, (x,), 0)
        assert s2sad.grad(module.f)(x) == pytest.approx(expected, rel=1e-6)
        assert math.isfinite(s2sad.grad(module.f)(x))
