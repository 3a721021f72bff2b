"""Derivatives of scipy.integrate.odeint and solve_ivp (issue 15): the adjoint method in
reverse mode, the forward sensitivity equations in forward mode, in y0, the parameters
passed through ``args`` and the times. Oracles: closed forms (exponential decay, the
harmonic oscillator), central finite differences of the integrator at tight tolerances
(Lotka-Volterra), and the dot-product test between the modes. Options with no rule
are located errors."""
from __future__ import annotations

import numpy as np
import pytest

integrate = pytest.importorskip("scipy.integrate")

import s2sad  # noqa: E402
from tests.fd import fd_grad  # noqa: E402

odeint, solve_ivp = integrate.odeint, integrate.solve_ivp


def decay(y, t, k):
    return -k * y


def decay_loss(y0, k, t):
    ys = odeint(decay, y0, t, args=(k,), rtol=1e-11, atol=1e-11)
    return np.sum(ys ** 2)


def decay_exact(y0, k, t):
    """L = sum_i |y0|^2 e^{-2 k t_i}, and its derivatives."""
    e = np.exp(-2.0 * k * t)
    s = np.sum(y0 ** 2)
    return 2.0 * y0 * np.sum(e), -2.0 * s * np.sum(t * e), -2.0 * k * s * e


def test_exponential_decay_matches_the_closed_form_in_both_modes():
    y0, k, t = np.array([1.0, -2.0, 0.5]), 0.7, np.array([0.0, 0.3, 1.0, 2.5])
    kept = y0.copy(), t.copy()
    g_y0, g_k, g_t = s2sad.grad(decay_loss, wrt=(0, 1, 2))(y0, k, t)
    e_y0, e_k, e_t = decay_exact(y0, k, t)
    e_t[0] = -np.sum(e_t[1:])     # y(t0) = y0; moving t0 shifts every later output back
    np.testing.assert_allclose(g_y0, e_y0, rtol=1e-7)
    np.testing.assert_allclose(g_k, e_k, rtol=1e-7)
    np.testing.assert_allclose(g_t, e_t, rtol=1e-7, atol=1e-9)
    v = (np.array([0.3, -1.0, 2.0]), 0.5, np.array([0.1, 0.2, -0.3, 0.4]))
    _, dot = s2sad.jvp(decay_loss, (y0, k, t), v)
    np.testing.assert_allclose(dot, e_y0 @ v[0] + e_k * v[1] + e_t @ v[2], rtol=1e-7)
    np.testing.assert_array_equal(y0, kept[0])
    np.testing.assert_array_equal(t, kept[1])


def oscillator(y, t, w):
    return np.array([y[1], -w * w * y[0]])


def oscillator_end(y0, w, T):
    """x(T) of x'' = -w^2 x: x0 cos wT + v0 sin(wT) / w."""
    ys = odeint(oscillator, y0, np.array([0.0, T]), args=(w,), rtol=1e-11, atol=1e-11)
    return ys[-1, 0]


def test_harmonic_oscillator_matches_the_closed_form():
    y0, w, T = np.array([1.0, 0.5]), 1.3, 2.0
    g_y0, g_w, g_T = s2sad.grad(oscillator_end, wrt=(0, 1, 2))(y0, w, T)
    c, s = np.cos(w * T), np.sin(w * T)
    np.testing.assert_allclose(g_y0, [c, s / w], rtol=1e-7)
    exact_w = -y0[0] * T * s + y0[1] * (T * c / w - s / w ** 2)
    np.testing.assert_allclose(g_w, exact_w, rtol=1e-7)
    np.testing.assert_allclose(g_T, -y0[0] * w * s + y0[1] * c, rtol=1e-7)
    _, dot = s2sad.jvp(oscillator_end, (y0, w, T), (np.array([0.0, 0.0]), 1.0, 0.0))
    np.testing.assert_allclose(dot, exact_w, rtol=1e-7)


def lotka_volterra(y, t, a, b, c, d):
    return np.array([a * y[0] - b * y[0] * y[1], c * y[0] * y[1] - d * y[1]])


def lv_loss(y0, p, t):
    ys = odeint(lotka_volterra, y0, t, args=(p[0], p[1], p[2], p[3]), rtol=1e-11, atol=1e-11)
    return np.sum(ys[:, 0] * ys[:, 1]) + np.sum(ys[-1] ** 2)


LV = (np.array([1.0, 0.5]), np.array([1.0, 0.4, 0.3, 0.8]), np.linspace(0.0, 3.0, 6))


@pytest.mark.parametrize("i", [0, 1, 2])
def test_lotka_volterra_matches_finite_differences_of_odeint(i):
    grads = s2sad.grad(lv_loss, wrt=(0, 1, 2))(*LV)
    np.testing.assert_allclose(grads[i], fd_grad(lv_loss, LV, i, rel_step=1e-5), rtol=1e-5,
                               atol=1e-6)


def test_jvp_and_vjp_pass_the_dot_product_test():
    def trajectory(y0, p):
        return odeint(lotka_volterra, y0, LV[2], args=(p[0], p[1], p[2], p[3]),
                      rtol=1e-11, atol=1e-11)
    rng = np.random.default_rng(0)
    v = (rng.standard_normal(2), rng.standard_normal(4))
    w = rng.standard_normal((6, 2))
    ys, ydot = s2sad.jvp(trajectory, LV[:2], v)
    _, pullback = s2sad.vjp(trajectory, *LV[:2])
    back = pullback(w)
    assert ydot.shape == ys.shape == (6, 2)
    np.testing.assert_allclose(np.sum(w * ydot), back[0] @ v[0] + back[1] @ v[1], rtol=1e-6)


def ivp_rhs(t, y, k):
    return -k * y


def ivp_loss(y0, k, T):
    sol = solve_ivp(ivp_rhs, (0.0, T), y0, args=(k,), rtol=1e-10, atol=1e-12,
                    t_eval=np.array([0.5 * T, T]))
    return np.sum(sol.y[:, -1]) + np.sum(sol.y ** 2)


def ivp_exact(y0, k, T):
    """sum y0 e^{-kT} + sum y0^2 (e^{-kT} + e^{-2kT}), and its derivatives."""
    a, b = np.exp(-k * T), np.exp(-2.0 * k * T)
    s1, s2 = np.sum(y0), np.sum(y0 ** 2)
    g_y0 = a + 2.0 * y0 * (a + b)
    dk = -T * s1 * a - s2 * (T * a + 2.0 * T * b)
    return g_y0, dk, dk * k / T


def test_solve_ivp_fields_match_the_closed_form_in_both_modes():
    y0, k, T = np.array([1.0, 2.0]), 0.5, 2.0
    g = s2sad.grad(ivp_loss, wrt=(0, 1, 2))(y0, k, T)
    exact = ivp_exact(y0, k, T)
    for got, want in zip(g, exact):
        np.testing.assert_allclose(got, want, rtol=1e-7)
    v = (np.array([0.5, -1.0]), 0.3, -0.7)
    _, dot = s2sad.jvp(ivp_loss, (y0, k, T), v)
    np.testing.assert_allclose(dot, exact[0] @ v[0] + exact[1] * v[1] + exact[2] * v[2],
                               rtol=1e-7)


def test_solve_ivp_without_t_eval_differentiates_the_end_time_and_the_start():
    def end(y0, t0, t1):
        sol = solve_ivp(ivp_rhs, [t0, t1], y0, args=(0.8,), rtol=1e-11, atol=1e-12)
        return np.sum(sol["y"][:, -1] ** 2)
    y0, t0, t1 = np.array([1.0, -0.5]), 0.2, 1.5
    g = s2sad.grad(end, wrt=(0, 1, 2))(y0, t0, t1)
    e = np.exp(-1.6 * (t1 - t0))
    np.testing.assert_allclose(g[0], 2.0 * y0 * e, rtol=1e-7)
    np.testing.assert_allclose(g[1], 1.6 * np.sum(y0 ** 2) * e, rtol=1e-7)
    np.testing.assert_allclose(g[2], -1.6 * np.sum(y0 ** 2) * e, rtol=1e-7)


def test_a_training_loop_fits_the_decay_rate():
    t = np.linspace(0.0, 2.0, 9)
    data = np.exp(-1.7 * t)

    def misfit(k):
        ys = odeint(decay, np.array([1.0]), t, args=(k,), rtol=1e-9, atol=1e-10)
        return np.sum((ys[:, 0] - data) ** 2)
    step = s2sad.grad(misfit)
    k = 0.5
    for _ in range(60):
        k = k - 0.3 * step(k)
    assert abs(k - 1.7) < 1e-4


def _refusal(f, *args):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f)(*args)
    return str(info.value)


def with_jacobian(y0):
    return np.sum(odeint(decay, y0, np.array([0.0, 1.0]), args=(1.0,),
                         Dfun=decay_jacobian))


def decay_jacobian(y, t, k):
    return -k * np.eye(1)


def crossing(t, y, k):
    return y[0] - 0.5


def with_events(y0):
    sol = solve_ivp(ivp_rhs, (0.0, 1.0), y0, args=(1.0,), events=crossing)
    return np.sum(sol.y)


def with_dense_output(y0):
    sol = solve_ivp(ivp_rhs, (0.0, 1.0), y0, args=(1.0,), dense_output=True)
    return np.sum(sol.y)


def with_vectorized(y0):
    sol = solve_ivp(ivp_rhs, (0.0, 1.0), y0, args=(1.0,), vectorized=True)
    return np.sum(sol.y)


def with_jac_option(y0):
    sol = solve_ivp(ivp_rhs, (0.0, 1.0), y0, method="Radau", args=(1.0,), jac=np.eye(1))
    return np.sum(sol.y)


@pytest.mark.parametrize("f, option", [(with_jacobian, "Dfun"), (with_events, "events"),
                                       (with_dense_output, "dense_output"),
                                       (with_vectorized, "vectorized"),
                                       (with_jac_option, "jac")])
def test_options_with_no_rule_are_located_errors(f, option):
    text = _refusal(f, np.array([1.0]))
    assert "test_i15_odes.py" in text and "[no-rule]" in text and repr(option) in text


def test_a_right_hand_side_closing_over_a_differentiated_value_is_refused():
    def loss(k):
        def rhs(y, t):
            return -k * y
        return np.sum(odeint(rhs, np.array([1.0]), np.array([0.0, 1.0])))
    text = _refusal(loss, 0.5)
    assert "closure-over-active" in text and "test_i15_odes.py" in text


def test_complex_y0_is_refused():
    def loss(y0):
        sol = solve_ivp(ivp_rhs, (0.0, 1.0), y0, args=(1.0,))
        return np.sum(np.abs(sol.y))
    with pytest.raises(s2sad.UsageError, match="complex"):
        s2sad.grad(loss)(np.array([1.0 + 1.0j]))


def test_a_second_derivative_through_a_solve_is_a_located_error():
    with pytest.raises(s2sad.S2SadError, match="no-rule|odeint"):
        s2sad.hvp(lambda_free_decay)(0.5, 1.0)


def lambda_free_decay(k):
    return np.sum(odeint(decay, np.array([1.0]), np.array([0.0, 1.0]), args=(k,)))
