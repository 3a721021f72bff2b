"""Issue 15, linear algebra: np.linalg.svd (full, reduced, values only), pinv, lstsq,
matrix_power, eig and eigvals, and the Hessians of the spectral and nuclear norms.

Each function is wrapped in a real loss invariant to the gauge of singular vectors and
eigenvectors (signs, rotations of a full factor's extra columns), on square, tall, wide,
batched and float32 matrices. grad, value_and_grad and vjp are checked against central
finite differences, jvp against a difference along a direction and against vjp (the
dot-product test), hvp against differences of the gradient; the raw outputs (tuples
included) pass the dot-product test between jvp and vjp; the caller's arrays are left
as they were."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

RNG = np.random.default_rng(15)


def mT(x):
    return np.swapaxes(x, -1, -2)


# losses: (a, ..., c) with c a constant weight shaped like a ---------------------------

def svd_reduced(a, c):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    first = np.sum(u[..., :, 0] * u[..., :, 0] * c[..., :, 0])
    last = np.sum(vt[..., -1, :] * vt[..., -1, :] * c[..., 0, :])
    return np.sum((u * s[..., None, :]) @ vt * c) + np.sum(s * s * s) + first + last


def svd_full(a, c):
    u, s, vt = np.linalg.svd(a)
    k = s.shape[-1]
    uc = u[..., :, k:]
    vc = vt[..., k:, :]
    rebuilt = (u[..., :, :k] * s[..., None, :]) @ vt[..., :k, :]
    sides = np.sum(uc @ mT(uc) * (c @ mT(c))) + np.sum(mT(vc) @ vc * (mT(c) @ c))
    return np.sum(np.sin(rebuilt) * c) + sides + np.sum(u[..., :, 0] * u[..., :, 0] * c[..., :, 0])


def svd_values(a, c):
    s = np.linalg.svd(a, compute_uv=False)
    return np.sum(s * s * s) + np.sum(np.sin(s))


def pinv_loss(a, c):
    p = np.linalg.pinv(a)
    return np.sum(p * mT(c)) + np.sum(p * p * p)


def lstsq_vector(a, b, c):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * x * c[0, :]) + np.sum(np.sin(x)) + 0.5 * np.sum(res) + np.sum(sv * sv)


def lstsq_matrix(a, b, c):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * x) + np.sum(x) + np.sum(res * res) + np.sum(np.sqrt(sv))


def matrix_power_loss(a, c, n):
    p = np.linalg.matrix_power(a, n)
    return np.sum(p * c) + 0.1 * np.sum(p * p)


# NumPy 2.5 gives a real spectrum as complex numbers with zero imaginary parts: the
# losses take the real part, as a user's real-valued function must there
def eig_loss(a, c):
    w, v = np.linalg.eig(a)
    return np.real(np.sum(w * w * w) + np.sum(v * v * c))


def eigvals_loss(a, c):
    w = np.linalg.eigvals(a)
    return np.real(np.sum(w * w * w) + np.sum(np.sin(w)))


def norms(a, c):
    return np.linalg.norm(a, 2) + 2.0 * np.linalg.norm(a, "nuc") + np.linalg.norm(a, -2) ** 2


def batched_norms(a, c):
    return np.sum(np.linalg.norm(a, 2, axis=(-2, -1))) + \
        np.sum(np.linalg.norm(a, "nuc", axis=(-2, -1)) ** 2)


# inputs ----------------------------------------------------------------------------------

def general(shape):
    return RNG.standard_normal(shape)


def distinct_eigenvalues(shape):
    """S diag(w) S^-1: real, well separated eigenvalues, not symmetric."""
    n = shape[-1]
    s = np.eye(n) + 0.3 * RNG.standard_normal(shape)
    w = np.arange(1.0, n + 1.0) * 0.7 - 1.1
    return (s * w[None, :]) @ np.linalg.inv(s)


def invertible(shape):
    return np.eye(shape[-1]) + 0.3 * RNG.standard_normal(shape)


SHAPES = {"square": (3, 3), "tall": (5, 3), "wide": (3, 5), "batched": (2, 4, 3),
          "float32": (4, 3)}
SQUARE = {"square": (3, 3), "batched": (2, 3, 3), "float32": (3, 3)}

# (id, loss, make, shapes, extra arguments after a and c, second derivatives checked)
TABLE = [("svd_reduced", svd_reduced, general, SHAPES, ()),
         ("svd_full", svd_full, general, SHAPES, ()),
         ("svd_values", svd_values, general, SHAPES, ()),
         ("pinv", pinv_loss, general, SHAPES, ()),
         ("eig", eig_loss, distinct_eigenvalues, SQUARE, ()),
         ("eigvals", eigvals_loss, distinct_eigenvalues, SQUARE, ()),
         ("norms", norms, general, {k: SHAPES[k] for k in ("square", "tall", "wide", "float32")}, ()),
         ("batched_norms", batched_norms, general, {"batched": (2, 4, 3), "wide": (3, 2, 4)}, ())]
TABLE += [(f"matrix_power_{n}", matrix_power_loss, invertible, SQUARE, (n,))
          for n in (0, 1, 2, 3, -1, -3)]

CASES = [pytest.param(loss, make, shape, dtype, extra, id=f"{name}-{variant}")
         for name, loss, make, shapes, extra in TABLE
         for variant, shape in shapes.items()
         for dtype in [np.float32 if variant == "float32" else np.float64]]


def _tolerance(dtype):
    return dict(rtol=2e-3, atol=2e-3) if dtype == np.float32 else dict(rtol=1e-5, atol=1e-7)


def _check(loss, args, wrt, dtype):
    """Every mode of ``loss`` at ``args`` against differences (in float64)."""
    exact = tuple(np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a for a in args)
    given = tuple(np.asarray(a, dtype) if isinstance(a, np.ndarray) else a for a in args)
    kept = [np.copy(a) if isinstance(a, np.ndarray) else a for a in given]
    tol = _tolerance(dtype)
    grads = s2sad.grad(loss, wrt=wrt)(*given)
    expected = tuple(fd_grad(loss, exact, i) for i in wrt)
    for got, want in zip(grads, expected):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **tol)
    value, again = s2sad.value_and_grad(loss, wrt=wrt)(*given)
    assert value == pytest.approx(float(loss(*given)), rel=1e-5)
    y, pullback = s2sad.vjp(loss, *given, wrt=wrt)
    for got, want in zip(pullback(1.0), expected):
        np.testing.assert_allclose(got, want, **tol)
    tangents = tuple(RNG.standard_normal(np.shape(given[i])).astype(dtype) for i in wrt)
    _, dy = s2sad.jvp(loss, given, tangents, wrt=wrt)
    h = 1e-6
    step = lambda t: tuple(a + t * tangents[wrt.index(i)] if i in wrt else a  # noqa: E731
                           for i, a in enumerate(exact))
    along = (loss(*step(h)) - loss(*step(-h))) / (2 * h)
    close = dict(rel=tol["rtol"], abs=tol["atol"] * max(1.0, abs(along)))
    assert float(dy) == pytest.approx(along, **close)
    dot = sum(np.vdot(g, t) for g, t in zip(expected, tangents))
    assert float(dy) == pytest.approx(float(dot), **close)
    for a, b in zip(given, kept):
        np.testing.assert_array_equal(a, b)
    return exact, given, tangents


def _check_hvp(loss, exact, given, tangent, dtype):
    h = 1e-5
    hv = s2sad.hvp(loss, wrt=0)(*given, tangent)
    gradient = s2sad.grad(loss, wrt=0)
    plus = gradient(exact[0] + h * tangent, *exact[1:])
    minus = gradient(exact[0] - h * tangent, *exact[1:])
    np.testing.assert_allclose(hv, (plus - minus) / (2 * h),
                               **(_tolerance(dtype) if dtype == np.float32 else
                                  dict(rtol=1e-4, atol=1e-6)))


@pytest.mark.parametrize("loss, make, shape, dtype, extra", CASES)
def test_all_modes_against_differences(loss, make, shape, dtype, extra):
    a, c = make(shape), RNG.standard_normal(shape)
    exact, given, tangents = _check(loss, (a, c) + extra, (0,), dtype)
    _check_hvp(loss, exact, given, tangents[0], dtype)


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 5)], ids=["tall", "square", "wide"])
@pytest.mark.parametrize("loss, bshape", [(lstsq_vector, ()), (lstsq_matrix, (2,))],
                         ids=["vector", "matrix"])
def test_lstsq_all_outputs_in_both_arguments(loss, bshape, shape):
    a, b, c = general(shape), general(shape[:1] + bshape), general(shape)
    exact, given, tangents = _check(loss, (a, b, c), (0, 1), np.float64)
    _check_hvp(loss, exact, given, tangents[0], np.float64)
    hv = s2sad.hvp(loss, wrt=1)(*given, tangents[1])
    gb = s2sad.grad(loss, wrt=1)
    h = 1e-5
    np.testing.assert_allclose(hv, (gb(a, b + h * tangents[1], c) - gb(a, b - h * tangents[1], c))
                               / (2 * h), rtol=1e-4, atol=1e-6)


# raw outputs: the dot-product test <J v, w> == <v, J^T w>, tuples included -------------

def raw_svd_full(a):
    return np.linalg.svd(a)


def raw_svd_reduced(a):
    return np.linalg.svd(a, full_matrices=False)


def raw_svd_values(a):
    return np.linalg.svd(a, compute_uv=False)


def raw_pinv(a):
    return np.linalg.pinv(a)


def raw_eig(a):
    return np.linalg.eig(a)


def raw_eigvals(a):
    return np.linalg.eigvals(a)


def raw_power(a):
    return np.linalg.matrix_power(a, -2)


def raw_lstsq(a, b):
    return np.linalg.lstsq(a, b, rcond=None)


def _inner(u, v):
    if isinstance(u, (tuple, list)):
        return sum(_inner(x, y) for x, y in zip(u, v))
    return float(np.vdot(np.asarray(u, float), np.asarray(v, float)))


def _seed_like(out):
    if isinstance(out, (tuple, list)):
        return tuple(_seed_like(o) for o in out)
    if np.asarray(out).dtype.kind in "iu":
        return np.zeros_like(out, dtype=float)
    return RNG.standard_normal(np.shape(out))


@pytest.mark.parametrize("func, make, shape", [
    (raw_svd_full, general, (5, 3)), (raw_svd_full, general, (3, 5)),
    (raw_svd_full, general, (2, 4, 3)), (raw_svd_reduced, general, (5, 3)),
    (raw_svd_reduced, general, (3, 5)), (raw_svd_values, general, (4, 3)),
    (raw_pinv, general, (2, 3, 5)), (raw_eig, distinct_eigenvalues, (4, 4)),
    (raw_eigvals, distinct_eigenvalues, (3, 3)), (raw_power, invertible, (2, 3, 3))])
def test_dot_product_between_jvp_and_vjp_of_raw_outputs(func, make, shape):
    a = make(shape)
    kept = a.copy()
    v = RNG.standard_normal(shape)
    y, dy = s2sad.jvp(func, (a,), (v,))
    w = _seed_like(y)
    _, pullback = s2sad.vjp(func, a)
    (back,) = pullback(w)
    assert _inner(dy, w) == pytest.approx(_inner(v, back), rel=1e-9, abs=1e-9)
    np.testing.assert_array_equal(a, kept)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)], ids=["tall", "wide"])
def test_dot_product_of_lstsq(shape):
    a, b = general(shape), general(shape[:1] + (2,))
    va, vb = RNG.standard_normal(a.shape), RNG.standard_normal(b.shape)
    y, dy = s2sad.jvp(raw_lstsq, (a, b), (va, vb))
    w = _seed_like(y)
    _, pullback = s2sad.vjp(raw_lstsq, a, b)
    ga, gb = pullback(w)
    assert _inner(dy, w) == pytest.approx(_inner(va, ga) + _inner(vb, gb), rel=1e-9)


# closed forms and the conventions at degenerate points -----------------------------

def nuclear(a):
    return np.linalg.norm(a, "nuc")


def sum_of_values(a):
    return np.sum(np.linalg.svd(a)[1])


def rebuilt(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum((u * s) @ vt * np.arange(9.0).reshape(3, 3))


def test_values_alone_at_repeated_singular_values_are_the_nuclear_subgradient():
    a = np.diag([2.0, 2.0, 1.0])
    np.testing.assert_allclose(s2sad.grad(sum_of_values)(a), np.eye(3), atol=1e-12)


def test_singular_vectors_at_repeated_singular_values_are_refused():
    with pytest.raises(s2sad.UsageError, match="repeated singular values"):
        s2sad.grad(rebuilt)(np.eye(3))


def test_nuclear_hessian_is_the_closed_form_at_a_square_matrix():
    a = general((3, 3))
    u, s, vt = np.linalg.svd(a)
    v = general((3, 3))
    p = u.T @ v @ vt.T
    expected = u @ ((p - p.T) / (s[None, :] + s[:, None])) @ vt
    np.testing.assert_allclose(s2sad.hvp(nuclear)(a, v), expected, rtol=1e-10, atol=1e-12)


def spectral(a):
    return np.linalg.norm(a, 2)


def test_spectral_hessian_at_a_repeated_top_singular_value_is_refused():
    with pytest.raises(s2sad.UsageError, match="repeated"):
        s2sad.hvp(spectral)(np.diag([2.0, 2.0, 1.0]), np.ones((3, 3)))


def test_pinv_of_a_rank_deficient_matrix_is_refused():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    with pytest.raises(s2sad.UsageError, match="rank"):
        s2sad.grad(pinv_loss)(a, np.ones((3, 2)))


def test_eig_with_complex_eigenvalues_is_refused():
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(s2sad.UsageError, match="complex eigenvalues"):
        s2sad.grad(eig_loss)(rotation, np.ones((2, 2)))


def test_pinv_equals_inv_derivative_on_an_invertible_matrix():
    a, c = invertible((3, 3)), general((3, 3))
    inv = np.linalg.inv(a)
    got = s2sad.grad(lambda_free_pinv)(a, c)
    np.testing.assert_allclose(got, -inv.T @ c @ inv.T, rtol=1e-10)


def lambda_free_pinv(a, c):
    return np.sum(np.linalg.pinv(a) * c)


def test_matrix_power_zero_has_a_zero_derivative():
    a = invertible((3, 3))
    np.testing.assert_array_equal(s2sad.grad(matrix_power_loss)(a, np.ones((3, 3)), 0),
                                  np.zeros((3, 3)))


def test_singular_vectors_of_a_tall_matrix_with_a_zero_singular_value_are_refused():
    a = np.zeros((4, 3))
    a[0, 0], a[1, 1] = 2.0, 1.0                  # singular values 2, 1 and exactly 0
    with pytest.raises(s2sad.UsageError, match="zero singular value"):
        s2sad.grad(svd_reduced)(a, np.ones((4, 3)))


def test_full_complement_follows_the_documented_gauge():
    """The extra columns of a full U move as -U_k dU_k^T U_c (docs/conventions.md):
    U_k^T dU_c = -dU_k^T U_c keeps them orthogonal, U_c^T dU_c = 0 rotates none."""
    a, v = general((5, 2)), general((5, 2))
    (u, s, vt), (du, ds, dvt) = s2sad.jvp(raw_svd_full, (a,), (v,))
    uk, uc = u[:, :2], u[:, 2:]
    np.testing.assert_allclose(uc.T @ du[:, 2:], 0, atol=1e-12)
    np.testing.assert_allclose(uk.T @ du[:, 2:], -du[:, :2].T @ uc, atol=1e-12)
