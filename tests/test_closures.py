"""Functions that share their code but not their closure: each derivative reads its
own function's cells (closed forms as oracles)."""
import numpy as np

import s2sad


def make_scaled_sine(a):
    def f(x):
        return a * np.sin(x)
    return f


def make_applied(g):
    def f(x):
        return g(x) * 2.0
    return f


def cube(x):
    return x * x * x


def square(x):
    return x * x


def outer(x, a):
    def inner(y):
        return a * np.sin(y)
    return inner(x)


def test_closures_from_one_factory_each_use_their_own_values():
    one, two = make_scaled_sine(1.0), make_scaled_sine(2.0)
    for _ in range(2):
        assert s2sad.grad(one)(0.0) == 1.0 and s2sad.grad(two)(0.0) == 2.0
        assert s2sad.jvp(two, (0.0,), (1.0,))[1] == 2.0
        assert s2sad.vjp(two, 0.0)[1](1.0) == (2.0,)
        assert np.isclose(s2sad.hessian(two)(0.5), -2.0 * np.sin(0.5))


def test_closures_over_different_functions_call_their_own():
    of_cube, of_square = make_applied(cube), make_applied(square)
    assert s2sad.grad(of_cube)(2.0) == 24.0
    assert s2sad.grad(of_square)(2.0) == 8.0
    assert s2sad.grad(of_cube)(2.0) == 24.0


def test_a_nested_def_reads_the_value_of_each_call():
    for a in (1.0, 3.0, -0.5):
        assert np.isclose(s2sad.grad(outer)(0.2, a), a * np.cos(0.2))
        assert np.isclose(s2sad.jvp(outer, (0.2, a), (1.0,), wrt=0)[1], a * np.cos(0.2))
