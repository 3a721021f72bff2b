"""Methods of a module-level array (``G.copy()``, ``G.sum()``, ``G.reshape(...)``) are
the array's methods on a constant: they used to be read as a function named
``'G.copy'`` with no rule. A copy is the function's own to update; a view of the
global updated in place is ``in-place-global``. Checked against central differences
in grad, vjp and jvp, with G left as it was."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

G = np.array([0.5, -1.0, 1.5])
M = np.arange(6.0).reshape(2, 3) / 4.0


def copy_then_write(x):
    w = G.copy()
    w[0] = x[0]
    return np.sum(w * x)


def sum_and_mean(x):
    return G.sum() * np.sum(x * x) + G.mean() * x[1]


def reshape_read(x):
    r = M.reshape(3, 2)
    return np.sum(r[:, 0] * x) + np.sum(M.T @ x[:2])


def copy_in_a_loop(x):
    acc = 0.0
    for i in range(3):
        w = G.copy()
        w[i] = w[i] * x[i]
        acc = acc + np.sum(w * np.sin(x))
    return acc


@pytest.mark.parametrize("f", [copy_then_write, sum_and_mean, reshape_read, copy_in_a_loop])
def test_methods_of_a_global_array(f):
    x = np.array([0.3, -0.7, 1.1])
    before_g, before_m = G.copy(), M.copy()
    expected = fd_grad(f, (x.copy(),), 0)
    np.testing.assert_allclose(s2sad.grad(f)(x.copy()), expected, rtol=1e-6, atol=1e-9)
    _, back = s2sad.vjp(f, x.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    v = np.array([0.2, 0.5, -1.0])
    np.testing.assert_allclose(s2sad.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-6)
    np.testing.assert_array_equal(G, before_g)
    np.testing.assert_array_equal(M, before_m)


def writes_a_view_of_the_global(x):
    w = G.reshape(3)
    w[0] = x[0]
    return np.sum(w * x)


def test_a_view_of_a_global_updated_in_place_is_refused():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(writes_a_view_of_the_global)(np.array([0.3, -0.7, 1.1]))
    first = info.value.violations[0]
    assert first.code == "in-place-global" and first.filename == __file__
