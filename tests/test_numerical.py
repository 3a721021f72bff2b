"""s2sad.numerical: forward, central, Richardson and complex-step differences.

Checked against closed forms, against each other, and against s2sad's reverse
mode on the catalog (a second numerical oracle beside tests/fd.py)."""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad import numerical
from tests.catalog import CATALOG, Case
from tests.test_catalog import _ids

# (function, derivative, points): smooth, analytic, and written with NumPy so that
# the complex step applies too
SMOOTH = [
    (lambda x: np.sin(x) * np.exp(x), lambda x: (np.cos(x) + np.sin(x)) * np.exp(x),
     (-2.0, 0.3, 1.7, 12.0)),
    (lambda x: np.log(x) * x ** 3, lambda x: x ** 2 + 3.0 * x ** 2 * np.log(x), (0.05, 1.7, 12.0)),
    (lambda x: 1.0 / (1.0 + x * x), lambda x: -2.0 * x / (1.0 + x * x) ** 2, (-3.0, 0.3, 5.0)),
    (lambda x: np.exp(5.0 * x), lambda x: 5.0 * np.exp(5.0 * x), (-1.0, 0.05, 2.0)),
    (lambda x: np.sqrt(x), lambda x: 0.5 / np.sqrt(x), (0.05, 1.7, 100.0)),
]
# worst relative error each scheme reaches on SMOOTH with its default step
ACCURACY = {"forward": 1e-6, "central": 1e-8, "richardson": 1e-12, "complex": 1e-15}


@pytest.mark.parametrize("scheme", list(ACCURACY))
def test_each_scheme_reaches_its_accuracy_on_smooth_functions(scheme):
    differentiate = numerical.SCHEMES[scheme]
    for f, df, points in SMOOTH:
        for x in points:
            assert differentiate(f, x) == pytest.approx(df(x), rel=ACCURACY[scheme]), (scheme, x)


def test_accuracy_ranks_the_schemes():
    f, df, _ = SMOOTH[0]
    errors = {name: abs(scheme(f, 1.7) - df(1.7)) for name, scheme in numerical.SCHEMES.items()}
    assert errors["forward"] > errors["central"] > errors["richardson"] >= errors["complex"]


def test_forward_difference_error_is_first_order_and_central_second_order():
    f, df, _ = SMOOTH[0]
    exact = df(0.3)
    forward = [abs(numerical.forward(f, 0.3, step=h) - exact) for h in (1e-2, 1e-3)]
    central = [abs(numerical.central(f, 0.3, step=h) - exact) for h in (1e-2, 1e-3)]
    assert forward[0] / forward[1] == pytest.approx(10.0, rel=0.1)
    assert central[0] / central[1] == pytest.approx(100.0, rel=0.1)


def weighted(x, w, scale=2.0):
    return scale * np.sum(w * x ** 2)


@pytest.mark.parametrize("scheme", list(numerical.SCHEMES.values()),
                         ids=list(numerical.SCHEMES))
def test_array_arguments_give_arrays_of_their_shape(scheme):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.4]])
    w = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    g = scheme(weighted, x, w)
    assert isinstance(g, np.ndarray) and g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 4.0 * w * x, rtol=1e-6)
    np.testing.assert_array_equal(x, before)          # the input is left alone
    zero_dim = scheme(lambda a: a ** 2, np.array(1.5))
    assert isinstance(zero_dim, np.ndarray) and zero_dim.shape == ()
    assert isinstance(scheme(lambda a: a * a, 1.5), float)
    assert isinstance(scheme(lambda a: a * a, np.float64(1.5)), float)


def test_wrt_by_position_name_keyword_default_and_tuple():
    x, w = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    gx, gw = numerical.central(weighted, x, w, wrt=(0, 1))
    np.testing.assert_allclose(gx, 4.0 * w * x, rtol=1e-8)
    np.testing.assert_allclose(gw, 2.0 * x ** 2, rtol=1e-8)
    np.testing.assert_allclose(numerical.central(weighted, x, w, wrt="w"), gw, rtol=1e-12)
    by_keyword = numerical.central(weighted, x, w, scale=3.0, wrt="scale")
    by_default = numerical.central(weighted, x, w, wrt="scale")
    assert by_keyword == pytest.approx(np.sum(w * x ** 2)) == by_default
    assert numerical.central(weighted, x, w=w, wrt="w") == pytest.approx(gw)


def test_an_int_argument_is_differentiated_as_a_float():
    assert numerical.central(lambda x: x ** 3, 2) == pytest.approx(12.0, rel=1e-9)
    g = numerical.central(lambda a: np.sum(a ** 2), np.array([1, 2]))
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-9)


@pytest.mark.parametrize("bad, code", [
    (dict(args=(np.array([1.0, 2.0]),), f=lambda a: a * 2.0), "non-scalar-output"),
    (dict(args=(True,), f=lambda a: a * 2.0), "bad-wrt-type"),
    (dict(args=("x",), f=lambda a: a), "bad-wrt-type"),
    (dict(args=(1.0,), f=lambda a: a, wrt=3), "bad-wrt"),
    (dict(args=(1.0,), f=lambda a: a, wrt="nope"), "bad-wrt"),
    (dict(args=(1.0,), f=lambda a: a, wrt=1.5), "bad-wrt"),
])
def test_usage_errors_have_codes(bad, code):
    with pytest.raises(s2sad.UsageError) as err:
        numerical.central(bad["f"], *bad["args"], wrt=bad.get("wrt", 0))
    assert err.value.code == code


def test_complex_step_that_loses_the_step_is_an_error_not_a_zero():
    # abs() of a complex number is its modulus: the imaginary part is lost and the
    # result is real; complex_step says so rather than returning 0
    with pytest.raises(s2sad.UsageError) as err:
        numerical.complex_step(lambda x: abs(x) * 2.0, 0.5)
    assert err.value.code == "not-analytic"
    with pytest.raises(TypeError):                    # math functions refuse complex
        numerical.complex_step(lambda x: __import__("math").sin(x), 0.5)
    assert numerical.complex_step(lambda x: x * x, 3.0) == 6.0


def test_richardson_needs_two_levels_and_survives_a_first_step_outside_the_domain():
    with pytest.raises(s2sad.UsageError):
        numerical.richardson(np.sin, 0.3, levels=1)
    # the first step (1/16) leaves sqrt's domain at 0.05; the smaller ones do not
    assert numerical.richardson(np.sqrt, 0.05) == pytest.approx(0.5 / np.sqrt(0.05), rel=1e-10)


@pytest.mark.parametrize("case", CATALOG, ids=_ids(CATALOG))
def test_central_differences_agree_with_reverse_mode_on_the_catalog(case: Case):
    for i in case.wrt_all:
        expected = s2sad.grad(case.func, wrt=i)(*case.args)
        got = numerical.central(case.func, *case.args, wrt=i, step=1e-6)
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8 * scale,
                                   err_msg=f"{case.name} wrt={i}")
