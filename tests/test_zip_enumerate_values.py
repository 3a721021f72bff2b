"""zip(...) and enumerate(...) used as values (``list(zip(a, b))``, ``tuple(...)``, a
loop binding each pair to one name) carry the derivatives of the items they pair: they
were taken as having none, a silently zero gradient. Each program in grad, vjp, jvp
and hvp against central differences; arrays zipped walk their rows."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def listed_pairs(a, b):
    p = list(zip([a, b], [b * a, a]))
    return p[0][0] * p[1][0] + p[1][1]


def tuple_of_pairs(a, b):
    return tuple(zip((a,), (b,)))[0][1] * a


def indexed_after_zip(a, b):
    return np.sum(np.stack(list(zip((a, b), (a * b, b)))[1]))


def enumerated(a, b):
    return list(enumerate((a, b), 1))[1][0] * list(enumerate((a, b)))[1][1] * a


def one_name_per_pair(a, b):
    total = 0.0
    for pair in zip((a, b), (b, a)):
        total = total + pair[0] * pair[1]
    return total


def one_name_per_count(a, b):
    total = 0.0
    for t in enumerate((a, np.sin(b))):
        total = total + (t[0] + 1.0) * t[1] * a
    return total


def unpacked_as_usual(a, b):
    total = 0.0
    for u, v in zip((a, b), (b * b, a)):
        total = total + u * v
    return total


PROGRAMS = [listed_pairs, tuple_of_pairs, indexed_after_zip, enumerated, one_name_per_pair,
            one_name_per_count, unpacked_as_usual]
POINT = (1.5, 2.0)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_every_route_matches_finite_differences(f):
    expected = np.array([fd_grad(f, POINT, i) for i in range(2)])
    assert np.linalg.norm(expected) > 0.1              # not a test of zeros
    np.testing.assert_allclose(s2sad.grad(f, wrt=(0, 1))(*POINT), expected, rtol=1e-6)
    _, back = s2sad.vjp(f, *POINT)
    np.testing.assert_allclose(back(1.0), expected, rtol=1e-6)
    _, tangent = s2sad.jvp(f, POINT, (1.0, -0.5))
    assert tangent == pytest.approx(expected @ [1.0, -0.5], rel=1e-6)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_derivatives_match_differences_of_the_gradient(f):
    grad = s2sad.grad(f)
    h = 1e-5
    expected = (grad(POINT[0] + h, POINT[1]) - grad(POINT[0] - h, POINT[1])) / (2 * h)
    assert s2sad.hessian(f)(*POINT) == pytest.approx(expected, rel=1e-5, abs=1e-8)


def zipped_rows(a, b):
    p = list(zip(*(a, b)))
    return p[0][0] * p[1][1] + p[2][0]


def zipped_arrays(a, b):
    p = list(zip(a, b))
    return p[0][0] * p[1][1] + np.sin(p[2][0])


@pytest.mark.parametrize("f", [zipped_rows, zipped_arrays], ids=lambda f: f.__name__)
def test_arrays_zipped_as_values(f):
    a, b = np.array([0.3, 0.5, 0.7]), np.array([1.1, 1.3, 1.7])
    given = (a.copy(), b.copy())
    got = s2sad.grad(f, wrt=(0, 1))(*given)
    for i in range(2):
        np.testing.assert_allclose(got[i], fd_grad(f, (a, b), i), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(given[0], a)
