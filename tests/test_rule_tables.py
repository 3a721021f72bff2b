"""The rule tables as a whole: coverage, the test table's reach, the helpers the
templates call, and the conventions at non-differentiable points (docs/conventions.md)."""
from __future__ import annotations

import ast
import builtins
import math

import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad.rules import aliases, label
from s2sad.rules.forward import FORWARD
from s2sad.rules.reverse import REVERSE
from tests import numpy_programs as P
from tests.make_numpy_programs import render
from tests.numpy_table import ROWS

NAMESPACES = {"np": np, "math": math, "_rt": runtime}


def _library_functions():
    return [k for k in REVERSE.rules if label(k).startswith(("np.", "math."))
            and k in FORWARD.rules]


def test_at_least_150_numpy_and_math_functions_have_rules_in_both_modes():
    assert len(_library_functions()) >= 150


def test_every_rule_is_checked_by_the_numpy_table():
    tested = {row.label for row in ROWS}
    untested = [label(k) for k in REVERSE.rules      # SciPy's: tests/scipy_table.py
                if not (isinstance(k, tuple) and k[0] == "op") and not label(k).startswith("scipy.")
                and not tested & {label(k), *aliases(k)}]
    assert not untested, f"rules without a row in tests/numpy_table.py: {untested}"


def test_numpy_programs_are_generated_from_the_table():
    with open(P.__file__) as f:
        assert f.read() == render(), "run: python -m tests.make_numpy_programs"


def _called(template: str):
    """The primitives a template uses: (key, text) for calls and operators."""
    for node in ast.walk(ast.parse(template, mode="eval")):
        if isinstance(node, ast.Call):
            func, parts = node.func, []
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            path = ".".join([func.id] + parts[::-1]) if isinstance(func, ast.Name) else None
            if path and path.split(".")[0] in NAMESPACES:
                obj = NAMESPACES[path.split(".")[0]]
                for attr in path.split(".")[1:]:
                    obj = getattr(obj, attr)
                yield obj, path
            elif isinstance(node.func, ast.Name):
                yield getattr(builtins, node.func.id), node.func.id
            else:
                yield ("method", node.func.attr), f".{node.func.attr}()"
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            op = type(node.op).__name__
            if op != "Not":
                yield ("op", op), op


def test_what_reverse_templates_call_has_forward_rules():
    """Hessians differentiate generated adjoint code in forward mode: every function a
    reverse template calls (``_rt`` helpers included) needs a forward rule, or none
    because it is piecewise constant."""
    missing = set()
    for key, rule in REVERSE.rules.items():
        for template in filter(None, rule.adjoints):
            for obj, text in _called(template):
                if FORWARD.get(obj) is None and not FORWARD.is_inactive(obj):
                    missing.add(f"{text} (in the rule of {label(key)})")
    assert not missing, sorted(missing)


def test_every_runtime_helper_a_template_names_exists():
    for table in (REVERSE, FORWARD):
        for rule in table.rules.values():
            for template in filter(None, rule.adjoints):
                list(_called(template))       # getattr fails on a missing helper


@pytest.mark.parametrize("call", ["np.linalg.cond", "np.frexp"])
def test_uncovered_function_is_a_compile_error_pointing_to_defvjp(call):
    func = {"np.linalg.cond": _cond, "np.frexp": _frexp}[call]
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(func)(np.eye(3) + 0.5)
    message = str(info.value)
    assert "no derivative rule" in message and call.split(".")[-1] in message
    assert "s2sad.defvjp" in message and "s2sad.defjvp" in message
    with pytest.raises(s2sad.CompileError):
        s2sad.jvp(func, (np.eye(3) + 0.5,), (np.ones((3, 3)),))


def _cond(a):
    return np.linalg.cond(a)


def _frexp(a):
    return np.sum(np.frexp(a)[0])


# conventions at non-differentiable points, the same in both modes --------------------

def _both(func, x, v=None):
    """(grad, jvp tangent along v) at x."""
    v = np.ones_like(x) if v is None else v
    return s2sad.grad(func)(x), s2sad.jvp(func, (x,), (v,))[1]


def abs_sum(x):
    return np.sum(np.abs(x))


def relu_sum(x):
    return np.sum(np.maximum(x, 0.0))


def max_self(x):
    return np.sum(np.maximum(x, x))


def max_with_ties(x):
    return np.max(x)


def max_rows_with_ties(x):
    return np.sum(np.max(x, axis=1) * np.array([1.0, 2.0]))


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def double_where(x):
    safe = np.where(x > 0.0, x, 1.0)
    return np.sum(np.where(x > 0.0, np.sqrt(safe), 0.0))


def test_abs_at_zero_has_derivative_zero():
    g, t = _both(abs_sum, np.array([0.0, -2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, -1.0, 1.0])
    assert t == 0.0


def test_relu_at_zero_has_derivative_zero_and_maximum_of_equals_passes_one():
    g, t = _both(relu_sum, np.array([0.0, -1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])
    assert t == 1.0
    g, t = _both(max_self, np.array([0.5, -1.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])
    assert t == 2.0


def test_max_ties_share_the_derivative_evenly():
    g, t = _both(max_with_ties, np.array([1.0, 3.0, 3.0, 3.0]), np.array([0.0, 3.0, 0.0, 0.0]))
    np.testing.assert_allclose(g, [0.0, 1 / 3, 1 / 3, 1 / 3])
    assert t == pytest.approx(1.0)
    x = np.array([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]])
    g, t = _both(max_rows_with_ties, x)
    np.testing.assert_allclose(g, [[0.5, 0.5, 0.0], [0.0, 1.0, 1.0]])
    assert t == pytest.approx(3.0)


def test_sqrt_at_zero_is_infinite():
    with np.errstate(divide="ignore"):
        g, t = _both(sqrt_sum, np.array([0.0, 4.0]))
    assert g[0] == np.inf and g[1] == 0.25 and t == np.inf


def test_double_where_leaks_no_nan():
    x = np.array([-1.0, 0.0, 4.0])
    g, t = _both(double_where, x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.25])
    assert t == 0.25
    hv = s2sad.hvp(double_where)(x, np.ones(3))
    np.testing.assert_allclose(hv, [0.0, 0.0, -1 / 32])


def nan_reductions(x):
    return np.nansum(x) + 2.0 * np.nanmean(x) + np.nanmax(x) - np.nanmin(x, axis=0)[1]


def test_nan_reductions_ignore_nan_in_both_modes():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 0.5, -2.0]])
    g, t = _both(nan_reductions, x, np.where(np.isnan(x), 7.0, 1.0))
    expected = np.array([[1 + 0.5, 0.0, 1 + 0.5 + 1], [0.0, 1 + 0.5 - 1, 1 + 0.5]])
    np.testing.assert_allclose(g, expected)
    assert t == pytest.approx(np.sum(expected))


def fmax_with_nan(x, y):
    return np.sum(np.fmax(x, y) * np.array([1.0, 2.0, 3.0]))


def test_fmax_takes_the_number_where_the_other_is_nan():
    x, y = np.array([np.nan, 1.0, 2.0]), np.array([5.0, np.nan, 3.0])
    gx, gy = s2sad.grad(fmax_with_nan, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0, 3.0])


def prod_all(x):
    return np.prod(x)


def test_prod_with_zeros_is_exact():
    g, _ = _both(prod_all, np.array([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(s2sad.hessian(prod_all)(np.array([2.0, 0.0, 3.0])),
                                  [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    g, _ = _both(prod_all, np.array([0.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def sinc_sum(x):
    return np.sum(np.sinc(x))


def test_sinc_at_zero():
    g, _ = _both(sinc_sum, np.array([0.0]))
    assert g[0] == 0.0
    np.testing.assert_allclose(s2sad.hessian(sinc_sum)(np.array([0.0])), [[-np.pi ** 2 / 3]])


def cast_to_int(x):
    return np.sum(x.astype(int) * x)


def test_cast_to_int_has_no_derivative():
    x = np.array([1.5, 2.5])
    g, t = _both(cast_to_int, x)
    np.testing.assert_array_equal(g, [1.0, 2.0])
    assert t == 3.0


def float32_grad(x):
    return np.sum(np.linalg.norm(x, axis=0) * np.cumprod(x, axis=1)[0])


def test_float32_in_float32_out_with_a_python_float_seed():
    x = np.array([[1.0, 2.0], [3.0, 0.5]], dtype=np.float32)
    assert s2sad.grad(float32_grad)(x).dtype == np.float32
    assert s2sad.jvp(float32_grad, (x,), (np.ones_like(x),))[1].dtype == np.float32


def pad_reflect(x):
    return np.sum(np.pad(x, 1, mode="reflect") ** 2)


def test_pad_reflect_sends_each_copy_back_to_its_element_in_both_modes():
    x = np.array([1.0, 2.0, 3.0])               # padded: [2, 1, 2, 3, 2]
    expected = np.array([2.0 * 1.0, 3 * 2.0 * 2.0, 2.0 * 3.0])
    np.testing.assert_allclose(s2sad.grad(pad_reflect)(x), expected)
    _, t = s2sad.jvp(pad_reflect, (x,), (np.ones(3),))
    assert t == pytest.approx(np.sum(expected))


def eigh_pair(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * w) + np.sum(v[:, 0] * v[:, 0] * np.array([1.0, 2.0, 3.0]))


def test_eigh_derivative_is_symmetric():
    a = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 3.0]])
    g = s2sad.grad(eigh_pair)(a)
    np.testing.assert_allclose(g, g.T, atol=1e-12)


def split_used_twice(x):
    parts = np.split(x, 2)
    a = np.concatenate(parts)
    b = np.stack(parts)
    return np.sum(a * a) + np.sum(b)


def test_a_list_result_used_twice_adds_adjoints_item_by_item():
    x = np.arange(4.0)
    np.testing.assert_array_equal(s2sad.grad(split_used_twice)(x), 2 * x + 1)


def eigh_in_a_loop(a, n):
    s = 0.0
    for i in range(n):
        w, v = np.linalg.eigh(a)
        a = a + 0.1 * (v * w[None, :]) @ v.T
        s = s + np.sum(w * w)
    return s


def test_tuple_results_in_a_loop_have_second_derivatives():
    a = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 3.0]])
    v = np.array([[1.0, 0.2, 0.0], [0.2, -1.0, 0.5], [0.0, 0.5, 0.3]])
    grad = s2sad.grad(eigh_in_a_loop)
    expected = (grad(a + 1e-6 * v, 3) - grad(a - 1e-6 * v, 3)) / 2e-6
    np.testing.assert_allclose(s2sad.hvp(eigh_in_a_loop)(a, 3, v), expected, rtol=1e-6,
                               atol=1e-7)


def test_the_runtime_imports_nothing_else_of_s2sad():
    """Generated code must run with the runtime alone."""
    import pathlib
    for path in pathlib.Path(runtime.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1 and not (node.module or "").startswith("s2sad"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("s2sad") for a in node.names), path
