"""The table that drives tests/test_i15_scipy.py: one row per SciPy call form, checked
in both modes, float64 and float32, and by Hessian-vector products.

A row's ``call`` is an expression over the differentiated arguments ``a, b, c``
(each with a domain, see tests/test_i15_scipy.py DOMAINS); everything else in it is a
constant. Each row becomes a program ``loss(a, b, c) = sum(sin(call))`` in
tests/scipy_programs.py (``python -m tests.scipy_table`` writes it).
"""
from __future__ import annotations

from dataclasses import dataclass

M = (3, 4)


@dataclass(frozen=True)
class Row:
    label: str                 # the primitive as `s2sad rules` names it
    call: str
    shapes: tuple = (M,)
    domain: tuple = ("real",)
    float32: bool = True       # SciPy keeps float32 (not polygamma, gammainc, stats...)


def _u(name, domain="real", call=None, **kw):
    return Row(f"scipy.special.{name}", call or f"sp.{name}(a)", (M,), (domain,), **kw)


def _b(name, domains, call=None, shapes=(M, (4,)), **kw):
    return Row(f"scipy.special.{name}", call or f"sp.{name}(a, b)", shapes, domains, **kw)


SPECIAL = [
    _u("erf"), _u("erfc"), _u("erfinv", "unit"), _u("erfcinv", "unit02"),
    _u("gamma", "positive"), _u("gammaln", "positive"), _u("digamma", "positive"),
    _u("digamma", "positive", "sp.psi(a)"),
    _u("polygamma", "positive", "sp.polygamma(2, a)", float32=False),
    _u("multigammaln", "above2", "sp.multigammaln(a, 3)", float32=False),
    _b("beta", ("positive", "positive")), _b("betaln", ("positive", "positive")),
    _u("gammainc", "positive", "sp.gammainc(1.7, a)", float32=False),
    _u("gammaincc", "positive", "sp.gammaincc(1.7, a)", float32=False),
    _u("logsumexp", call="sp.logsumexp(a)"),
    _u("logsumexp", call="sp.logsumexp(a, axis=0)"),
    _u("logsumexp", call="sp.logsumexp(a, axis=-1, keepdims=True)"),
    _u("logsumexp", call="sp.logsumexp(a, axis=(0, 1))"),
    _b("logsumexp", ("real", "positive"), "sp.logsumexp(a, axis=1, b=b)"),
    _b("logsumexp", ("real", "real"), "sp.logsumexp(a, axis=0, b=b, return_sign=True)[0]",
       shapes=(M, (4,))),
    _u("expit"), _u("logit", "unit01"), _u("log_expit"),
    _u("softmax", call="sp.softmax(a)"), _u("softmax", call="sp.softmax(a, axis=1)"),
    _u("log_softmax", call="sp.log_softmax(a)"),
    _u("log_softmax", call="sp.log_softmax(a, axis=0)"),
    _b("xlogy", ("real", "positive")), _b("xlog1py", ("real", "positive")),
    _u("entr", "positive"), _b("rel_entr", ("positive", "positive")),
    _u("i0"), _u("i1"), _u("i0e", "away0"), _u("i1e", "away0"),
    _u("iv", "positive", "sp.iv(1.5, a)"), _u("ive", "away0", "sp.ive(1.0, a)"),
    _u("jv", "positive", "sp.jv(2.5, a)"), _u("yv", "positive", "sp.yv(1.0, a)"),
    _u("ndtr"), _u("ndtri", "unit01"), _u("log_ndtr"),
    _u("zeta", "positive", "sp.zeta(3.0, a)"),
    Row("np.sinc", "sp.sinc(a)"),
]

LOCATION_SCALE = ("norm", "laplace", "cauchy", "logistic", "expon", "uniform")
FUNCTIONS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
# data domains that keep x inside the support (expon: x > loc, uniform: loc < x < loc + scale)
SUPPORT = {"expon": "above1", "uniform": "mid"}
# (shape arguments as written, the shape parameters' domains, the data's domain)
SHAPED = {"t": ("b", ("positive3",), "real"), "chi2": ("b", ("positive3",), "above1"),
          "gamma": ("b", ("positive3",), "above1"),
          "beta": ("b, c", ("positive3", "positive3"), "mid")}


def _stats():
    rows = []
    for name in LOCATION_SCALE:
        data = SUPPORT.get(name, "real")
        for f in FUNCTIONS:
            label = f"scipy.stats.{name}.{f}"
            rows.append(Row(label, f"st.{name}.{f}(a)", (M,), (data,), float32=False))
            rows.append(Row(label, f"st.{name}.{f}(a, b, c)", (M, (4,), None),
                            (data, "small", "scale"), float32=False))
            rows.append(Row(label, f"st.{name}.{f}(a, loc=b, scale=c)", (M, None, None),
                            (data, "small", "scale"), float32=False))
    for name, (shape, domains, data) in SHAPED.items():
        shaped = ", ".join(("b", "c")[:len(domains)])
        for f in FUNCTIONS:
            label = f"scipy.stats.{name}.{f}"
            if f in ("logpdf", "pdf"):       # in x and the shape parameters
                rows.append(Row(label, f"st.{name}.{f}(a, {shaped})", (M,) + ((4,),) *
                                len(domains), (data,) + domains, float32=False))
            args = ", ".join(["3.5"] * len(domains))
            rows.append(Row(label, f"st.{name}.{f}(a, {args}, loc=b, scale=c)", (M, None, None),
                            (data, "tiny", "scale"),
                            float32=False))
    for f in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
        rows.append(Row(f"scipy.stats.poisson.{f}", f"st.poisson.{f}(K, a)", ((4,),),
                        ("positive3",), float32=False))
        rows.append(Row(f"scipy.stats.poisson.{f}", f"st.poisson.{f}(K + 1.0, a, loc=1)", ((4,),),
                        ("positive3",), float32=False))
    for f in ("logpdf", "pdf"):
        rows.append(Row(f"scipy.stats.dirichlet.{f}", f"st.dirichlet.{f}(X, a)", ((4,),),
                        ("positive",), float32=False))
        rows.append(Row(f"scipy.stats.multivariate_normal.{f}",
                        f"st.multivariate_normal.{f}(a, b, SPD + c @ c.T)",
                        ((3,), (3,), (3, 3)), ("real", "real", "small"), float32=False))
        rows.append(Row(f"scipy.stats.multivariate_normal.{f}",
                        f"st.multivariate_normal.{f}(a, mean=b, cov=SPD + c @ c.T)",
                        ((5, 3), (3,), (3, 3)), ("real", "real", "small"), float32=False))
        rows.append(Row(f"scipy.stats.multivariate_normal.{f}",
                        f"st.multivariate_normal.{f}(a, b, c)",
                        ((3,), (3,), None), ("real", "real", "scale"), float32=False))
        rows.append(Row(f"scipy.stats.multivariate_normal.{f}",
                        f"st.multivariate_normal.{f}(a, b, cov=c)",
                        ((5, 3), (3,), (3,)), ("real", "real", "scale"), float32=False))
    return rows


ROWS = SPECIAL + _stats()

HEADER = '''"""Generated by tests/scipy_table.py (python -m tests.scipy_table): one loss per row."""
import numpy as np
import scipy.special as sp
import scipy.stats as st

K = np.array([0.0, 1.0, 3.0, 6.0])                  # poisson counts
X = np.array([0.1, 0.2, 0.3, 0.4])                  # a point of the simplex
SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]])
'''


def render() -> str:
    out = [HEADER]
    for i, row in enumerate(ROWS):
        out.append(f"\n\ndef loss_{i}(a, b=None, c=None):\n    # {row.label}\n"
                   f"    return np.sum(np.sin({row.call}))\n")
    return "".join(out)


if __name__ == "__main__":
    import pathlib
    pathlib.Path(__file__).with_name("scipy_programs.py").write_text(render())
