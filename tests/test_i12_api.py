"""Issue 12, the public API: rules keyed by their primitive, defaults that bind, seeds
checked against primals and outputs, complex outputs refused, outputs the analysis
cannot type checked on their value, jacobian's structure, and diagnoses that name the
real cause with suggestions that parse. Oracles: central differences and closed forms."""
import ast
import dataclasses
import functools
import inspect
import re

import numpy as np
import pytest

import s2sad
from s2sad.driver.cachekey import describe
from s2sad.custom import forget
from tests import bad_functions
from tests.fd import fd_grad


# --- rules of primitives that share a name -------------------------------------------

def _make_primitive():
    def prim(x):
        return x * 1.0
    return prim


PRIM_A, PRIM_B = _make_primitive(), _make_primitive()   # one qualname, one code


def uses_two_primitives(x):
    return PRIM_A(x) * 2.0 + PRIM_B(x)


def _scaling_rules(k):
    def rule(g, ans, x):
        return g * k

    def tangent(d, ans, x):
        return d * k
    return rule, tangent


@pytest.fixture
def two_rules():
    vjp_a, jvp_a = _scaling_rules(3.0)
    vjp_b, jvp_b = _scaling_rules(5.0)
    s2sad.defvjp(PRIM_A, vjp_a)
    s2sad.defjvp(PRIM_A, jvp_a)
    s2sad.defvjp(PRIM_B, vjp_b)
    s2sad.defjvp(PRIM_B, jvp_b)
    yield
    forget(PRIM_A)
    forget(PRIM_B)


def test_rules_whose_callables_share_a_name_keep_their_own_primitive(two_rules):
    expected = 3.0 * 2.0 + 5.0          # the rules say PRIM_A' = 3 and PRIM_B' = 5
    assert s2sad.grad(uses_two_primitives)(0.7) == pytest.approx(expected)
    assert s2sad.jvp(uses_two_primitives, (0.7,), (1.0,))[1] == pytest.approx(expected)
    _, pullback = s2sad.vjp(uses_two_primitives, 0.7)
    assert pullback(1.0)[0] == pytest.approx(expected)
    x = np.array([0.1, 0.2])
    _, pullback = s2sad.vjp(uses_two_primitives, x)
    np.testing.assert_allclose(pullback(np.ones(2))[0], [expected] * 2)


def test_look_alike_primitives_have_distinct_disk_keys(two_rules):
    assert describe(PRIM_A) != describe(PRIM_B)


def test_registering_again_replaces_the_rule_without_renaming_it(two_rules):
    vjp_a, _ = _scaling_rules(7.0)
    s2sad.defvjp(PRIM_A, vjp_a)
    assert s2sad.grad(uses_two_primitives)(0.7) == pytest.approx(7.0 * 2.0 + 5.0)
    assert "rule(" in s2sad.source(uses_two_primitives)


# --- a registered rule binds the primitive's defaults ---------------------------------

def uses_pinv(a):
    return np.sum(np.linalg.pinv(a) * np.array([[1.0, 2.0], [3.0, 4.0]]))


def uses_pinv_positional(a):
    # rcond given as a number: NumPy < 2 does not take None
    return np.sum(np.linalg.pinv(a, 1e-15, False) * np.array([[1.0, 2.0], [3.0, 4.0]]))


def _pinv_vjp_short(g, ans, a):                # names only the argument it needs
    return -ans.T @ g @ ans.T


def _pinv_vjp_full(g, ans, a, rcond=None, hermitian=False):
    return -ans.T @ g @ ans.T


@pytest.mark.parametrize("rule", [_pinv_vjp_short, _pinv_vjp_full])
@pytest.mark.parametrize("func", [uses_pinv, uses_pinv_positional])
def test_a_rule_binds_when_the_call_leaves_defaults_out(rule, func):
    a = np.array([[2.0, 0.3], [0.1, 1.5]])
    s2sad.defvjp(np.linalg.pinv, rule)
    try:
        np.testing.assert_allclose(s2sad.grad(func)(a), fd_grad(func, (a,), 0), rtol=1e-6)
    finally:
        forget(np.linalg.pinv)


# --- seeds are checked against primals and outputs ------------------------------------

def square_sum(x):
    return np.sum(x * x)


def weighted(p):
    return np.sum(p["w"] * p["w"]) + 2.0 * p["b"]


def pair(x):
    return np.sin(x), 2.0 * x


def elementwise_sin(x):
    return np.sin(x)


@pytest.mark.parametrize("tangent", [np.ones(3), np.ones((2, 2)), np.ones(1),
                                     np.ones(2) * 1j, "ab", (np.ones(2),)])
def test_jvp_refuses_a_tangent_unlike_its_primal(tangent):
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.jvp(square_sum, (np.array([1.0, 2.0]),), (tangent,))
    assert info.value.code == "bad-tangents"


def test_jvp_refuses_a_tree_tangent_with_other_keys_or_shapes():
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    for bad in ({"w": np.ones(2)}, {"w": np.ones(3), "b": 1.0}, np.ones(2),
                {"w": np.ones(2), "b": 1.0, "c": 1.0}):
        with pytest.raises(s2sad.UsageError) as info:
            s2sad.jvp(weighted, (p,), (bad,))
        assert info.value.code == "bad-tangents"
    _, dy = s2sad.jvp(weighted, (p,), ({"w": np.array([1.0, 0.0]), "b": 1.0},))
    assert dy == pytest.approx(2.0 * 1.0 + 2.0)


def test_jvp_takes_an_int_tangent_as_a_float():
    x = np.array([1.0, 2.0])
    _, dy = s2sad.jvp(square_sum, (x,), (np.array([1, 0]),))
    assert dy == pytest.approx(fd_grad(square_sum, (x,), 0)[0])
    assert s2sad.jvp(square_sum, (1.5,), (1,))[1] == pytest.approx(3.0)


def test_hvp_refuses_a_vector_unlike_the_argument():
    x = np.array([1.0, 2.0])
    for v in (np.ones(3), np.ones((2, 2)), 1j * np.ones(2)):
        with pytest.raises(s2sad.UsageError) as info:
            s2sad.hvp(square_sum)(x, v)
        assert info.value.code == "bad-tangents"
    np.testing.assert_allclose(s2sad.hvp(square_sum)(x, np.array([1.0, 0.0])), [2.0, 0.0])


def test_a_pullback_refuses_a_seed_unlike_the_output():
    x = np.array([0.1, 0.2])
    _, pullback = s2sad.vjp(elementwise_sin, x)
    for seed in (np.ones(3), np.ones((2, 2)), 1.0, (np.ones(2),), 1j * np.ones(2)):
        with pytest.raises(s2sad.UsageError) as info:
            pullback(seed)
        assert info.value.code == "bad-cotangent"
    _, pullback = s2sad.vjp(pair, x)
    for seed in (np.ones(2), (np.ones(2),), (np.ones(2), np.ones(3))):
        with pytest.raises(s2sad.UsageError) as info:
            pullback(seed)
        assert info.value.code == "bad-cotangent"
    got = pullback((np.ones(2), [1, 1]))[0]                # an int seed is a float seed
    np.testing.assert_allclose(got, np.cos(x) + 2.0)
    _, pullback = s2sad.vjp(square_sum, x)
    with pytest.raises(s2sad.UsageError):
        pullback(np.ones(1))
    np.testing.assert_allclose(pullback(1)[0], 2 * x)


# --- grad needs a real output ---------------------------------------------------------

def complex_exp(x):
    return np.exp(1j * x)


def plus_imaginary(x):
    return x * x + 1j               # its derivative is real: the output is not


def root(x):
    return x ** 0.5                 # Python: complex for a negative float


COMPLEX_SCALE = 2.0 + 1.0j


def times_global(x):
    return x * COMPLEX_SCALE


@pytest.mark.parametrize("func, x", [(complex_exp, 0.5), (plus_imaginary, 0.5),
                                     (root, -2.0), (times_global, 0.5),
                                     (complex_exp, np.float64(0.5))])
def test_grad_of_a_complex_output_is_refused(func, x):
    for make in (s2sad.grad, s2sad.value_and_grad):
        with pytest.raises(s2sad.UsageError) as info:
            make(func)(x)
        assert info.value.code == "complex-output"
    assert s2sad.grad(root)(4.0) == pytest.approx(0.25)


def test_grad_of_a_complex_output_of_a_complex_argument_is_refused():
    # complex arguments are differentiated (tests/test_i15_complex.py); sum(z * z) of a
    # complex z is complex, and grad needs a real output
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(square_sum)(np.array([1.0 + 1j, 2.0]))
    assert info.value.code == "complex-output"


# --- outputs the analysis cannot type are checked on their value ----------------------

def middle_of_three(a, b, c):
    t = a, b, c
    return t[1] * c


def log_abs_det(x):
    _s, ld = np.linalg.slogdet(x)
    return ld


def first_of_list(v):
    return [v[0] * v[1], v[1]][0]


W = np.array([1.0, 2.0])


def times_global_array(v):
    return np.sin(v[0]) * W


def returns_pair(x):
    return x, 2.0 * x


def test_an_item_of_a_tuple_is_a_scalar_output_in_every_mode():
    args = (1.0, 2.0, 3.0)
    for i in range(3):
        got = s2sad.grad(middle_of_three, wrt=i)(*args)
        assert got == pytest.approx(fd_grad(middle_of_three, args, i), abs=1e-8)
    _, dy = s2sad.jvp(middle_of_three, args, (0.0, 1.0, 1.0))
    assert dy == pytest.approx(3.0 + 2.0)
    _, pullback = s2sad.vjp(middle_of_three, *args)
    assert pullback(1.0) == pytest.approx((0.0, 3.0, 2.0))
    v = np.array([0.5, 2.0])
    np.testing.assert_allclose(s2sad.grad(first_of_list)(v), [2.0, 0.5])


def test_slogdet_log_determinant_is_a_scalar_output():
    x = np.array([[2.0, 0.3], [0.1, 1.5]])
    before = x.copy()
    np.testing.assert_allclose(s2sad.grad(log_abs_det)(x), fd_grad(log_abs_det, (x,), 0),
                               rtol=1e-6)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(s2sad.grad(log_abs_det)(x), np.linalg.inv(x).T)


def test_outputs_that_are_not_scalars_are_still_refused():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(times_global_array)(np.array([0.3, 0.4]))
    assert info.value.code == "non-scalar-output"
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(returns_pair)(1.0)
    assert info.value.code == "non-scalar-output"


# --- jacobian's structure, as JAX's ---------------------------------------------------

def of_a_dict(p):
    return np.sin(p["a"]) * p["b"]


def to_a_tuple(x):
    return np.sin(x), np.sum(x * x)


def _fd_jacobian(f, x, eps=1e-6):
    """Central differences of f's flat output w.r.t. a flat array x."""
    columns = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_a_dict_argument_is_a_dict(mode):
    p = {"a": np.array([0.3, 0.5]), "b": 2.0}
    got = s2sad.jacobian(of_a_dict, mode=mode)(p)
    assert set(got) == {"a", "b"}
    np.testing.assert_allclose(got["a"], _fd_jacobian(lambda a: of_a_dict({"a": a, "b": 2.0}),
                                                      p["a"]), rtol=1e-6)
    np.testing.assert_allclose(got["b"], np.sin(p["a"]), rtol=1e-6)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_a_tuple_output_is_a_tuple(mode):
    x = np.array([0.3, 0.5, 0.7])
    first, second = s2sad.jacobian(to_a_tuple, mode=mode)(x)
    np.testing.assert_allclose(first, np.diag(np.cos(x)), atol=1e-12)
    assert np.shape(second) == (3,)
    np.testing.assert_allclose(second, 2 * x)


# --- diagnoses name the real cause; suggestions are Python ----------------------------

@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


def reads_fields(p, x):
    return np.sum(p.w * x) + p.b


def item_of(x):
    return x.item() * 2.0


def _loss(x, k):
    return np.sum(x * x) * k


SCALED_LOSS = functools.partial(_loss, k=2.0)


def calls_partial(x):
    return SCALED_LOSS(x) + 1.0


def _snippets(text: str) -> list:
    """The code in a suggestion: `backticked` parts (but a shell command, `s2sad rules`)
    and s2sad.defvjp(...) calls."""
    found = [s for s in re.findall(r"`([^`]+)`", text) if not re.match(r"s2sad [a-z]", s)]
    found += re.findall(r"s2sad\.def[vj]jp\((?:[^()]|\([^()]*\))*\)", text)
    return found


def _assert_suggestions_parse(error):
    for violation in getattr(error, "violations", ()):
        for snippet in _snippets(violation.suggestion):
            for part in snippet.split(" then "):
                ast.parse(part.strip("`"))


def test_a_field_of_a_differentiated_dataclass_is_differentiated():
    p = Params(np.array([1.0, 2.0]), 0.5)
    g = s2sad.grad(reads_fields)(p, np.array([0.3, 0.4]))     # d/dw = x, d/db = 1 (closed form)
    assert type(g) is Params and g.b == 1.0
    np.testing.assert_allclose(g.w, [0.3, 0.4])
    np.testing.assert_allclose(s2sad.grad(reads_fields, wrt=1)(p, np.array([0.3, 0.4])), p.w)


def test_item_suggestion_is_python_and_works():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(item_of)(np.array([1.5]))
    assert "lambda g, ans, :" not in str(info.value)
    _assert_suggestions_parse(info.value)


def test_a_partial_is_differentiated():
    # issue 14: partials are differentiated (more in tests/test_i14_functions.py)
    x = np.array([1.0])
    expected = fd_grad(SCALED_LOSS, (x,), 0)
    np.testing.assert_allclose(s2sad.grad(SCALED_LOSS)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(s2sad.grad(calls_partial)(x), expected, rtol=1e-6)


def _catalog_functions():
    return [f for _, f in inspect.getmembers(bad_functions, inspect.isfunction)
            if f.__module__ == bad_functions.__name__ and not f.__name__.startswith("_")]


@pytest.mark.parametrize("func", _catalog_functions(), ids=lambda f: f.__name__)
def test_every_suggestion_in_the_catalog_parses_as_python(func):
    params = [p for p in inspect.signature(func).parameters.values()
              if p.default is inspect.Parameter.empty]
    for value in (1.5, np.array([1.5, 0.5])):
        try:
            s2sad.grad(func)(*[value] * len(params))
        except s2sad.CompileError as error:
            _assert_suggestions_parse(error)
        except Exception:           # other failures are other tests' business
            pass


def slogdet_of(x):
    return np.linalg.slogdet(x)


def test_jacobian_and_pullback_keep_a_named_tuple_output():
    x = np.array([[2.0, 0.3], [0.1, 1.5]])
    sign, logdet = s2sad.jacobian(slogdet_of, mode="reverse")(x)
    np.testing.assert_allclose(logdet, np.linalg.inv(x).T, rtol=1e-10)
    np.testing.assert_allclose(sign, np.zeros((2, 2)))
    y, pullback = s2sad.vjp(slogdet_of, x)
    with pytest.raises(s2sad.UsageError):
        pullback(1.0)
    np.testing.assert_allclose(pullback((0.0, 1.0))[0], np.linalg.inv(x).T, rtol=1e-10)
