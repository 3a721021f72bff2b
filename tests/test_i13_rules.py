"""Issue 13 item 8: the rule tables read as math (LINEAR tangents, methods derived from
their functions, the runtime helpers' tangents in a table of their own), and the
runtime knows its helpers by identity, with honest ``__module__``s."""
from __future__ import annotations

import ast
import pathlib
import sys

import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad.rules import FORWARD, LINEAR, REVERSE, Table, label
from s2sad.rules.helpers import HELPER_TANGENTS
from s2sad.rules.shared import METHODS
from tests.fd import assert_close_to_fd, fd_grad, fd_vjp, inner


# the tables' structure ---------------------------------------------------------------

def test_the_two_main_tables_list_the_same_primitives_in_the_same_order_to_the_end():
    assert list(FORWARD.rules) == list(REVERSE.rules)
    assert FORWARD.inactive == REVERSE.inactive
    assert FORWARD.helpers is HELPER_TANGENTS


def test_the_helpers_tangents_are_a_table_of_runtime_helpers_only():
    assert set(HELPER_TANGENTS.rules) <= runtime.HELPERS
    assert not set(REVERSE.rules) & runtime.HELPERS
    assert not set(FORWARD.rules) & runtime.HELPERS
    # FORWARD still finds them: generated adjoint code is differentiated again
    assert FORWARD.get(runtime.unreduce) is HELPER_TANGENTS.rules[runtime.unreduce]
    assert FORWARD.is_inactive(runtime.zeros_like) and not REVERSE.is_inactive(runtime.zeros_like)


def test_linear_is_the_primitive_applied_to_the_tangent():
    table = Table("forward")
    table.add(np.dot, "x, y", LINEAR, LINEAR, result="array")
    table.add(np.cumsum, "x, axis=None", LINEAR, result="array")
    table.add(np.linalg.solve, "a, b", None, LINEAR, result="array")
    table.add(runtime.unreduce, "g, x, axis=None, keepdims=False", LINEAR, result="array")
    assert table.rules[np.dot].adjoints == ("np.dot(d, y)", "np.dot(x, d)")
    assert table.rules[np.cumsum].adjoints == ("np.cumsum(d, axis)",)
    assert table.rules[np.linalg.solve].adjoints == (None, "np.linalg.solve(a, d)")
    assert table.rules[runtime.unreduce].adjoints == ("_rt.unreduce(d, x, axis, keepdims)",)


@pytest.mark.parametrize("mode, key, signature", [
    ("reverse", np.dot, "x, y"),                 # an adjoint is the transpose, not f
    ("forward", ("op", "Add"), "x, y"),          # an operator has no name to call
    ("forward", ("method", "sum"), "x"),
    ("forward", np.transpose, "x, *axes"),       # a *parameter cannot be passed on
])
def test_linear_where_it_cannot_say_what_it_means_fails_at_import(mode, key, signature):
    with pytest.raises(ValueError):
        Table(mode).add(key, signature, LINEAR)


def _expansions(rule) -> set:
    """What LINEAR says for each parameter of ``rule``."""
    return {f"{label(rule.key)}({', '.join('d' if p == q else p for p in rule.params)})"
            for q in rule.params}


def _added(tree):
    """(key, template literals) of each ``F.add(key, ...)`` / ``H.add(key, ...)``."""
    names = {"np": np, "_rt": runtime, "math": __import__("math")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "add" and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in ("F", "H") and isinstance(node.args[0], ast.Attribute):
            path = ast.unparse(node.args[0]).split(".")
            key = names.get(path[0])
            for attr in path[1:]:
                key = getattr(key, attr, None)
            yield key, [a.value for a in node.args[2:] if isinstance(a, ast.Constant)]


def test_no_tangent_spells_out_what_linear_says():
    """Where a tangent is the primitive applied to ``d``, the tables say LINEAR (so that
    the tangents that are mathematics stand out)."""
    checked = 0
    for path in pathlib.Path(FORWARD_PATH).parent.glob("*.py"):
        for key, templates in _added(ast.parse(path.read_text())):
            rule = FORWARD.get(key)
            if rule is not None and rule.star is None:
                checked += 1
                assert not _expansions(rule) & set(templates), (path.name, label(key))
    assert checked > 150
    linear = sum(t in _expansions(r) for table in (FORWARD, HELPER_TANGENTS)
                 for r in table.rules.values() if not isinstance(r.key, tuple) and r.star is None
                 for t in r.adjoints)
    assert linear >= 100


FORWARD_PATH = sys.modules["s2sad.rules.forward"].__file__


@pytest.mark.parametrize("table", [FORWARD, REVERSE], ids=["forward", "reverse"])
def test_methods_that_are_functions_have_their_functions_rules(table):
    for name, func in METHODS.items():
        method, function = table.rules[("method", name)], table.rules[func]
        assert (method.params, method.defaults, method.star, method.adjoints, method.broadcast,
                method.result) == (function.params, function.defaults, function.star,
                                   function.adjoints, function.broadcast, function.result), name


def test_the_rules_package_states_no_method_rule_twice():
    """A method rule is either derived (METHODS) or written once per table, never both."""
    for path in pathlib.Path(FORWARD_PATH).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "method" and isinstance(node.args[0], ast.Constant):
                assert node.args[0].value not in METHODS, (path.name, node.args[0].value)


# the derived method rules give true derivatives (oracle: finite differences) ---------

def methods_program(x):
    y = x.reshape(3, 4)
    a = y.std(axis=0) * y.var(axis=0) + y.prod(axis=1).sum()
    b = y.cumsum(axis=1).max() + y.cumprod(axis=0).mean() - y.take([0, 2], axis=1).sum()
    c = y.swapaxes(0, 1).ravel().dot(y.flatten()) + y[:, :3].trace() + y.diagonal().sum()
    return a.sum() + b + c + y.repeat(2, axis=0).squeeze().min() + y.copy().conj().sum()


def methods_vector(x):
    y = x.reshape(3, 4)
    return y.std(axis=1) + y.conjugate().sum(axis=1) * y.max(axis=1)


X = np.linspace(0.3, 1.4, 12) * np.array([1.0, -1.0, 1.0] * 4)


def test_grad_of_methods_matches_finite_differences_and_leaves_the_input():
    x, kept = X.copy(), X.copy()
    assert_close_to_fd(s2sad.grad(methods_program)(x), fd_grad(methods_program, (X,), 0))
    np.testing.assert_array_equal(x, kept)


def test_jvp_and_vjp_of_methods_match_finite_differences_and_each_other():
    rng = np.random.default_rng(13)
    v, w = rng.standard_normal(12), rng.standard_normal(3)
    x, kept = X.copy(), X.copy()
    value, tangent = s2sad.jvp(methods_vector, (x,), (v,))
    np.testing.assert_allclose(value, methods_vector(X))
    h = 1e-6
    expected = (methods_vector(X + h * v) - methods_vector(X - h * v)) / (2 * h)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)
    value, pullback = s2sad.vjp(methods_vector, x)
    cotangent = pullback(w)
    cotangent = cotangent[0] if isinstance(cotangent, tuple) else cotangent
    assert_close_to_fd(cotangent, fd_vjp(methods_vector, (X,), (0,), w)[0])
    assert inner(w, tangent) == pytest.approx(inner(cotangent, v), rel=1e-9)
    np.testing.assert_array_equal(x, kept)
    _, tangent = s2sad.jvp(methods_program, (x,), (v,))
    assert tangent == pytest.approx(inner(fd_grad(methods_program, (X,), 0), v), rel=1e-6)


# the runtime's helpers, known by identity ------------------------------------------

def test_runtime_helpers_are_a_set_of_functions_with_honest_modules():
    assert isinstance(runtime.HELPERS, frozenset) and len(runtime.HELPERS) > 90
    for helper in runtime.HELPERS:
        assert getattr(runtime, helper.__name__) is helper, helper.__name__
        home = sys.modules[helper.__module__]
        assert home.__name__.startswith("s2sad.runtime.") and \
            getattr(home, helper.__name__) is helper, helper.__name__
        assert label(helper) == f"_rt.{helper.__name__}"


def test_every_helper_a_template_calls_is_in_the_set():
    called = set()
    for table in (REVERSE, FORWARD, HELPER_TANGENTS):
        for rule in table.rules.values():
            for template in filter(None, rule.adjoints):
                for node in ast.walk(ast.parse(template)):
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                            and node.value.id == "_rt":
                        called.add(getattr(runtime, node.attr))
    assert called <= runtime.HELPERS and len(called) > 80


def test_runtime_modules_stay_small():
    for path in pathlib.Path(runtime.__file__).parent.glob("*.py"):
        assert path.read_text().count("\n") < 400, path.name
