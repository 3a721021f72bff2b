"""A function value made inside the differentiated function from differentiated values
(a factory's closure, ``functools.partial`` binding them) and then called: its
dependence on them is held by the closure or the partial, which a call of a function
value does not follow. Each was a silently zero derivative in every mode; now each is
a located ``closure-over-active`` with a rewrite, and the rewrite is checked against
central differences. Function values chosen from constants still differentiate."""
import functools

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

XS = np.linspace(0.1, 1.0, 4)


def make_predictor(p):
    def predict(x):
        return np.tanh(x * p)
    return predict


def model(p, x):
    return np.tanh(x * p)


def loss_factory(p):
    predict = make_predictor(p)
    return np.sum(predict(XS))


def loss_nested_factory(p):
    def make():
        def predict(x):
            return np.tanh(x * p)
        return predict
    predict = make()
    return np.sum(predict(XS))


def loss_partial(p):
    predict = functools.partial(model, p)
    return np.sum(predict(XS))


def loss_partial_active_argument(p):
    predict = functools.partial(model, p)
    return np.sum(predict(XS * p))


def loss_rewritten(p):                       # the suggested rewrite of all four
    return np.sum(model(p, XS))


def loss_default_function(p, act=np.tanh):
    f = act
    return np.sum(f(XS * p))


def loss_chosen_function(p):
    if p > 0:
        f = np.tanh
    else:
        f = np.sin
    return np.sum(f(XS * p))


def loss_list_of_functions(p):
    t = 0.0
    for f in [np.sin, np.cos]:
        t = t + np.sum(f(XS * p))
    return t


REFUSED = [loss_factory, loss_nested_factory, loss_partial, loss_partial_active_argument]

ROUTES = {
    "grad": lambda f: s2sad.grad(f)(0.3),
    "value_and_grad": lambda f: s2sad.value_and_grad(f)(0.3),
    "jvp": lambda f: s2sad.jvp(f, (0.3,), (1.0,)),
    "vjp": lambda f: s2sad.vjp(f, 0.3)[1](1.0),
    "hessian": lambda f: s2sad.hessian(f)(0.3),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_a_function_value_made_from_differentiated_values_is_refused(f, route):
    with pytest.raises(s2sad.CompileError) as info:
        ROUTES[route](f)
    message = str(info.value)
    assert "[closure-over-active]" in message and "'predict'" in message
    assert __file__ in message and "suggestion:" in message


@pytest.mark.parametrize("f", REFUSED + [loss_rewritten], ids=lambda f: f.__name__)
def test_the_functions_themselves_run(f):
    assert np.isfinite(f(0.3))


@pytest.mark.parametrize("f", [loss_rewritten, loss_default_function, loss_chosen_function,
                               loss_list_of_functions], ids=lambda f: f.__name__)
def test_function_values_that_hold_no_differentiated_value(f):
    expected = fd_grad(f, (0.3,), 0)
    assert np.isclose(s2sad.grad(f)(0.3), expected, rtol=1e-7, atol=1e-9)
    assert np.isclose(s2sad.jvp(f, (0.3,), (1.0,))[1], expected, rtol=1e-7, atol=1e-9)
    second = fd_grad(s2sad.grad(f), (0.3,), 0)
    assert np.isclose(s2sad.hessian(f)(0.3), second, rtol=1e-5, atol=1e-7)


def test_the_rewrite_equals_the_function_refused():
    for p in (-0.7, 0.3, 1.9):
        assert loss_rewritten(p) == loss_factory(p) == loss_partial(p)


def loss_inner_def_named_like_an_outer_variable(p):
    def make():
        def predict(x):
            return np.tanh(x * p)
        return np.sum(predict(XS))
    predict = make()             # an outer variable of the inner def's name
    return predict * p


def test_an_inner_def_is_not_taken_for_the_outer_variable_of_its_name():
    # lambda lifting passed the outer `predict` to make() before it was assigned
    f = loss_inner_def_named_like_an_outer_variable
    expected = fd_grad(f, (0.3,), 0)
    assert np.isclose(s2sad.grad(f)(0.3), expected, rtol=1e-7)
    assert np.isclose(s2sad.jvp(f, (0.3,), (1.0,))[1], expected, rtol=1e-7)
    assert np.isclose(s2sad.hessian(f)(0.3), fd_grad(s2sad.grad(f), (0.3,), 0), rtol=1e-5)


def make_pair(p):
    def predict(x):
        return np.tanh(x * p)
    return p * 2.0, predict


def loss_pair_function_only(p):
    s, predict = make_pair(p)
    return np.sum(predict(XS))


def loss_pair_both(p):
    s, predict = make_pair(p)
    return np.sum(predict(XS)) + s


def pick(p):
    return np.tanh if p > 0 else np.sin


def loss_picked(p):
    f = pick(p)
    return np.sum(f(XS * p))


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("f", [loss_pair_function_only, loss_pair_both],
                         ids=lambda f: f.__name__)
def test_a_closure_inside_a_returned_tuple_is_refused(f, route):
    # the first was a silently zero derivative: make_pair's value was not needed
    with pytest.raises(s2sad.CompileError) as info:
        ROUTES[route](f)
    assert "[closure-over-active]" in str(info.value)


def test_a_function_a_helper_picks_from_constants_is_differentiated():
    expected = fd_grad(loss_picked, (0.3,), 0)
    assert np.isclose(s2sad.grad(loss_picked)(0.3), expected, rtol=1e-7)
    assert np.isclose(s2sad.jvp(loss_picked, (0.3,), (1.0,))[1], expected, rtol=1e-7)


def log_partition(theta, d):
    return np.log(np.sum(np.exp(theta * d)))


DATA = [np.array([0.5, 1.0]), np.array([-1.0, 2.0]), np.array([0.25, 0.0])]


def loss_map_of_a_partial(theta):          # autograd's hmm_em: a partial made in place
    return sum(map(functools.partial(log_partition, theta), DATA))


def loss_partial_called_in_place(theta):
    return functools.partial(log_partition, d=DATA[1])(theta) + \
        functools.partial(log_partition, theta)(DATA[0])


@pytest.mark.parametrize("f", [loss_map_of_a_partial, loss_partial_called_in_place],
                         ids=lambda f: f.__name__)
def test_a_partial_made_where_it_is_called_is_the_call_it_makes(f):
    theta = np.array([0.3, -0.2])
    expected = fd_grad(f, (theta,), 0)
    np.testing.assert_allclose(s2sad.grad(f)(theta), expected, rtol=1e-7)
    v = np.array([1.0, -0.5])
    np.testing.assert_allclose(s2sad.jvp(f, (theta,), (v,))[1], expected @ v, rtol=1e-7)
    np.testing.assert_allclose(s2sad.vjp(f, theta)[1](2.0)[0], 2.0 * expected, rtol=1e-7)
    hess = s2sad.hessian(f)(theta)
    for i in range(2):
        column = fd_grad(lambda t: s2sad.grad(f)(t)[i], (theta,), 0)
        np.testing.assert_allclose(hess[i], column, rtol=1e-5, atol=1e-8)
