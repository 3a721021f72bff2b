"""NumPy linear algebra and tensor products, in both modes.

Matrix adjoints are compositions of NumPy functions (which have rules of their own)
and small linear helpers, so generated adjoint code can be differentiated again.
``cholesky`` and ``eigh`` take their input as symmetric and give the symmetric
derivative (as JAX does); ``eigh`` needs distinct eigenvalues, ``qr`` is the reduced
factorization (of a tall, square or wide matrix) with its leading square block of
full rank.
"""
import numpy as np

from .. import runtime as _rt
from . import spectral
from .table import LINEAR

OPERANDS = tuple(f"x{i}" for i in range(8))      # einsum of up to 8 operands
EINSUM = "subscripts, " + ", ".join([OPERANDS[0]] + [f"{x}=None" for x in OPERANDS[1:]])
XS = ", ".join(OPERANDS)
NORM = "x, ord=None, axis=None, keepdims=False"

# adjoints of the factorizations (see docs/conventions.md)
L, LT = "ans", "_rt.mT(ans)"
CHOLESKY_R = (f"_rt.sym(_rt.mT(np.linalg.solve({LT}, _rt.mT(np.linalg.solve({LT}, "
              f"_rt.phi({LT} @ g))))))")
CHOLESKY_F = (f"{L} @ _rt.phi(_rt.mT(np.linalg.solve({L}, _rt.mT(np.linalg.solve({L}, "
              "_rt.sym(d))))))")
W, V = "ans[0]", "ans[1]"
EIGH_R = (f"_rt.sym({V} @ (_rt.diag_embed(g[0]) + _rt.eigh_gap({W}) * (_rt.mT({V}) @ g[1])) "
          f"@ _rt.mT({V}))")
# qr of x = [X | Y] (X square when x is wide, Y empty when tall): U = R[:, :k] factors
# X, V = R[:, k:] = Q^T Y; Y's adjoint is Q V_bar and Y V_bar^T joins Q's
Q, K = "ans[0]", "np.shape(ans[0])[-1]"
U, G_U, G_V = f"ans[1][..., :{K}]", f"g[1][..., :{K}]", f"g[1][..., {K}:]"
G_Q = f"(g[0] + x[..., {K}:] @ _rt.mT({G_V}))"
QR_R = (f"np.concatenate([_rt.mT(np.linalg.solve({U}, _rt.mT({G_Q} + {Q} @ "
        f"_rt.copyltu({U} @ _rt.mT({G_U}) - _rt.mT({G_Q}) @ {Q})))), {Q} @ {G_V}], axis=-1)")
COLUMNS = "np.linalg.solve(_rt.mT(a), _rt.as_columns(g, b))"
SOLVE_A = f"-_rt.unbroadcast({COLUMNS} @ _rt.mT(_rt.as_columns(ans, b)), a)"
SOLVE_B = f"_rt.unbroadcast(_rt.from_columns({COLUMNS}, b), b)"
TRACE = "np.trace(np.linalg.solve(x, d), axis1=-2, axis2=-1)"


def reverse(R):
    R.add(np.vdot, "x, y", "g * np.reshape(y, np.shape(x))", "g * np.reshape(x, np.shape(y))",
          result="scalar")
    R.add(np.inner, "x, y", "_rt.inner_vjp_a(g, x, y)", "_rt.inner_vjp_b(g, x, y)", result="array")
    R.add(np.tensordot, "x, y, axes=2", "_rt.tensordot_vjp_a(g, x, y, axes)",
          "_rt.tensordot_vjp_b(g, x, y, axes)", result="array")
    R.add(np.einsum, EINSUM, *(f"_rt.einsum_vjp(g, subscripts, {k}, {XS})"
                               for k in range(-1, len(OPERANDS))), result="array")
    R.add(np.kron, "x, y", "_rt.kron_vjp_a(g, x, y)", "_rt.kron_vjp_b(g, x, y)", result="array")
    R.add(np.cross, "x, y", "np.cross(y, g)", "np.cross(g, x)", broadcast=True)
    R.add(np.trace, "x, offset=0, axis1=0, axis2=1, dtype=None, out=None",
          "_rt.untrace(g, x, offset, axis1, axis2)", result="array")
    R.add(np.diagonal, "x, offset=0, axis1=0, axis2=1",
          "_rt.undiagonal(g, x, offset, axis1, axis2)", result="array")
    R.add(np.diag, "x, k=0", "_rt.undiag(g, x, k)", result="array")
    R.add(np.tril, "x, k=0", "np.tril(g, k)", result="same")
    R.add(np.triu, "x, k=0", "np.triu(g, k)", result="same")
    R.add(np.linalg.inv, "x", "-_rt.mT(ans) @ g @ _rt.mT(ans)", result="same")
    R.add(np.linalg.solve, "a, b", SOLVE_A, SOLVE_B, result="array")
    R.add(np.linalg.det, "x", "_rt.expand2(g * ans, x) * _rt.mT(np.linalg.inv(x))", result="array")
    R.add(np.linalg.slogdet, "x", "_rt.expand2(g[1], x) * _rt.mT(np.linalg.inv(x))",
          result="other")
    R.add(np.linalg.cholesky, "x", CHOLESKY_R, result="same")
    R.add(np.linalg.eigh, "x, UPLO='L'", EIGH_R, result="other")
    R.add(np.linalg.eigvalsh, "x, UPLO='L'", "_rt.vdvt(np.linalg.eigh(x)[1], g)", result="array")
    R.add(np.linalg.qr, "x", QR_R, result="other")
    R.add(np.linalg.norm, NORM, "_rt.norm_vjp(g, x, ord, axis, keepdims)", result="reduction")
    spectral.reverse(R)


def forward(F):
    F.add(np.vdot, "x, y", LINEAR, LINEAR, result="scalar")
    F.add(np.inner, "x, y", LINEAR, LINEAR, result="array")
    F.add(np.tensordot, "x, y, axes=2", LINEAR, LINEAR, result="array")
    F.add(np.einsum, EINSUM, *(f"_rt.einsum({', '.join(_swap(k))})"
                               for k in range(-1, len(OPERANDS))), result="array")
    F.add(np.kron, "x, y", LINEAR, LINEAR, result="array")
    F.add(np.cross, "x, y", LINEAR, LINEAR, broadcast=True)
    F.add(np.trace, "x, offset=0, axis1=0, axis2=1, dtype=None, out=None",
          "np.trace(d, offset, axis1, axis2)", result="array")
    F.add(np.diagonal, "x, offset=0, axis1=0, axis2=1", LINEAR, result="array")
    F.add(np.diag, "x, k=0", LINEAR, result="array")
    F.add(np.tril, "x, k=0", LINEAR, result="same")
    F.add(np.triu, "x, k=0", LINEAR, result="same")
    F.add(np.linalg.inv, "x", "-ans @ d @ ans", result="same")
    F.add(np.linalg.solve, "a, b", "-_rt.from_columns(np.linalg.solve(a, d @ "
          "_rt.as_columns(ans, b)), b)", LINEAR, result="array")
    F.add(np.linalg.det, "x", f"ans * {TRACE}", result="array")
    F.add(np.linalg.slogdet, "x", f"(_rt.zeros_like(ans[0]), {TRACE})", result="other")
    F.add(np.linalg.cholesky, "x", CHOLESKY_F, result="same")
    F.add(np.linalg.eigh, "x, UPLO='L'", "_rt.eigh_jvp(d, ans)", result="other")
    F.add(np.linalg.eigvalsh, "x, UPLO='L'", "_rt.eigh_jvp(d, np.linalg.eigh(x))[0]",
          result="array")
    F.add(np.linalg.qr, "x", "_rt.qr_jvp(d, ans)", result="other")
    F.add(np.linalg.norm, NORM, "_rt.norm_jvp(d, x, ord, axis, keepdims)", result="reduction")
    spectral.forward(F)


def _swap(k):
    """The arguments with argument ``k`` replaced by its tangent (-1: ``subscripts``, the
    first operand of the interleaved form ``np.einsum(a, [0, 1], b, [1, 2])``)."""
    return ["d" if i == k else name for i, name in enumerate(("subscripts",) + OPERANDS, -1)]


def helpers(H):
    # adjoints of products: linear in g and in the other operand, x's values unread
    A = "g, x, y"
    H.add(_rt.inner_vjp_a, A, LINEAR, None, LINEAR, result="array")
    H.add(_rt.inner_vjp_b, A, LINEAR, LINEAR, result="array")
    H.add(_rt.kron_vjp_a, A, LINEAR, None, LINEAR, result="array")
    H.add(_rt.kron_vjp_b, A, LINEAR, LINEAR, result="array")
    H.add(_rt.tensordot_vjp_a, A + ", axes=2", LINEAR, None, LINEAR, result="array")
    H.add(_rt.tensordot_vjp_b, A + ", axes=2", LINEAR, LINEAR, result="array")
    H.add(_rt.einsum_vjp, "g, subscripts, k, " + EINSUM.split(", ", 1)[1],
          f"_rt.einsum_vjp(d, subscripts, k, {XS})",
          f"_rt.einsum_vjp_swap(g, subscripts, k, -1, d, {XS})", None,
          *(f"_rt.einsum_vjp_swap(g, subscripts, k, {j}, d, {XS})"
            for j in range(len(OPERANDS))), result="array")
    H.add(_rt.untrace, "g, x, offset=0, axis1=0, axis2=1", LINEAR, result="array")
    H.add(_rt.undiagonal, "g, x, offset=0, axis1=0, axis2=1", LINEAR, result="array")
    H.add(_rt.undiag, "g, x, k=0", LINEAR, result="array")
    H.add(_rt.mT, "x", LINEAR, result="array")
    H.add(_rt.sym, "x", LINEAR, result="array")
    H.add(_rt.phi, "x", LINEAR, result="array")
    H.add(_rt.copyltu, "x", LINEAR, result="array")
    H.add(_rt.diag_embed, "x", LINEAR, result="array")
    H.add(_rt.expand2, "g, x", LINEAR, result="array")
    H.add(_rt.as_columns, "g, b", LINEAR, result="array")
    H.add(_rt.from_columns, "u, b", LINEAR, result="array")
    H.add(_rt.eigh_gap, "w", "_rt.eigh_gap_jvp(w, d)", result="array")
    H.add(_rt.vdvt, "v, g", "_rt.vdvt_dv(v, g, d)", LINEAR, result="array")
    H.add(_rt.norm_vjp, "g, " + NORM, LINEAR,
          "_rt.norm_vjp_dx(g, x, d, ord, axis, keepdims)", result="array")
    spectral.helpers(H)
