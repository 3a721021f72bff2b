"""Issue 12, the tape: appends in loops, pullbacks run many times, split mode reading
updated values, side effects on lists the function did not make, loops over a
rebound sequence and loop targets the body rebinds.

Every derivative is checked against central finite differences, and forward mode
against reverse mode (<J v, w> == <v, J^T w>); the caller's arrays must end as
the primal leaves them.
"""
import numpy as np
import pytest

import s2sad
from tests.fd import assert_close_to_fd, fd_grad, fd_vjp, inner, random_cotangent


def _copies(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def _same_inputs(got, expected, route):
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e, err_msg=f"{route} changed the caller's array")


def _tangent(x, rng):
    return rng.standard_normal(np.shape(x)) if isinstance(x, np.ndarray) else \
        float(rng.standard_normal())


def check_routes(f, *args, seeds=3):
    """grad (scalar output), jvp and a pullback run ``seeds`` times, each against
    finite differences and each on copies of the arguments, which must end exactly
    as the primal leaves them."""
    rng = np.random.default_rng(0)
    wrt = tuple(range(len(args)))
    after = _copies(args)
    value = f(*after)
    if np.ndim(value) == 0:
        expected = [fd_grad(f, _copies(args), i) for i in wrt]
        mine = _copies(args)
        got_value, got = s2sad.value_and_grad(f, wrt=wrt)(*mine)
        assert got_value == pytest.approx(float(value), rel=1e-12)
        for g, e in zip(got, expected):
            assert_close_to_fd(g, e, "grad")
        _same_inputs(mine, after, "grad")
    mine = _copies(args)
    y, pullback = s2sad.vjp(f, *mine)
    np.testing.assert_allclose(y, value, rtol=1e-12)
    for _ in range(seeds):                   # the pullback is pure: every call agrees
        seed = random_cotangent(value, rng)
        for g, e in zip(pullback(seed), fd_vjp(f, _copies(args), wrt, seed)):
            assert_close_to_fd(g, e, "vjp")
        tangents = tuple(_tangent(a, rng) for a in args)
        mine_j = _copies(args)
        y_j, dy = s2sad.jvp(f, mine_j, tangents)
        _same_inputs(mine_j, after, "jvp")
        np.testing.assert_allclose(y_j, value, rtol=1e-12)
        # <J t, w> == <t, J^T w>
        assert inner(seed, dy) == pytest.approx(
            sum(inner(t, g) for t, g in zip(tangents, pullback(seed))), rel=1e-9, abs=1e-12)
    _same_inputs(mine, after, "vjp")


# 11: an append of a bare name inside a loop ------------------------------------------

def append_param(x):
    lst = [1.0]
    for _ in range(2):
        lst.append(x)
    return sum(lst)


def append_loop_variable(x):
    lst = []
    for e in x:
        lst.append(e)
    return sum(lst) * 1.0


def append_in_while(x):
    lst = [x]
    k = 0
    while k < 3:
        lst.append(x)
        k += 1
    return lst[0] * lst[1] + lst[3]


def append_in_nested_loops(x):
    out = []
    for row in x:
        for e in row:
            out.append(e)
    return np.sum(np.array(out) ** 2)


def append_in_branch(x):
    out = []
    for e in x:
        if e > 0:
            out.append(e)
    return sum(out)


@pytest.mark.parametrize("f, args", [
    (append_param, (0.7,)),
    (append_loop_variable, (np.array([1.0, -2.0, 0.5]),)),
    (append_in_while, (0.7,)),
    (append_in_nested_loops, (np.array([[1.0, -2.0], [0.5, 3.0]]),)),
    (append_in_branch, (np.array([1.0, -2.0, 0.5]),)),
])
def test_append_of_a_name_in_a_loop_keeps_its_adjoint(f, args):
    check_routes(f, *args)


# 12: a pullback called many times ----------------------------------------------------

def update_then_rebind(x):
    y = np.zeros(3)
    y[1] = x
    for _ in range(2):
        y = np.tanh(y)
    return y


def update_and_rebind_in_loop(x):
    y = np.ones(3)
    for i in range(3):
        y[i] = x * y[i - 1]
        y = np.sin(y)
    return y


def update_and_rebind_nested(x):
    y = np.ones(2) * 0.5
    for i in range(2):
        for j in range(2):
            y[j] = y[j] * x + 0.1
            y = np.tanh(y) * 1.5
    return y * 2.0


def update_and_rebind_while(x):
    y = np.zeros(2)
    k = 0
    while k < 3:
        y[k % 2] = x + y[k % 2]
        y = np.cos(y)
        k += 1
    return y


def update_two_then_rebind(x):
    y = np.zeros(3)
    y[1] = x[0]
    y[2] = x[1] * x[0]
    for _ in range(2):
        y = np.cos(y) * y + 0.5
    return y[1:] * 1.0


def update_matrix_then_rebind(x):
    y = np.zeros((2, 2))
    y[0] = x
    y = y * y
    y[1] = x * 3.0
    y = np.exp(y)
    return y[0] + y[1]


@pytest.mark.parametrize("f, arg", [
    (update_then_rebind, 0.7),
    (update_and_rebind_in_loop, 0.7),
    (update_and_rebind_nested, 0.7),
    (update_and_rebind_while, 0.7),
    (update_matrix_then_rebind, np.array([0.3, -0.4])),
    (update_two_then_rebind, np.array([0.3, -0.4])),
])
def test_pullback_is_pure(f, arg):
    check_routes(f, arg, seeds=4)


@pytest.mark.parametrize("f, arg", [
    (update_then_rebind, 0.7),
    (update_and_rebind_in_loop, 0.7),
    (update_two_then_rebind, np.array([0.3, -0.4])),
])
@pytest.mark.parametrize("mode", ["reverse", "auto", "forward"])
def test_jacobian_rows_from_one_pullback(f, arg, mode):
    got = np.asarray(s2sad.jacobian(f, mode=mode)(arg))
    rows = [fd_vjp(f, (arg,), (0,), seed)[0] for seed in np.eye(np.size(f(arg)))]
    assert_close_to_fd(got, np.reshape(rows, got.shape), mode)


# 13: split mode reads what joint mode reads ----------------------------------------

def scale_row(x, s):
    y = np.array(x)
    y[0] *= s
    return np.sum(y)


def scale_row_twice(x, s):
    y = x.copy()
    y[1] = y[1] * s + y[0]
    y[0] = y[0] * s
    return np.sum(y * y)


def scale_column_view(x, s):
    y = np.array(x)
    y[:, 0] = y[:, 0] * s
    return np.sum(np.sin(y))


def scale_row_in_loop(x, s):
    y = np.array(x)
    for i in range(2):
        y[i] = y[i] * s
    return np.sum(y ** 2)


@pytest.mark.parametrize("f", [scale_row, scale_row_twice, scale_row_in_loop])
def test_split_mode_saves_the_value_before_the_update(f):
    x = np.arange(6.0).reshape(2, 3) + 1.0
    s = np.array([2.0, -3.0, 0.5])
    check_routes(f, x, s)


def test_split_mode_update_through_a_column():
    check_routes(scale_column_view, np.arange(6.0).reshape(3, 2) + 1.0, np.array([2.0, -0.5, 1.5]))


# 16: side effects on lists the function did not make -----------------------------

HISTORY = []


def logs_to_global(x):
    HISTORY.append(float(x))
    return x * x


class _Log:
    def __init__(self):
        self.items = []


LOG = _Log()


def logs_to_attribute(x):
    items = LOG.items
    items.append(x * 2.0)
    return x * x


def _make_closure_logger():
    hist = []

    def logs_to_closure(x):
        hist.append(x * 3.0)
        return np.sin(x)
    return logs_to_closure, hist


logs_to_closure, CLOSED_HISTORY = _make_closure_logger()


def logs_in_loop(x):
    for k in range(3):
        HISTORY.append(x * k)
    return x ** 3


@pytest.mark.parametrize("f, store", [
    (logs_to_global, lambda: HISTORY),
    (logs_to_attribute, lambda: LOG.items),
    (logs_to_closure, lambda: CLOSED_HISTORY),
    (logs_in_loop, lambda: HISTORY),
])
def test_side_effect_on_an_outside_list_stays(f, store):
    before = len(store())
    f(0.5)
    per_call = len(store()) - before
    assert per_call > 0
    routes = [lambda: s2sad.grad(f)(0.5), lambda: s2sad.value_and_grad(f)(0.5),
              lambda: s2sad.jvp(f, (0.5,), (1.0,)),
              lambda: s2sad.vjp(f, 0.5)[1](1.0)]
    for route in routes:
        before = len(store())
        route()
        assert len(store()) - before == per_call
    assert s2sad.grad(f)(0.5) == pytest.approx(fd_grad(f, (0.5,), 0), rel=1e-6)


GROWN = [0.25]


def appends_to_global_and_reads_back(x):
    a = GROWN[0] * x
    GROWN.append(a)
    GROWN.append(np.sin(x) * a)
    return GROWN[-1] * GROWN[-2] + GROWN[0]


def test_global_list_an_active_value_joins():
    before = len(GROWN)
    check_routes(appends_to_global_and_reads_back, 0.7)
    assert len(GROWN) > before and GROWN[0] == 0.25


# 19: a loop over a sequence its body rebinds ------------------------------------

def enumerate_rebound(x):
    s = 0.0
    for i, e in enumerate(x):
        s = s + e * e * (i + 1)
        x = x * 2.0
    return s


def zip_rebound(x, w):
    s = 0.0
    for a, b in zip(x, w):
        s = s + a * b
        x = x * 2.0
        w = np.sin(w)
    return s


def zip_one_rebound(x, w):
    s = 0.0
    for a, b in zip(w, x):
        s = s + np.sin(a) * b
        x = x[::-1] + 1.0
    return s


def nested_rebound(x):
    s = 0.0
    for row in x:
        for i, e in enumerate(row):
            s = s + e * row[i]
            row = row * 3.0
        x = x * 0.5
    return s


def enumerate_rebound_in_nested_body(x):
    s = 0.0
    for i, e in enumerate(x):
        for _ in range(2):
            x = np.cos(x)
        s = s + e * x[i]
    return s


@pytest.mark.parametrize("f, args", [
    (enumerate_rebound, (np.array([1.0, 2.0, -0.5]),)),
    (zip_rebound, (np.array([1.0, 2.0, -0.5]), np.array([0.5, -1.0, 2.0]))),
    (zip_one_rebound, (np.array([1.0, 2.0, -0.5]), np.array([0.5, -1.0, 2.0]))),
    (nested_rebound, (np.array([[1.0, 2.0], [-0.5, 0.3]]),)),
    (enumerate_rebound_in_nested_body, (np.array([1.0, 2.0, -0.5]),)),
])
def test_loop_iterates_the_original_sequence(f, args):
    check_routes(f, *args)


# the loop target rebound by the body (first order was wrong, second order crashed) --

ARR = np.array([0.3, -0.4, 0.5])


def target_rebound_over_global(x):
    acc = x[0]
    for e in ARR:
        acc = acc * x[1] + e
        e = acc * 0.5
        acc = acc + e * e
    return acc


def target_rebound_over_argument(x, arr):
    acc = x[0]
    for e in arr:
        e = acc * 0.5 + e
        acc = acc * e
    return acc


def target_rebound_over_range(x):
    acc = x[0]
    for k in range(3):
        acc = acc * x[1] + k
        k = acc * 0.1
        acc = acc + np.sin(k)
    return acc + k


@pytest.mark.parametrize("f, args", [
    (target_rebound_over_global, (np.array([0.7, 1.2]),)),
    (target_rebound_over_argument, (np.array([0.7, 1.2]), ARR)),
    (target_rebound_over_range, (np.array([0.7, 1.2]),)),
])
def test_loop_target_rebound_by_the_body(f, args):
    check_routes(f, *args)
    x = args[0]
    rest = args[1:]
    hessian = s2sad.hessian(f, wrt=0)(*args)
    columns = [fd_grad(lambda v: s2sad.grad(f, wrt=0)(v, *rest) @ e, (x,), 0)
               for e in np.eye(x.size)]
    np.testing.assert_allclose(hessian, np.array(columns).T, rtol=1e-5, atol=1e-7)
    v = np.array([0.3, -1.1])
    np.testing.assert_allclose(s2sad.hvp(f, wrt=0)(*args, v), hessian @ v, rtol=1e-9)
