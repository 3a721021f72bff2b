"""``scipy.stats`` distributions, in both modes: ``logpdf, pdf, cdf, logcdf, sf, logsf``
(``logpmf, pmf, ...`` for ``poisson``) in the data and the parameters, ``loc`` and
``scale`` included (added once SciPy is imported: see ``Table.later``).

A distribution's density is ``f(z) / scale`` at ``z = (x - loc) / scale``: each rule
is written from its standardized score ``(log f)'(z)`` and, for shape parameters, the
derivative of ``log f`` in them. The cumulative functions are differentiated in x, loc
and scale (``F((x - loc) / scale)``: its density); in shape parameters they have no rule
(incomplete gamma and beta functions): differentiating one is a located error.
"""
from .. import runtime as _rt
from .names import LABELS

Z = "((x - loc) / scale)"
D = "_rt.special.digamma"
# standardized score (log f)'(z), for the location-scale families
SCORES = {"norm": f"-{Z}", "laplace": f"-np.sign({Z})", "cauchy": f"-2.0 * {Z} / (1.0 + {Z} ** 2)",
          "logistic": f"-np.tanh(0.5 * {Z})", "expon": f"(0.0 * {Z} - 1.0)",
          "uniform": f"(0.0 * {Z})"}
# families with shape parameters: (parameters, score, the shape parameters' derivatives)
SHAPED = {
    "t": ("df", f"(-(df + 1.0) * {Z} / (df + {Z} ** 2))",
          (f"(0.5 * ({D}(0.5 * (df + 1.0)) - {D}(0.5 * df) - 1.0 / df - np.log1p({Z} ** 2 / df)"
           f") + (df + 1.0) * {Z} ** 2 / (2.0 * df * (df + {Z} ** 2)))",)),
    "chi2": ("df", f"((0.5 * df - 1.0) / {Z} - 0.5)",
             (f"(0.5 * np.log({Z}) - 0.5 * math.log(2.0) - 0.5 * {D}(0.5 * df))",)),
    "gamma": ("a", f"((a - 1.0) / {Z} - 1.0)", (f"(np.log({Z}) - {D}(a))",)),
    "beta": ("a, b", f"((a - 1.0) / {Z} - (b - 1.0) / (1.0 - {Z}))",
             (f"(np.log({Z}) - {D}(a) + {D}(a + b))",
              f"(np.log1p(-{Z}) - {D}(b) + {D}(a + b))")),
}
FUNCTIONS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
POISSON = "k, mu, loc=0"
DIRICHLET_A = f"({D}(np.sum(alpha)) - {D}(alpha) + np.log(x))"
# multivariate normal: r = x - mean, P = cov^-1, u = r P (cov symmetric)
COV = "_rt.as_cov(cov, x)"
U = f"((x - mean) @ np.linalg.inv({COV}))"
G1 = "np.expand_dims(g, -1)"
MVN_COV = (f"_rt.from_cov(0.5 * (_rt.mT(np.atleast_2d({U})) @ (np.atleast_2d({U}) * "
           f"np.reshape(g, (-1, 1))) - np.sum(g) * np.linalg.inv({COV})), cov)")
MVN_COV_F = (f"(0.5 * np.sum(({U} @ _rt.as_cov(d, x)) * {U}, axis=-1) - 0.5 * "
             f"np.trace(np.linalg.solve({COV}, _rt.as_cov(d, x))))")


def _reverse_templates(name, function, shape="", score="", shaped=()):
    """The adjoints of ``name.function`` in (x, shape parameters..., loc, scale)."""
    method = f"_rt.stats.{name}"
    args = f"x, {shape + ', ' if shape else ''}loc, scale"
    if function in ("logpdf", "pdf"):
        times = " * ans" if function == "pdf" else ""
        return (f"g{times} * {score} / scale", *(f"g{times} * {t}" for t in shaped),
                f"-g{times} * {score} / scale", f"-g{times} * ({score} * {Z} + 1.0) / scale")
    density = f"{method}.pdf({args})" if function in ("cdf", "sf") else \
        f"np.exp({method}.logpdf({args}) - ans)"
    sign = "" if function in ("cdf", "logcdf") else "-"
    return (f"{sign}g * {density}", *(None for _ in shaped),
            f"{'-' if not sign else ''}g * {density}",
            f"{'-' if not sign else ''}g * {density} * {Z}")


def _forward_templates(name, function, shape="", score="", shaped=()):
    """The tangents of ``name.function``: its adjoints with ``d`` for ``g``, ``g``
    first (the tables' own templates are one line of math each, as in reverse)."""
    return tuple(None if t is None else t.replace("g", "d", 1)
                 for t in _reverse_templates(name, function, shape, score, shaped))


def _add_distributions(table, templates):
    stats = _rt.stats
    for name, score in SCORES.items():
        for function in FUNCTIONS:
            key = getattr(getattr(stats, name), function)
            LABELS[key] = f"scipy.stats.{name}.{function}"
            table.add(key, "x, loc=0.0, scale=1.0", *templates(name, function, "", score),
                      broadcast=True)
    for name, (shape, score, shaped) in SHAPED.items():
        for function in FUNCTIONS:
            key = getattr(getattr(stats, name), function)
            LABELS[key] = f"scipy.stats.{name}.{function}"
            cumulative = function not in ("logpdf", "pdf")
            table.add(key, f"x, {shape}, loc=0.0, scale=1.0",
                      *templates(name, function, shape, score, shaped), broadcast=True,
                      undefined=tuple(shape.split(", ")) if cumulative else ())


def _labelled(stats):
    for name, functions in (("poisson", ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")),
                            ("dirichlet", ("logpdf", "pdf")),
                            ("multivariate_normal", ("logpdf", "pdf"))):
        for function in functions:
            LABELS[getattr(getattr(stats, name), function)] = f"scipy.stats.{name}.{function}"
    return stats


def reverse(R):
    R.section("scipy.stats")
    _add_distributions(R, _reverse_templates)
    st = _labelled(_rt.stats)
    PMF, LOGPMF = "_rt.stats.poisson.pmf(np.floor(k), mu, loc)", \
        "_rt.stats.poisson.logpmf(np.floor(k), mu, loc)"
    R.add(st.poisson.logpmf, POISSON, None, "g * ((k - loc) / mu - 1.0)", broadcast=True,
          undefined=("k",))
    R.add(st.poisson.pmf, POISSON, None, "g * ans * ((k - loc) / mu - 1.0)", broadcast=True,
          undefined=("k",))
    R.add(st.poisson.cdf, POISSON, None, f"-g * {PMF}", broadcast=True, undefined=("k",))
    R.add(st.poisson.logcdf, POISSON, None, f"-g * np.exp({LOGPMF} - ans)", broadcast=True,
          undefined=("k",))
    R.add(st.poisson.sf, POISSON, None, f"g * {PMF}", broadcast=True, undefined=("k",))
    R.add(st.poisson.logsf, POISSON, None, f"g * np.exp({LOGPMF} - ans)", broadcast=True,
          undefined=("k",))
    R.add(st.dirichlet.logpdf, "x, alpha", "g * (alpha - 1.0) / x", f"g * {DIRICHLET_A}",
          result="scalar")
    R.add(st.dirichlet.pdf, "x, alpha", "g * ans * (alpha - 1.0) / x",
          f"g * ans * {DIRICHLET_A}", result="scalar")
    R.add(st.multivariate_normal.logpdf, "x, mean=0.0, cov=1.0", f"-{G1} * {U}",
          f"_rt.unbroadcast({G1} * {U}, mean)", MVN_COV, result="array")
    R.add(st.multivariate_normal.pdf, "x, mean=0.0, cov=1.0", f"-{G1} * np.expand_dims(ans, -1) * {U}",
          f"_rt.unbroadcast({G1} * np.expand_dims(ans, -1) * {U}, mean)",
          MVN_COV.replace("np.reshape(g,", "np.reshape(g * ans,").replace(
              "np.sum(g)", "np.sum(g * ans)"), result="array")


def forward(F):
    F.section("scipy.stats")
    _add_distributions(F, _forward_templates)
    st = _labelled(_rt.stats)
    PMF, LOGPMF = "_rt.stats.poisson.pmf(np.floor(k), mu, loc)", \
        "_rt.stats.poisson.logpmf(np.floor(k), mu, loc)"
    F.add(st.poisson.logpmf, POISSON, None, "d * ((k - loc) / mu - 1.0)", broadcast=True,
          undefined=("k",))
    F.add(st.poisson.pmf, POISSON, None, "d * ans * ((k - loc) / mu - 1.0)", broadcast=True,
          undefined=("k",))
    F.add(st.poisson.cdf, POISSON, None, f"-d * {PMF}", broadcast=True, undefined=("k",))
    F.add(st.poisson.logcdf, POISSON, None, f"-d * np.exp({LOGPMF} - ans)", broadcast=True,
          undefined=("k",))
    F.add(st.poisson.sf, POISSON, None, f"d * {PMF}", broadcast=True, undefined=("k",))
    F.add(st.poisson.logsf, POISSON, None, f"d * np.exp({LOGPMF} - ans)", broadcast=True,
          undefined=("k",))
    F.add(st.dirichlet.logpdf, "x, alpha", "np.sum(d * (alpha - 1.0) / x)",
          f"np.sum(d * {DIRICHLET_A})", result="scalar")
    F.add(st.dirichlet.pdf, "x, alpha", "ans * np.sum(d * (alpha - 1.0) / x)",
          f"ans * np.sum(d * {DIRICHLET_A})", result="scalar")
    F.add(st.multivariate_normal.logpdf, "x, mean=0.0, cov=1.0", f"-np.sum(d * {U}, axis=-1)",
          f"np.sum(d * {U}, axis=-1)", MVN_COV_F, result="array")
    F.add(st.multivariate_normal.pdf, "x, mean=0.0, cov=1.0", f"-ans * np.sum(d * {U}, axis=-1)",
          f"ans * np.sum(d * {U}, axis=-1)", f"ans * {MVN_COV_F}", result="array")
