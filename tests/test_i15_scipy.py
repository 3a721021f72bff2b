"""SciPy's special functions and distributions, in both modes, against central finite
differences (issue 15): every row of tests/scipy_table.py by grad (reverse), jvp
(forward) and hvp, in float64 and, where SciPy keeps it, float32; the arguments a rule
has no derivative in, frozen distributions and library functions with no rule are
located errors at the user's call; `s2sad rules` lists every SciPy rule in both modes."""
from __future__ import annotations

import numpy as np
import pytest

sp = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")

import s2sad  # noqa: E402
from s2sad.rules import covered, label  # noqa: E402
from s2sad.rules.forward import FORWARD  # noqa: E402
from s2sad.rules.reverse import REVERSE  # noqa: E402
from tests import scipy_programs  # noqa: E402
from tests.fd import fd_grad  # noqa: E402
from tests.scipy_table import ROWS, render  # noqa: E402

DOMAINS = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "positive3": lambda rng, s: rng.uniform(1.5, 4.0, s),
    "above1": lambda rng, s: rng.uniform(1.2, 3.0, s),
    "above2": lambda rng, s: rng.uniform(2.5, 4.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),
    "unit01": lambda rng, s: rng.uniform(0.1, 0.9, s),
    "unit02": lambda rng, s: rng.uniform(0.2, 1.8, s),
    "away0": lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2.0, s),
    "mid": lambda rng, s: rng.uniform(0.35, 0.45, s),
    "small": lambda rng, s: rng.uniform(-0.3, 0.3, s),
    "tiny": lambda rng, s: rng.uniform(-0.05, 0.05, s),
    "scale": lambda rng, s: rng.uniform(0.9, 1.3, s),
}
CASES = [pytest.param(i, row, id=f"{i}:{row.call}") for i, row in enumerate(ROWS)]


def _args(i, row, dtype=np.float64):
    rng = np.random.default_rng(500 + i)
    out = []
    for shape, domain in zip(row.shapes, row.domain):
        value = DOMAINS[domain](rng, () if shape is None else shape)
        out.append(float(value) if shape is None else np.asarray(value, dtype=dtype))
    return tuple(out)


def _loss(i):
    return getattr(scipy_programs, f"loss_{i}")


def _fd(f, args):
    return tuple(fd_grad(f, args, k) for k in range(len(args)))


def _close(actual, expected, rtol=1e-5, atol=1e-7, what=""):
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(actual) == expected.shape, f"{what}: shape {np.shape(actual)}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol,
                               atol=atol * scale, err_msg=what)


def test_programs_are_generated_from_the_table():
    with open(scipy_programs.__file__) as f:
        assert f.read() == render(), "run: python -m tests.scipy_table"


@pytest.mark.parametrize("i, row", CASES)
def test_reverse_mode_against_finite_differences(i, row):
    f, args = _loss(i), _args(i, row)
    kept = [np.copy(a) for a in args]
    grads = s2sad.grad(f, wrt=tuple(range(len(args))))(*args)
    for k, (got, want) in enumerate(zip(grads, _fd(f, args))):
        _close(got, want, what=f"grad {k}")
    for a, b in zip(args, kept):
        np.testing.assert_array_equal(a, b)          # the caller's arrays are left alone


@pytest.mark.parametrize("i, row", CASES)
def test_forward_mode_against_finite_differences(i, row):
    f, args = _loss(i), _args(i, row)
    rng = np.random.default_rng(i)
    tangents = tuple(float(rng.standard_normal()) if isinstance(a, float)
                     else rng.standard_normal(np.shape(a)) for a in args)
    value, tangent = s2sad.jvp(f, args, tangents, wrt=tuple(range(len(args))))
    expected = sum(np.sum(g * t) for g, t in zip(_fd(f, args), tangents))
    assert value == pytest.approx(f(*args))
    _close(tangent, expected, what="jvp")


@pytest.mark.parametrize("i, row", CASES)
def test_hessian_vector_products_against_finite_differences_of_the_gradient(i, row):
    f, args = _loss(i), _args(i, row)
    v = np.random.default_rng(i).standard_normal(np.shape(args[0]))
    v = float(v) if isinstance(args[0], float) else v
    hv = s2sad.hvp(f, wrt=0)(*args, v)
    gradient = s2sad.grad(f, wrt=0)
    h = 1e-5
    plus = gradient(*((args[0] + h * v,) + args[1:]))
    minus = gradient(*((args[0] - h * v,) + args[1:]))
    _close(hv, (np.asarray(plus) - np.asarray(minus)) / (2 * h), rtol=1e-4, atol=1e-6,
           what="hvp")


@pytest.mark.parametrize("i, row", [c for c in CASES if c.values[1].float32])
def test_float32_in_float32_out(i, row):
    f, args = _loss(i), _args(i, row, np.float32)
    grads = s2sad.grad(f, wrt=tuple(range(len(args))))(*args)
    expected = _fd(f, tuple(np.asarray(a, np.float64) for a in args))
    for a, got, want in zip(args, grads, expected):
        assert np.asarray(got).dtype == np.float32
        _close(got, want, 2e-3, 2e-3, "float32 grad")
    _, tangent = s2sad.jvp(f, args, tuple(np.ones_like(a) for a in args),
                           wrt=tuple(range(len(args))))
    assert np.asarray(tangent).dtype == np.float32


def test_every_scipy_function_is_listed_in_both_modes():
    listed = {name.split(" ")[0] for names in covered().values() for name in names}
    tested = {row.label for row in ROWS}
    scipy_rules = {label(k) for k in REVERSE.rules if label(k).startswith("scipy.")}
    table_rules = {n for n in scipy_rules if n.startswith(("scipy.special.", "scipy.stats."))}
    assert scipy_rules <= listed and table_rules - {"scipy.special.psi"} <= tested | {
        "scipy.special.psi"}          # scipy.linalg, scipy.signal: test_i15_scipy_linalg.py
    assert {label(k) for k in FORWARD.rules if label(k).startswith("scipy.")} == scipy_rules
    for name in ("scipy.special.logsumexp", "scipy.stats.norm.logpdf", "scipy.special.zeta",
                 "scipy.stats.multivariate_normal.logpdf", "scipy.stats.poisson.logpmf"):
        assert name in listed


# located errors at the user's call ---------------------------------------------------

def incomplete_gamma_in_a(a, x):
    return np.sum(sp.gammainc(a, x))


def no_rule_ufunc(x):
    return np.sum(sp.spence(x))


def no_rule_python_function(x):
    return np.sum(np.real(sp.lambertw(x)))


def frozen(mu, x):
    d = st.norm(mu, 1.0)                 # read otherwise than by logpdf, pdf, ...
    return np.sum(d.logpdf(x)) + d.std()


def cdf_in_shape(a, x):
    return np.sum(st.gamma.cdf(x, a))


@pytest.mark.parametrize("func, args, needle", [
    (incomplete_gamma_in_a, (1.5, np.array([1.0, 2.0])), "in its argument 'a'"),
    (cdf_in_shape, (2.0, np.array([1.0, 2.0])), "scipy.stats.gamma.cdf has no derivative"),
    (no_rule_ufunc, (np.array([1.0, 2.0]),), "no derivative rule for 'sp.spence'"),
    (no_rule_python_function, (np.array([1.0, 2.0]),), "scipy.special._lambertw.lambertw, "
                                                       "from an installed library"),
    (frozen, (0.5, np.array([1.0, 2.0])), "called to freeze its parameters"),
])
def test_what_has_no_rule_is_a_located_error_at_the_users_call(func, args, needle):
    for make in (lambda: s2sad.grad(func, wrt=0)(*args),
                 lambda: s2sad.jvp(func, args, (1.0 if isinstance(args[0], float)
                                                else np.ones(2),) + (0.0 * args[1],)
                                   if len(args) > 1 else (np.ones(2),))):
        with pytest.raises(s2sad.CompileError) as info:
            make()
        message = str(info.value)
        assert needle in message and __file__ in message, message
        assert "_multivariate" not in message and "site-packages" not in message


def test_library_python_function_is_never_parsed():
    from s2sad.analysis.prims import is_library_function, is_user_function
    assert is_library_function(sp.logsumexp) and is_library_function(st.norm.logpdf)
    assert not is_library_function(frozen) and is_user_function(frozen)


def test_a_shape_parameter_held_constant_is_no_error():
    grad = s2sad.grad(incomplete_gamma_in_a, wrt=1)(1.5, np.array([1.0, 2.0]))
    expected = fd_grad(incomplete_gamma_in_a, (1.5, np.array([1.0, 2.0])), 1)
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


# programs as users write them ---------------------------------------------------------

def negative_log_likelihood(params, x, y):
    """A logistic regression with a Gaussian prior and a Student-t noise model."""
    logits = x @ params["w"] + params["b"]
    nll = -np.sum(sp.log_expit(y * logits))
    prior = -np.sum(st.norm.logpdf(params["w"], loc=0.0, scale=np.exp(params["log_s"])))
    noise = -np.sum(st.t.logpdf(logits, 4.0, scale=2.0))
    return nll + prior + 0.1 * noise + sp.logsumexp(logits, b=0.5)


def test_training_loop_with_a_parameter_dict():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 3)), rng.choice([-1.0, 1.0], 20)
    params = {"w": rng.standard_normal(3), "b": 0.1, "log_s": 0.2}
    step = s2sad.grad(negative_log_likelihood, wrt=0)
    losses = []
    for _ in range(5):
        g = step(params, x, y)
        for k in ("w", "b", "log_s"):
            expected = fd_grad(lambda p, xx, yy: negative_log_likelihood(
                dict(params, **{k: p}), xx, yy), (params[k], x, y), 0)
            np.testing.assert_allclose(g[k], expected, rtol=1e-5, atol=1e-7)
        params = {k: params[k] - 0.05 * g[k] for k in params}
        losses.append(negative_log_likelihood(params, x, y))
    assert losses[-1] < losses[0]
