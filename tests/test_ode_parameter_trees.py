"""odeint with a parameter list of (W, b) arrays of different shapes in ``args``
(autograd's ode_net): the float leaves are flattened leaf by leaf (np.asarray of the
ragged list was a raw ValueError). Central differences and the dot-product test."""
import numpy as np
import pytest

import s2sad

scipy_integrate = pytest.importorskip("scipy.integrate")

W = np.array([[0.1, 0.3], [-0.2, 0.1]])
B = np.array([0.05, -0.1])
TIMES = np.linspace(0.0, 1.0, 5)


def rhs(y, t, params):
    w, b = params[0]
    return np.dot(y, w) + b


def loss(params):
    ys = scipy_integrate.odeint(rhs, np.array([1.0, 0.0]), TIMES, (params,),
                                rtol=1e-10, atol=1e-12)
    return np.sum(ys ** 2)


def _differences(h=1e-4):    # odeint is exact to ~1e-10: a larger step
    out = []
    for leaf, index in ((W, 0), (B, 1)):
        d = np.zeros_like(leaf)
        for i in np.ndindex(leaf.shape):
            up, down = leaf.copy(), leaf.copy()
            up[i] += h
            down[i] -= h
            pair_up = (up, B) if index == 0 else (W, up)
            pair_down = (down, B) if index == 0 else (W, down)
            d[i] = (loss([pair_up]) - loss([pair_down])) / (2 * h)
        out.append(d)
    return out


def test_the_gradient_of_a_ragged_parameter_list_matches_differences():
    (gw, gb), = s2sad.grad(loss)([(W, B)])
    dw, db = _differences()
    np.testing.assert_allclose(gw, dw, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gb, db, rtol=1e-5, atol=1e-7)


def test_jvp_and_vjp_of_a_ragged_parameter_list_agree():
    vw, vb = np.array([[1.0, -0.5], [0.25, 2.0]]), np.array([0.5, -1.0])
    _, tangent = s2sad.jvp(loss, ([(W, B)],), ([(vw, vb)],))
    _, pullback = s2sad.vjp(loss, [(W, B)])
    ((gw, gb),), = pullback(1.0)
    assert tangent == pytest.approx(np.sum(gw * vw) + np.sum(gb * vb), rel=1e-6)
