"""Second derivatives (forward over reverse), Jacobians in every mode, grad of grad."""
from __future__ import annotations

import math

import numpy as np
import pytest

import s2sad
from tests.catalog import CATALOG, VECTOR_CATALOG, Case
from tests.fd import fd_grad, inner, random_cotangent
from tests.test_catalog import _copy, _ids


def _random_like(x, rng):
    return rng.standard_normal(x.shape) if isinstance(x, np.ndarray) else float(rng.standard_normal())


def _fd_of_gradient(case: Case, i, direction):
    """d/dt grad_i f(x + t v) at 0, by central differences of s2sad's own gradient's
    independent check: the gradient itself is verified against FD in test_catalog."""
    def along(t):
        args = list(case.args)
        args[i] = args[i] + t * direction
        return s2sad.grad(case.func, wrt=i)(*args)

    seed = random_cotangent(along(0.0), np.random.default_rng(1))
    return seed, fd_grad(lambda t: inner(seed, along(t)), (0.0,), 0, rel_step=1e-5)


@pytest.mark.parametrize("case", CATALOG, ids=_ids(CATALOG))
def test_hvp_matches_fd_of_the_gradient(case: Case):
    # a gradient taken inside the function included: its pullback, a Hessian block of
    # the inner function, has a tangent (a third derivative of the inner function)
    i = case.wrt_all[0]
    v = _random_like(case.args[i], np.random.default_rng(2))
    hv = s2sad.hvp(case.func, wrt=i)(*_copy(case.args), v)
    seed, expected = _fd_of_gradient(case, i, v)
    assert inner(seed, hv) == pytest.approx(expected, rel=2e-5, abs=1e-6)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i, i + 1] -= 400.0 * x[i]
        h[i + 1, i] -= 400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


def test_hessian_of_rosenbrock_is_the_closed_form():
    x = np.array([1.2, 0.8, -0.5, 0.3])
    np.testing.assert_allclose(s2sad.hessian(rosenbrock)(x), rosenbrock_hessian(x),
                               rtol=1e-13, atol=1e-10)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(s2sad.hvp(rosenbrock)(x, v), rosenbrock_hessian(x) @ v,
                               rtol=1e-13, atol=1e-10)


def mlp_loss(w1, w2, x, y):
    h = np.tanh(x @ w1)
    pred = h @ w2
    return 0.5 * np.mean((pred - y) ** 2)


def test_hessian_of_a_small_mlp_loss_matches_fd_of_the_gradient():
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.5
    x, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    blocks = s2sad.hessian(mlp_loss, wrt=(0, 1))(w1, w2, x, y)
    grad = s2sad.grad(mlp_loss, wrt=(0, 1))
    h = 1e-6
    for j, w in enumerate((w1, w2)):
        for index in np.ndindex(w.shape):
            plus, minus = [w1.copy(), w2.copy()], [w1.copy(), w2.copy()]
            plus[j][index] += h
            minus[j][index] -= h
            gp, gm = grad(*plus, x, y), grad(*minus, x, y)
            for i in range(2):
                column = (gp[i] - gm[i]) / (2 * h)
                got = blocks[i][j][(Ellipsis,) + index]
                np.testing.assert_allclose(got, column, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(blocks[0][1], np.moveaxis(blocks[1][0], 0, -1), atol=1e-13)


def sin_times(x):
    return math.sin(x) * x


def test_grad_of_grad_is_the_second_derivative():
    second = s2sad.grad(s2sad.grad(sin_times))
    assert second(0.7) == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7), rel=1e-14)


def test_grad_of_grad_of_an_array_gradient_is_a_usage_error():
    with pytest.raises(s2sad.UsageError):
        s2sad.grad(s2sad.grad(rosenbrock))(np.array([1.0, 2.0]))


def _fd_jacobian(case: Case, i):
    out = case.func(*case.args)
    x = case.args[i]
    columns = []
    for index in (np.ndindex(x.shape) if isinstance(x, np.ndarray) else [()]):
        unit = np.zeros_like(x, dtype=float) if isinstance(x, np.ndarray) else 1.0
        if isinstance(x, np.ndarray):
            unit[index] = 1.0
        col = [fd_grad(lambda t: float(np.ravel(case.func(*_shift(case.args, i, t * unit)))[k]),
                       (0.0,), 0) for k in range(np.size(out))]
        columns.append(np.reshape(col, np.shape(out)))
    return np.stack(columns, axis=-1).reshape(np.shape(out) + np.shape(x))


def _shift(args, i, delta):
    return args[:i] + (args[i] + delta,) + args[i + 1:]


array_outputs = [c for c in VECTOR_CATALOG if not isinstance(c.func(*c.args), tuple)]


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("case", array_outputs, ids=_ids(array_outputs))
def test_jacobian_in_every_mode_matches_fd(case: Case, mode):
    i = case.wrt_all[0]
    jac = s2sad.jacobian(case.func, wrt=i, mode=mode)(*_copy(case.args))
    np.testing.assert_allclose(jac, _fd_jacobian(case, i), rtol=1e-5, atol=1e-7)


# --- derivatives s2sad made, given back to it --------------------------------------

def cube(x):
    return x ** 3


cube_gradient = s2sad.grad(cube)
cube_jacobian = s2sad.jacobian(cube)


def uses_a_module_level_gradient(x):
    return cube_gradient(x) * x                  # 3 x^3: derivative 9 x^2


def uses_a_module_level_jacobian(x):
    return cube_jacobian(x) * x


def test_a_module_level_gradient_called_inside_is_differentiated_through_it():
    x = 1.3
    assert s2sad.grad(uses_a_module_level_gradient)(x) == pytest.approx(9 * x * x, rel=1e-12)
    _, t = s2sad.jvp(uses_a_module_level_gradient, (x,), (1.0,))
    assert t == pytest.approx(9 * x * x, rel=1e-12)


def test_another_derivative_called_inside_is_a_located_error_not_its_primal():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(uses_a_module_level_jacobian)(1.3)
    assert "cube_jacobian" in str(info.value)


@pytest.mark.parametrize("use, expected", [
    (lambda: s2sad.jvp(cube_gradient, (1.3,), (1.0,))[1], 6 * 1.3),
    (lambda: s2sad.vjp(cube_gradient, 1.3)[1](1.0)[0], 6 * 1.3),
    (lambda: s2sad.value_and_grad(cube_gradient)(1.3)[1], 6 * 1.3),
    (lambda: s2sad.jacobian(cube_gradient)(1.3), 6 * 1.3),
    (lambda: s2sad.hessian(cube_gradient)(1.3), 6.0),
    (lambda: s2sad.grad(cube_jacobian)(1.3), 6 * 1.3),
    (lambda: s2sad.grad(s2sad.grad(cube_gradient))(1.3), 6.0),
], ids=["jvp", "vjp", "value_and_grad", "jacobian", "hessian", "grad_of_jacobian",
        "third_derivative"])
def test_a_derivative_given_back_is_differentiated_not_read_as_its_primal(use, expected):
    """functools.wraps gives these the primal's source: reading it would be the
    derivative of the primal, silently wrong; they are differentiated through their
    generated code instead (closed forms: 6 x for the second derivative, 6 the third)."""
    assert float(np.squeeze(use())) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("use", [
    lambda: s2sad.grad(s2sad.value_and_grad(cube))(1.3),
    lambda: s2sad.source(cube_gradient),
    lambda: s2sad.check_grad(cube_gradient, 1.3),
], ids=["grad_of_value_and_grad", "source", "check_grad"])
def test_a_derivative_given_back_is_refused_not_read_as_its_primal(use):
    with pytest.raises(s2sad.UsageError) as info:
        use()
    assert info.value.code == "derivative-of-derivative"


# --- second derivatives through calls: the callees inlined ---------------------------

def inner_square(z):
    return z * z


def branchy_helper(x, w=2.0):
    if x > 0:
        return np.sin(x) * w
    s = 0.0
    for i in range(3):
        s = s + inner_square(x) * i
    return s


def calls_helpers_with_keywords_and_defaults(x, y):
    a = branchy_helper(x * y)
    b = branchy_helper(y, w=x)
    return a * b + inner_square(a)


@pytest.mark.parametrize("at", [(0.7, 1.3), (-0.4, 0.9)], ids=["then", "else"])
def test_hessian_through_helpers_matches_fd_of_the_gradient(at):
    hessian = np.array(s2sad.hessian(calls_helpers_with_keywords_and_defaults, wrt=(0, 1))(*at),
                       dtype=float).reshape(2, 2)
    gradient = s2sad.grad(calls_helpers_with_keywords_and_defaults, wrt=(0, 1))
    for i in range(2):
        for j in range(2):
            expected = fd_grad(lambda *a: gradient(*a)[j], at, i, rel_step=1e-5)
            assert hessian[i, j] == pytest.approx(expected, rel=1e-6, abs=1e-8)
    second = s2sad.grad(s2sad.grad(calls_helpers_with_keywords_and_defaults))(*at)
    assert second == pytest.approx(hessian[0, 0], rel=1e-12)


def calls_a_module_level_gradient(x):
    return cube_gradient(x) * x


def test_a_hessian_through_a_module_level_gradient_is_its_closed_form_not_its_primal():
    # 3 x^3: 18 x, where inlining the gradient as cube's primal would give 4 x^3's 24 x
    x = 1.3
    assert s2sad.hessian(calls_a_module_level_gradient)(x) == pytest.approx(18 * x, rel=1e-12)
    assert s2sad.grad(s2sad.grad(calls_a_module_level_gradient))(x) == \
        pytest.approx(18 * x, rel=1e-12)


def calls_a_local_named_like_a_helper(x):
    inner_square = np.tanh            # a local shadows the module-level helper
    k = inner_square(2.0)             # a constant: the first derivative needs no rule
    return k * x * x + cube(x)        # a helper call: the Hessian inlines


def test_inlining_never_takes_a_module_function_for_a_local_of_the_same_name():
    """The Hessian is 2 tanh(2) + 6x; inlining the module's inner_square gives 8 + 6x."""
    assert s2sad.hessian(calls_a_local_named_like_a_helper)(0.4) == \
        pytest.approx(2.0 * np.tanh(2.0) + 6 * 0.4, rel=1e-12)
