"""A catalog of plain Python/NumPy functions, each with the inputs it is tested at.

Every function is an ordinary module-level ``def`` (s2sad reads its source),
followed by the inputs it is differentiated at. ``CATALOG`` holds functions
with a scalar output (for ``grad``, ``value_and_grad`` and ``vjp``);
``VECTOR_CATALOG`` holds functions returning an array or a tuple (``vjp`` only).

Inputs sit away from non-differentiable points: no ties in max/min, branch
conditions and loop exits are not within a finite-difference step of flipping,
logs and square roots see positive numbers.

Out of scope for now, so not used here: list comprehensions and generator
expressions, calls to other user functions on active values, assignment into
arrays (``y[i] = ...``), closures, lambdas, ``try`` and ``with``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import s2sad
from tests import programs


@dataclass(frozen=True, eq=False)
class Case:
    """A function, the arguments it is called with, and which of them to differentiate."""

    func: Callable
    args: tuple
    wrt_all: tuple  # indices of the float/array arguments

    @property
    def name(self) -> str:
        return self.func.__name__


CATALOG: list[Case] = []
VECTOR_CATALOG: list[Case] = []
TREE_CATALOG: list[Case] = []      # a wrt argument is a dict or list of arrays


# ---------------------------------------------------------------------------
# Scalar arithmetic
# ---------------------------------------------------------------------------

def add_sub_mul(x, y):
    return x * y + x - y * 3.0


CATALOG.append(Case(add_sub_mul, (1.5, -2.25), (0, 1)))


def division(x, y):
    return x / y - 2.0 / (x + y)


CATALOG.append(Case(division, (1.5, 0.75), (0, 1)))


def negation(x):
    return -x * x + -(x - 3.0)


CATALOG.append(Case(negation, (0.8,), (0,)))


def power_constant(x):
    return x ** 3 - 2.0 * x ** 0.5 + x ** -2


CATALOG.append(Case(power_constant, (1.7,), (0,)))


def power_variable(x, y):
    """x ** y with a positive base."""
    return x ** y


CATALOG.append(Case(power_variable, (1.3, 2.7), (0, 1)))


def power_of_self(x):
    return 2.0 ** x + x ** x


CATALOG.append(Case(power_of_self, (1.4,), (0,)))


def floordiv(x, y):
    """Piecewise constant: zero derivative w.r.t. both."""
    return x // y


CATALOG.append(Case(floordiv, (7.3, 2.1), (0, 1)))


def floordiv_times(x, y):
    return (x // y) * x + y


CATALOG.append(Case(floordiv_times, (7.3, 2.1), (0, 1)))


def modulo(x, y):
    """d(x % y)/dx = 1, d(x % y)/dy = -floor(x / y)."""
    return x % y


CATALOG.append(Case(modulo, (7.3, 2.1), (0, 1)))
CATALOG.append(Case(modulo, (-7.3, 2.1), (0, 1)))


def modulo_combined(x, y):
    return (x % y) * x + y % 1.5


CATALOG.append(Case(modulo_combined, (5.2, 1.9), (0, 1)))


def math_trig(x):
    return math.sin(x) * math.cos(x) + math.tan(x)


CATALOG.append(Case(math_trig, (0.6,), (0,)))


def math_exp_log_sqrt(x):
    return math.exp(0.5 * x) * math.log(x) + math.sqrt(x)


CATALOG.append(Case(math_exp_log_sqrt, (2.3,), (0,)))


def math_tanh(x, y):
    return math.tanh(x * y) + math.tanh(x)


CATALOG.append(Case(math_tanh, (0.4, 1.3), (0, 1)))


def math_atan2(y, x):
    return math.atan2(y, x)


CATALOG.append(Case(math_atan2, (1.1, 2.0), (0, 1)))
CATALOG.append(Case(math_atan2, (0.8, -1.3), (0, 1)))  # second quadrant


def math_hypot(x, y):
    return math.hypot(x, y)


CATALOG.append(Case(math_hypot, (3.0, -4.5), (0, 1)))


def math_pow(x, y):
    return math.pow(x, y) + math.pow(y, 2.0)


CATALOG.append(Case(math_pow, (1.8, 0.9), (0, 1)))


def builtin_abs(x):
    return abs(x) * x + abs(2.0 - x)


CATALOG.append(Case(builtin_abs, (-1.3,), (0,)))
CATALOG.append(Case(builtin_abs, (0.7,), (0,)))


def builtin_min_max(x, y):
    return max(x, y) * 2.0 + min(x, y) - max(x, 1.0)


CATALOG.append(Case(builtin_min_max, (0.4, -1.1), (0, 1)))
CATALOG.append(Case(builtin_min_max, (-0.6, 2.2), (0, 1)))


def float_call(x):
    return float(x) * x + float(3)


CATALOG.append(Case(float_call, (1.9,), (0,)))


def baydin(x1, x2):
    """Baydin et al.'s example: 11.652... and gradient (5.5, 1.716...) at (2, 5)."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


CATALOG.append(Case(baydin, (2.0, 5.0), (0, 1)))


def horner(x):
    return ((2.0 * x - 3.0) * x + 1.0) * x - 5.0


CATALOG.append(Case(horner, (1.25,), (0,)))


def rational(x):
    return (x * x + 1.0) / (x - 4.0)


CATALOG.append(Case(rational, (1.7,), (0,)))


def nested_math(x):
    return math.exp(math.sin(x) ** 2) / (1.0 + math.cos(x) ** 2)


CATALOG.append(Case(nested_math, (0.9,), (0,)))


def fan_out(x):
    """One value used several times: adjoints accumulate."""
    y = x * x
    z = y + y * x
    return z * y - math.log(y)


CATALOG.append(Case(fan_out, (1.2,), (0,)))


def reassign_straight_line(x, y):
    z = x * y
    z = z + math.sin(z)
    z = z * x
    return z


CATALOG.append(Case(reassign_straight_line, (0.7, 1.6), (0, 1)))


def unused_argument(x, y):
    """Zero gradient w.r.t. y."""
    return 3.0 * x * x


CATALOG.append(Case(unused_argument, (1.1, 2.0), (0, 1)))


def constant_output(x):
    """Output independent of x: zero gradient."""
    return 2.5


CATALOG.append(Case(constant_output, (0.3,), (0,)))


def numpy_on_floats(x):
    return np.exp(x) * np.cos(x) + np.sqrt(x) * np.tanh(x)


CATALOG.append(Case(numpy_on_floats, (0.8,), (0,)))


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


CATALOG.append(Case(sigmoid, (-0.4,), (0,)))


# ---------------------------------------------------------------------------
# Control flow
# ---------------------------------------------------------------------------

def piecewise(x):
    if x < 0.0:
        y = -2.0 * x
    elif x < 2.0:
        y = x * x
    else:
        y = 4.0 * math.log(x)
    return y


CATALOG.append(Case(piecewise, (-1.5,), (0,)))
CATALOG.append(Case(piecewise, (1.2,), (0,)))
CATALOG.append(Case(piecewise, (3.1,), (0,)))


def nested_if(x, y):
    if x > 0.0:
        if y > x:
            z = x * y
        else:
            z = x - y * y
    else:
        z = math.exp(x) * y
    return z


CATALOG.append(Case(nested_if, (0.5, 1.5), (0, 1)))
CATALOG.append(Case(nested_if, (1.5, 0.5), (0, 1)))
CATALOG.append(Case(nested_if, (-0.7, 2.0), (0, 1)))


def and_or_condition(x, y):
    if x > 0.0 and y > 0.0:
        return x * y
    if x < -1.0 or y < -1.0:
        return x + y * y
    return x - y


CATALOG.append(Case(and_or_condition, (1.2, 0.4), (0, 1)))
CATALOG.append(Case(and_or_condition, (-2.0, 0.3), (0, 1)))
CATALOG.append(Case(and_or_condition, (-0.5, 0.3), (0, 1)))


def chained_comparison(x):
    if 0.0 < x < 1.0:
        return x * x
    return 2.0 * x


CATALOG.append(Case(chained_comparison, (0.6,), (0,)))
CATALOG.append(Case(chained_comparison, (1.7,), (0,)))


def conditional_expression(x, y):
    z = x * y if x > y else x + y
    return z * z


CATALOG.append(Case(conditional_expression, (2.0, 1.0), (0, 1)))
CATALOG.append(Case(conditional_expression, (0.5, 1.5), (0, 1)))


def for_range(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + i
    return s


CATALOG.append(Case(for_range, (1.3, 5), (0,)))


def for_range_step(x, n):
    s = 0.0
    for i in range(1, n, 2):
        s = s + x ** i / i
    return s


CATALOG.append(Case(for_range_step, (0.9, 8), (0,)))


def for_over_array(x):
    s = 0.0
    for v in x:
        s = s + v * v * v
    return s


CATALOG.append(Case(for_over_array, (np.array([0.5, -1.2, 2.0, 0.3]),), (0,)))


def for_over_rows(W, x):
    """Iterating over a 2-D array yields its rows."""
    s = 0.0
    for row in W:
        s = s + np.tanh(np.dot(row, x))
    return s


CATALOG.append(Case(for_over_rows, (np.array([[0.2, -0.5, 0.1], [0.7, 0.3, -0.4]]),
                                    np.array([1.0, 0.5, -1.5])), (0, 1)))


def for_over_constant_list(x):
    s = 0.0
    for c in [0.5, 1.5, 2.5]:
        s = s + c * math.sin(c * x)
    return s


CATALOG.append(Case(for_over_constant_list, (0.7,), (0,)))


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b + a * a
    return s


CATALOG.append(Case(for_zip, (np.array([0.3, -1.1, 2.0]), np.array([1.5, 0.4, -0.8])), (0, 1)))


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + (i + 1) * v ** 2
    return s


CATALOG.append(Case(for_enumerate, (np.array([0.9, -0.2, 1.4, 0.6]),), (0,)))


def for_index(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + w[i] * np.sin(x[i])
    return s


CATALOG.append(Case(for_index, (np.array([0.1, 0.8, -1.3]), np.array([2.0, -0.5, 1.5])), (0, 1)))


def while_grow(x):
    """Trip count depends on x: 6 iterations at 1.3, 10 at 0.2."""
    while x < 10.0:
        x = x * 1.5
    return x


CATALOG.append(Case(while_grow, (1.3,), (0,)))
CATALOG.append(Case(while_grow, (0.2,), (0,)))


def while_count(x):
    s = 0.0
    k = 0
    while s < 5.0:
        s = s + x * x
        k = k + 1
    return s * k


CATALOG.append(Case(while_count, (0.9,), (0,)))


def newton_sqrt(a):
    """Newton's iteration for sqrt(a), run until converged."""
    x = a
    while abs(x * x - a) > 1e-10 * a:
        x = 0.5 * (x + a / x)
    return x


CATALOG.append(Case(newton_sqrt, (3.7,), (0,)))


def newton_cube_root(a, n):
    """n Newton steps for a ** (1/3), starting from a constant."""
    x = 1.0
    for i in range(n):
        x = x - (x * x * x - a) / (3.0 * x * x)
    return x


CATALOG.append(Case(newton_cube_root, (5.0, 8), (0,)))


def loop_break(x, n):
    s = 1.0
    for i in range(n):
        s = s * x
        if s > 50.0:
            break
    return s


CATALOG.append(Case(loop_break, (2.3, 10), (0,)))
CATALOG.append(Case(loop_break, (1.2, 6), (0,)))  # never breaks


def loop_continue(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        s = s + v ** 2
    return s


CATALOG.append(Case(loop_continue, (np.array([0.5, -1.0, 1.5, -0.3, 2.0]),), (0,)))


def break_in_nested_if(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        if s > 2.0:
            if x > 0.5:
                break
            s = s - 1.0
    return s


CATALOG.append(Case(break_in_nested_if, (0.7, 10), (0,)))
CATALOG.append(Case(break_in_nested_if, (0.35, 8), (0,)))


def early_return(x):
    if x > 2.0:
        return x * x
    y = math.sin(x)
    return y * x


CATALOG.append(Case(early_return, (2.5,), (0,)))
CATALOG.append(Case(early_return, (1.0,), (0,)))


def return_in_loop(x, n):
    for i in range(n):
        x = x * x + 0.5
        if x > 100.0:
            return x
    return -x


CATALOG.append(Case(return_in_loop, (1.2, 10), (0,)))
CATALOG.append(Case(return_in_loop, (0.3, 3), (0,)))


def nested_loops_triangle(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i, n):
            s = s + x[i] * x[j]
    return s


CATALOG.append(Case(nested_loops_triangle, (np.array([0.5, -1.0, 2.0, 0.25]), 4), (0,)))


def nested_loops_product(x, n):
    p = 1.0
    for i in range(n):
        for j in range(2):
            p = p * (x + 0.1 * i - 0.2 * j)
    return p


CATALOG.append(Case(nested_loops_product, (1.3, 3), (0,)))


def repeated_squaring(x, n):
    for i in range(n):
        x = x * x
    return x


CATALOG.append(Case(repeated_squaring, (1.1, 4), (0,)))


def fibonacci_like(a, b, n):
    for i in range(n):
        a, b = b, a + 0.5 * b
    return a * b


CATALOG.append(Case(fibonacci_like, (0.3, 0.8, 6), (0, 1)))


def augmented_assignment(x, y):
    s = 0.0
    p = 1.0
    s += x * y
    p *= x + 1.0
    s -= y / p
    p /= 1.0 + y * y
    return s + p


CATALOG.append(Case(augmented_assignment, (1.4, -0.6), (0, 1)))


def augmented_in_loop(x, n):
    s = 0.0
    p = 1.0
    for i in range(n):
        s += x ** i
        p *= 1.0 + x / (i + 1)
    return s * p


CATALOG.append(Case(augmented_in_loop, (0.8, 5), (0,)))


def tuple_unpacking(x, y):
    a, b = x * y, x + y
    a, b = b, a
    return a / b + b


CATALOG.append(Case(tuple_unpacking, (1.5, 0.4), (0, 1)))


def loop_branch_g(x, n):
    """A loop with a branch inside whose body overwrites x (examples/loops.py's g)."""
    for i in range(n):
        if x > 0:
            x = x * x
        else:
            x = -x
    return x


CATALOG.append(Case(loop_branch_g, (1.1, 3), (0,)))
CATALOG.append(Case(loop_branch_g, (-0.9, 3), (0,)))


def loop_carried(x, n):
    """Each step reads the values the previous step wrote."""
    prev = x
    cur = math.sin(x)
    for i in range(n):
        prev, cur = cur, cur + 0.5 * math.cos(prev)
    return cur * prev


CATALOG.append(Case(loop_carried, (0.4, 5), (0,)))


def max_then_accumulate(a):
    """A max-finding loop, then an accumulation that uses the max (google/tangent #66)."""
    m = a[0]
    for i in range(1, len(a)):
        if a[i] > m:
            m = a[i]
    s = 0.0
    for i in range(len(a)):
        s += np.exp(a[i] - m)
    return m + np.log(s)


CATALOG.append(Case(max_then_accumulate, (np.array([0.3, 1.7, -0.5, 1.1]),), (0,)))


def branch_on_array(x):
    if np.sum(x) > 0.0:
        return np.sum(x ** 2)
    return np.sum(np.exp(x))


CATALOG.append(Case(branch_on_array, (np.array([0.5, 1.0, -0.2]),), (0,)))
CATALOG.append(Case(branch_on_array, (np.array([-0.5, 0.2, -0.9]),), (0,)))


def loop_overwrites_array(x, n):
    for i in range(n):
        x = np.sin(x) + 0.5 * x
    return np.sum(x)


CATALOG.append(Case(loop_overwrites_array, (np.array([0.4, -1.2, 2.5]), 4), (0,)))


def while_on_array(x):
    k = 0
    while np.max(np.abs(x)) > 0.1:
        x = x * 0.5
        k += 1
    return np.sum(x ** 2) * k


CATALOG.append(Case(while_on_array, (np.array([0.7, -1.3, 0.4]),), (0,)))


# ---------------------------------------------------------------------------
# NumPy
# ---------------------------------------------------------------------------

def np_exp_log(x):
    return np.sum(np.exp(0.5 * x) * np.log(x))


CATALOG.append(Case(np_exp_log, (np.array([0.5, 1.5, 3.0]),), (0,)))


def np_trig(x):
    return np.sum(np.sin(x) * np.cos(2.0 * x) + np.tanh(x))


CATALOG.append(Case(np_trig, (np.array([[0.1, -0.7], [1.2, 2.3]]),), (0,)))


def np_sqrt_abs(x):
    return np.sum(np.sqrt(np.abs(x)) * x)


CATALOG.append(Case(np_sqrt_abs, (np.array([0.8, -1.5, 2.2, -0.3]),), (0,)))


def np_maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) * 2.0 + np.minimum(x, y) ** 2)


CATALOG.append(Case(np_maximum_minimum, (np.array([0.5, -1.0, 2.0]), np.array([1.5, -2.0, 0.3])), (0, 1)))


def relu_squared(x):
    return np.sum(np.maximum(x, 0.0) ** 2)


CATALOG.append(Case(relu_squared, (np.array([0.6, -0.4, 1.3, -2.0]),), (0,)))


def np_where(x):
    return np.sum(np.where(x > 0.0, x ** 2, np.sin(x)))


CATALOG.append(Case(np_where, (np.array([0.9, -0.6, 1.8, -1.1]),), (0,)))


def np_where_two(x, y):
    return np.sum(np.where(x > y, x * y, x - y))


CATALOG.append(Case(np_where_two, (np.array([1.0, -0.5, 2.0]), np.array([0.2, 0.7, 2.5])), (0, 1)))


def broadcast_column_row(a, b):
    """(3, 1) + (1, 4) -> (3, 4)."""
    c = a + b
    return np.sum(c * c * a)


CATALOG.append(Case(broadcast_column_row, (np.array([[0.5], [-1.0], [2.0]]),
                                           np.array([[0.3, 1.2, -0.7, 0.1]])), (0, 1)))


def scalar_times_vector(s, v):
    return np.sum(s * v ** 2) + s * s


CATALOG.append(Case(scalar_times_vector, (1.5, np.array([0.4, -0.9, 1.3])), (0, 1)))


def vector_plus_matrix(v, M):
    """(4,) + (3, 4) -> (3, 4)."""
    return np.sum(np.sin(M + v) * M)


CATALOG.append(Case(vector_plus_matrix, (np.array([0.1, -0.2, 0.3, 0.5]),
                                         np.array([[0.4, 1.0, -0.6, 0.2],
                                                   [1.1, -0.3, 0.8, -1.4],
                                                   [0.0, 0.9, 0.5, 0.7]])), (0, 1)))


def reduce_axis(X):
    col = np.sum(X, axis=0)
    row = np.mean(X, axis=1)
    return np.sum(col ** 2) + np.sum(row ** 3)


CATALOG.append(Case(reduce_axis, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def reduce_keepdims(X):
    centred = X - np.mean(X, axis=1, keepdims=True)
    scale = np.sum(X * X, axis=0, keepdims=True)
    return np.sum(centred ** 2 * scale)


CATALOG.append(Case(reduce_keepdims, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def reduce_max_min(X):
    return np.sum(np.max(X, axis=1) ** 2) + np.min(X) * np.max(X) + np.sum(np.min(X, axis=0))


CATALOG.append(Case(reduce_max_min, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def reduce_axis_none(X):
    return np.sum(X ** 2, axis=None) * np.mean(X, axis=None)


CATALOG.append(Case(reduce_axis_none, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def method_sum_mean(X):
    return X.sum() * X.mean(axis=0).sum() + (X ** 2).mean() + X.sum(axis=1).max()


CATALOG.append(Case(method_sum_mean, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def method_reshape_transpose(x):
    M = x.reshape(2, 3)
    G = M.T @ M
    return np.sum(G * G)


CATALOG.append(Case(method_reshape_transpose, (np.array([0.5, -1.0, 2.0, 1.5, 0.3, -0.4]),), (0,)))


def method_dot(x, y):
    return x.dot(y) + (x * y * y).sum()


CATALOG.append(Case(method_dot, (np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.4])), (0, 1)))


def method_chain_T_dot(W, x):
    """w.T.dot(x), the pattern of HIPS/autograd #8."""
    return np.sum(W.T.dot(x) ** 2)


CATALOG.append(Case(method_chain_T_dot, (np.array([[0.5, -1.0], [2.0, 1.5], [0.3, -0.4]]),
                                         np.array([0.7, -0.2, 1.1])), (0, 1)))


def shape_for_sizes(x):
    n = x.shape[0]
    return np.sum(x) / n + np.sum(x ** 2) / len(x)


CATALOG.append(Case(shape_for_sizes, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))


def np_dot(x, y):
    return np.dot(x, y) ** 2


CATALOG.append(Case(np_dot, (np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.4])), (0, 1)))


def np_dot_matvec(M, v):
    r = np.dot(M, v)
    return np.sum(np.sin(r))


CATALOG.append(Case(np_dot_matvec, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),
                                    np.array([0.2, 0.9, -0.6])), (0, 1)))


def matvec(M, v):
    r = M @ v
    return np.sum(r * r)


CATALOG.append(Case(matvec, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),
                             np.array([0.2, 0.9, -0.6])), (0, 1)))


def matmul(A, B):
    C = A @ B
    return np.sum(np.tanh(C))


CATALOG.append(Case(matmul, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),
                             np.array([[0.2, 0.1], [0.9, -0.3], [-0.6, 0.4]])), (0, 1)))


def vecvec(x, y):
    return (x @ y) * np.sum(x)


CATALOG.append(Case(vecvec, (np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.4])), (0, 1)))


def quadratic_form(x, A):
    return x @ A @ x


CATALOG.append(Case(quadratic_form, (np.array([0.5, -1.0, 2.0]),
                                     np.array([[2.0, 0.3, -0.1], [0.5, 1.0, 0.2], [0.0, -0.4, 3.0]])), (0, 1)))


def np_outer(x, y):
    P = np.outer(x, y)
    return np.sum(P ** 2 * P)


CATALOG.append(Case(np_outer, (np.array([0.5, -1.0, 2.0]), np.array([1.5, -0.4])), (0, 1)))


def np_transpose_reshape(X):
    T = np.transpose(X)
    flat = np.reshape(X, (6,))
    return np.sum(T * np.reshape(flat[::-1], (3, 2))) + np.sum(flat ** 3)


CATALOG.append(Case(np_transpose_reshape, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def index_scalar(x):
    return x[0] * x[-1] + x[1] ** 2


CATALOG.append(Case(index_scalar, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))


def index_slices(x):
    return np.sum(x[1:3] ** 2) + np.sum(x[::-1] * x)


CATALOG.append(Case(index_slices, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))


def index_2d(X):
    return np.sum(X[:, 0] * X[:, 2]) + X[1, 2] * X[0, 1] + np.sum(X[0] ** 2)


CATALOG.append(Case(index_2d, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def fancy_index_repeated(x):
    """x[0] is picked twice: its adjoint gets both contributions."""
    return np.sum(x[[0, 0, 2]] ** 2)


CATALOG.append(Case(fancy_index_repeated, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))


def inactive_constructors(x):
    w = np.arange(x.shape[0]) + 1.0
    z = np.zeros_like(x)
    o = np.ones(x.shape[0])
    return np.sum(w * x ** 2 + z + o * x)


CATALOG.append(Case(inactive_constructors, (np.array([0.5, -1.0, 2.0]),), (0,)))


def mlp_loss(W, b, x):
    return np.sum(np.tanh(W @ x + b) ** 2)


CATALOG.append(Case(mlp_loss, (np.array([[0.5, -1.0, 0.2], [0.3, 0.3, -0.4]]),
                               np.array([0.1, -0.2]),
                               np.array([0.7, -0.5, 1.2])), (0, 1, 2)))


def two_layer_mse(W1, b1, W2, x, t):
    h = np.tanh(W1 @ x + b1)
    y = W2 @ h
    return np.mean((y - t) ** 2)


CATALOG.append(Case(two_layer_mse, (np.array([[0.5, -1.0, 0.2], [0.3, 0.3, -0.4]]),
                                    np.array([0.1, -0.2]),
                                    np.array([[1.0, -0.5], [0.4, 0.8]]),
                                    np.array([0.7, -0.5, 1.2]),
                                    np.array([0.3, -0.1])), (0, 1, 2, 3, 4)))


def softmax_cross_entropy(z, label):
    m = np.max(z)
    e = np.exp(z - m)
    p = e / np.sum(e)
    return -np.log(p[label])


CATALOG.append(Case(softmax_cross_entropy, (np.array([0.5, 2.0, -1.0, 1.2]), 2), (0,)))


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


CATALOG.append(Case(logsumexp, (np.array([0.5, 2.0, -1.0, 1.2]),), (0,)))


def logsumexp_rows(X):
    m = np.max(X, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(X - m), axis=1)))


CATALOG.append(Case(logsumexp_rows, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


def least_squares(w, X, y):
    r = X @ w - y
    return r.dot(r) / y.shape[0]


CATALOG.append(Case(least_squares, (np.array([0.4, -0.3]),
                                    np.array([[1.0, 0.5], [0.2, -1.0], [1.5, 0.7]]),
                                    np.array([0.9, -0.1, 1.3])), (0, 1, 2)))


def layer_norm(x):
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)
    z = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum(z * np.array([1.0, 2.0, -1.0, 0.5]))


CATALOG.append(Case(layer_norm, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


CATALOG.append(Case(rosenbrock, (np.array([0.5, -0.3, 1.2, 0.8]),), (0,)))


def array_operators(x, y):
    return np.sum(x / y - y ** x + 1.0 / x - (-x) * y)


CATALOG.append(Case(array_operators, (np.array([0.5, 1.0, 2.0]), np.array([1.5, 0.3, 0.8])), (0, 1)))


def zero_dim_input(x):
    """A 0-d array argument: its gradient is 0-d too."""
    return np.sin(x) * x


CATALOG.append(Case(zero_dim_input, (np.array(0.7),), (0,)))


# ---------------------------------------------------------------------------
# Non-scalar outputs (vjp only)
# ---------------------------------------------------------------------------

def elementwise_vector(x):
    return np.sin(x) * x


VECTOR_CATALOG.append(Case(elementwise_vector, (np.array([0.5, -1.0, 2.0]),), (0,)))


def matvec_output(M, v):
    return M @ v


VECTOR_CATALOG.append(Case(matvec_output, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),
                                           np.array([0.2, 0.9, -0.6])), (0, 1)))


def matmul_output(A, B):
    return np.tanh(A @ B)


VECTOR_CATALOG.append(Case(matmul_output, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),
                                           np.array([[0.2, 0.1], [0.9, -0.3], [-0.6, 0.4]])), (0, 1)))


def broadcast_output(a, b):
    return a * b + a


VECTOR_CATALOG.append(Case(broadcast_output, (np.array([[0.5], [-1.0], [2.0]]),
                                              np.array([[0.3, 1.2, -0.7, 0.1]])), (0, 1)))


def two_scalars(x, y):
    return x * y, x + math.sin(y)


VECTOR_CATALOG.append(Case(two_scalars, (1.3, 0.6), (0, 1)))


def polar_to_cartesian(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


VECTOR_CATALOG.append(Case(polar_to_cartesian, (2.0, 0.7), (0, 1)))


def scalar_and_array(s, x):
    return s * np.sum(x), s * x ** 2


VECTOR_CATALOG.append(Case(scalar_and_array, (1.5, np.array([0.4, -0.9, 1.3])), (0, 1)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


VECTOR_CATALOG.append(Case(softmax, (np.array([0.5, 2.0, -1.0, 1.2]),), (0,)))


def iterated_map(x, n):
    for i in range(n):
        x = np.tanh(x) * 1.5 + 0.1
    return x


VECTOR_CATALOG.append(Case(iterated_map, (np.array([0.4, -1.2, 2.5]), 4), (0,)))


def row_sums(X):
    return np.sum(X ** 2, axis=1)


VECTOR_CATALOG.append(Case(row_sums, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]]),), (0,)))


# --- control flow found tricky while building the reverse sweep -------------------


def return_from_nested_loops(x, n):
    for i in range(n):
        for j in range(n):
            x = x * 1.1 + 0.1 * j
            if x > 5.0:
                return x * x
    return -x


CATALOG.append(Case(return_from_nested_loops, (0.9, 4), (0,)))   # falls through
CATALOG.append(Case(return_from_nested_loops, (1.5, 3), (0,)))   # returns early


def break_and_continue_nested(x, n):
    s = 0.0
    for i in range(n):
        if i == 1:
            continue
        for j in range(3):
            if j == 2:
                break
            s = s + x * j + s * 0.1
        if s > 3.0:
            s = s * x
            break
    return s


CATALOG.append(Case(break_and_continue_nested, (1.3, 5), (0,)))
CATALOG.append(Case(break_and_continue_nested, (0.5, 5), (0,)))


def loop_over_matrix_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.sum(row * w) ** 2
    return s


CATALOG.append(Case(loop_over_matrix_rows,
                    (np.arange(6.0).reshape(3, 2) / 3, np.array([0.5, -1.0])), (0, 1)))


def value_from_last_iteration(x, n):
    for i in range(n):
        y = x * i
        x = x + 0.5 * y
    return y * x


CATALOG.append(Case(value_from_last_iteration, (0.7, 4), (0,)))


def while_true_with_break_and_return(x):
    k = 0
    y = x
    while True:
        k = k + 1
        y = y * x
        if k >= 4:
            break
        if y > 100:
            return y
    return y + x


CATALOG.append(Case(while_true_with_break_and_return, (1.5,), (0,)))
CATALOG.append(Case(while_true_with_break_and_return, (5.0,), (0,)))


def conditional_expressions_in_loop(x, n):
    t = 0.0
    for i in range(n):
        t = t + (x * i if i % 2 else -x)
        t = max(t, x * 0.5) if t < 0 else min(t, 10.0)
    return t


CATALOG.append(Case(conditional_expressions_in_loop, (0.7, 6), (0,)))
CATALOG.append(Case(conditional_expressions_in_loop, (-0.7, 6), (0,)))


def reassigned_parameters(x, y):
    x = x * y
    y = x + y
    x = x * y
    return x


CATALOG.append(Case(reassigned_parameters, (0.7, 1.3), (0, 1)))


def loop_target_read_after_loop(x, n):
    i = 3.0
    y = x * i
    for i in range(n):
        y = y + x * i
    return y * i


CATALOG.append(Case(loop_target_read_after_loop, (0.7, 4), (0,)))


def inner_loop_target_read_before_inner_loop(x, n):
    s = 0.0
    j = 0
    for i in range(n):
        s = s + x * j
        for j in range(i + 1):
            s = s + x * x * j
    return s


CATALOG.append(Case(inner_loop_target_read_before_inner_loop, (0.7, 4), (0,)))


def scalar_loop_over_vector_with_while_tail(x, w, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s += w * np.sin(x[i])
        if s > 10:
            break
    k = 0
    while s < 100.0:
        s = s * 1.5 + x[k % 3]
        k = k + 1
    return s


CATALOG.append(Case(scalar_loop_over_vector_with_while_tail,
                    (np.array([0.3, 1.2, -0.4, 0.9, 2.0]), 1.7, 5), (0, 1)))


def tuple_alias_read_twice(x, y):
    t = (x, y)
    u = t
    return u[0] * t[1] + t[0]


CATALOG.append(Case(tuple_alias_read_twice, (0.7, 1.3), (0, 1)))


def loop_over_list_of_active_values(x, y):
    s = 0.0
    for a in [x, y, x]:
        s = s + a * a
    return s


CATALOG.append(Case(loop_over_list_of_active_values, (0.7, 1.3), (0, 1)))


def array_built_from_active_scalars(x, y):
    return np.sum(np.array([x, y]) ** 2) + np.sum(np.stack([x * y, y]))


CATALOG.append(Case(array_built_from_active_scalars, (0.7, 1.3), (0, 1)))


# --- calls to user functions (the caller's derivative calls the callee's) ----------


def helper_scaled_sine(a, b):
    return a * math.sin(b)


def helper_called_twice_with_swapped_arguments(x, y):
    u = helper_scaled_sine(x, y)
    v = helper_scaled_sine(y, x)
    return u * v + helper_scaled_sine(2.0, x)


CATALOG.append(Case(helper_called_twice_with_swapped_arguments, (0.7, 1.3), (0, 1)))


def recursive_power_of(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power_of(x, n - 1)


CATALOG.append(Case(recursive_power_of, (1.3, 4), (0,)))


def mutual_even(x, n):
    if n == 0:
        return x
    return mutual_odd(x * 1.1, n - 1)


def mutual_odd(x, n):
    if n == 0:
        return x * x
    return mutual_even(math.sin(x), n - 1)


CATALOG.append(Case(mutual_even, (0.7, 5), (0,)))


def helper_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + helper_scaled_sine(x, s + i)
    return s


CATALOG.append(Case(helper_in_a_loop, (0.7, 4), (0,)))


def helper_returning_a_pair(x):
    return x * x, math.cos(x)


def unpacks_a_helpers_pair(x):
    a, b = helper_returning_a_pair(x)
    return a * b


CATALOG.append(Case(unpacks_a_helpers_pair, (0.7,), (0,)))


def helper_layer(w, x):
    return np.tanh(w @ x)


def calls_an_array_helper(w, x):
    h = helper_layer(w, x)
    return np.sum(helper_layer(w, h) ** 2)


CATALOG.append(Case(calls_an_array_helper,
                    (np.array([[0.3, -0.2], [0.5, 0.1]]), np.array([0.7, -1.1])), (0, 1)))


def helper_with_keyword(x, scale=2.0, *, shift=0.5):
    return scale * x + shift * x * x


def calls_with_keywords(x, y):
    return helper_with_keyword(x, shift=y) + helper_with_keyword(y, scale=x)


CATALOG.append(Case(calls_with_keywords, (0.7, 1.3), (0, 1)))


# --- in-place updates of local arrays ------------------------------------------------


def slot_by_slot_recurrence(x, n):
    a = np.zeros(n)
    a[0] = x
    for i in range(n - 1):
        a[i + 1] = math.sin(a[i]) * x + 0.1
    return np.sum(a * a)


CATALOG.append(Case(slot_by_slot_recurrence, (0.7, 5), (0,)))


def slice_updates_reading_the_array(x):
    y = np.zeros(5)
    y[1:3] = x * 2.0
    y[0] += np.sin(x[0])
    y[3:] = y[:2] * x
    return np.sum(y ** 2)


CATALOG.append(Case(slice_updates_reading_the_array, (np.array([0.5, -1.0]),), (0,)))


def augmented_update_with_repeated_indices(x):
    """NumPy buffers y[idx] += x: a repeated index counts once (its last write)."""
    y = np.zeros(3)
    idx = np.array([0, 0, 2])
    y[idx] += x
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


CATALOG.append(Case(augmented_update_with_repeated_indices, (np.array([0.5, -1.0, 2.0]),),
                    (0,)))


def update_of_a_copy_of_an_argument(v):
    w = v.copy()
    w[1] = w[0] * w[2]
    w[0] = 3.0
    return np.sum(w * v)


CATALOG.append(Case(update_of_a_copy_of_an_argument, (np.array([0.5, -1.0, 2.0]),), (0,)))


def row_updates_in_a_loop(W, x):
    H = np.zeros((3, 2))
    h = x
    for t in range(3):
        h = np.tanh(W @ h)
        H[t] = h
    return np.sum(H * H) + np.sum(H[:, 0])


CATALOG.append(Case(row_updates_in_a_loop,
                    (np.array([[0.5, -0.3], [0.2, 0.8]]), np.array([0.4, -0.6])), (0, 1)))


def updated_array_returned(x):
    y = np.zeros(3)
    y[0] = x
    y[2] = x * x
    return y


VECTOR_CATALOG.append(Case(updated_array_returned, (0.7,), (0,)))


# --- lists built in loops, comprehensions ----------------------------------------------


def list_of_arrays_stacked(x, n):
    rows = []
    for i in range(n):
        rows.append(np.sin(x * i))
    M = np.stack(rows)
    return np.sum(M * M)


CATALOG.append(Case(list_of_arrays_stacked, (np.array([0.3, 0.8]), 3), (0,)))


def generator_and_list_comprehension(w, x, n):
    s = sum(w[i] * x[i] for i in range(n) if i != 2)
    return s + sum([a * a for a in x])


CATALOG.append(Case(generator_and_list_comprehension,
                    (np.array([0.5, -1.0, 2.0, 0.3]), np.array([1.5, 0.2, -0.7, 1.1]), 4),
                    (0, 1)))


def list_of_scalars_indexed(x):
    vals = []
    for i in range(4):
        vals.append(x ** i)
    return vals[1] * vals[3] + sum(vals)


CATALOG.append(Case(list_of_scalars_indexed, (0.7,), (0,)))


def nested_comprehension_to_array(x):
    grid = np.array([[xi * xj for xj in x] for xi in x])
    return np.sum(np.tanh(grid))


CATALOG.append(Case(nested_comprehension_to_array, (np.array([0.3, -0.5, 0.9]),), (0,)))


# --- parameter trees: wrt a dict or list of arrays --------------------------------------


def mlp_with_a_parameter_dict(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    pred = h @ params["W2"]
    return np.mean((pred - y) ** 2)


TREE_CATALOG.append(Case(mlp_with_a_parameter_dict,
                    ({"W1": np.array([[0.5, -0.3, 0.1], [0.2, 0.8, -0.4]]),
                      "b1": np.array([0.1, -0.2, 0.05]), "W2": np.array([0.7, -0.5, 0.3])},
                     np.array([[1.0, -0.5], [0.3, 0.9], [-0.6, 0.2]]),
                     np.array([0.5, -0.1, 0.4])), (0,)))


def layers_from_a_parameter_list(weights, x):
    h = x
    for w in weights:
        h = np.tanh(w @ h)
    return np.sum(h * h)


TREE_CATALOG.append(Case(layers_from_a_parameter_list,
                    ([np.array([[0.5, -0.3], [0.2, 0.8]]), np.array([[0.1, 0.7], [-0.6, 0.4]])],
                     np.array([0.3, -0.9])), (0, 1)))


def dict_loop_over_keys(params, x):
    total = 0.0
    for name in params:
        total = total + np.sum(params[name] * x)
    return total


TREE_CATALOG.append(Case(dict_loop_over_keys,
                    ({"a": np.array([0.5, -1.0]), "b": np.array([2.0, 0.3])},
                     np.array([0.7, 1.3])), (0, 1)))


# --- nested defs (closures over values that are not differentiated) ----------------------


def nested_helper_with_a_captured_constant(x, y, n):
    scale = 1.0 / n

    def smooth(t, power=2):
        return scale * t ** power + math.sin(t)

    total = 0.0
    for i in range(n):
        total = total + smooth(x * i + y)
    return total + smooth(y, power=3)


CATALOG.append(Case(nested_helper_with_a_captured_constant, (0.4, 0.9, 3), (0, 1)))


# --- a loss written as a class method that calls the class's other methods ---------------


class TwoLayerModel:
    def __init__(self, scale):
        self.scale = scale

    def layer(self, w, x):
        return np.tanh(w * x * self.scale)

    def loss(self, w, x):
        h = self.layer(w, x)
        return np.sum(self.layer(w, h) ** 2)


CATALOG.append(Case(TwoLayerModel(0.7).loss, (np.array([0.5, -0.3]), np.array([1.0, 2.0])),
                    (0, 1)))


# --- nested differentiation: a gradient taken inside the function being differentiated ---


def product_of_arguments(y, x):
    return x * y


def derivative_of_an_inner_gradient(x):
    """d/dx of (d/dy x*y at y = x) is 1, not 2: inner and outer derivatives stay apart."""
    return s2sad.grad(product_of_arguments, wrt=0)(x, x)


CATALOG.append(Case(derivative_of_an_inner_gradient, (1.5,), (0,)))


def curved_inner(y, x):
    return x * y * y + np.sin(x * y)


def inner_gradient_called_twice(x, z):
    g = s2sad.grad(curved_inner, wrt=0)
    return g(x, z) * x + g(z, x)


CATALOG.append(Case(inner_gradient_called_twice, (0.7, 1.3), (0, 1)))


# --- closures from a factory, helpers imported from another module ----------------------


def make_scaled_sine(scale):
    def scaled_sine(x):
        return scale * np.sin(x) * x
    return scaled_sine


closure_from_a_factory = make_scaled_sine(1.7)
CATALOG.append(Case(closure_from_a_factory, (0.8,), (0,)))


def calls_a_helper_from_another_module(x, y):
    from_other = programs.loop_sum(x * y, 4)
    return from_other + x


CATALOG.append(Case(calls_a_helper_from_another_module, (0.7, 1.3), (0, 1)))


def lists_concatenated(x, y):
    a = [x, 2.0 * y]
    b = [x * y]
    c = a + b
    return c[0] + c[1] * c[2]


CATALOG.append(Case(lists_concatenated, (0.7, 1.3), (0, 1)))


def tuples_concatenated_and_repeated(x):
    t = (x, x * x) + (3.0 * x,)
    r = [x * x] * 3
    return t[1] * t[2] + r[0] * r[2]


CATALOG.append(Case(tuples_concatenated_and_repeated, (0.8,), (0,)))


def split_pieces_concatenated(x):
    return np.sum(np.concatenate(np.split(x, 2) + np.split(x * x, 2)) * np.arange(8.0))


CATALOG.append(Case(split_pieces_concatenated, (np.array([0.5, -1.0, 2.0, 1.5]),), (0,)))
