"""Issue 15, item 4: the rest of NumPy (rules/numpy_more.py), beyond the rows of
tests/numpy_table.py: grad/vjp against central finite differences of losses that mix
the operands, jvp against differences along a direction, the dot-product test between
the modes (``<J v, w> == <v, J^T w>``), Hessian-vector products against differences of
the gradient, float32, the caller's arrays left as they were, the nan-ignoring
statistics at NaNs, closed forms (``i0' = i1``, a stable ``logaddexp.accumulate``), and
the located errors where a rule stops."""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

XP = np.array([-1.1, -0.25, 0.55, 1.3])
XS = np.array([0.0, 0.3, 1.0, 1.4, 2.2])
MASK = np.array([[False, True, False, False], [False, False, False, True],
                 [True, False, False, False]])


def _rng(seed=0):
    return np.random.default_rng(seed)


# programs: each differentiable in all its arguments ----------------------------------

def interp_x_fp(x, fp):
    return np.sum(np.interp(x, XP, fp) ** 2)


def interp_period(x, fp):
    return np.sum(np.interp(x, XP, fp, period=2.5) * x)


def interp_sides(x, fp, left, right):
    return np.sum(np.interp(x, XP, fp, left, right) ** 2)


def polyval_both(p, x):
    return np.sum(np.sin(np.polyval(p, x)))


def polyfit_y(y):
    return np.sum(np.polyfit(np.linspace(-1.0, 1.0, 7), y, 3) ** 2)


def gradient_spaced(f):
    gx, gy = np.gradient(f * f, 0.5, XS[:4])
    return np.sum(gx * gy)


def gradient_uneven(f):
    return np.sum(np.gradient(np.sin(f), XS, edge_order=2) ** 2)


def trapezoid_both(y, x):
    return _trapezoid(y * y, x) ** 2


def trapezoid_axis(y, x):
    return np.sum(_trapezoid(np.exp(y), x, axis=0) ** 2)


def _trapezoid(y, x, axis=-1):
    return TRAPEZOID(y, x, axis=axis)


TRAPEZOID = getattr(np, "trapezoid", None) or getattr(np, "trapz")


def convolve_full(a, v):
    return np.sum(np.convolve(a, v) ** 2)


def convolve_same(a, v):
    return np.sum(np.convolve(a * a, v, mode="same") * a[0])


def convolve_valid(a, v):
    return np.sum(np.sin(np.convolve(a, v, "valid")))


def lae_accumulate(x):
    return np.sum(np.logaddexp.accumulate(x, axis=1) ** 2)


def lae_reduce(x):
    return np.sum(np.logaddexp.reduce(x * x, axis=0))


def i0_loss(x):
    return np.sum(np.i0(x) * x)


def linspace_loss(a, b):
    return np.sum(np.sin(np.linspace(a, b, 6, axis=1)))


def select_loss(x, y):
    return np.sum(np.select([x > 0.3, y < 0.0], [x * y, y * y], x) ** 2)


def nanvar_loss(x):
    return np.nanvar(np.where(MASK, np.nan, x), axis=1, ddof=1) @ np.arange(1.0, 4.0)


def nanstd_loss(x):
    return np.sum(np.nanstd(np.where(MASK, np.nan, x * x), axis=0))


def diff_loss(x, pre, post):
    return np.sum(np.diff(x * pre, n=2, prepend=pre, append=post) ** 2)


def append_loss(a, b):
    return np.sum(np.append(a * b[0], b, axis=0) ** 3)


def reduce_loss(x):
    return np.multiply.reduce(x, axis=1) @ np.add.reduce(x * x, axis=1)


def rot_roll_loss(x):
    return np.sum(np.rot90(x, 1, (0, 2)) ** 2 * np.rollaxis(x, 2, 1).ravel()[0])


def split_loss(x):
    top, bottom = np.vsplit(x, 2)
    left, right = np.hsplit(x, [1])
    return np.sum(top * bottom) + np.sum(left ** 3) + np.sum(np.sin(right))


def unwrap_loss(x):
    return np.sum(np.unwrap(4.0 * x) ** 2)


CASES = [
    (interp_x_fp, [(3, 4), (4,)], ("spaced", "real")),
    (interp_period, [(3, 4), (4,)], ("spaced", "real")),
    (interp_sides, [(3, 4), (4,), (), ()], ("spaced", "real", "real", "real")),
    (polyval_both, [(4,), (3, 2)], "real"),
    (polyfit_y, [(7,)], "real"),
    (gradient_spaced, [(3, 4)], "real"),
    (gradient_uneven, [(5,)], "real"),
    (trapezoid_both, [(5,), (5,)], "real"),
    (trapezoid_axis, [(3, 4), (3,)], "real"),
    (convolve_full, [(5,), (3,)], "real"),
    (convolve_same, [(3,), (6,)], "real"),
    (convolve_valid, [(6,), (4,)], "real"),
    (lae_accumulate, [(2, 5)], "real"),
    (lae_reduce, [(3, 2)], "real"),
    (i0_loss, [(3, 3)], "real"),
    (linspace_loss, [(2,), (2,)], "real"),
    (select_loss, [(3, 4), (3, 4)], "spaced"),
    (nanvar_loss, [(3, 4)], "real"),
    (nanstd_loss, [(3, 4)], "real"),
    (diff_loss, [(2, 5), (2, 1), ()], "real"),
    (append_loss, [(2, 3), (2, 3)], "real"),
    (reduce_loss, [(2, 4)], "real"),
    (rot_roll_loss, [(2, 3, 4)], "real"),
    (split_loss, [(4, 3)], "real"),
    (unwrap_loss, [(7,)], "real"),
]
IDS = [c[0].__name__ for c in CASES]


def _args(shapes, domain, dtype=np.float64, seed=0):
    rng = _rng(seed)
    out = []
    for i, shape in enumerate(shapes):
        kind = domain if isinstance(domain, str) else domain[i]
        if kind == "spaced":
            n = int(np.prod(shape))
            value = rng.permutation(np.linspace(-1.5, 1.5, n) + rng.uniform(-0.02, 0.02, n))
            value = value.reshape(shape)
        else:
            value = rng.standard_normal(shape)
        out.append(float(value) if shape == () else np.asarray(value, dtype=dtype))
    return tuple(out)


def _close(got, want, rtol=1e-5, atol=1e-7):
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=rtol,
                               atol=atol * scale)


@pytest.mark.parametrize("func, shapes, domain", CASES, ids=IDS)
def test_grad_matches_finite_differences_and_leaves_the_arguments(func, shapes, domain):
    args = _args(shapes, domain)
    before = [np.copy(a) for a in args]
    wrt = tuple(range(len(args)))
    grads = s2sad.grad(func, wrt=wrt)(*args)
    for i, g in enumerate(grads):
        _close(g, fd_grad(func, args, i))
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("func, shapes, domain", CASES, ids=IDS)
def test_jvp_matches_differences_and_the_dot_product_test(func, shapes, domain):
    args = _args(shapes, domain)
    rng = _rng(7)
    v = tuple(rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
              else float(rng.standard_normal()) for a in args)
    before = [np.copy(a) for a in args]
    y, ydot = s2sad.jvp(func, args, v)
    h = 1e-6
    plus = func(*(a + h * t for a, t in zip(args, v)))
    minus = func(*(a - h * t for a, t in zip(args, v)))
    _close(ydot, (plus - minus) / (2 * h), rtol=1e-5)
    _, pullback = s2sad.vjp(func, *args, wrt=tuple(range(len(args))))
    w = 0.7
    back = pullback(w)
    lhs = float(ydot) * w
    rhs = sum(float(np.sum(np.asarray(b) * np.asarray(t))) for b, t in zip(back, v))
    assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs))
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("func, shapes, domain", CASES, ids=IDS)
def test_hvp_matches_differences_of_the_gradient(func, shapes, domain):
    args = _args(shapes, domain)
    rng = _rng(3)
    v = tuple(rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
              else float(rng.standard_normal()) for a in args)
    wrt = tuple(range(len(args)))
    hv = s2sad.hvp(func, wrt=wrt if len(args) > 1 else 0)(*args, v if len(args) > 1 else v[0])
    hv = hv if len(args) > 1 else (hv,)
    grad = s2sad.grad(func, wrt=wrt)
    h = 1e-5
    plus = grad(*(a + h * t for a, t in zip(args, v)))
    minus = grad(*(a - h * t for a, t in zip(args, v)))
    for got, p, m in zip(hv, plus, minus):
        _close(got, (np.asarray(p) - np.asarray(m)) / (2 * h), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("func, shapes, domain", CASES, ids=IDS)
def test_float32_derivatives_are_float32_and_close(func, shapes, domain):
    if all(s == () for s in shapes):
        pytest.skip("Python floats only")
    args32 = _args(shapes, domain, np.float32)
    args64 = tuple(np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a
                   for a in args32)
    wrt = tuple(range(len(args32)))
    got = s2sad.grad(func, wrt=wrt)(*args32)
    want = s2sad.grad(func, wrt=wrt)(*args64)
    for g, w, a in zip(got, want, args32):
        if isinstance(a, np.ndarray):
            assert np.asarray(g).dtype == np.float32, func.__name__
        _close(g, w, rtol=2e-3, atol=2e-3)


# the nan-ignoring statistics at NaNs --------------------------------------------------

def nansum_loss(x):
    return np.sum(np.sin(np.nansum(x)))


def nanmean_loss(x):
    return np.sum(np.sin(np.nanmean(x, axis=1)))


def nanmax_loss(x):
    return np.sum(np.sin(np.nanmax(x, axis=0)))


def nanmin_loss(x):
    return np.sum(np.sin(np.nanmin(x)))


def nanvar_all(x):
    return np.sum(np.sin(np.nanvar(x)))


def nanvar_rows(x):
    return np.sum(np.sin(np.nanvar(x, axis=1, ddof=1)))


def nanstd_columns(x):
    return np.sum(np.sin(np.nanstd(x, axis=0)))


def nanstd_kept(x):
    return np.sum(np.sin(np.nanstd(x, keepdims=True)))


NAN_LOSSES = [nansum_loss, nanmean_loss, nanmax_loss, nanmin_loss, nanvar_all, nanvar_rows,
              nanstd_columns, nanstd_kept]


@pytest.mark.parametrize("loss", NAN_LOSSES, ids=[f.__name__ for f in NAN_LOSSES])
def test_nan_statistics_have_zero_derivative_at_nans_and_match_differences_elsewhere(loss):
    x = _args([(3, 4)], "spaced")[0]
    x[MASK] = np.nan
    before = x.copy()
    g = s2sad.grad(loss)(x)
    np.testing.assert_array_equal(g[MASK], 0.0)
    ok = ~MASK
    want = np.zeros_like(x)
    for idx in zip(*np.nonzero(ok)):
        plus, minus = x.copy(), x.copy()
        plus[idx] += 1e-6
        minus[idx] -= 1e-6
        want[idx] = (loss(plus) - loss(minus)) / 2e-6
    _close(g[ok], want[ok])
    t = np.where(MASK, 0.0, _rng(5).standard_normal(x.shape))
    _, ydot = s2sad.jvp(loss, (x,), (t,))
    _close(ydot, float(np.sum(want * t)), rtol=1e-5)
    np.testing.assert_array_equal(x, before)


# closed forms and extreme values ------------------------------------------------------

def _bessel_i1(x):
    """I_1 by its integral, as an oracle independent of the series s2sad sums."""
    theta = np.linspace(0.0, np.pi, 20001)
    values = np.exp(np.multiply.outer(x, np.cos(theta))) * np.cos(theta)
    return np.trapezoid(values, theta, axis=-1) / np.pi if hasattr(np, "trapezoid") else \
        np.trapz(values, theta, axis=-1) / np.pi


def test_i0_derivative_is_i1_and_its_second_derivative_i0_minus_i1_over_x():
    x = np.array([-30.0, -2.5, -0.3, 0.0, 0.7, 4.0, 25.0])
    g = s2sad.grad(lambda z: np.sum(np.i0(z)))(x)
    _close(g, _bessel_i1(x), rtol=1e-8)
    safe = np.where(x == 0, 1.0, x)
    second = np.where(x == 0, 0.5, np.i0(x) - _bessel_i1(x) / safe)
    hv = s2sad.hvp(lambda z: np.sum(np.i0(z)))(x, np.ones_like(x))
    _close(hv, second, rtol=1e-7)


def test_logaddexp_accumulate_is_stable_over_a_wide_range():
    x = np.array([-1000.0, 0.0, 1000.0, -5.0, 1000.5])
    g = np.array([1.0, -2.0, 0.5, 3.0, 1.0])

    def loss(z):
        return np.sum(np.logaddexp.accumulate(z) * g)
    s = np.logaddexp.accumulate(x)
    want = np.array([sum(g[k] * np.exp(x[i] - s[k]) for k in range(i, 5)) for i in range(5)])
    got = s2sad.grad(loss)(x)
    assert np.all(np.isfinite(got))
    _close(got, want, rtol=1e-12)
    _, ydot = s2sad.jvp(loss, (x,), (np.ones(5),))
    _close(ydot, float(np.sum(want)), rtol=1e-12)


def test_trapz_and_trapezoid_whichever_this_numpy_has_have_rules():
    from s2sad.rules import FORWARD, REVERSE
    for name in ("trapz", "trapezoid", "row_stack"):
        func = getattr(np, name, None)
        if func is not None and func is not np.vstack:
            assert REVERSE.get(func) is not None and FORWARD.get(func) is not None, name


# where the rules stop: located errors -------------------------------------------------

def active_spacing(f, h):
    return np.sum(np.gradient(f, h))


def active_knots(x, xp):
    return np.sum(np.interp(x, xp, np.array([0.0, 1.0, 3.0, 2.0])))


def active_fit_x(x, y):
    return np.sum(np.polyfit(x, y, 2))


def fit_full(y):
    return np.sum(np.polyfit(np.linspace(0.0, 1.0, 5), y, 2, full=True)[0])


def linspace_step(a):
    return np.linspace(a, 2.0, 5, retstep=True)[1]


def reduce_initial(x):
    return np.add.reduce(x, initial=1.0)


def running_max(x):
    return np.sum(np.maximum.accumulate(x))


def add_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0, 2], x)
    return np.sum(y)


REFUSED = [
    (active_spacing, (np.arange(5.0) ** 2, 0.5), "no-rule", "'varargs'"),
    (active_knots, (np.array([0.2, 0.9]), np.array([0.0, 0.5, 1.0, 1.5])), "no-rule", "'xp'"),
    (active_fit_x, (np.linspace(0.0, 1.0, 5), np.arange(5.0)), "no-rule", "'x'"),
    (fit_full, (np.arange(5.0),), "no-rule", "unsupported call form"),
    (linspace_step, (0.5,), "no-rule", "unsupported call form"),
    (reduce_initial, (np.arange(3.0),), "no-rule", "unsupported call form"),
    (running_max, (np.arange(3.0),), "no-rule", "maximum.accumulate"),
    (add_at, (np.arange(3.0),), "unsupported-syntax", "side effect"),
]


@pytest.mark.parametrize("func, args, code, text", REFUSED, ids=[r[0].__name__ for r in REFUSED])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_what_the_rules_do_not_cover_is_a_located_error(func, args, code, text, mode):
    with pytest.raises(s2sad.CompileError) as info:
        if mode == "grad":
            s2sad.grad(func, wrt=tuple(range(len(args))))(*args)
        else:
            s2sad.jvp(func, args, tuple(np.ones_like(a) for a in args))
    assert code in info.value.codes
    assert text in str(info.value)
    first = func.__code__.co_firstlineno
    assert first < info.value.violations[0].lineno <= first + 3
    assert info.value.violations[0].filename == __file__


def test_integer_linspace_is_an_unsupported_argument():
    def loss(a):
        return np.sum(np.linspace(a, 10.0, 4, dtype=int) * 1.0)
    with pytest.raises(s2sad.UsageError, match="integer dtype"):
        s2sad.jvp(loss, (0.5,), (1.0,))


# lists of differentiated numbers where NumPy takes an array ----------------------------

X3 = np.array([0.3, -0.7, 1.1])


def list_polyval(a, b):
    return np.sum(np.polyval([a, b, 1.0], X3) ** 2)


def list_convolve(a, b):
    return np.sum(np.convolve([a, b], X3) ** 2)


def list_interp(a, b):
    return np.sum(np.interp(X3, XP, [a, b, 1.0, a]) ** 2)


def list_trapezoid(a, b):
    return TRAPEZOID([a, b, a * b], [a, 1.0, 2.0]) ** 2


def list_append(a, b):
    return np.sum(np.append(X3, [a, b]) ** 2)


def list_gradient(a, b):
    return np.sum(np.gradient([a, b, a * b]) ** 2)


def list_linspace(a, b):
    return np.sum(np.linspace([a, b], 2.0, 4) ** 2)


def list_accumulate(a, b):
    return np.sum(np.logaddexp.accumulate([a, b, 0.3]) ** 2) + \
        np.add.reduce([a, b * b]) * np.multiply.accumulate([a, b])[1]


def list_diff(a, b):
    return np.sum(np.diff([a, b, a * b], prepend=[a]) ** 2)


def list_polyfit(a, b):
    return np.sum(np.polyfit(X3, [a, b, 1.0], 1) ** 2)


def list_nan_statistics(a, b):
    return np.nanvar([a, b, 1.0]) + np.nanstd([a, b, 0.5])


LISTS = [list_polyval, list_convolve, list_interp, list_trapezoid, list_append, list_gradient,
         list_linspace, list_accumulate, list_diff, list_polyfit, list_nan_statistics]


@pytest.mark.parametrize("func", LISTS, ids=[f.__name__ for f in LISTS])
def test_lists_of_numbers_are_differentiated_in_both_modes(func):
    args = (0.4, -1.3)
    grads = s2sad.grad(func, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        assert isinstance(g, float)
        _close(g, fd_grad(func, args, i))
    _, ydot = s2sad.jvp(func, args, (1.0, 0.5))
    h = 1e-6
    want = (func(args[0] + h, args[1] + 0.5 * h) - func(args[0] - h, args[1] - 0.5 * h)) / (2 * h)
    _close(ydot, want)
