"""Issue 12, derivative rules: index tricks, interleaved einsum, N-d dot, degenerate
points, NumPy functions of lists, stacking one array. Oracles: central finite
differences, closed forms, and the other mode."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

RNG = np.random.default_rng(12)


def _check_all_modes(f, args, atol=1e-6):
    """grad, vjp and jvp against central differences, on copies of the arguments that
    must end as the primal leaves them."""
    n = len(args)
    wrt = tuple(range(n)) if n > 1 else None
    fd = [fd_grad(f, args, i) for i in range(n)]
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    g = s2sad.grad(f, wrt=wrt)(*copies)
    g = g if n > 1 else (g,)
    _, pullback = s2sad.vjp(f, *copies)
    v = pullback(1.0)
    t = tuple(RNG.normal(size=np.shape(a)) if isinstance(a, np.ndarray) else 0.7 for a in args)
    value, dy = s2sad.jvp(f, tuple(copies), t)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
    assert np.isclose(value, f(*args))
    for got, want in itertools.chain(zip(g, fd), zip(v, fd)):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, atol=atol, rtol=1e-5)
    assert np.isclose(dy, sum(np.sum(a * b) for a, b in zip(fd, t)), atol=atol)


# 4. np.r_ / np.c_ and other active indices --------------------------------------------

def r_pair(x):
    return np.sum(np.r_[x, x * x] ** 2)


def r_scalar(x):
    return np.sum(np.r_[x[0], 1.0, x] * 2.0)


def c_pair(x):
    return np.sum(np.c_[x, x] ** 2)


def float_key(x):
    table = {1.0: 2.0}
    return table[x] * x


@pytest.mark.parametrize("f, arg", [(r_pair, np.ones(2)), (r_scalar, np.ones(2)),
                                    (c_pair, np.ones(2)), (float_key, 1.0)])
def test_an_active_index_is_refused_in_both_modes(f, arg):
    for run in (lambda: s2sad.grad(f)(arg), lambda: s2sad.vjp(f, arg),
                lambda: s2sad.jvp(f, (arg,), (arg,))):
        with pytest.raises(s2sad.CompileError) as info:
            run()
        assert info.value.code == "no-rule"
        assert info.value.violations[0].filename == __file__


def concatenated(x):
    return np.sum(np.concatenate([np.atleast_1d(x), np.atleast_1d(x * x)]) ** 2)


def column_stacked(x):
    return np.sum(np.column_stack([x, x * x]) ** 2)


def inactive_indices(x):
    y = x * 2.0
    return np.sum(y[np.argmax(x)] + y[x > 0] + y[[0, 1]] + y[len(x) - 1])


@pytest.mark.parametrize("f", [concatenated, column_stacked, inactive_indices])
def test_the_suggested_rewrites_and_inactive_indices_work(f):
    _check_all_modes(f, (np.array([1.0, -2.0, 3.0]),))


# 5. interleaved einsum ---------------------------------------------------------------

A, B, C = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=4)


def ein_out(a, b):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2], [0, 2])))


def ein_implicit(a, b):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2])))


def ein_three(a, b, c):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2], c, [2], [0])))


def ein_ellipsis(a):
    return np.sum(np.sin(np.einsum(a, [Ellipsis, 1], [Ellipsis])))


@pytest.mark.parametrize("f, args", [(ein_out, (A, B)), (ein_implicit, (A, B)),
                                     (ein_three, (A, B, C)), (ein_ellipsis, (A,))])
def test_interleaved_einsum(f, args):
    _check_all_modes(f, args)


def ein_square(a):
    return np.sum(np.sin(np.einsum(a, [0, 1], a, [1, 2], [0, 2])))


def test_interleaved_einsum_hessian():
    a = RNG.normal(size=(2, 2))
    grad = s2sad.grad(ein_square)
    want = np.stack([fd_grad(lambda x: grad(x)[i], (a,), 0)
                     for i in np.ndindex(2, 2)]).reshape(2, 2, 2, 2)
    np.testing.assert_allclose(s2sad.hessian(ein_square)(a), want, atol=1e-5)


# 6. dot and the other products of every ndim -----------------------------------------

def dot(a, b):
    return np.sum(np.sin(np.dot(a, b)))


def dot_method(a, b):
    return np.sum(np.sin(a.dot(b)))


def inner(a, b):
    return np.sum(np.sin(np.inner(a, b)))


def matmul(a, b):
    return np.sum(np.sin(a @ b))


def tensordot(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=1)))


def outer(a, b):
    return np.sum(np.sin(np.outer(a, b)))


SHAPES_A = {0: (), 1: (3,), 2: (2, 3), 3: (2, 2, 3)}
SHAPES_B = {0: (), 1: (3,), 2: (3, 4), 3: (2, 3, 4)}


def _operand(shape):
    return RNG.normal(size=shape) if shape else float(RNG.normal())


@pytest.mark.parametrize("f", [dot, dot_method, inner, matmul, tensordot, outer])
@pytest.mark.parametrize("na, nb", list(itertools.product(range(4), range(4))))
def test_products_of_every_ndim(f, na, nb):
    a = _operand(SHAPES_A[na])
    b = _operand(SHAPES_B[nb] if f is not inner else SHAPES_A[nb][::-1])
    if f is dot_method and na == 0:
        pytest.skip("a float has no .dot")
    try:
        f(a, b)
    except (ValueError, TypeError, IndexError):
        pytest.skip("NumPy itself refuses these shapes")
    _check_all_modes(f, (a, b))


# 7 and 18. degenerate points ---------------------------------------------------------

def power_zero(x):
    return np.sum(np.power(x, 0.0))


def pow_zero_spellings(x):
    return np.sum(x ** 0.0 + x ** 0 + np.float_power(x, 0.0))


def math_pow_zero(x):
    return math.pow(x, 0.0) + x ** 0


def cubic(x):
    return np.sum(x ** 3.0 - x ** 2 + np.power(x, 1))


def std_one(x):
    return np.std(x[:1]) + x[:1].std() + np.std(x[1:2], axis=0)


def var_one(x):
    return np.var(x[:1])


@pytest.mark.parametrize("f, x, grad, hess", [
    (power_zero, np.zeros(3), np.zeros(3), np.zeros((3, 3))),
    (pow_zero_spellings, np.zeros(2), np.zeros(2), np.zeros((2, 2))),
    (math_pow_zero, 0.0, 0.0, 0.0),
    (cubic, np.array([0.0, 1.0, -2.0]), np.array([1.0, 2.0, 17.0]), np.diag([-2.0, 4.0, -14.0])),
    (std_one, np.array([2.0, 3.0]), np.zeros(2), np.zeros((2, 2))),
    (var_one, np.array([2.0, 3.0]), np.zeros(2), np.zeros((2, 2))),
])
def test_derivatives_at_degenerate_points(f, x, grad, hess):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(s2sad.grad(f)(x), grad)
        np.testing.assert_allclose(s2sad.vjp(f, x)[1](1.0)[0], grad)
        tangent = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
        assert np.isclose(s2sad.jvp(f, (x,), (tangent,))[1], np.sum(grad * tangent))
        np.testing.assert_allclose(s2sad.hessian(f)(x), hess)


def power(x, y):
    return x ** y


def np_power(x, y):
    return np.sum(np.power(x, y))


@pytest.mark.parametrize("f, x, y", [(power, -2.0, 3.0), (np_power, np.array([-2.0]), 3.0),
                                     (power, np.array(-2.0), np.array(3.0))])
def test_jvp_of_a_power_at_a_negative_base_along_the_base(f, x, y):
    dx = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
    dy = np.zeros_like(y) if isinstance(y, np.ndarray) else 0.0
    value, tangent = s2sad.jvp(f, (x, y), (dx, dy))
    assert np.isclose(value, -8.0) and np.isclose(tangent, 12.0)


def squared_norm(v):
    return np.linalg.norm(v) ** 2


def test_hessian_of_a_squared_norm():
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(s2sad.hessian(squared_norm)(v), 2.0 * np.eye(2), atol=1e-12)
    for run in (lambda: s2sad.hessian(squared_norm)(np.zeros(2)),
                lambda: s2sad.hvp(squared_norm)(np.zeros(2), np.ones(2))):
        with pytest.raises(s2sad.UsageError) as info:      # never 0 for 2I
            run()
        assert info.value.code == "unsupported-argument"


def clipped(x):
    return np.clip(x, 5.0, 6.0)


@pytest.mark.parametrize("x, want", [(1.0, 0.0), (5.5, 1.0), (7.0, 0.0)])
def test_clip_derivative_is_a_float(x, want):
    for got in (s2sad.grad(clipped)(x), s2sad.vjp(clipped, x)[1](1.0)[0],
                s2sad.jvp(clipped, (x,), (1.0,))[1]):
        assert not isinstance(got, (bool, np.bool_)) and got == want


def sum_of_squares(v):
    return np.sum(v ** 2) * 1.5


@pytest.mark.parametrize("shape", [(0,), (0, 3)])
def test_hessian_of_an_empty_array(shape):
    h = s2sad.hessian(sum_of_squares)(np.zeros(shape))
    assert h.shape == shape + shape


# reductions of a list, stacking one array --------------------------------------------

def sum_list(x):
    return np.sum([x[0], x[1] * x[1]])


def mean_list(x):
    return np.mean([x, x + 2.0])


def max_list(x):
    return np.max([x[0], x[1] * x[1]]) + np.min([x[2], 5.0])


def prod_tuple(x):
    return np.prod((x[0], x[1] * x[2]))


def std_list(x):
    return np.std([x[0], x[1] * x[1], x[2]]) + np.var((x, x * x))


def norm_list(x):
    return np.linalg.norm([x[0], x[1] * x[1]])


def array_list(x):
    return np.sum(np.array([x[0], x[1] * x[1]]) ** 2)


def elementwise_list(x):
    return np.sum(np.sin([x, x * x])) + np.sum(np.sum([x, 2.0 * x], axis=0) ** 2)


@pytest.mark.parametrize("f", [sum_list, mean_list, max_list, prod_tuple, std_list,
                               norm_list, array_list, elementwise_list])
def test_numpy_functions_of_a_list(f):
    x = np.array([0.5, 2.0, 3.0])
    _check_all_modes(f, (x,))
    grad = s2sad.grad(f)
    want = np.stack([fd_grad(lambda v: grad(v)[i], (x,), 0) for i in range(3)])
    np.testing.assert_allclose(s2sad.hessian(f)(x), want, atol=1e-4)


W = RNG.normal(size=6)


def vstack_one(x):
    return np.sum(np.sin(np.vstack(x)) * W.reshape(2, 3))


def hstack_one(x):
    return np.sum(np.sin(np.hstack(x)) * W)


def column_stack_one(x):
    return np.sum(np.sin(np.column_stack(x)) * W.reshape(3, 2))


def stack_one(x):
    return np.sum(np.sin(np.stack(x)) * W.reshape(2, 3))


def stack_axis(x):
    return np.sum(np.sin(np.stack(x, axis=1)) * W.reshape(3, 2))


def concatenate_one(x):
    return np.sum(np.sin(np.concatenate(x)) * W) + np.sum(np.concatenate(x, axis=None) ** 2)


def vstack_vector(x):
    return np.sum(np.sin(np.vstack(x[0])) * W[:3].reshape(3, 1))


@pytest.mark.parametrize("f", [vstack_one, hstack_one, column_stack_one, stack_one, stack_axis,
                               concatenate_one, vstack_vector])
def test_stacking_the_rows_of_one_array(f):
    _check_all_modes(f, (RNG.normal(size=(2, 3)),))
