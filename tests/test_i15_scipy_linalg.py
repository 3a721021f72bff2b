"""Issue 15, SciPy: scipy.linalg (solve with its assume_a variants, solve_triangular,
cho_factor/cho_solve, cholesky, lu_factor/lu_solve, inv, det, expm, sqrtm, eigh, svd),
scipy.signal.convolve and correlate (every mode and method, 1-d and 2-d), and frozen
scipy.stats distributions.

Each function is wrapped in a real loss (invariant to the gauge of eigenvectors and
singular vectors). grad, value_and_grad and vjp are checked against central finite
differences in every argument, jvp against a difference along a direction and against
the gradient (the dot-product test), hvp against differences of the gradient; raw
outputs pass the dot-product test between jvp and vjp; float32 stays float32 where
SciPy keeps it; the caller's arrays are left as they were. A solver that reads one
triangle of its matrix is checked at a matrix that is not symmetric (or triangular):
its derivative is in the entries SciPy reads."""
import inspect

import numpy as np
import pytest

sla = pytest.importorskip("scipy.linalg")
sig = pytest.importorskip("scipy.signal")
st = pytest.importorskip("scipy.stats")

import s2sad  # noqa: E402
from s2sad.rules import covered  # noqa: E402
from tests.fd import fd_grad, fd_vjp  # noqa: E402

RNG = np.random.default_rng(1515)
N = 4


def general(n=N):
    return np.eye(n) * 2.0 + 0.4 * RNG.standard_normal((n, n))


def spd_read_once(n=N):
    """A positive definite matrix plus a small part that is not symmetric: a solver
    reading either triangle gets a positive definite matrix."""
    m = RNG.standard_normal((n, n))
    return m @ m.T / n + np.eye(n) + 0.05 * RNG.standard_normal((n, n))


def rhs(*shape):
    return RNG.standard_normal(shape or (N, 2))


# losses --------------------------------------------------------------------------------

def solve_loss(a, b, assume_a=None, lower=False, transposed=False):
    x = sla.solve(a, b, assume_a=assume_a, lower=lower, transposed=transposed)
    return np.sum(np.sin(x))


def triangular_loss(a, b, trans=0, lower=False, unit_diagonal=False):
    x = sla.solve_triangular(a, b, trans, lower, unit_diagonal)
    return np.sum(np.sin(x))


def cho_loss(a, b, lower=False):
    factor = sla.cho_factor(a, lower=lower)
    return np.sum(np.sin(sla.cho_solve(factor, b)))


def lu_loss(a, b, trans=0):
    return np.sum(np.sin(sla.lu_solve(sla.lu_factor(a), b, trans=trans)))


def cholesky_loss(a, b, lower=False):
    return np.sum(np.sin(sla.cholesky(a, lower=lower)) @ b)


def inv_loss(a, b, assume_a=None):
    return np.sum(np.sin(sla.inv(a, assume_a=assume_a)) @ b)


def inv_plain_loss(a, b):
    return np.sum(np.sin(sla.inv(a)) @ b)


# scipy.linalg.inv takes assume_a from SciPy 1.16 on
INV_ASSUMES = "assume_a" in inspect.signature(sla.inv).parameters


def det_loss(a, b):
    return sla.det(a) * np.sum(b * b)


def expm_loss(a, b):
    return np.sum(np.sin(sla.expm(0.5 * a)) @ b)


def sqrtm_loss(a, b):
    return np.sum(np.sin(sla.sqrtm(a)) @ b)


def eigh_loss(a, b, lower=True):
    w, v = sla.eigh(a, lower=lower)
    return np.sum(w * w * w) + np.sum((v * v) @ b)


def eigvalsh_loss(a, b):
    w = sla.eigh(a, eigvals_only=True)
    return np.sum(w * w * w) + np.sum(w[:2] * b[:2, 0])


def svd_loss(a, b, full_matrices=False):
    u, s, vt = sla.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    rebuilt = (u[:, :k] * s) @ vt[:k, :]
    return np.sum(np.sin(rebuilt) @ b) + np.sum(s * s * s) + np.sum(u[:3, 0] * u[:3, 0] * b[:3, 0])


def svd_values_loss(a, b):
    s = sla.svd(a, compute_uv=False)
    return np.sum(s * s * s) + np.sum(s[:2] * b[:2, 0])


def convolve_loss(x, y, mode="full", method="auto"):
    return np.sum(np.sin(sig.convolve(x, y, mode=mode, method=method)))


def correlate_loss(x, y, mode="full", method="auto"):
    return np.sum(np.sin(sig.correlate(x, y, mode=mode, method=method)))


# (id, loss, its options after a and b, matrix, second argument, float32 kept)
LINALG = [
    ("solve", solve_loss, (), general, rhs, True),
    ("solve-vector", solve_loss, (), general, lambda: rhs(N), True),
    ("solve-transposed", solve_loss, (None, False, True), general, rhs, True),
    ("solve-gen", solve_loss, ("gen",), general, rhs, True),
    ("solve-pos", solve_loss, ("pos",), spd_read_once, rhs, True),
    ("solve-pos-lower", solve_loss, ("pos", True), spd_read_once, rhs,
     True),
    ("solve-sym", solve_loss, ("sym",), spd_read_once, rhs, True),
    ("solve-upper-triangular", solve_loss, ("upper triangular",), general, rhs,
     True),
    ("solve-tridiagonal", solve_loss, ("tridiagonal",), general, rhs, True),
    ("solve_triangular-lower", triangular_loss, (0, True), general, rhs, True),
    ("solve_triangular-upper-T", triangular_loss, ("T",), general, rhs, True),
    ("solve_triangular-lower-1-unit", triangular_loss,
     (1, True, True), general, lambda: rhs(N), True),
    ("cho", cho_loss, (), spd_read_once, rhs, True),
    ("cho-lower-vector", cho_loss, (True,), spd_read_once, lambda: rhs(N), True),
    ("lu", lu_loss, (), general, rhs, True),
    ("lu-trans-vector", lu_loss, (1,), general, lambda: rhs(N), True),
    ("cholesky", cholesky_loss, (), spd_read_once, rhs, True),
    ("cholesky-lower", cholesky_loss, (True,), spd_read_once, rhs, True),
    ("inv", inv_loss if INV_ASSUMES else inv_plain_loss, (), general, rhs, True),
] + ([("inv-pos", inv_loss, ("pos",), spd_read_once, rhs, True)] if INV_ASSUMES else []) + [
    ("det", det_loss, (), general, rhs, False),
    ("expm", expm_loss, (), general, rhs, True),
    ("sqrtm", sqrtm_loss, (), spd_read_once, rhs, True),
    ("eigh", eigh_loss, (), spd_read_once, rhs, True),
    ("eigh-upper", eigh_loss, (False,), spd_read_once, rhs, True),
    ("eigh-values", eigvalsh_loss, (), spd_read_once, rhs, True),
    ("svd", svd_loss, (), lambda: RNG.standard_normal((5, 3)), lambda: rhs(3, 2), True),
    ("svd-full-wide", svd_loss, (True,), lambda: RNG.standard_normal((3, 5)),
     lambda: rhs(5, 2), True),
    ("svd-values", svd_values_loss, (), lambda: RNG.standard_normal((4, 3)), lambda: rhs(3, 1),
     True),
]
SHAPES_1D = [((7,), (3,)), ((3,), (6,))]
SIGNAL = [(f"{loss.__name__.split('_')[0]}-{mode}-{method}-{sa}-{sb}", loss,
           (mode, method),
           (lambda s=sa: RNG.standard_normal(s)), (lambda s=sb: RNG.standard_normal(s)), True)
          for loss in (convolve_loss, correlate_loss) for mode in ("full", "same", "valid")
          for method in ("direct", "fft", "auto") for sa, sb in SHAPES_1D[:1 if method != "auto"
                                                                           else 2]]
SIGNAL += [(f"{loss.__name__.split('_')[0]}-{mode}-2d", loss, (mode,),
            (lambda: RNG.standard_normal((5, 4))), (lambda: RNG.standard_normal((2, 3))), True)
           for loss in (convolve_loss, correlate_loss) for mode in ("full", "same", "valid")]
CASES = [pytest.param(loss, options, make_a, make_b, keeps, id=name)
         for name, loss, options, make_a, make_b, keeps in LINALG + SIGNAL]


def _close(got, want, dtype=np.float64, what=""):
    tol = dict(rtol=3e-3, atol=3e-3) if dtype == np.float32 else dict(rtol=1e-5, atol=1e-6)
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=tol["rtol"],
                               atol=tol["atol"] * scale, err_msg=what)


@pytest.mark.parametrize("loss, extra, make_a, make_b, keeps", CASES)
def test_all_modes_against_differences(loss, extra, make_a, make_b, keeps):
    a, b = make_a(), make_b()
    kept = (a.copy(), b.copy())
    expected = tuple(fd_grad(loss, (a, b) + extra, i) for i in (0, 1))
    for got, want in zip(s2sad.grad(loss, wrt=(0, 1))(a, b, *extra), expected):
        _close(got, want, what="grad")
    value, grads = s2sad.value_and_grad(loss, wrt=(0, 1))(a, b, *extra)
    assert value == pytest.approx(loss(a, b, *extra), rel=1e-12)
    _, pullback = s2sad.vjp(loss, a, b, *extra, wrt=(0, 1))
    for got, want in zip(pullback(1.0), expected):
        _close(got, want, what="vjp")
    va, vb = RNG.standard_normal(a.shape), RNG.standard_normal(b.shape)
    _, dy = s2sad.jvp(loss, (a, b) + extra, (va, vb), wrt=(0, 1))
    h = 1e-6
    along = (loss(a + h * va, b + h * vb, *extra) - loss(a - h * va, b - h * vb, *extra)) / (2 * h)
    assert float(dy) == pytest.approx(along, rel=1e-5, abs=1e-6 * max(1.0, abs(along)))
    dot = float(np.vdot(grads[0], va) + np.vdot(grads[1], vb))     # <J v, 1> == <v, J^T 1>
    assert float(dy) == pytest.approx(dot, rel=1e-9, abs=1e-9)
    for wrt, v in ((0, va), (1, vb)):
        hv = s2sad.hvp(loss, wrt=wrt)(a, b, *extra, v)
        gradient = s2sad.grad(loss, wrt=wrt)
        hh = 1e-5
        shift = [(a + hh * v, b), (a - hh * v, b)] if wrt == 0 else \
            [(a, b + hh * v), (a, b - hh * v)]
        diff = (gradient(*shift[0], *extra) - gradient(*shift[1], *extra)) / (2 * hh)
        np.testing.assert_allclose(hv, diff, rtol=1e-4,
                                   atol=1e-5 * max(1.0, float(np.max(np.abs(hv)))))
    np.testing.assert_array_equal(a, kept[0])
    np.testing.assert_array_equal(b, kept[1])


@pytest.mark.parametrize("loss, extra, make_a, make_b, keeps",
                         [c for c in CASES if c.values[4] and "-valid-direct" not in c.id
                          and "-fft-" not in c.id and "-same-direct" not in c.id])
def test_float32_in_float32_out(loss, extra, make_a, make_b, keeps):
    a, b = make_a(), make_b()
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    expected = tuple(fd_grad(loss, (a, b) + extra, i) for i in (0, 1))
    for got, want in zip(s2sad.grad(loss, wrt=(0, 1))(a32, b32, *extra), expected):
        assert got.dtype == np.float32
        _close(got, want, np.float32, "float32 grad")
    _, dy = s2sad.jvp(loss, (a32, b32) + extra, (np.ones_like(a32), np.ones_like(b32)),
                      wrt=(0, 1))
    assert np.asarray(dy).dtype == np.float32


# raw outputs: vjp against differences, and the dot-product test ------------------------

def raw_solve_pos(a, b):
    return sla.solve(a, b, assume_a="pos")


def raw_triangular(a, b):
    return sla.solve_triangular(a, b, trans=1)


def raw_cho(a, b):
    return sla.cho_solve(sla.cho_factor(a, lower=True), b)


def raw_lu(a, b):
    return sla.lu_solve(sla.lu_factor(a), b)


def raw_inv_expm(a, b):
    return sla.inv(a) @ b + sla.expm(0.3 * a) @ b


def raw_sqrtm_cholesky(a, b):
    return sla.sqrtm(a) @ b + sla.cholesky(a) @ b


def raw_convolve(a, b):
    return sig.convolve(a, b, mode="same") + sig.correlate(a, b, mode="same", method="fft")


RAW = [(raw_solve_pos, spd_read_once, rhs), (raw_triangular, general, rhs),
       (raw_cho, spd_read_once, rhs), (raw_lu, general, rhs), (raw_inv_expm, general, rhs),
       (raw_sqrtm_cholesky, spd_read_once, rhs),
       (raw_convolve, lambda: RNG.standard_normal((6, 5)), lambda: RNG.standard_normal((3, 2)))]


@pytest.mark.parametrize("func, make_a, make_b", RAW, ids=[r[0].__name__ for r in RAW])
def test_raw_outputs_vjp_and_the_dot_product_test(func, make_a, make_b):
    a, b = make_a(), make_b()
    y, pullback = s2sad.vjp(func, a, b, wrt=(0, 1))
    w = RNG.standard_normal(np.shape(y))
    back = pullback(w)
    for got, want in zip(back, fd_vjp(func, (a, b), (0, 1), w)):
        _close(got, want, what="vjp")
    va, vb = RNG.standard_normal(a.shape), RNG.standard_normal(b.shape)
    _, jv = s2sad.jvp(func, (a, b), (va, vb), wrt=(0, 1))
    assert np.vdot(jv, w) == pytest.approx(np.vdot(back[0], va) + np.vdot(back[1], vb),
                                           rel=1e-9, abs=1e-9)


# frozen scipy.stats distributions -------------------------------------------------------

NORM = st.norm(0.5, 2.0)
GAMMA = st.gamma(2.5, scale=1.5)


def frozen_at_once(x, m, s):
    return np.sum(st.norm(m, s).logpdf(x)) + np.sum(st.t(m + 3.0, 0.1, s).pdf(x))


def frozen_name(x, m, s):
    d = st.norm(loc=m, scale=s)
    m = m * 2.0                                # the distribution keeps the first m
    return np.sum(d.logpdf(x) + d.cdf(x) + d.logsf(x)) + m


def frozen_globals(x, m, s):
    return np.sum(NORM.logpdf(x) * m + GAMMA.pdf(x + 3.0) * s + GAMMA.logcdf(x + 3.0))


def frozen_multivariate(x, m, s):
    mv = st.multivariate_normal(m * np.ones(3), s * np.eye(3))
    return mv.logpdf(x) + st.poisson(s).logpmf(2.0) + st.beta(s, m + 1.0).logpdf(0.3)


@pytest.mark.parametrize("loss", [frozen_at_once, frozen_name, frozen_globals,
                                  frozen_multivariate], ids=lambda f: f.__name__)
def test_frozen_distributions_in_all_modes(loss):
    x, m, s = RNG.standard_normal(3), 0.3, 1.7
    kept = x.copy()
    wrt = (0, 1, 2)
    expected = [fd_grad(loss, (x, m, s), i) for i in wrt]
    for got, want in zip(s2sad.grad(loss, wrt=wrt)(x, m, s), expected):
        _close(got, want, what="grad")
    v = (RNG.standard_normal(3), 0.7, -0.4)
    _, dy = s2sad.jvp(loss, (x, m, s), v, wrt=wrt)
    assert float(dy) == pytest.approx(sum(np.sum(g * t) for g, t in zip(expected, v)),
                                      rel=1e-5, abs=1e-7)
    hv = s2sad.hvp(loss, wrt=0)(x, m, s, v[0])
    gradient = s2sad.grad(loss, wrt=0)
    h = 1e-5
    np.testing.assert_allclose(hv, (gradient(x + h * v[0], m, s) - gradient(x - h * v[0], m, s))
                               / (2 * h), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(x, kept)


def frozen_read_otherwise(x, m):
    d = st.norm(m, 1.0)
    return np.sum(d.logpdf(x)) + d.mean()


def generalized_eigh(a, b):
    return np.sum(sla.eigh(a, b)[0])


def eigh_subset(a, b):
    return np.sum(sla.eigh(a, subset_by_index=[0, 1])[0]) + np.sum(b)


def banded_solve(a, b):
    return np.sum(sla.solve(a, b, assume_a="banded"))


def complex_cholesky(a, b):
    return np.sum(np.real(sla.cholesky(a * (1.0 + 0.5j)))) + np.sum(b)


def test_what_is_not_covered_is_a_located_error():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(frozen_read_otherwise, wrt=1)(np.ones(2), 0.5)
    assert "called to freeze its parameters" in str(info.value) and __file__ in str(info.value)
    a, b = spd_read_once(), spd_read_once()
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(generalized_eigh, wrt=1)(a, b)
    assert "in its argument 'b'" in str(info.value) and __file__ in str(info.value)
    for func, needle in ((generalized_eigh, "generalized"), (eigh_subset, "subset"),
                         (banded_solve, "assume_a='banded'"), (complex_cholesky, "complex")):
        with pytest.raises(s2sad.UsageError, match=needle):
            s2sad.grad(func, wrt=0)(a, b)


def test_every_rule_is_listed_in_both_modes():
    listed = {name.split(" ")[0] for names in covered().values() for name in names}
    for name in ("solve", "solve_triangular", "cho_factor", "cho_solve", "cholesky",
                 "lu_factor", "lu_solve", "inv", "det", "expm", "sqrtm", "eigh", "svd"):
        assert f"scipy.linalg.{name}" in listed
    assert {"scipy.signal.convolve", "scipy.signal.correlate"} <= listed


def test_a_global_frozen_distribution_is_in_the_disk_cache_key():
    from s2sad.driver.cachekey import describe
    assert describe(st.norm(0.0, 1.0)) == describe(st.norm(2.0, 3.0))     # values read live
    assert describe(st.norm(0.0, 1.0)) != describe(st.logistic(0.0, 1.0))
    assert describe(st.norm(0.0, 1.0)) != describe(st.norm(0.0, scale=1.0))
