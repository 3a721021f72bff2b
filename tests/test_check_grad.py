"""s2sad.check_grad: passes on correct derivatives, reports and raises on a mismatch.

A mismatch is produced without touching the compiler: ``method`` accepts a
reference gradient function, so a deliberately wrong hand-derived gradient
stands in for a wrong derivative."""
from __future__ import annotations

import math

import numpy as np
import pytest

import s2sad
from s2sad.check import ArgumentCheck, _compare


def tanh_energy(x, w):
    return np.sum(np.tanh(w * x) ** 2)


def looped(x, n):
    s = 0.0
    for i in range(n):
        if s < 2.0:
            s = s + math.sin(x * i)
        else:
            s = s * 0.5
    return s


def analytic(x, y):
    return np.sin(x) * np.exp(y) + x * x * y


@s2sad.differentiate(wrt="y")
def decorated(x, y):
    return x * y ** 3


def right_gradient(f, x, y, wrt):
    return np.cos(x) * np.exp(y) + 2 * x * y if wrt == 0 else np.sin(x) * np.exp(y) + x * x


def wrong_gradient(f, x, y, wrt):
    """The gradient of analytic with a sign error in the x part."""
    return -np.cos(x) * np.exp(y) + 2 * x * y if wrt == 0 else np.sin(x) * np.exp(y) + x * x


W = np.array([0.3, -1.2, 0.8])


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_passes_on_a_correct_function_with_each_method(method):
    report = s2sad.check_grad(analytic, 0.4, 1.1, method=method)
    assert report.ok and [a.name for a in report.arguments] == ["x", "y"]
    assert report.worst < {"central": 1e-7, "richardson": 1e-11, "complex": 1e-14}[method]


def test_arrays_loops_and_int_arguments():
    report = s2sad.check_grad(tanh_energy, 0.5, W)
    assert [(a.name, a.shape) for a in report.arguments] == [("x", ()), ("w", (3,))]
    assert report.arguments[1].reverse.shape == (3,)
    report = s2sad.check_grad(looped, 0.9, 6)           # n is an int: not checked
    assert [a.name for a in report.arguments] == ["x"] and report.ok


def test_wrt_by_name_position_and_decorator():
    assert [a.name for a in s2sad.check_grad(tanh_energy, 0.5, W, wrt="w").arguments] == ["w"]
    assert [a.name for a in s2sad.check_grad(tanh_energy, 0.5, W, wrt=(1, 0)).arguments] == \
        ["w", "x"]
    assert [a.name for a in s2sad.check_grad(decorated, 2.0, 3.0).arguments] == ["y"]


def test_the_report_is_a_readable_table():
    text = str(s2sad.check_grad(tanh_energy, 0.5, W))
    lines = text.splitlines()
    assert "central differences" in lines[0] and "rtol" in lines[0]
    assert lines[1].split()[:2] == ["argument", "shape"]
    assert "forward vs reverse" in lines[1]
    assert lines[2].startswith("x ") and lines[2].endswith("ok")
    assert lines[3].startswith("w ") and "(3,)" in lines[3]
    assert "ok" in repr(s2sad.check_grad(tanh_energy, 0.5, W))


def test_a_reference_that_agrees_passes():
    assert s2sad.check_grad(analytic, 0.4, 1.1, method=right_gradient).ok


def test_a_wrong_reference_raises_with_the_report():
    with pytest.raises(s2sad.GradientCheckError) as err:
        s2sad.check_grad(analytic, 0.4, 1.1, method=wrong_gradient)
    error = err.value
    assert isinstance(error, s2sad.S2SadError) and error.code == "gradient-mismatch"
    x, y = error.report.arguments
    assert not error.report.ok and not x.ok and y.ok
    assert x.failures == ["forward mode", "reverse mode"]   # the two modes still agree
    assert x.errors["forward"] > 0.1 and x.errors["modes"] < 1e-15
    assert "MISMATCH: forward mode, reverse mode" in str(error)
    assert "wrong_gradient" in str(error)


def test_forward_and_reverse_mode_are_held_to_rounding_whatever_the_method():
    check = ArgumentCheck("x", 0, (2,), forward=np.array([1.0, 2.0]),
                          reverse=np.array([1.0, 2.0 + 1e-7]), numerical=np.array([1.0, 2.0]))
    _compare(check, rtol=1e-5, atol=1e-8)
    assert check.failures == ["forward vs reverse"]


def test_errors_are_normwise_relative_and_nan_is_a_mismatch():
    check = ArgumentCheck("x", 0, (2,), forward=np.array([100.0, 1e-9]),
                          reverse=np.array([100.0, 1e-9]), numerical=np.array([100.0, 0.0]))
    _compare(check, rtol=1e-5, atol=1e-8)
    assert check.ok and check.errors["forward"] == pytest.approx(1e-11)
    nan = ArgumentCheck("x", 0, (), forward=np.array(np.nan), reverse=np.array(np.nan),
                        numerical=np.array(1.0))
    _compare(nan, rtol=1e-5, atol=1e-8)
    assert nan.failures == ["forward mode", "reverse mode"] and nan.errors["modes"] == 0.0
    zeros = ArgumentCheck("x", 0, (), forward=np.array(0.0), reverse=np.array(0.0),
                          numerical=np.array(0.0))
    _compare(zeros, rtol=1e-5, atol=1e-8)
    assert zeros.ok and zeros.worst == 0.0


def test_usage_errors():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.check_grad(analytic, 0.4, 1.1, method="secant")
    assert err.value.code == "bad-mode"
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.check_grad(looped, 1, 6)
    assert err.value.code == "bad-wrt"
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.check_grad(analytic, 0.4, 1.1, wrt="z")
    assert err.value.code == "bad-wrt"


def vector_field(x, a):
    return np.sin(x) * a + x[::-1] ** 2


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_an_array_output_is_checked_through_a_random_projection(method):
    report = s2sad.check_grad(vector_field, np.array([0.3, 1.2, -0.4]), 2.0, method=method)
    assert report.ok and [a.name for a in report.arguments] == ["x", "a"]
    x = np.array([0.3, 1.2, -0.4])
    jacobian_x = np.diag(np.cos(x) * 2.0) + np.fliplr(np.diag(2 * x[::-1]))
    w = np.random.default_rng(0).standard_normal(3)          # check_grad's projection
    np.testing.assert_allclose(report.arguments[0].reverse, jacobian_x.T @ w, rtol=1e-12)


def test_an_array_output_with_a_wrong_reference_raises():
    def wrong(f, x, a, wrt):
        return np.zeros_like(x) if wrt == 0 else 0.0
    with pytest.raises(s2sad.GradientCheckError):
        s2sad.check_grad(vector_field, np.array([0.3, 1.2, -0.4]), 2.0, method=wrong)


def test_a_tuple_output_is_a_usage_error():
    def pair(x):
        return x, x * 2.0
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.check_grad(pair, 0.5)
    assert err.value.code == "non-scalar-output"
