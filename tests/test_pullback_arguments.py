"""A helper's pullback reads the arguments it was called with when the adjoint sweep
runs it; an array argument updated in place after the call (by an item write, an
augmented assignment, a loop) must not be read with its later values. Each program is
checked in grad, value_and_grad, vjp and jvp against central differences, with the
caller's arrays left as the primal leaves them. A helper that may return its argument
(or a view of it) makes its result share the argument's memory: an update of one while
the other is read after it is ``in-place-alias``, as ``t = z`` is."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def sq(v):
    return v * v


def mix(v, w, k=1.0):
    return v * k + np.sin(w)


def helper_then_item_write(x):
    z = x * 1.0
    y = np.sum(sq(z))
    z[0] = y
    return np.sum(sq(z))


def helper_with_keyword_then_loop(x):
    y1 = x - 0.0
    t = np.sum(mix(x, y1, k=1.0))
    k = 0
    while k < 3:
        k += 1
        y1[:2] = y1[1:]
    return t + np.sum(y1 * x)


def helper_then_augmented(x):
    z = x * 2.0
    t = mix(z, z, k=0.5)
    z += np.cos(x)
    return np.sum(t * z)


def helper_in_a_loop(x):
    buf = np.zeros(3)
    total = 0.0
    for i in range(3):
        buf[i] = x[i] * x[(i + 1) % 3]
        total = total + np.sum(sq(buf) * x)
    return total


def nested_helper_then_update(x):
    def cube(v):
        return v * v * v
    z = np.tanh(x)
    c = cube(z)
    z[1] = 3.0 * x[0]
    return np.sum(c) + np.sum(z * z)


def keyword_argument_updated(x, s):
    y = x * s
    t = mix(x, w=y)
    y[2] = s * s
    return np.sum(t) * np.sum(y)


PROGRAMS = [
    (helper_then_item_write, (np.array([0.3, -0.7, 1.1]),)),
    (helper_with_keyword_then_loop, (np.array([-0.19, -0.23, -1.01]),)),
    (helper_then_augmented, (np.array([0.4, 0.9, -0.2]),)),
    (helper_in_a_loop, (np.array([0.5, -1.2, 0.8]),)),
    (nested_helper_then_update, (np.array([0.2, 0.6, -0.4]),)),
    (keyword_argument_updated, (np.array([0.7, -0.3, 0.2]), 1.3)),
]


def _copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("f, args", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_every_route_matches_finite_differences(f, args):
    expected = fd_grad(f, _copies(args), 0)
    value = f(*_copies(args))
    given = _copies(args)
    np.testing.assert_allclose(s2sad.grad(f)(*given), expected, rtol=1e-6, atol=1e-9)
    for a, b in zip(given, args):
        np.testing.assert_array_equal(a, b)
    got_value, got = s2sad.value_and_grad(f)(*_copies(args))
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    y, back = s2sad.vjp(f, *_copies(args), wrt=(0,))
    np.testing.assert_allclose(y, value, rtol=1e-12)
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)   # pure
    direction = np.linspace(-1.0, 1.0, args[0].size)
    _, tangent = s2sad.jvp(f, _copies(args), (direction,), wrt=(0,))
    np.testing.assert_allclose(tangent, expected @ direction, rtol=1e-6, atol=1e-9)


def ident(v):
    return v


def tail(v):
    rest = v[1:]
    return rest


def pair(v, w):
    return v, w * 2.0


def through_ident(x):
    z = x * 2.0
    t = ident(z)
    z[0] = np.sin(x[1])
    return np.sum(t * x)


def through_view(x):
    z = x * 2.0
    t = tail(z)
    z[1] = np.sin(x[1])
    return np.sum(t * x[1:])


def through_pair(x):
    z = x * 2.0
    t, u = pair(z, x)
    z[2] = x[0] * x[1]
    return np.sum(t * u)


def result_updated(x):
    z = x * 2.0
    t = ident(z)
    t[0] = x[2] ** 2
    return np.sum(z * x)


@pytest.mark.parametrize("f", [through_ident, through_view, through_pair, result_updated])
def test_a_helper_that_may_return_its_argument_shares_its_memory(f):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f)(np.array([0.3, -0.7, 1.1]))
    first = info.value.violations[0]
    assert first.code == "in-place-alias" and first.filename == __file__
    assert "helper" in str(info.value)


def ident_then_read_before(x):
    z = x * 2.0
    t = ident(z)
    s = np.sum(t * x)
    z[0] = np.sin(x[1])
    return s + np.sum(z)


def test_a_returned_argument_used_up_before_the_update_is_not_refused():
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(s2sad.grad(ident_then_read_before)(x.copy()),
                               fd_grad(ident_then_read_before, (x.copy(),), 0), rtol=1e-6)
