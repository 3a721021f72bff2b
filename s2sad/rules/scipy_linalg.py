"""``scipy.linalg`` and ``scipy.signal``, in both modes (added once SciPy is imported:
see ``Table.later``): ``solve``, ``solve_triangular``, ``cho_factor`` / ``cho_solve``,
``cholesky``, ``lu_factor`` / ``lu_solve``, ``inv``, ``det``, ``expm``, ``sqrtm``,
``eigh``, ``svd``; ``convolve`` and ``correlate``.

The rules differentiate what SciPy computes: a solver that reads one triangle of its
matrix (``assume_a='pos'``, ``cholesky``, ``eigh``, ``solve_triangular``) has a
derivative in the entries it reads and zero in the others (``_rt.solve_matrix``: the
matrix it solves with). The packed factors of ``cho_factor`` and ``lu_factor`` are
differentiated as the matrices they are (the factor in its triangle(s), ``a``'s entries
where ``cho_factor`` leaves them), so ``cho_solve(cho_factor(a), b)`` is differentiated
in ``a`` and ``b`` as a composition. Adjoints are NumPy's linear algebra (with rules of
its own) and linear helpers, so generated adjoint code is differentiated again
(Hessians). ``eigh`` needs distinct eigenvalues, ``svd`` distinct singular values where
its vectors are differentiated; ``sqrtm`` a matrix with a real square root.
"""
import importlib

from .. import runtime as _rt
from . import linalg, spectral
from .names import LABELS
from .table import LINEAR

M = "_rt.solve_matrix"
SOLVE = "a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, " \
        "assume_a=None, transposed=False"
TRIANGULAR = "a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, " \
             "check_finite=True"
EIGH = "a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, " \
       "type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None"
CONV = "in1, in2, mode='full', method='auto'"


def _solve(matrix, part):
    """The adjoints (in the matrix, in b) and tangents of ``x = solve(m, b)`` where
    ``m = matrix`` is built from ``a`` (``part(t)``: the same of a tangent ``t``)."""
    cols = f"np.linalg.solve(_rt.mT({matrix}), _rt.as_columns(g, b))"
    gm = f"(-{cols} @ _rt.mT(_rt.as_columns(ans, b)))"
    gb = f"_rt.from_columns({cols}, b)"
    dm = f"-_rt.from_columns(np.linalg.solve({matrix}, {part('d')} @ _rt.as_columns(ans, b)), b)"
    db = f"_rt.from_columns(np.linalg.solve({matrix}, _rt.as_columns(d, b)), b)"
    return gm, gb, dm, db


ARGS = "assume_a, lower, transposed"
TRI = "'triangular', lower, trans, unit_diagonal"
GS, GB, DS, DB = _solve(f"{M}(a, {ARGS})", lambda t: f"_rt.solve_part({t}, {ARGS})")
SOLVE_R = (f"_rt.solve_part_vjp({GS}, {ARGS})", GB)
SOLVE_F = (DS, DB)
GT, GTB, DT, DTB = _solve(f"{M}(a, {TRI})", lambda t: f"_rt.solve_part({t}, {TRI})")
TRI_R = (f"_rt.solve_part_vjp({GT}, {TRI})", GTB)
TRI_F = (DT, DTB)

# cholesky: S = reflect(a) (the triangle read) = L L^T; np.linalg.cholesky's rules at L
L = "_rt.cho_lower(ans, lower)"


def _cholesky_r(gl, factor):
    """The adjoint in S of the lower factor ``factor`` given its adjoint ``gl``."""
    lt = f"_rt.mT({factor})"
    return linalg.CHOLESKY_R.replace("_rt.mT(ans)", lt).replace("@ g)", f"@ {gl})")


def _cholesky_f(ds, factor):
    return linalg.CHOLESKY_F.replace("ans", factor).replace("_rt.sym(d)", f"_rt.sym({ds})")


CHOLESKY_R = f"_rt.reflect_vjp({_cholesky_r('_rt.cho_pack_vjp_l(g, lower)', L)}, lower)"
CHOLESKY_F = f"_rt.lower_to({_cholesky_f('_rt.reflect(d, lower)', L)}, lower)"
C = "_rt.cho_lower(ans[0], lower)"
CHO_FACTOR_R = (f"_rt.reflect_vjp({_cholesky_r('_rt.cho_pack_vjp_l(g[0], lower)', C)}, lower)"
                " + _rt.cho_pack_vjp_a(g[0], lower)")
CHO_FACTOR_F = (f"(_rt.cho_pack({_cholesky_f('_rt.reflect(d, lower)', C)}, d, lower), "
                "_rt.zeros_like(ans[1]))")
# cho_solve((c, lower), b): x = S^-1 b with S = L L^T
CL = "_rt.cho_lower(c_and_lower[0], c_and_lower[1])"
S = f"({CL} @ _rt.mT({CL}))"
GSS, GSB, _, DSB = _solve(S, lambda t: t)
DL = "_rt.cho_lower(d[0], c_and_lower[1])"
CHO_SOLVE_R = (f"(_rt.cho_lower_vjp(({GSS} + _rt.mT({GSS})) @ {CL}, c_and_lower[1]), 0.0)",
               GSB)
CHO_SOLVE_F = (f"-_rt.from_columns(np.linalg.solve({S}, ({DL} @ _rt.mT({CL}) + {CL} @ "
               f"_rt.mT({DL})) @ _rt.as_columns(ans, b)), b)", DSB)

# lu_factor: a[rows] = L U; F = L^-1 da[rows] U^-1, dL = L tril(F, -1), dU = triu(F) U
LL, UU = "_rt.lu_l(ans[0])", "np.triu(ans[0])"
F = (f"np.linalg.solve({LL}, _rt.mT(np.linalg.solve(_rt.mT({UU}), "
     "_rt.mT(_rt.lu_permute(d, ans[1])))))")
LU_FACTOR_F = f"({LL} @ np.tril({F}, -1) + np.triu({F}) @ {UU}, _rt.zeros_like(ans[1]))"
MM = f"(np.tril(_rt.mT({LL}) @ np.tril(g[0], -1), -1) + np.triu(np.triu(g[0]) @ _rt.mT({UU})))"
LU_FACTOR_R = (f"_rt.lu_unpermute(np.linalg.solve(_rt.mT({LL}), _rt.mT(np.linalg.solve({UU}, "
               f"_rt.mT({MM})))), ans[1])")
# lu_solve((lu, piv), b, trans): x = m^-1 b, m = A or A^T, A = lu_unpermute(L U)
PL, PU, PIV = "_rt.lu_l(lu_and_piv[0])", "np.triu(lu_and_piv[0])", "lu_and_piv[1]"
A = f"_rt.lu_unpermute({PL} @ {PU}, {PIV})"
DA = f"_rt.lu_unpermute(np.tril(d[0], -1) @ {PU} + {PL} @ np.triu(d[0]), {PIV})"
GLU, GLB, DLU, DLB = _solve(f"{M}({A}, None, False, trans)",
                            lambda t: f"_rt.solve_part({DA}, None, False, trans)")
GP = f"_rt.lu_permute(_rt.solve_part_vjp({GLU}, None, False, trans), {PIV})"
LU_SOLVE_R = (f"(np.tril({GP} @ _rt.mT({PU}), -1) + np.triu(_rt.mT({PL}) @ {GP}), 0.0)", GLB)
LU_SOLVE_F = (DLU, DLB)

INV = "a, overwrite_a=False, check_finite=True, assume_a=None, lower=False"
INV_R = "_rt.solve_part_vjp(-_rt.mT(ans) @ g @ _rt.mT(ans), assume_a, lower)"
INV_F = "-ans @ _rt.solve_part(d, assume_a, lower) @ ans"
DET_R = "_rt.expand2(g * ans, a) * _rt.mT(np.linalg.inv(a))"
DET_F = "ans * np.trace(np.linalg.solve(a, d), axis1=-2, axis2=-1)"

# eigh of the triangle read (lower by default): np.linalg.eigh's rules at reflect(a)
PLAIN = "_rt.eigh_plain({}, b, subset_by_index, subset_by_value)"
EIGH_V = linalg.EIGH_R.replace("g[0]", PLAIN.format("g[0]"))
VALUES = "np.linalg.eigh(_rt.reflect(a, lower))"
EIGH_R = (f"_rt.reflect_vjp(_rt.vdvt({VALUES}[1], {PLAIN.format('g')}), lower) if eigvals_only "
          f"else _rt.reflect_vjp({EIGH_V}, lower)")
EIGH_F = (f"_rt.eigh_jvp(_rt.reflect({PLAIN.format('d')}, lower), {VALUES})[0] if eigvals_only "
          f"else _rt.eigh_jvp(_rt.reflect({PLAIN.format('d')}, lower), ans)")
SVD = "a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, " \
      "lapack_driver='gesdd'"


def _label(module, names):
    for name in names:
        LABELS[getattr(module, name)] = f"{module.__name__}.{name}"
    return module


def _modules():
    sla = _label(importlib.import_module("scipy.linalg"), (
        "solve", "solve_triangular", "cho_factor", "cho_solve", "cholesky", "lu_factor",
        "lu_solve", "inv", "det", "expm", "sqrtm", "eigh", "svd"))
    return sla, _label(importlib.import_module("scipy.signal"), ("convolve", "correlate"))


def reverse(R):
    sla, sig = _modules()
    R.section("scipy.linalg")
    R.add(sla.solve, SOLVE, *SOLVE_R, result="array")
    R.add(sla.solve_triangular, TRIANGULAR, *TRI_R, result="array")
    R.add(sla.cho_factor, "a, lower=False, overwrite_a=False, check_finite=True", CHO_FACTOR_R,
          result="other")
    R.add(sla.cho_solve, "c_and_lower, b, overwrite_b=False, check_finite=True", *CHO_SOLVE_R,
          result="array")
    R.add(sla.cholesky, "a, lower=False, overwrite_a=False, check_finite=True", CHOLESKY_R,
          result="same")
    R.add(sla.lu_factor, "a, overwrite_a=False, check_finite=True", LU_FACTOR_R, result="other")
    R.add(sla.lu_solve, "lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True",
          *LU_SOLVE_R, result="array")
    R.add(sla.inv, INV, INV_R, result="same")
    R.add(sla.det, "a, overwrite_a=False, check_finite=True", DET_R, result="array")
    R.add(sla.expm, "A", "_rt.expm_frechet(_rt.mT(A), g)", result="same")
    R.add(sla.sqrtm, "A, disp=None, blocksize=None",
          "_rt.sylvester(_rt.mT(ans), _rt.mT(ans), g)", result="same")
    R.add(sla.eigh, EIGH, EIGH_R, result="other", undefined=("b",))
    R.add(sla.svd, SVD, spectral.SVD_R, result="other")
    R.section("scipy.signal")
    R.add(sig.convolve, CONV, "_rt.signal_convolve_vjp_a(g, in1, in2, mode, method)",
          "_rt.signal_convolve_vjp_b(g, in1, in2, mode, method)", result="array")
    R.add(sig.correlate, CONV, "_rt.signal_correlate_vjp_a(g, in1, in2, mode, method)",
          "_rt.signal_correlate_vjp_b(g, in1, in2, mode, method)", result="array")


def forward(F):
    sla, sig = _modules()
    F.section("scipy.linalg")
    F.add(sla.solve, SOLVE, *SOLVE_F, result="array")
    F.add(sla.solve_triangular, TRIANGULAR, *TRI_F, result="array")
    F.add(sla.cho_factor, "a, lower=False, overwrite_a=False, check_finite=True", CHO_FACTOR_F,
          result="other")
    F.add(sla.cho_solve, "c_and_lower, b, overwrite_b=False, check_finite=True", *CHO_SOLVE_F,
          result="array")
    F.add(sla.cholesky, "a, lower=False, overwrite_a=False, check_finite=True", CHOLESKY_F,
          result="same")
    F.add(sla.lu_factor, "a, overwrite_a=False, check_finite=True", LU_FACTOR_F, result="other")
    F.add(sla.lu_solve, "lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True",
          *LU_SOLVE_F, result="array")
    F.add(sla.inv, INV, INV_F, result="same")
    F.add(sla.det, "a, overwrite_a=False, check_finite=True", DET_F, result="array")
    F.add(sla.expm, "A", "_rt.expm_frechet(A, d)", result="same")
    F.add(sla.sqrtm, "A, disp=None, blocksize=None", "_rt.sylvester(ans, ans, d)", result="same")
    F.add(sla.eigh, EIGH, EIGH_F, result="other", undefined=("b",))
    F.add(sla.svd, SVD, "_rt.svd_jvp(d, a, ans, full_matrices, compute_uv)", result="other")
    F.section("scipy.signal")
    F.add(sig.convolve, CONV, "_rt.convolve(d, in2, mode, method)",
          "_rt.convolve(in1, d, mode, method)", result="array")
    F.add(sig.correlate, CONV, "_rt.correlate(d, in2, mode, method)",
          "_rt.correlate(in1, d, mode, method)", result="array")


def helpers(H):
    parts = "kind=None, lower=False, trans=False, unit=False"
    H.add(_rt.solve_matrix, f"a, {parts}", "_rt.solve_part(d, kind, lower, trans, unit)",
          result="array")
    H.add(_rt.solve_part, f"a, {parts}", LINEAR, result="array")
    H.add(_rt.solve_part_vjp, f"g, {parts}", LINEAR, result="array")
    for helper in (_rt.reflect, _rt.reflect_vjp, _rt.cho_lower, _rt.cho_lower_vjp,
                   _rt.lower_to, _rt.cho_pack_vjp_l, _rt.cho_pack_vjp_a):
        H.add(helper, "x, lower=False", LINEAR, result="array")
    # linear in l and a together: each tangent holds the other at 0
    H.add(_rt.cho_pack, "l, a, lower=False", "_rt.cho_pack(d, _rt.zeros_like(a), lower)",
          "_rt.cho_pack(_rt.zeros_like(l), d, lower)", result="array")
    H.add(_rt.lu_l, "lu", "np.tril(d, -1)", result="array")
    H.add(_rt.lu_permute, "x, piv", LINEAR, result="array")
    H.add(_rt.lu_unpermute, "x, piv", LINEAR, result="array")
    H.add(_rt.expm_block, "a, e", "_rt.expm_block(d, _rt.zeros_like(e))",
          "_rt.expm_block(_rt.zeros_like(a), d)", result="array")
    H.add(_rt.block_ur, "x", LINEAR, result="array")
    H.add(_rt.expm_frechet, "a, e", "_rt.block_ur(_rt.expm_frechet(_rt.expm_block(a, e), "
          "_rt.expm_block(d, _rt.zeros_like(e))))", LINEAR, result="array")
    H.add(_rt.sylvester, "a, b, q", "_rt.sylvester(a, b, -d @ ans)",
          "_rt.sylvester(a, b, -ans @ d)", LINEAR, result="array")
    H.add(_rt.eigh_plain, "x, b=None, subset_by_index=None, subset_by_value=None", "d",
          result="same")
    ops = "x, y, mode='full', method='auto'"
    H.add(_rt.convolve, ops, LINEAR, LINEAR, result="array")
    H.add(_rt.correlate, ops, LINEAR, LINEAR, result="array")
    # an operand's adjoint reads the other operand's values, never its own
    for helper in (_rt.signal_convolve_vjp_a, _rt.signal_correlate_vjp_a):
        H.add(helper, f"g, {ops}", LINEAR, None, LINEAR, result="array")
    for helper in (_rt.signal_convolve_vjp_b, _rt.signal_correlate_vjp_b):
        H.add(helper, f"g, {ops}", LINEAR, LINEAR, result="array")
