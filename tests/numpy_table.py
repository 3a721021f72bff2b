"""The table that drives tests/test_numpy_rules.py: one row per primitive (or per
call form of one), each with the argument shapes and keyword variants it is
checked at and the domain its inputs are drawn from.

A row's ``call`` is an expression over the arguments ``a, b, c, e`` (the float
arguments, all differentiated); each variant is text put before the call's last
``)`` (keywords, extra arguments). ``shapes`` lists shape sets: a shape for a
one-argument call, a tuple of shapes otherwise; ``F`` is a Python float.
``tests/make_numpy_programs.py`` turns the rows into ``tests/numpy_programs.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

F = None                      # a Python float argument
M = (3, 4)                    # a small matrix
T = (2, 3, 4)                 # a small 3-d array
BROADCAST = [(M, M), ((3, 1), (4,)), (F, (3,)), ((4,), F)]
AXES = ("", "axis=0", "axis=-1", "axis=(0, 2)", "axis=1, keepdims=True", "keepdims=True")
SOME_AXES = ("", "axis=-1", "axis=(0, 2), keepdims=True")
ONE_AXIS = ("", "n=4", "n=9", "axis=0", "norm='ortho'", "norm='forward'")
MANY_AXES = ("", "axes=(0, 2)", "s=(4, 5), axes=(1, 2)", "s=(3, 3, 7), axes=(0, 1, 2)",
             "norm='ortho'")
ORDS = ("ord=1", "ord=3", "ord=0.5", "ord=-2", "ord=np.inf", "ord=-np.inf")


@dataclass(frozen=True)
class Row:
    label: str                   # the primitive, as docs/rules.md and `s2sad rules` name it
    call: str
    shapes: tuple = (M,)
    variants: tuple = ("",)
    domain: str | tuple = "real"  # per argument: see tests/test_numpy_rules.py DOMAINS
    parts: int = 0               # the result is a tuple or list of this many arrays
    hessian: bool = True         # False where second derivatives are not implemented
    float32: bool = True         # False for Python-float (math) calls
    step: float = 1e-6           # relative finite-difference step

    @property
    def shape_sets(self):
        """The shapes as tuples, one shape per argument."""
        out = []
        for s in self.shapes:
            single = s is None or all(isinstance(n, int) for n in s)
            out.append((s,) if single else tuple(s))
        return out


def _math(label, call, arity=1, domain="real"):
    return Row(label, call, [(F,) * arity], domain=domain, float32=False)


def _unary(name, domain="real", shapes=(M,)):
    return Row(f"np.{name}", f"np.{name}(a)", shapes, domain=domain)


def _binary(name, domain="real", shapes=tuple(BROADCAST)):
    return Row(f"np.{name}", f"np.{name}(a, b)", shapes, domain=domain)


def _reduction(label, call, variants=AXES, domain="real", shapes=(T,)):
    return Row(label, call, shapes, variants, domain)


ROWS = [
    # builtins and math, on Python floats ---------------------------------------------
    _math("abs", "abs(a)", domain="away0"),
    _math("max", "max(a, b)", 2, "spaced"),
    _math("min", "min(a, b)", 2, "spaced"),
    _math("float", "float(a) * a"),
    _math("sum", "sum([a, b, c])", 3),
    Row("sum", "sum(a)", [(4,)]),
    # parameter trees: dict views and get, a named tuple's field, tuple, sorted, zip(*)
    Row("_rt.items", "np.stack([v * k for k, v in {2.0: a, 3.0: b}.items()])", [(M, M)]),
    Row("_rt.values", "np.stack(list({'p': a, 'q': b * a}.values()))", [(M, M)]),
    Row("_rt.get", "{'p': a}.get('p', b) * {'p': a}.get('q', b)", [(M, M)]),
    Row("_rt.field", "np.linalg.slogdet(a).logabsdet", [(3, 3)], domain="matrix"),
    Row("tuple", "np.stack(tuple(a))", [M]),
    _math("sorted", "np.array(sorted([a, b * 2.0, c]))", 3, "spaced"),
    Row("_rt.unzip", "np.stack(list(zip(*[(a, b), (a * b, b)]))[1])", [(M, M)]),
    *[_math(f"math.{n}", f"math.{n}(a)") for n in (
        "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "asinh", "exp", "expm1", "erf",
        "erfc", "degrees", "radians")],
    *[_math(f"math.{n}", f"math.{n}(a)", domain="unit") for n in ("asin", "acos", "atanh")],
    *[_math(f"math.{n}", f"math.{n}(a)", domain="positive")
      for n in ("log", "log2", "log10", "log1p", "sqrt")],
    _math("math.acosh", "math.acosh(a)", domain="above1"),
    _math("math.fabs", "math.fabs(a)", domain="away0"),
    _math("math.atan2", "math.atan2(a, b)", 2),
    _math("math.hypot", "math.hypot(a, b)", 2),
    _math("math.pow", "math.pow(a, b)", 2, ("positive", "real")),
    _math("math.copysign", "math.copysign(a, b)", 2, "away0"),
    _math("math.fmod", "math.fmod(a, b)", 2, ("real", "away0")),
    _math("math.remainder", "math.remainder(a, b)", 2, ("real", "away0")),
    _math("math.ldexp", "math.ldexp(a, 3)"),
    _math("math.fsum", "math.fsum([a, b, c])", 3),

    # NumPy elementwise ---------------------------------------------------------------
    *[_binary(n) for n in ("add", "subtract", "multiply", "arctan2", "hypot", "logaddexp",
                           "logaddexp2", "maximum", "minimum", "fmax", "fmin")],
    *[_binary(n, ("real", "away0")) for n in ("divide", "fmod", "remainder")],
    _binary("power", ("positive", "real")),
    _binary("float_power", ("positive", "real")),
    _binary("copysign", "away0"),
    Row("np.ldexp", "np.ldexp(a, np.array([1, -2, 3, 0]))", [M, (4,)]),
    _unary("exp", shapes=(M, (2, 1, 3), ())),
    *[_unary(n) for n in ("negative", "positive", "square", "exp2", "expm1", "sin",
                          "cos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "sinc",
                          "deg2rad", "radians", "rad2deg", "degrees", "real", "conjugate",
                          "nan_to_num")],
    *[_unary(n, "unit") for n in ("tan", "arcsin", "arccos", "arctanh")],
    *[_unary(n, "positive") for n in ("sqrt", "log", "log2", "log10", "log1p")],
    *[_unary(n, "away0") for n in ("reciprocal", "cbrt", "abs", "fabs")],
    _unary("arccosh", "above1"),
    Row("np.where", "np.where(a > b, a * b, b - a)", BROADCAST[:3], domain="spaced"),
    Row("np.clip", "np.clip(a, b, c)", [(M, M, M), (M, (4,), F)],
        domain=("real", "negative", "positive")),
    Row("np.clip", "np.clip(a, -0.5, 0.5)", [M]),
    Row("np.clip", "np.clip(a, None, 0.5)", [M]),
    Row("np.float64", "np.float64(a)", [M, F]),
    Row("np.float32", "np.float32(a)", [M], step=1e-2, hessian=False),

    # NumPy reductions -----------------------------------------------------------------
    *[_reduction(f"np.{n}", f"np.{n}(a)") for n in ("sum", "mean", "prod")],
    *[_reduction(f"np.{n}", f"np.{n}(a)", SOME_AXES) for n in ("nansum", "nanmean")],
    _reduction("np.prod", "np.prod(a)", AXES[:3], "zeros"),
    *[_reduction(f"np.{n}", f"np.{n}(a)", domain="spaced") for n in ("max", "min", "ptp")],
    *[_reduction(f"np.{n}", f"np.{n}(a)", SOME_AXES, domain="spaced")
      for n in ("amax", "amin", "nanmax", "nanmin")],
    *[_reduction(f"np.{n}", f"np.{n}(a)", AXES + ("ddof=1", "axis=(1, 2), ddof=2"))
      for n in ("var", "std")],
    *[_reduction(f"np.{n}", f"np.{n}(a)", ("", "axis=0", "axis=-1"))
      for n in ("cumsum", "cumprod")],
    _reduction("np.cumprod", "np.cumprod(a)", ("", "axis=1"), "zeros"),
    _reduction("np.diff", "np.diff(a)", ("", "n=2", "axis=0"), shapes=((3, 5),)),
    Row("np.diff", "np.diff(a, prepend=b)", [((3, 5), (3, 1)), ((3, 5), F)], ("", "n=2")),
    Row("np.diff", "np.diff(a, axis=0, append=b)", [((3, 5), (2, 5)), ((3, 5), F)]),
    Row("np.diff", "np.diff(a, prepend=b, append=c)", [((4,), (2,), F)], ("", "n=3")),
    Row("np.diff", "np.diff(a, 2, 0, 1.5, b)", [((3, 5), F)]),
    _reduction("np.average", "np.average(a)", SOME_AXES),
    Row("np.average", "np.average(a, axis=1, weights=b)", [(T, (3,))], ("", "keepdims=True"),
        domain=("real", "positive")),
    Row("np.average", "np.average(a, weights=b)", [(M, M)], ("", "axis=0"),
        domain=("real", "positive")),
    *[_reduction(f"x.{n}()", f"a.{n}()", SOME_AXES) for n in ("sum", "mean", "prod")],
    *[_reduction(f"x.{n}()", f"a.{n}()", SOME_AXES, domain="spaced") for n in ("max", "min")],
    *[_reduction(f"x.{n}()", f"a.{n}()", AXES[:3] + ("ddof=1",)) for n in ("var", "std")],
    *[_reduction(f"x.{n}()", f"a.{n}()", ("", "axis=1")) for n in ("cumsum", "cumprod")],

    # NumPy linear algebra -------------------------------------------------------------
    Row("np.dot", "np.dot(a, b)", [((4,), (4,)), (M, (4,)), ((3,), M), (M, (4, 2)), (F, M)]),
    Row("x.dot()", "a.dot(b)", [(M, (4,)), (M, (4, 2))]),
    Row("np.matmul", "np.matmul(a, b)", [(M, (4, 2)), (T, (4, 2)), ((4,), (2, 4, 3))]),
    Row("np.outer", "np.outer(a, b)", [((3,), (4,)), (M, (2,))]),
    Row("np.vdot", "np.vdot(a, b)", [(M, M), (M, (4, 3))]),
    Row("np.inner", "np.inner(a, b)", [((4,), (4,)), (M, (2, 4)), (T, (4,)), (F, M)]),
    Row("np.tensordot", "np.tensordot(a, b)", [(T, (3, 4, 2))]),
    Row("np.tensordot", "np.tensordot(a, b, axes=1)", [(T, (4, 2))]),
    Row("np.tensordot", "np.tensordot(a, b)", [(T, (4, 2, 3))], ("axes=([1, 2], [2, 0])",)),
    Row("np.tensordot", "np.tensordot(a, b, 0)", [((2,), M)]),
    *[Row("np.einsum", f"np.einsum('{s}', {args})", shapes) for s, args, shapes in [
        ("ij,jk->ik", "a, b", [(M, (4, 2))]),
        ("ij,ij", "a, b", [(M, M)]),
        ("ii->i", "a", [(3, 3)]),
        ("ii", "a", [(3, 3)]),
        ("ij->j", "a", [M]),
        ("ji", "a", [M]),
        ("i,j,k->ijk", "a, b, c", [((2,), (3,), (2,))]),
        ("...ij,...jk->...ik", "a, b", [(T, (4, 2)), ((1, 3, 4), (2, 4, 2))]),
        ("bij,bjk,bk,b->bi", "a, b, c, e", [((2, 3, 4), (2, 4, 2), (2, 2), (2,))]),
        ("ij,ij->i", "a, b", [((1, 4), M)]),
        ("ij,jk,kl,l,ij->k", "a, b, c, e, a", [((2, 3), (3, 2), (2, 3), (3,))]),
    ]],
    Row("np.kron", "np.kron(a, b)", [((2, 3), (3, 2)), ((3,), (2,)), ((2,), (2, 3))]),
    Row("np.cross", "np.cross(a, b)", [((3,), (3,)), ((2, 3), (3,))]),
    Row("np.trace", "np.trace(a)", [(3, 3), M], ("", "1", "offset=-1")),
    Row("np.trace", "np.trace(a)", [T], ("axis1=1, axis2=2", "0, 2, 0")),
    Row("x.trace()", "a.trace()", [M], ("", "1")),
    Row("np.diagonal", "np.diagonal(a)", [(3, 3), M], ("", "1", "offset=-2")),
    Row("np.diagonal", "np.diagonal(a)", [T], ("axis1=1, axis2=2", "1, 0, 2")),
    Row("x.diagonal()", "a.diagonal()", [M], ("", "offset=1")),
    Row("np.diag", "np.diag(a)", [(3,), M], ("", "1", "k=-1")),
    *[Row(f"np.{n}", f"np.{n}(a)", [M, T], ("", "1", "k=-1")) for n in ("tril", "triu")],
    Row("np.linalg.inv", "np.linalg.inv(a)", [(3, 3), (2, 3, 3)], domain="matrix"),
    Row("np.linalg.solve", "np.linalg.solve(a, b)", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                                     ((2, 3, 3), (2, 3, 2))],
        domain=("matrix", "real")),
    Row("np.linalg.det", "np.linalg.det(a)", [(3, 3), (2, 3, 3)], domain="matrix"),
    Row("np.linalg.slogdet", "np.linalg.slogdet(a)", [(3, 3), (2, 3, 3)], domain="matrix",
        parts=2),
    Row("np.linalg.cholesky", "np.linalg.cholesky(a + np.swapaxes(a, -1, -2))",
        [(3, 3), (2, 3, 3)], domain="spd"),
    Row("np.linalg.eigh", "np.linalg.eigh(a + np.swapaxes(a, -1, -2))", [(3, 3), (2, 3, 3)],
        domain="symmetric", parts=2),
    Row("np.linalg.eigvalsh", "np.linalg.eigvalsh(a + np.swapaxes(a, -1, -2))",
        [(3, 3), (2, 3, 3)], domain="symmetric"),
    Row("np.linalg.qr", "np.linalg.qr(a)", [(4, 3), (3, 3), (3, 5), (2, 4, 3), (2, 3, 4)], domain="matrix",
        parts=2),
    # a full U or V^T of a non-square matrix: its extra columns are in LAPACK's gauge, not
    # ours (tests/test_i15_linalg.py checks them through gauge-invariant losses)
    Row("np.linalg.svd", "np.linalg.svd(a)", [(3, 3), (2, 3, 3)], domain="matrix", parts=3),
    Row("np.linalg.svd", "np.linalg.svd(a, full_matrices=False)", [(4, 3), (3, 5), (2, 4, 3)],
        domain="matrix", parts=3),
    Row("np.linalg.svd", "np.linalg.svd(a, compute_uv=False)", [(4, 3), (3, 5), (2, 3, 3)],
        domain="matrix"),
    Row("np.linalg.pinv", "np.linalg.pinv(a)", [(4, 3), (3, 3), (3, 5), (2, 3, 4)],
        domain="matrix"),
    Row("np.linalg.lstsq", "np.linalg.lstsq(a, b, rcond=None)[0]",
        [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3,))], domain=("matrix", "real")),
    Row("np.linalg.lstsq", "np.linalg.lstsq(a, b, rcond=None)[1]",
        [((5, 3), (5,)), ((5, 3), (5, 2))], domain=("matrix", "real")),
    Row("np.linalg.lstsq", "np.linalg.lstsq(a, b, rcond=None)[3]", [((5, 3), (5, 2))],
        domain=("matrix", "real")),
    Row("np.linalg.matrix_power", "np.linalg.matrix_power(a)", [(3, 3), (2, 3, 3)],
        ("0", "1", "3", "-1", "-2"), domain="matrix"),
    # NumPy 2.5 gives a real spectrum as complex numbers with zero imaginary parts: the
    # rows take the real part, as a real-valued program must.
    Row("np.linalg.eig", "np.real(np.linalg.eig(a)[0]), np.real(np.linalg.eig(a)[1])",
        [(3, 3), (2, 3, 3)], domain="symmetric", parts=2),
    Row("np.linalg.eigvals", "np.real(np.linalg.eigvals(a))", [(3, 3), (2, 3, 3)],
        domain="symmetric"),
    Row("np.linalg.norm", "np.linalg.norm(a)", [(4,)], ("",) + ORDS + ("ord=2", "ord=1.5"),
        domain="spaced"),
    Row("np.linalg.norm", "np.linalg.norm(a)", [M, T], ("", "axis=1", "axis=0, keepdims=True",
                                                     "ord=3, axis=-1"), domain="spaced"),
    Row("np.linalg.norm", "np.linalg.norm(a)", [M],
        ("ord='fro'", "ord=1", "ord=-1", "ord=np.inf", "ord=-np.inf"), domain="spaced"),
    Row("np.linalg.norm", "np.linalg.norm(a)", [M], ("ord='nuc'", "ord=2", "ord=-2"),
        domain="spaced"),
    Row("np.linalg.norm", "np.linalg.norm(a, axis=(1, 2))", [T], ("", "ord=1, keepdims=True"),
        domain="spaced"),

    # NumPy shapes and indexing ----------------------------------------------------------
    Row("np.transpose", "np.transpose(a)", [M, T]),
    Row("np.transpose", "np.transpose(a, (1, 0, 2))", [T]),
    Row("np.reshape", "np.reshape(a, (4, 3))", [M]),
    Row("np.ravel", "np.ravel(a)", [M]),
    Row("np.squeeze", "np.squeeze(a)", [(3, 1, 4)], ("", "axis=1")),
    Row("np.expand_dims", "np.expand_dims(a, 1)", [M]),
    Row("np.asarray", "np.asarray([a, b])", [(F, F), ((3,), (3,))]),
    Row("np.array", "np.array([a, b, 2.0])", [(F, F)]),
    Row("np.stack", "np.stack([a, b])", [(M, M)], ("", "axis=1")),
    Row("np.swapaxes", "np.swapaxes(a, 0, 2)", [T]),
    Row("np.moveaxis", "np.moveaxis(a, 0, -1)", [T]),
    Row("np.broadcast_to", "np.broadcast_to(a, (2, 3, 4))", [(3, 1), (4,), F]),
    Row("np.atleast_1d", "np.atleast_1d(a)", [F, (3,)]),
    Row("np.atleast_2d", "np.atleast_2d(a)", [(3,), M]),
    Row("np.copy", "np.copy(a)", [M]),
    Row("np.concatenate", "np.concatenate([a, b])", [((2, 3), (1, 3))], ("", "axis=None")),
    Row("np.concatenate", "np.concatenate((a, b, c), axis=1)", [((2, 3), (2, 1), (2, 2))]),
    Row("np.vstack", "np.vstack([a, b])", [((3,), (3,)), ((2, 3), (1, 3)), ((2, 3), (3,))]),
    Row("np.hstack", "np.hstack([a, b])", [((2,), (3,)), ((2, 3), (2, 1))]),
    Row("np.column_stack", "np.column_stack([a, b])", [((3,), (3, 2)), ((3,), (3,))]),
    Row("np.split", "np.split(a, 2)", [(4, 3)], parts=2),
    Row("np.split", "np.split(a, [1, 3], axis=1)", [(2, 5)], parts=3),
    Row("np.array_split", "np.array_split(a, 3)", [(7,)], parts=3),
    Row("np.tile", "np.tile(a, 2)", [(3,), M]),
    Row("np.tile", "np.tile(a, (2, 1, 2))", [M]),
    Row("np.repeat", "np.repeat(a, 2)", [M], ("", "axis=1")),
    Row("np.repeat", "np.repeat(a, [1, 0, 2], axis=0)", [M]),
    Row("np.flip", "np.flip(a)", [M], ("", "axis=0", "axis=(0, 1)")),
    Row("np.fliplr", "np.fliplr(a)", [M]),
    Row("np.flipud", "np.flipud(a)", [M]),
    Row("np.roll", "np.roll(a, 2)", [M], ("", "axis=1")),
    Row("np.roll", "np.roll(a, (1, -2), axis=(0, 1))", [M]),
    Row("np.pad", "np.pad(a, 1)", [M, (4,)]),
    Row("np.pad", "np.pad(a, ((1, 0), (0, 2)))", [M]),
    Row("np.pad", "np.pad(a, ((2, 1), (0, 3)))", [M], ("mode='edge'", "mode='reflect'",
                                                       "mode='symmetric'", "mode='wrap'")),
    Row("np.pad", "np.pad(a, 2, constant_values=b)", [((3,), F)]),
    Row("np.take", "np.take(a, [0, 2, 2])", [M], ("", "axis=1")),
    Row("np.take", "np.take(a, [[0, 1], [2, 2]], axis=0)", [M]),
    Row("np.take_along_axis", "np.take_along_axis(a, np.array([[0, 2], [1, 1], [3, 0]]), 1)",
        [M]),
    Row("np.take_along_axis", "np.take_along_axis(a, np.array([[0, 2, 1, 1]]), 0)", [M]),
    Row("np.sort", "np.sort(a)", [M], ("", "axis=0", "axis=None"), domain="spaced"),
    Row("np.partition", "np.partition(a, 1)", [M], ("", "axis=0"), domain="spaced"),
    Row("x[mask]", "a[a > 0.0]", [M], domain="spaced"),
    Row("x.reshape()", "a.reshape(2, 6)", [M]),
    Row("x.ravel()", "a.ravel()", [M]),
    Row("x.flatten()", "a.flatten()", [M]),
    Row("x.squeeze()", "a.squeeze()", [(3, 1, 4)]),
    Row("x.transpose()", "a.transpose()", [M, T]),
    Row("x.transpose()", "a.transpose(1, 0, 2)", [T]),
    Row("x.copy()", "a.copy()", [M]),
    Row("x.T", "a.T", [M]),
    Row("x.real", "a.real", [M]),
    # complex intermediates of real arguments (docs/conventions.md, "Complex numbers")
    Row("np.imag", "np.imag(np.exp(1j * a) * (a + 2.0))", [M, F]),
    Row("x.imag", "(np.sqrt(a + 1j) * (a - 2.0j)).imag", [M, F]),
    Row("np.angle", "np.angle(a + 1j * (a * a + 1.0))", [M, F], ("", "deg=True")),
    Row("x.swapaxes()", "a.swapaxes(0, 1)", [M]),
    Row("x.take()", "a.take([1, 1, 0])", [M], ("", "axis=1")),
    Row("x.repeat()", "a.repeat(2)", [M], ("", "axis=0")),
    Row("x.clip()", "a.clip(-0.5, 0.5)", [M]),
    Row("x.clip()", "a.clip(b, c)", [(M, (4,), F)], domain=("real", "negative", "positive")),
    Row("x.clip()", "a.clip(max=b)", [(M, M)]),
    Row("x.conj()", "a.conj()", [M]),
    Row("x.conjugate()", "a.conjugate()", [M]),
    Row("x.astype()", "a.astype(np.float64)", [M]),
    Row("x.astype()", "a.astype(np.float32)", [M], step=1e-2, hessian=False),
    # NumPy FFT (more variants: tests/test_i15_fft.py) ---------------------------------
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a * (0.6 - 0.8j)).real", [M], ONE_AXIS)
      for n in ("fft", "ifft")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a).{part}", [M], ONE_AXIS)
      for n in ("rfft", "ihfft") for part in ("real", "imag")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a * (0.6 - 0.8j))", [M], ONE_AXIS + ("n=7",))
      for n in ("irfft", "hfft")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a * (0.6 - 0.8j)).real", [T], MANY_AXES)
      for n in ("fft2", "ifft2", "fftn", "ifftn")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a).{part}", [T], MANY_AXES)
      for n in ("rfft2", "rfftn") for part in ("real", "imag")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a * (0.6 - 0.8j))", [T], MANY_AXES)
      for n in ("irfft2", "irfftn")],
    *[Row(f"np.fft.{n}", f"np.fft.{n}(a)", [M, T], ("", "axes=0", "axes=(0, -1)"))
      for n in ("fftshift", "ifftshift")],
    # more of NumPy (more variants: tests/test_i15_numpy_more.py) -----------------------
    Row("np.append", "np.append(a, b)", [((3,), (2,)), (M, (2, 2)), ((3,), F)]),
    Row("np.append", "np.append(a, b)", [(M, (1, 4))], ("axis=0",)),
    Row("np.append", "np.append(a, b)", [(M, (3, 2))], ("axis=1", "axis=-1")),
    Row("np.rot90", "np.rot90(a)", [M, T], ("", "2", "k=-1", "k=3, axes=(1, 0)")),
    Row("np.rollaxis", "np.rollaxis(a, 2)", [T], ("", "1", "start=3", "start=-1")),
    Row("np.rollaxis", "np.rollaxis(a, 0, -1)", [T]),
    Row("np.atleast_3d", "np.atleast_3d(a)", [F, (3,), M, T]),
    Row("np.vsplit", "np.vsplit(a, 2)", [(4, 3), (2, 3, 2)], parts=2),
    Row("np.hsplit", "np.hsplit(a, [1, 3])", [(3, 5), (6,)], parts=3),
    Row("np.dsplit", "np.dsplit(a, 2)", [(2, 3, 4)], parts=2),
    *[Row(f"np.{n}", f"np.{n}([a, b])", [((3,), (3,)), ((2, 3), (1, 3))])
      for n in ("row_stack",)],
    Row("np.gradient", "np.gradient(a)", [(5,)],
        ("", "0.5", "edge_order=2", "np.array([0.0, 0.3, 1.0, 1.4, 2.2])")),
    Row("np.gradient", "np.gradient(a)", [M], ("axis=1", "0.3, axis=0", "axis=-1, edge_order=2")),
    Row("np.gradient", "np.gradient(a)", [M], ("", "2.0, 0.5", "0.5, edge_order=2"), parts=2),
    Row("np.gradient", "np.gradient(a, axis=(0, 2))", [T], parts=2),
    *[Row(f"np.{n}", f"np.{n}(a)", [(5,), M, T], ("", "dx=0.3", "axis=0"))
      for n in ("trapezoid", "trapz")],
    *[Row(f"np.{n}", f"np.{n}(a, b)", [((5,), (5,)), (M, (4,)), (M, M), (T, (4,))])
      for n in ("trapezoid", "trapz")],
    *[Row(f"np.{n}", f"np.{n}(a, b, axis=0)", [(M, (3,)), (M, M)]) for n in ("trapezoid", "trapz")],
    *[Row(f"np.{n}", f"np.{n}(a, dx=b)", [((5,), F), (M, F)]) for n in ("trapezoid", "trapz")],
    Row("np.convolve", "np.convolve(a, b)", [((5,), (3,)), ((3,), (5,)), ((4,), (4,)),
                                            ((2,), (6,)), ((1,), (3,))],
        ("", "mode='same'", "mode='valid'")),
    Row("np.unwrap", "np.unwrap(4.0 * a)", [(7,), M], ("", "axis=0", "period=3.0", "discont=4.0")),
    _unary("i0", shapes=(M, (), (2, 1, 3))),
    Row("np.interp", "np.interp(a, np.array([-1.1, -0.25, 0.55, 1.3]), b)", [(M, (4,)), (F, (4,))],
        ("", "left=-2.0, right=3.0", "period=2.5"), domain=("spaced", "real")),
    Row("np.interp", "np.interp(a, np.array([-1.1, -0.25, 0.55, 1.3]), b, c, e)",
        [(M, (4,), F, F)], domain="spaced"),
    Row("np.polyval", "np.polyval(a, b)", [((4,), M), ((3,), F), ((1,), (3,)), ((5,), T)]),
    Row("np.polyfit", "np.polyfit(np.linspace(-1.0, 1.0, 6), a, 2)", [(6,), (6, 2)],
        ("", "1e-10", "w=np.arange(1.0, 7.0)")),
    Row("np.polyfit", "np.polyfit(np.array([0.0, 0.5, 1.5, 2.0]), a, 3)", [(4,)]),
    Row("np.linspace", "np.linspace(a, b)", [(F, F), ((3,), F), ((2, 3), (3,))],
        ("", "7", "num=5, endpoint=False", "4, axis=-1", "1")),
    Row("np.select", "np.select([a > 0.5, a < -0.5], [a * b, b])", [(M, M), (M, (4,))],
        ("", "a", "b + 1.0"), domain="spaced"),
    Row("np.real_if_close", "np.real_if_close(a)", [M]),
    Row("np.real_if_close", "np.real_if_close(a + 0j)", [M]),
    Row("np.real_if_close", "np.real_if_close(a * (1.0 + 1.0j)).imag", [M]),
    *[_reduction(f"np.{n}", f"np.{n}(a)", AXES + ("ddof=1", "axis=(1, 2), ddof=2"))
      for n in ("nanvar", "nanstd")],
    *[Row(f"np.{n}", f"np.{n}(np.where(np.abs(a) > 1.6, np.nan, a))", [M, T],
          ("", "axis=0", "axis=-1, ddof=1", "keepdims=True")) for n in ("nanvar", "nanstd")],
    *[_reduction(f"np.{n}.reduce", f"np.{n}.reduce(a)",
                 ("", "axis=1", "axis=None", "axis=(0, 2), keepdims=True", "keepdims=True"))
      for n in ("add", "multiply", "logaddexp")],
    *[_reduction(f"np.{n}.reduce", f"np.{n}.reduce(a)", ("", "axis=-1", "axis=None"),
                 domain="spaced") for n in ("maximum", "minimum")],
    _reduction("np.multiply.reduce", "np.multiply.reduce(a)", ("", "axis=2"), "zeros"),
    *[Row(f"np.{n}.accumulate", f"np.{n}.accumulate(a)", [(5,), M, T]) for n in (
        "add", "multiply", "logaddexp")],
    *[Row(f"np.{n}.accumulate", f"np.{n}.accumulate(a)", [M, T], ("axis=1", "axis=-1"))
      for n in ("add", "multiply", "logaddexp")],
]
