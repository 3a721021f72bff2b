"""The optimizer never turns a fresh array into an alias, and never deletes what a
closure reads; check_grad runs each route on its own copies (issue 12, items 1 and the
closure crash).

An identity that drops an operation (``x * 1.0`` -> ``x``) changes a new array into the
caller's: after ``y[0] = 5.0`` the function computed another value and derivative and
changed its argument. Each program below is checked against central differences of the
primal, in grad, value_and_grad, jvp and vjp, and the caller's array must end as the
primal leaves it.
"""
import importlib.util
import itertools
import sys

import numpy as np
import pytest

import s2sad
from s2sad import cli
from s2sad.custom import forget
from tests.fd import assert_close_to_fd, fd_grad

#: Spellings of a new array equal to x.
COPIES = ["x * 1.0", "1.0 * x", "x + 0.0", "0.0 + x", "x / 1.0", "x ** 1", "x * s", "+x",
          "x - 0.0", "np.multiply(x, 1.0)", "x.copy() * 1", "-(-x)", "x * 1",
          "(x * 1.0) * 1.0", "x * s * s"]
#: Updates of that array in place.
UPDATES = ["y[0] = 5.0", "for i in range(2):\n        y[i] = y[i] * 2.0", "y *= 3.0",
           "y[1] += y[0]", "y += x"]

X = np.array([2.0, 3.0])
DIRECTION = np.array([1.0, -0.5])


def _load(tmp_path_factory, text, name):
    path = tmp_path_factory.mktemp("i12") / f"{name}.py"
    path.write_text("import numpy as np\n\n" + text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _program(copy, update):
    return (f"def f(x):\n    s = 1.0\n    y = {copy}\n    {update}\n"
            "    return np.sum(y * x ** 2)\n")


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    cases = list(itertools.product(COPIES, UPDATES))
    text = "\n\n".join(_program(c, u).replace("def f(", f"def f{i}(")
                       for i, (c, u) in enumerate(cases))
    module = _load(tmp_path_factory, text, "i12_identities")
    return {case: getattr(module, f"f{i}") for i, case in enumerate(cases)}


def _check_every_mode(f, x=X):
    """Value and derivatives of ``f`` at ``x`` against the primal and central
    differences; the caller's array ends as the primal leaves it."""
    after = x.copy()
    want = f(after)
    gradient = fd_grad(f, (x.copy(),), 0)
    for label, run in _routes(f):
        mine = x.copy()
        value, derivative, expected = run(mine, gradient)
        assert np.isclose(value, want), f"{label}: value {value}, primal {want}"
        assert_close_to_fd(derivative, expected, label)
        np.testing.assert_array_equal(mine, after, err_msg=f"{label} changed its argument")


def _routes(f):
    def value_and_grad(x, gradient):
        return s2sad.value_and_grad(f)(x) + (gradient,)

    def grad(x, gradient):
        return f(x.copy()), s2sad.grad(f)(x), gradient

    def jvp(x, gradient):
        return s2sad.jvp(f, (x,), (DIRECTION,)) + (gradient @ DIRECTION,)

    def vjp(x, gradient):
        value, pullback = s2sad.vjp(f, x)
        return value, pullback(1.0)[0], gradient
    return [("value_and_grad", value_and_grad), ("grad", grad), ("jvp", jvp), ("vjp", vjp)]


@pytest.mark.parametrize("copy,update", list(itertools.product(COPIES, UPDATES)))
def test_an_identity_copy_updated_in_place_stays_a_copy(identities, copy, update):
    _check_every_mode(identities[copy, update])


HELPERS = '''
def overwrite_first(v):
    w = v * 1.0
    w[0] = 5.0
    return w


def through_helper(x):
    return np.sum(overwrite_first(x) * x ** 2)


def total_without_second(v):
    w = v + 0.0
    w[1] = 0.0
    return np.sum(w)


def through_helper_returning_a_number(x):
    return total_without_second(x) * np.sum(x ** 2)


def copy_of_a_copy(x):
    y = x * 1.0
    z = y / 1.0
    z[0] = 5.0
    return np.sum(z * x ** 2) + np.sum(y)


def nested_def(x):
    def overwrite(p):
        q = p * 1.0
        q[0] = 5.0
        return q
    return np.sum(overwrite(x) * x ** 2)


def scalar_plus(x):
    a = +x[0]
    return a * x[1] + np.sum(+x)
'''


@pytest.fixture(scope="module")
def helpers(tmp_path_factory):
    return _load(tmp_path_factory, HELPERS, "i12_helpers")


@pytest.mark.parametrize("name", ["through_helper", "through_helper_returning_a_number",
                                  "copy_of_a_copy", "nested_def", "scalar_plus"])
def test_identities_in_helpers_and_chains_stay_copies(helpers, name):
    _check_every_mode(getattr(helpers, name))


def test_second_derivatives_of_an_identity_copy(identities):
    f = identities["x * 1.0", "y[0] = 5.0"]          # 5 x0^2 + x1^3
    x = X.copy()
    np.testing.assert_allclose(s2sad.hessian(f)(x), np.diag([10.0, 6.0 * X[1]]))
    np.testing.assert_array_equal(x, X)
    np.testing.assert_allclose(s2sad.hvp(f)(x, DIRECTION), np.diag([10.0, 18.0]) @ DIRECTION)
    np.testing.assert_array_equal(x, X)


RETURNS = '''
def returns_identity(x):
    return x * 1.0


def returns_named_identity(x):
    y = x + 0.0
    return y


def returns_two_identities(x):
    return x * 1.0, x / 1.0


def returns_a_value_and_its_identity(x):
    y = np.sin(x)
    return y * 1.0, y


def returns_a_repeated_expression(x):
    return np.sin(x), np.sin(x)
'''


def _items(out):
    return list(out) if isinstance(out, tuple) else [out]


def _distinct(out, *held):
    """No array of ``out`` shares memory with another, or with one of ``held``."""
    items = _items(out)
    return not any(np.shares_memory(a, b) for a in items for b in held) and not any(
        np.shares_memory(a, b) for i, a in enumerate(items) for b in items[i + 1:])


@pytest.mark.parametrize("name", ["returns_identity", "returns_named_identity",
                                  "returns_two_identities", "returns_a_value_and_its_identity",
                                  "returns_a_repeated_expression"])
def test_a_returned_identity_is_a_new_array_as_in_the_primal(tmp_path_factory, name):
    f = getattr(_load(tmp_path_factory, RETURNS, "i12_returns"), name)
    x = X.copy()
    assert _distinct(f(x), x)                          # the primal gives new arrays
    value, _ = s2sad.vjp(f, x)
    assert _distinct(value, x)
    value, _ = s2sad.jvp(f, (x,), (DIRECTION,))
    assert _distinct(value, x)
    for got, want in zip(_items(value), _items(f(x.copy()))):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, X)


CLOSURES = '''
def reads_a_literal(x):
    k = 0.37
    def inner(p):
        return p * 2.0 + k
    return np.sum(inner(x) * x)


def reads_a_copy_of_a_literal(x):
    k = 0.37
    c = k
    def inner(p):
        return p * c
    return np.sum(inner(x) * x)


def defined_before_the_literal(x):
    def inner(p):
        return p * 2.0 + k
    k = 0.37
    return np.sum(inner(x) * x)


def reads_a_copied_count(x):
    n = 3
    m = n
    def inner(p):
        return p * m
    return np.sum(inner(x) * x)
'''


@pytest.mark.parametrize("name", ["reads_a_literal", "reads_a_copy_of_a_literal",
                                  "defined_before_the_literal", "reads_a_copied_count"])
def test_a_name_a_closure_reads_keeps_its_assignment(tmp_path_factory, name):
    _check_every_mode(getattr(_load(tmp_path_factory, CLOSURES, "i12_closures"), name))


MUTATING_RULE = '''
def doubled(x):
    return 2.0 * x


def doubled_jvp(d, ans, x):
    x[0] = 99.0                      # a careless rule: updates the primal it is given
    return 2.0 * d


def doubled_vjp(g, ans, x):
    return 2.0 * g


def uses_doubled(x):
    return np.sum(doubled(x))
'''


@pytest.fixture
def mutating_rule(tmp_path_factory):
    module = _load(tmp_path_factory, MUTATING_RULE, "i12_mutating_rule")
    s2sad.defjvp(module.doubled, module.doubled_jvp)
    s2sad.defvjp(module.doubled, module.doubled_vjp)
    yield module
    forget(module.doubled)


def test_check_grad_fails_when_a_route_changes_its_arguments(mutating_rule):
    x = X.copy()
    with pytest.raises(s2sad.GradientCheckError) as info:
        s2sad.check_grad(mutating_rule.uses_doubled, x)
    report = info.value.report
    assert report.changed == ["forward mode"] and all(a.ok for a in report.arguments)
    assert "forward mode changed its arguments" in str(report)
    np.testing.assert_array_equal(x, X)               # the caller's array is untouched


def test_the_check_command_fails_when_a_route_changes_its_arguments(mutating_rule, capsys,
                                                                   monkeypatch):
    # the function whose rules the fixture registered, not a second import of its file
    monkeypatch.setattr(cli, "load_function", lambda target: mutating_rule.uses_doubled)
    assert cli.main(["check", "rule.py:uses_doubled", "--at", "[2.0, 3.0]"]) == 1
    out = capsys.readouterr().out
    assert "forward mode changed its arguments" in out and "FAIL" in out


def test_check_grad_of_an_identity_copy_leaves_the_argument_and_is_right(identities):
    f = identities["x * 1.0", "y[0] = 5.0"]
    x = X.copy()
    report = s2sad.check_grad(f, x)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_allclose(report.arguments[0].forward, [20.0, 27.0])
    np.testing.assert_allclose(report.arguments[0].reverse, [20.0, 27.0])
