"""``scipy.special``, in both modes (added once SciPy is imported: see ``Table.later``).

Templates call SciPy as ``_rt.special.<name>`` (functions with rules of their own, so
that second derivatives work) and write constants with ``math`` (a Python float keeps
float32 arrays float32). Integer orders (``polygamma``'s n, ``multigammaln``'s d, here ``dim``) have
no derivative; the orders of the Bessel functions, the first argument of the
incomplete gamma functions and ``zeta``'s exponent have none implemented: differentiating
one is a located error.
"""
from .. import runtime as _rt
from .names import LABELS
from .table import LINEAR

S = "_rt.special"
ROOT_PI = "(2.0 / math.sqrt(math.pi))"
ROOT_2PI = "math.sqrt(2.0 * math.pi)"
LSE = "a, axis=None, b=None, keepdims=False, return_sign=False"
# logsumexp: r = log|sum(b e^a)| (and its sign s); dr/da = s b e^(a - r)
LSE_E = ("_rt.lse_sign(ans, return_sign) * np.exp(a - _rt.unreduce(_rt.lse_value(ans, "
         "return_sign), a, axis, keepdims))")
LSE_G = "_rt.unreduce(_rt.lse_value(g, return_sign), a, axis, keepdims)"
MULTI = f"_rt.like(np.sum({S}.digamma(np.expand_dims(a, -1) - 0.5 * np.arange(dim)), axis=-1), a)"
BETA_A, BETA_B = (f"({S}.digamma({v}) - {S}.digamma(a + b))" for v in ("a", "b"))
INC = f"_rt.like(np.exp((a - 1.0) * np.log(x) - x - {S}.gammaln(a)), x)"


def names(special):
    """The functions with rules, by the name users write (``psi`` is ``digamma``)."""
    return {f"scipy.special.{n}": getattr(special, n) for n in (
        "erf", "erfc", "erfinv", "erfcinv", "gamma", "gammaln", "digamma", "polygamma",
        "multigammaln", "beta", "betaln", "gammainc", "gammaincc", "logsumexp", "expit",
        "logit", "log_expit", "softmax", "log_softmax", "xlogy", "xlog1py", "entr",
        "rel_entr", "i0", "i1", "i0e", "i1e", "iv", "ive", "jv", "yv", "ndtr", "ndtri",
        "log_ndtr", "zeta")}


def _special():
    LABELS.update({f: n for n, f in names(_rt.special).items()})
    return _rt.special


def reverse(R):
    sp = _special()
    R.section("scipy.special")
    R.add(sp.erf, "x", f"g * {ROOT_PI} * np.exp(-x * x)")
    R.add(sp.erfc, "x", f"-g * {ROOT_PI} * np.exp(-x * x)")
    R.add(sp.erfinv, "x", f"g / {ROOT_PI} * np.exp(ans * ans)")
    R.add(sp.erfcinv, "x", f"-g / {ROOT_PI} * np.exp(ans * ans)")
    R.add(sp.gamma, "x", f"g * ans * {S}.digamma(x)")
    R.add(sp.gammaln, "x", f"g * {S}.digamma(x)")
    R.add(sp.digamma, "x", f"g * _rt.like({S}.polygamma(1, x), x)")
    R.add(sp.polygamma, "n, x", None, f"g * _rt.like({S}.polygamma(n + 1, x), x)", broadcast=True)
    R.add(sp.multigammaln, "a, dim", f"g * {MULTI}", None, result="same")
    R.add(sp.beta, "a, b", f"g * ans * {BETA_A}", f"g * ans * {BETA_B}", broadcast=True)
    R.add(sp.betaln, "a, b", f"g * {BETA_A}", f"g * {BETA_B}", broadcast=True)
    R.add(sp.gammainc, "a, x", None, f"g * {INC}", broadcast=True, undefined=("a",))
    R.add(sp.gammaincc, "a, x", None, f"-g * {INC}", broadcast=True, undefined=("a",))
    R.add(sp.logsumexp, LSE, f"_rt.unbroadcast({LSE_G} * _rt.weights(b) * {LSE_E}, a)", None,
          f"_rt.unbroadcast({LSE_G} * {LSE_E}, b)", result="other")
    R.add(sp.expit, "x", "g * ans * (1.0 - ans)")
    R.add(sp.logit, "x", "g / (x * (1.0 - x))")
    R.add(sp.log_expit, "x", f"g * {S}.expit(-x)")
    R.add(sp.softmax, "x, axis=None", "ans * (g - np.sum(g * ans, axis=axis, keepdims=True))",
          result="same")
    R.add(sp.log_softmax, "x, axis=None", "g - np.exp(ans) * np.sum(g, axis=axis, "
          "keepdims=True)", result="same")
    R.add(sp.xlogy, "x, y", "g * np.log(y)", "g * x / y", broadcast=True)
    R.add(sp.xlog1py, "x, y", "g * np.log1p(y)", "g * x / (1.0 + y)", broadcast=True)
    R.add(sp.entr, "x", "-g * (np.log(x) + 1.0)")
    R.add(sp.rel_entr, "x, y", "g * (np.log(x / y) + 1.0)", "-g * x / y", broadcast=True)
    R.add(sp.i0, "x", f"g * {S}.i1(x)")
    R.add(sp.i1, "x", f"g * 0.5 * ({S}.i0(x) + {S}.iv(2.0, x))")
    R.add(sp.i0e, "x", f"g * ({S}.i1e(x) - np.sign(x) * ans)")
    R.add(sp.i1e, "x", f"g * (0.5 * ({S}.i0e(x) + {S}.ive(2.0, x)) - np.sign(x) * ans)")
    R.add(sp.iv, "v, x", None, f"g * 0.5 * ({S}.iv(v - 1.0, x) + {S}.iv(v + 1.0, x))",
          broadcast=True, undefined=("v",))
    R.add(sp.ive, "v, x", None, f"g * (0.5 * ({S}.ive(v - 1.0, x) + {S}.ive(v + 1.0, x)) "
          "- np.sign(x) * ans)", broadcast=True, undefined=("v",))
    R.add(sp.jv, "v, x", None, f"g * 0.5 * ({S}.jv(v - 1.0, x) - {S}.jv(v + 1.0, x))",
          broadcast=True, undefined=("v",))
    R.add(sp.yv, "v, x", None, f"g * 0.5 * ({S}.yv(v - 1.0, x) - {S}.yv(v + 1.0, x))",
          broadcast=True, undefined=("v",))
    R.add(sp.ndtr, "x", f"g * np.exp(-0.5 * x * x) / {ROOT_2PI}")
    R.add(sp.ndtri, "x", f"g * {ROOT_2PI} * np.exp(0.5 * ans * ans)")
    R.add(sp.log_ndtr, "x", f"g * np.exp(-0.5 * x * x - ans) / {ROOT_2PI}")
    R.add(sp.zeta, "x, q=None", None, f"-g * x * {S}.zeta(x + 1.0, q)", broadcast=True,
          undefined=("x",))


def forward(F):
    sp = _special()
    F.section("scipy.special")
    F.add(sp.erf, "x", f"{ROOT_PI} * np.exp(-x * x) * d")
    F.add(sp.erfc, "x", f"-{ROOT_PI} * np.exp(-x * x) * d")
    F.add(sp.erfinv, "x", f"np.exp(ans * ans) / {ROOT_PI} * d")
    F.add(sp.erfcinv, "x", f"-np.exp(ans * ans) / {ROOT_PI} * d")
    F.add(sp.gamma, "x", f"ans * {S}.digamma(x) * d")
    F.add(sp.gammaln, "x", f"{S}.digamma(x) * d")
    F.add(sp.digamma, "x", f"_rt.like({S}.polygamma(1, x), x) * d")
    F.add(sp.polygamma, "n, x", None, f"_rt.like({S}.polygamma(n + 1, x), x) * d", broadcast=True)
    F.add(sp.multigammaln, "a, dim", f"{MULTI} * d", None, result="same")
    F.add(sp.beta, "a, b", f"ans * {BETA_A} * d", f"ans * {BETA_B} * d", broadcast=True)
    F.add(sp.betaln, "a, b", f"{BETA_A} * d", f"{BETA_B} * d", broadcast=True)
    F.add(sp.gammainc, "a, x", None, f"{INC} * d", broadcast=True, undefined=("a",))
    F.add(sp.gammaincc, "a, x", None, f"-{INC} * d", broadcast=True, undefined=("a",))
    F.add(sp.logsumexp, LSE, "_rt.lse_tangent(np.sum(_rt.weights(b) * d * "
          f"{LSE_E}, axis=axis, keepdims=keepdims), ans, return_sign)", None,
          f"_rt.lse_tangent(np.sum(d * {LSE_E}, axis=axis, keepdims=keepdims), ans, "
          "return_sign)", result="other")
    F.add(sp.expit, "x", "ans * (1.0 - ans) * d")
    F.add(sp.logit, "x", "d / (x * (1.0 - x))")
    F.add(sp.log_expit, "x", f"{S}.expit(-x) * d")
    F.add(sp.softmax, "x, axis=None", "ans * (d - np.sum(d * ans, axis=axis, keepdims=True))",
          result="same")
    F.add(sp.log_softmax, "x, axis=None", "d - np.sum(np.exp(ans) * d, axis=axis, "
          "keepdims=True)", result="same")
    F.add(sp.xlogy, "x, y", "np.log(y) * d", "x * d / y", broadcast=True)
    F.add(sp.xlog1py, "x, y", "np.log1p(y) * d", "x * d / (1.0 + y)", broadcast=True)
    F.add(sp.entr, "x", "-(np.log(x) + 1.0) * d")
    F.add(sp.rel_entr, "x, y", "(np.log(x / y) + 1.0) * d", "-x * d / y", broadcast=True)
    F.add(sp.i0, "x", f"{S}.i1(x) * d")
    F.add(sp.i1, "x", f"0.5 * ({S}.i0(x) + {S}.iv(2.0, x)) * d")
    F.add(sp.i0e, "x", f"({S}.i1e(x) - np.sign(x) * ans) * d")
    F.add(sp.i1e, "x", f"(0.5 * ({S}.i0e(x) + {S}.ive(2.0, x)) - np.sign(x) * ans) * d")
    F.add(sp.iv, "v, x", None, f"0.5 * ({S}.iv(v - 1.0, x) + {S}.iv(v + 1.0, x)) * d",
          broadcast=True, undefined=("v",))
    F.add(sp.ive, "v, x", None, f"(0.5 * ({S}.ive(v - 1.0, x) + {S}.ive(v + 1.0, x)) "
          "- np.sign(x) * ans) * d", broadcast=True, undefined=("v",))
    F.add(sp.jv, "v, x", None, f"0.5 * ({S}.jv(v - 1.0, x) - {S}.jv(v + 1.0, x)) * d",
          broadcast=True, undefined=("v",))
    F.add(sp.yv, "v, x", None, f"0.5 * ({S}.yv(v - 1.0, x) - {S}.yv(v + 1.0, x)) * d",
          broadcast=True, undefined=("v",))
    F.add(sp.ndtr, "x", f"np.exp(-0.5 * x * x) / {ROOT_2PI} * d")
    F.add(sp.ndtri, "x", f"{ROOT_2PI} * np.exp(0.5 * ans * ans) * d")
    F.add(sp.log_ndtr, "x", f"np.exp(-0.5 * x * x - ans) / {ROOT_2PI} * d")
    F.add(sp.zeta, "x, q=None", None, f"-x * {S}.zeta(x + 1.0, q) * d", broadcast=True,
          undefined=("x",))


def helpers(H):
    H.add(_rt.lse_value, "r, return_sign=False", LINEAR, result="other")
    H.add(_rt.lse_tangent, "t, r, return_sign=False", LINEAR, result="other")
    H.add(_rt.weights, "b", LINEAR, result="same")
    H.add(_rt.as_cov, "cov, x", LINEAR, result="array")
    H.add(_rt.from_cov, "g, cov", LINEAR, result="array")
    H.zero(_rt.lse_sign, _rt.library)
