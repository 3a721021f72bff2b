"""Derivatives of ``scipy.integrate.solve_ivp`` (the mathematics is in :mod:`odes`),
and of the fields of its result (``sol.y``, ``sol.t``).

The result is an ``OdeResult``, a dict: its adjoint and its tangent are dicts of the
same keys, zero but for ``"t"`` and ``"y"``. The output times are ``t_eval`` where it
is given; else the solver's own steps, which are held fixed (no derivative) except
the first and the last, which are ``t_span``'s ends.
"""
import numpy as np

from .checks import Unsupported
from .core import rebuild, zeros_like
from .odes import (_System, _augmented, _check_real, _forward_solve, _integrate, _memo,
                   _tolerance, _typed, _unflat, _add_time_terms, adjoint, arg_tangents)

__all__ = ["ivp_vjp", "ivp_jvp", "field_vjp", "field_jvp"]

WHAT = "scipy.integrate.solve_ivp"


def _check(ans, y0, dense_output, events, vectorized):
    _check_real(y0, WHAT)
    if dense_output or events is not None or vectorized:
        raise Unsupported(f"{WHAT}: dense_output, events and vectorized have no derivative "
                          "rule; leave them out")
    if ans.status != 0:
        raise Unsupported(f"{WHAT}: the solve did not reach the end of t_span "
                          f"({ans.message}), so its result has no derivative rule")


def _options(method, rtol, atol, max_step, first_step, min_step, n, extra):
    options = {"method": method, "rtol": rtol, "atol": _tolerance(atol, n, extra),
               "max_step": max_step}
    if min_step:
        options["min_step"] = min_step
    return options


def _seed(g, key, like):
    part = g.get(key, 0.0) if isinstance(g, dict) else 0.0
    return np.broadcast_to(np.asarray(part, dtype=float), np.shape(like))


def ivp_vjp(g, ans, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
            events=None, vectorized=False, args=None, rtol=1e-3, atol=1e-6, max_step=np.inf,
            first_step=None, min_step=0.0):
    """``(adjoint of t_span, of y0, of t_eval, of args)`` of ``ans = solve_ivp(...)``."""
    _check(ans, y0, dense_output, events, vectorized)
    key = (g, ans, fun, t_span, y0, t_eval, args, rtol, atol)
    return _memo(key, lambda: _adjoint(g, ans, fun, t_span, y0, method, t_eval, args, rtol,
                                       atol, max_step, first_step, min_step))


def _adjoint(g, ans, fun, t_span, y0, method, t_eval, args, rtol, atol, max_step, first_step,
             min_step):
    system = _System(fun, args, True, np.shape(np.ravel(y0)), WHAT)
    times = np.asarray(ans.t, dtype=float)
    ys = np.asarray(ans.y, dtype=float).T
    n = ys.shape[1]
    start, end = (float(v) for v in t_span)

    def back(z0, t_from, t_to, extra):
        options = _options(method, rtol, atol, max_step, first_step, min_step, n, n + extra)
        sol = _integrate().solve_ivp(_augmented(system, n), (t_from, t_to), z0, **options)
        if sol.status != 0:
            raise Unsupported(f"{WHAT}: the backward (adjoint) solve failed: {sol.message}")
        return sol.y[:, -1]
    a, a_p, g_times, g_start = adjoint(system, ys, times, start, np.ravel(y0),
                                       _seed(g, "y", ans.y).T, _seed(g, "t", times), back)
    g_y0 = _typed(np.reshape(a, np.shape(y0)), y0)
    g_args = system.arg_adjoints(_unflat(a_p, system.float_args()), args)
    if t_eval is None:           # the solver's steps: the first is t0, the last t1
        g_ends = [g_start + g_times[0], g_times[-1] if len(times) > 1 else 0.0]
        return _span(g_ends, t_span), g_y0, 0.0, g_args
    return _span([g_start, 0.0], t_span), g_y0, _typed(g_times, t_eval), g_args


def _span(values, t_span):
    if isinstance(t_span, (tuple, list)):
        return rebuild(t_span, [_typed(v, item) for v, item in zip(values, t_span)])
    return _typed(np.asarray(values), t_span)


def ivp_jvp(d_span, d_y0, d_eval, d_args, ans, fun, t_span, y0, method="RK45", t_eval=None,
            dense_output=False, events=None, vectorized=False, args=None, rtol=1e-3,
            atol=1e-6, max_step=np.inf, first_step=None, min_step=0.0):
    """The tangent of ``ans = solve_ivp(...)``: a dict like ``ans``, zero but for "t" and
    "y" (tangents None: zero)."""
    _check(ans, y0, dense_output, events, vectorized)
    system = _System(fun, args, True, np.shape(np.ravel(y0)), WHAT)
    times = np.asarray(ans.t, dtype=float)
    ys = np.asarray(ans.y, dtype=float).T
    n = ys.shape[1]
    d_times = _time_tangents(d_span, d_eval, t_eval, times)
    start = float(t_span[0])
    d_start = 0.0 if d_span is None else float(np.ravel(np.asarray(d_span, dtype=float))[0])
    s0 = np.zeros(n) if d_y0 is None else np.ravel(np.asarray(d_y0, dtype=float))
    s0 = s0 - system.value(np.ravel(y0), start) * d_start
    dargs = [zeros_like(a) for a in system.float_args()] if d_args is None else \
        arg_tangents(system, d_args, args)
    grid = np.concatenate([[start], times]) if times[0] != start else times
    sens = _forward_solve(_integrate().solve_ivp, system, np.ravel(y0), s0, dargs, grid,
                          _options(method, rtol, atol, max_step, None, min_step, n, n), "ivp")
    sens = sens[len(grid) - len(times):]
    out = zeros_like(ans)
    out["y"] = _add_time_terms(system, ys, times, sens, d_times).T.astype(
        np.result_type(ans.y, np.float32))
    out["t"] = d_times
    return out


def _time_tangents(d_span, d_eval, t_eval, times):
    out = np.zeros(len(times))
    if t_eval is not None:
        return out + (0.0 if d_eval is None else np.asarray(d_eval, dtype=float))
    if d_span is not None:
        ends = np.ravel(np.asarray(d_span, dtype=float))
        out[0] += ends[0]
        if len(times) > 1:
            out[-1] += ends[1]
    return out


def field_vjp(g, x, name):
    """The adjoint of ``x.<name>`` (a field of a solve_ivp result, a dict with attribute
    access, or of a named tuple): ``g`` in that field, zeros in the others."""
    if isinstance(x, dict) and name in x:
        out = zeros_like(x)
        out[name] = g
        return out
    if hasattr(x, "_fields") and name in x._fields:
        return rebuild(x, [g if f == name else zeros_like(v) for f, v in zip(x._fields, x)])
    raise Unsupported(f"the attribute .{name} of a differentiated {type(x).__name__}: only "
                      "the fields of a solve_ivp result (or of a named tuple) have a "
                      "derivative rule; pass the value as an argument of its own")


def field_jvp(d, x, name):
    """The tangent of ``x.<name>``: the field of the tangent ``d``."""
    if isinstance(d, dict) and isinstance(x, dict):
        return d[name]
    if hasattr(x, "_fields"):
        return d[x._fields.index(name)]
    raise Unsupported(f"the attribute .{name} of a differentiated {type(x).__name__}: only "
                      "the fields of a solve_ivp result (or of a named tuple) have a "
                      "derivative rule; pass the value as an argument of its own")
