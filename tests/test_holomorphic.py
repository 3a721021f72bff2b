"""grad(f, holomorphic=True) of holomorphic functions of complex arguments: the complex
derivative, against closed forms and against central differences along the real axis
(for a holomorphic f, (f(z + h) - f(z - h)) / 2h tends to f'(z)), and along the
imaginary axis divided by i (the Cauchy-Riemann equations)."""
import numpy as np
import pytest

import s2sad


def cube_plus_sine(z):
    return z ** 3 + np.sin(z)


def exp_times(z):
    return np.sum(np.exp(z) * z)


def two_arguments(z, w):
    return np.sum(z * z * w) + np.log(w[0])


def _differences(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h), (f(z + 1j * h) - f(z - 1j * h)) / (2j * h)


def test_a_scalar_function():
    z = 0.3 + 0.4j
    got = s2sad.grad(cube_plus_sine, holomorphic=True)(z)
    np.testing.assert_allclose(got, 3 * z ** 2 + np.cos(z), rtol=1e-14)
    for estimate in _differences(cube_plus_sine, z):
        np.testing.assert_allclose(got, estimate, rtol=1e-8)
    value, again = s2sad.value_and_grad(cube_plus_sine, holomorphic=True)(z)
    assert value == pytest.approx(cube_plus_sine(z)) and again == pytest.approx(got)


def test_an_array_argument_and_two_arguments():
    z = np.array([0.3 + 0.4j, -0.2 + 0.1j, 1.1 - 0.5j])
    np.testing.assert_allclose(s2sad.grad(exp_times, holomorphic=True)(z),
                               (1 + z) * np.exp(z), rtol=1e-13)
    w = np.array([0.5 + 0.2j, 1.0 - 0.3j, -0.7 + 0.1j])
    gz, gw = s2sad.grad(two_arguments, wrt=(0, 1), holomorphic=True)(z, w)
    np.testing.assert_allclose(gz, 2 * z * w, rtol=1e-13)
    expected_w = z * z + np.array([1.0 / w[0], 0.0, 0.0])
    np.testing.assert_allclose(gw, expected_w, rtol=1e-13)
    np.testing.assert_array_equal(z, np.array([0.3 + 0.4j, -0.2 + 0.1j, 1.1 - 0.5j]))


def real_output(z):
    return np.abs(z) ** 2


@pytest.mark.parametrize("f, args, code", [
    (real_output, (0.3 + 0.4j,), "bad-arguments"),
    (cube_plus_sine, (0.3,), "bad-wrt-type"),
])
def test_what_is_not_holomorphic_use_is_refused(f, args, code):
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(f, holomorphic=True)(*args)
    assert info.value.code == code
