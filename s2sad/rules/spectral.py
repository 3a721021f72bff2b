"""Spectral linear algebra, in both modes: ``svd``, ``pinv``, ``lstsq``, ``matrix_power``,
``eig`` and ``eigvals`` (``linalg`` adds these rules to its section).

As for the factorizations in ``linalg``, each adjoint is a composition of NumPy
functions and runtime helpers with tangents of their own, so generated adjoint code can
be differentiated again (Hessians). ``svd`` needs distinct singular values where U or V
are differentiated; the columns of a full factor beyond min(m, n) move only to stay
orthogonal to the others. ``pinv`` and ``lstsq`` need a full-rank matrix; ``eig`` and
``eigvals`` real, distinct eigenvalues (docs/conventions.md).
"""
import numpy as np

from .. import runtime as _rt
from .table import LINEAR

SVD = "a, full_matrices=True, compute_uv=True, hermitian=False"

# svd: A = U S V^T with k = min(m, n); a full U = [U_k | U_c] passes g_Uc to U_k as
# -U_c g_Uc^T U_k (likewise V), then the reduced adjoint (Townsend's):
# U [diag(g_s) + mix] V^T + (I - U U^T) g_U S^-1 V^T + U S^-1 g_V^T (I - V V^T)
K = "_rt.svd_k(ans)"
U, UC = f"_rt.lead(ans[0], {K})", f"_rt.rest(ans[0], {K})"
V, VC = f"_rt.lead(_rt.mT(ans[2]), {K})", f"_rt.rest(_rt.mT(ans[2]), {K})"
G_U = f"(_rt.lead(g[0], {K}) - {UC} @ _rt.mT(_rt.rest(g[0], {K})) @ {U})"
G_V = f"(_rt.lead(_rt.mT(g[2]), {K}) - {VC} @ _rt.mT(_rt.rest(_rt.mT(g[2]), {K})) @ {V})"
X, Y = f"(_rt.mT({U}) @ {G_U})", f"(_rt.mT({V}) @ {G_V})"
CORE = f"(_rt.diag_embed(g[1]) + _rt.svd_mix({X}, {Y}, ans[1]))"
SVD_UV = (f"{U} @ ({CORE} @ _rt.mT({V}) + _rt.mT(_rt.over_s({G_V} - {V} @ {Y}, ans[1]))) "
          f"+ _rt.over_s({G_U} - {U} @ {X}, ans[1]) @ _rt.mT({V})")
VALUES = "_rt.udvt(np.linalg.svd(a, full_matrices=False), {})"       # U diag(g) V^T
SVD_R = f"({SVD_UV}) if compute_uv else {VALUES.format('g')}"


def pinv_adjoint(g, p, a):
    """The adjoint ``g`` of the pseudo-inverse ``p`` of a full-rank ``a`` (Golub and
    Pereyra's derivative, transposed)."""
    gt, pt = f"_rt.mT({g})", f"_rt.mT({p})"
    return (f"-{pt} @ {g} @ {pt} + ({gt} - {a} @ {p} @ {gt}) @ {p} @ {pt} "
            f"+ {pt} @ {p} @ ({gt} - {gt} @ {p} @ {a})")


PINV_R = pinv_adjoint("g", "_rt.full_rank(ans, a)", "a")

# lstsq(a, b): the solution pinv(a) b; the residuals |a x - b|^2 per column (x is
# optimal, so only a and b move them); the rank has no derivative; the singular values
PINV = "_rt.full_rank(np.linalg.pinv(a), a)"
XC, BC, GX = "_rt.as_columns(ans[0], b)", "_rt.as_columns(b, b)", "_rt.as_columns(g[0], b)"
RES = f"2.0 * (a @ {XC} - {BC}) * _rt.res_weights(g[1], b)"
LSTSQ_A = (f"{pinv_adjoint(f'({GX} @ _rt.mT({BC}))', PINV, 'a')} + {RES} @ _rt.mT({XC}) "
           f"+ {VALUES.format('g[3]')}")
LSTSQ_B = f"_rt.from_columns(_rt.mT({PINV}) @ {GX} - {RES}, b)"

# eig: A V = V diag(w), unit columns; V^-T (diag(g_w) + F * (V^T g_V')) V^T with
# F[i, j] = 1 / (w[j] - w[i]) and g_V' = g_V - V diag(diag(V^T g_V)) (the unit norms)
EV = "_rt.eig_real(ans[1])"
G_EV = f"(g[1] - {EV} @ _rt.diag_embed(np.diagonal(_rt.mT({EV}) @ g[1], 0, -2, -1)))"
EIG_R = (f"_rt.mT(np.linalg.inv({EV})) @ (_rt.diag_embed(g[0]) + _rt.eigh_gap(ans[0]) * "
         f"(_rt.mT({EV}) @ {G_EV})) @ _rt.mT({EV})")
EVALS = "_rt.eig_real(np.linalg.eig(a)[1])"
EIGVALS_R = f"_rt.mT(np.linalg.inv({EVALS})) @ _rt.diag_embed(g) @ _rt.mT({EVALS})"


def reverse(R):
    R.add(np.linalg.svd, SVD, SVD_R, result="other")
    R.add(np.linalg.pinv, "a, rcond=None, hermitian=False", PINV_R, result="array")
    R.add(np.linalg.lstsq, "a, b, rcond=None", LSTSQ_A, LSTSQ_B, result="other")
    R.add(np.linalg.matrix_power, "a, n", "_rt.matpow_vjp(g, a, n)", result="same")
    R.add(np.linalg.eig, "a", EIG_R, result="other")
    R.add(np.linalg.eigvals, "a", EIGVALS_R, result="array")


def forward(F):
    F.add(np.linalg.svd, SVD, "_rt.svd_jvp(d, a, ans, full_matrices, compute_uv)",
          result="other")
    F.add(np.linalg.pinv, "a, rcond=None, hermitian=False", "_rt.pinv_jvp(d, a, ans)",
          result="array")
    F.add(np.linalg.lstsq, "a, b, rcond=None", "_rt.lstsq_jvp_a(d, a, b, ans)",
          "_rt.lstsq_jvp_b(d, a, b, ans)", result="other")
    F.add(np.linalg.matrix_power, "a, n", "_rt.matpow_vjp(d, _rt.mT(a), n)", result="same")
    F.add(np.linalg.eig, "a", "_rt.eig_jvp(d, ans)", result="other")
    F.add(np.linalg.eigvals, "a", "_rt.eig_jvp(d, np.linalg.eig(a))[0]", result="array")


def helpers(H):
    H.add(_rt.lead, "x, k", LINEAR, result="array")
    H.add(_rt.rest, "x, k", LINEAR, result="array")
    # linear in x and y together, not in each alone: each tangent holds the other at 0
    H.add(_rt.svd_mix, "x, y, s", "_rt.svd_mix(d, _rt.zeros_like(y), s)",
          "_rt.svd_mix(_rt.zeros_like(x), d, s)", "_rt.svd_mix_ds(x, y, s, d)", result="array")
    H.add(_rt.over_s, "r, s", LINEAR, "_rt.over_s_ds(r, s, d)", result="array")
    H.add(_rt.udvt, "usv, g", "_rt.udvt_d(usv, g, d)", LINEAR, result="array")
    H.add(_rt.full_rank, "p, x", "d", result="same")
    H.add(_rt.res_weights, "g, b", LINEAR, result="array")
    H.add(_rt.matpow_vjp, "g, x, n", LINEAR, "_rt.matpow_vjp_dx(g, x, d, n)", result="array")
    H.add(_rt.eig_real, "v", "d", result="same")
    H.zero(_rt.svd_k)
