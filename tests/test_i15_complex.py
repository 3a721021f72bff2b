"""Issue 15, complex numbers: real functions of real arguments with complex
intermediates (real, imag, conj, angle, abs of complex; exp, log, sqrt and the
arithmetic on complex values) differentiate to a real gradient, in both modes, checked
against central finite differences and between the modes."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def phase_energy(x):
    return np.abs(np.exp(1j * x)) ** 2             # = 1: derivative 0


def square_parts(x):
    z = x * (1.0 + 2.0j)
    w = z * z
    return np.real(w) + np.imag(w)                  # = x ** 2


def angle_and_log(x):
    z = np.sqrt(x + 1j * x ** 2)
    return np.angle(z) + np.abs(np.log(z * z.conj() + 1j))


def degrees(x):
    return np.angle(np.exp(1j * x) * (1.0 + x * 1j), deg=True)


def attributes(x):
    z = np.exp((0.3 + 1j) * x) / (x + 2.0j)
    return z.real * z.imag + np.conj(z).imag - abs(z)


def field(x):
    """A wave field on a grid of points, its intensity summed (arrays)."""
    z = x[0] + 1j * x[1]
    amplitude = z * np.exp(z) - 1.0 / (z + 2.0)
    return np.sum(np.abs(amplitude) ** 2) + np.real(z / (z + 2.0)).sum()


def train_phases(params, steps=3):
    """A parameter dict updated in a loop through a complex rotation."""
    state = params["a"] + 0.0j
    for _ in range(steps):
        state = state * np.exp(1j * params["w"]) + params["a"]
    return np.abs(state) + np.angle(state)


def field_point(x):
    return field(np.array([[x], [0.3 * x]]))


SCALARS = [phase_energy, square_parts, angle_and_log, degrees, attributes]


@pytest.mark.parametrize("f", SCALARS)
@pytest.mark.parametrize("x", [0.7, -1.3])
def test_scalar_grad_and_jvp_match_finite_differences(f, x):
    want = fd_grad(f, (x,), 0)
    got = s2sad.grad(f)(x)
    assert isinstance(got, float)
    assert got == pytest.approx(want, abs=1e-6, rel=1e-6)
    y, dy = s2sad.jvp(f, (x,), (1.0,))
    assert y == pytest.approx(f(x))
    assert np.isrealobj(dy) and dy == pytest.approx(want, abs=1e-6, rel=1e-6)


def test_array_program_both_modes_and_the_caller_array():
    x = np.array([[0.3, 0.5, -0.2], [0.2, -0.4, 0.1]])
    kept = x.copy()
    want = fd_grad(field, (x,), 0)
    got = s2sad.grad(field)(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    v = np.random.default_rng(0).normal(size=x.shape)
    _, dy = s2sad.jvp(field, (x,), (v,))
    assert dy == pytest.approx(np.sum(got * v), rel=1e-9)       # <J v, 1> == <v, J^T 1>
    np.testing.assert_array_equal(x, kept)


def test_vjp_of_a_real_output_with_a_complex_intermediate():
    x = np.array([0.4, -0.9])
    y, pullback = s2sad.vjp(lambda t: np.abs(np.exp(1j * t) + t), x)
    w = np.array([0.5, -2.0])
    (u,) = pullback(w)
    want = np.array([fd_grad(lambda t: np.abs(np.exp(1j * t) + t)[i], (x,), 0)
                     for i in range(2)])             # rows of the Jacobian
    np.testing.assert_allclose(u, w @ want, rtol=1e-6, atol=1e-7)


def test_parameter_dict_loop():
    params = {"a": 0.8, "w": 0.3}
    g = s2sad.grad(train_phases)(params)
    for name in params:
        def along(v, name=name):
            return train_phases(dict(params, **{name: v}))
        assert g[name] == pytest.approx(fd_grad(along, (params[name],), 0), rel=1e-6)


@pytest.mark.parametrize("f", [phase_energy, square_parts, angle_and_log, degrees, field_point])
def test_hessian_of_a_real_function_with_complex_intermediates(f):
    x = 0.7
    g = s2sad.grad(f)
    want = fd_grad(lambda t: g(t), (x,), 0)
    assert s2sad.grad(g)(x) == pytest.approx(want, abs=1e-5, rel=1e-5)


def test_a_complex_output_is_still_refused_and_the_intermediate_case_is_not():
    def root(x):
        return x ** 0.5                 # Python: complex for a negative float
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(root)(-2.0)
    assert info.value.code == "complex-output"
    assert s2sad.grad(lambda x: abs(x ** 0.5) ** 2)(-2.0) == pytest.approx(-1.0)


def test_abs_of_a_real_value_keeps_sign_convention():
    assert s2sad.grad(lambda t: np.abs(t) + abs(t))(0.0) == 0.0
    assert s2sad.grad(lambda t: np.abs(t))(-2.0) == -1.0


def square_sum(z):
    return np.sum(np.abs(z) ** 2)


def loss_of_z(z, w):
    """A real loss of complex parameters: a linear model on complex features."""
    pred = np.sum(w * z)
    return np.abs(pred - (1.0 - 2.0j)) ** 2 + np.real(np.exp(z[0]) * np.conj(z[1]))


def _fd_complex(f, z, i=0):
    """df/dx - i df/dy (JAX's gradient of a real function of z) by central differences
    in the real and the imaginary direction of each element."""
    z = np.asarray(z, dtype=complex)
    out = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        parts = []
        for step in (1e-6, 1e-6j):
            plus, minus = z.copy(), z.copy()
            plus[idx] += step
            minus[idx] -= step
            parts.append((f(plus) - f(minus)) / 2e-6)
        out[idx] = parts[0] - 1j * parts[1]
    return out


def test_grad_of_a_real_function_of_complex_arguments_is_jaxs():
    z = np.array([1.0 + 1j, 2.0 - 0.5j])
    np.testing.assert_allclose(s2sad.grad(square_sum)(z), 2 * np.conj(z), rtol=1e-12)
    assert s2sad.grad(lambda z: abs(z) ** 2)(3.0 + 4.0j) == pytest.approx(6.0 - 8.0j)
    w = np.array([0.5 - 0.2j, -1.0 + 0.3j])
    kept = z.copy()
    got = s2sad.grad(loss_of_z)(z, w)
    np.testing.assert_allclose(got, _fd_complex(lambda t: loss_of_z(t, w), z), rtol=1e-6)
    gz, gw = s2sad.grad(loss_of_z, wrt=(0, 1))(z, w)
    np.testing.assert_allclose(gw, _fd_complex(lambda t: loss_of_z(z, t), w), rtol=1e-6)
    np.testing.assert_array_equal(z, kept)
    # the same as differentiating the real and imaginary parts apart
    gx, gy = s2sad.grad(lambda x, y: square_sum(x + 1j * y), wrt=(0, 1))(z.real, z.imag)
    np.testing.assert_allclose(gx - 1j * gy, 2 * np.conj(z), rtol=1e-12)


def test_jvp_and_vjp_on_complex_values_agree_by_the_real_pairing():
    def f(z):
        return np.exp(z) * np.conj(z) + np.abs(z) * 1j
    z = np.array([0.3 + 0.4j, -0.7 + 0.1j])
    v = np.array([0.2 - 1.0j, 0.5 + 0.25j])
    w = np.array([1.0 + 0.5j, -0.3 + 2.0j])
    y, jv = s2sad.jvp(f, (z,), (v,))
    np.testing.assert_allclose(jv, (f(z + 1e-6 * v) - f(z - 1e-6 * v)) / 2e-6, rtol=1e-6)
    _, pullback = s2sad.vjp(f, z)
    (u,) = pullback(w)
    # <J v, w> == <v, J^T w> in the real pairing Re(sum(a * b))
    assert np.real(np.sum(jv * w)) == pytest.approx(np.real(np.sum(v * u)), rel=1e-10)


def test_holomorphic_derivative_is_the_pullback_of_one():
    # JAX's grad(f, holomorphic=True)(z) is vjp's pullback of 1.0: f'(z)
    _, pullback = s2sad.vjp(lambda z: z * np.exp(z) + np.sqrt(z) / z, 0.5 + 1.0j)
    z = 0.5 + 1.0j
    want = np.exp(z) * (1 + z) - 0.5 * z ** -1.5
    assert pullback(1.0)[0] == pytest.approx(want)


def test_a_complex_output_of_complex_arguments_is_refused():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(lambda z: z * z)(1.0 + 1j)
    assert info.value.code == "complex-output"


def test_second_derivatives_in_a_complex_argument_are_refused():
    def energy(z):
        return np.abs(z) ** 2
    for second in (s2sad.hessian(energy), s2sad.grad(s2sad.grad(energy)),
                   lambda z: s2sad.hvp(energy)(z, 1.0 + 0j)):
        with pytest.raises(s2sad.UsageError) as info:
            second(1.0 + 2.0j)
        assert info.value.code == "bad-wrt-type" and "z.real" in str(info.value)


def test_a_real_argument_beside_a_complex_one_gets_a_real_gradient():
    def f(z, a):
        return np.abs(z * a) ** 2 + a * np.real(z)
    z, a = 1.0 + 2.0j, 0.5
    gz, ga = s2sad.grad(f, wrt=(0, 1))(z, a)
    assert gz == pytest.approx(2 * a * a * np.conj(z) + a)        # df/dx - i df/dy
    assert type(ga) is float and ga == pytest.approx(2 * a * abs(z) ** 2 + z.real)
