"""Derivatives of ``scipy.integrate.odeint`` and ``solve_ivp``: the adjoint method
(reverse) and the forward sensitivity equations (forward).

The right-hand side is the user's function, passed as a value; its derivatives are
s2sad's own, made when the derivative runs: :data:`RHS` holds ``vjp(func, primals,
wrt)`` -> ``(value, pullback)`` and ``jvp(func, primals, tangents, wrt)`` -> ``(value,
tangent)``, which ``s2sad.driver`` puts there (the runtime imports nothing of s2sad).

Reverse: between output times ``t[i]`` and ``t[i-1]`` the augmented system
``[y, a, a_p]`` is integrated backward in time, ``y' = f``, ``a' = -a f_y``,
``a_p' = -a f_p``, starting from the computed ``y(t[i])`` with ``a`` increased by the
seed at ``t[i]``; ``d/dt[i] = g[i] . f(y[i], t[i])`` and ``d/dt[0] = -a(t[0]) . f(y0,
t[0])``. Forward: ``[y, s]`` with ``s' = f_y s + f_p dp``, ``s(t0) = dy0 - f(y0, t0) dt0``,
and ``dt[i]`` adds ``f(y[i], t[i]) dt[i]``. Both solves use the integrator and the
tolerances the call asked for: the result is the derivative of the exact solution,
which matches finite differences of the integrator to about its tolerance.
"""
import threading

import numpy as np

from .checks import Unsupported
from .core import zeros_like, rebuild
from .scipy_helpers import library

__all__ = ["odeint_vjp", "odeint_jvp"]

RHS: dict = {}          # "vjp", "jvp": the user function's derivatives (see above)
_LAST = threading.local()      # the last adjoint computed: one per call, all parameters


def _integrate():
    return library("integrate")


def _rhs(kind):
    try:
        return RHS[kind]
    except KeyError:
        raise Unsupported("the derivative of an ODE solve differentiates its right-hand "
                          "side with s2sad when it runs: import s2sad where this code "
                          "runs") from None


class _System:
    """The right-hand side at one call: ``func``, the order of ``(y, t)`` it takes, its
    extra arguments, and which of them are floats (differentiated)."""

    def __init__(self, func, args, tfirst, shape, what):
        self.func, self.tfirst, self.shape, self.what = func, tfirst, shape, what
        self.args = () if args is None else tuple(args) if isinstance(args, (tuple, list)) \
            else (args,)
        self.live = [i for i, a in enumerate(self.args) if _is_float(a)]

    def primals(self, y, t):
        y = np.reshape(y, self.shape)
        return ((t, y) if self.tfirst else (y, t)) + self.args

    def wrt(self):
        return (1 if self.tfirst else 0,) + tuple(2 + i for i in self.live)

    def value(self, y, t):
        return _flat_value(self.func(*self.primals(y, t)), self.what)

    def pullback(self, y, t):
        """``(f, pullback)``, pullback(a) -> (a f_y flat, [a f_p per float argument])."""
        value, back = _rhs("vjp")(self.func, self.primals(y, t), self.wrt())
        flat = _flat_value(value, self.what)

        def pull(a):
            parts = back(_like(a, value))
            return np.ravel(parts[0]), list(parts[1:])
        return flat, pull

    def tangent(self, y, t, s, dargs):
        """``(f, f_y s + f_p dp)`` flat; dargs: the tangents of the float arguments."""
        tangents = (np.reshape(s, self.shape),) + tuple(dargs)
        value, dot = _rhs("jvp")(self.func, self.primals(y, t), tangents, self.wrt())
        return _flat_value(value, self.what), np.ravel(np.asarray(dot, dtype=float))

    def float_args(self):
        return [self.args[i] for i in self.live]

    def arg_adjoints(self, adjoints, given):
        """Adjoints for ``args`` as the call gave it, zero where an item is no float."""
        items = [zeros_like(a) for a in self.args]
        for i, adj in zip(self.live, adjoints):
            items[i] = _typed(adj, self.args[i])
        if given is None or not isinstance(given, (tuple, list)):
            return items[0] if given is not None else 0.0
        return rebuild(given, items)


def _is_float(value) -> bool:
    if isinstance(value, (bool, int, np.integer)) or value is None:
        return False
    if isinstance(value, (tuple, list)):
        return bool(value) and all(_is_float(v) for v in value)
    try:
        return np.asarray(value).dtype.kind == "f"
    except (TypeError, ValueError):
        return False


def _flat_value(value, what):
    out = np.ravel(np.asarray(value))
    if np.iscomplexobj(out):
        raise Unsupported(f"{what}: a complex right-hand side (complex y) has no derivative "
                          "rule; integrate the real and imaginary parts as real states")
    return out.astype(float)


def _like(a, value):
    """A cotangent flat ``a`` shaped as the right-hand side's value (a list of numbers
    for a function that returns a list)."""
    if isinstance(value, (tuple, list)):
        return rebuild(value, [float(v) if np.ndim(item) == 0 else np.reshape(v, np.shape(item))
                               for v, item in zip(a, value)])
    return np.reshape(a, np.shape(value))


def _flat(items) -> np.ndarray:
    """The floats of ``items`` (numbers, arrays, and lists or tuples of them, of any
    shapes: ``[(W, b)]``) as one vector, leaf after leaf."""
    parts = [_flat(v) if isinstance(v, (tuple, list)) else np.ravel(np.asarray(v, dtype=float))
             for v in items]
    return np.concatenate(parts) if parts else np.zeros(0)


def _unflat(vector, like) -> list:
    out, start = [], 0
    for item in like:
        size = _flat([item]).size
        part = vector[start:start + size]
        start += size
        out.append(_shaped(part, item))
    return out


def _shaped(part, item):
    if isinstance(item, (tuple, list)):
        return rebuild(item, _unflat(part, item))
    if np.ndim(item) == 0 and not isinstance(item, np.ndarray):
        return float(part[0])
    return np.reshape(part, np.shape(item))


def _typed(adj, like):
    if isinstance(like, (tuple, list)):
        return rebuild(like, [_typed(a, v) for a, v in zip(adj, like)])
    if isinstance(like, (float, int)) and not isinstance(like, bool):
        return float(adj)
    return np.asarray(adj, dtype=np.result_type(like, np.float32)).reshape(np.shape(like))


def _tolerance(atol, n, extra):
    """``atol`` for an augmented state: a per-component one repeated for the rest."""
    if atol is None or np.ndim(atol) == 0:
        return atol
    atol = np.ravel(atol)
    return np.concatenate([atol, np.full(extra, np.min(atol))]) if atol.size == n else atol


def _check_real(y0, what):
    if np.iscomplexobj(y0):
        raise Unsupported(f"{what}: a complex y0 has no derivative rule; integrate the real "
                          "and imaginary parts as real states")


def _memo(key, compute):
    """``compute()``, or what it gave for the same objects last time: the rule's
    templates (one per parameter) share one backward solve."""
    last = getattr(_LAST, "entry", None)
    if last is not None and len(last[0]) == len(key) and all(
            a is b for a, b in zip(last[0], key)) and _equal(last[2], key[0]):
        return last[1]
    found = compute()
    _LAST.entry = (key, found, _snapshot(key[0]))
    return found


def _snapshot(g):
    """A copy of the seed's values: a seed updated in place since is another seed."""
    if isinstance(g, dict):
        return {k: _snapshot(v) for k, v in g.items()}
    return np.array(g, copy=True) if isinstance(g, np.ndarray) else g


def _equal(old, g) -> bool:
    if isinstance(g, dict):
        return isinstance(old, dict) and old.keys() == g.keys() and all(
            _equal(old[k], g[k]) for k in g)
    if isinstance(g, np.ndarray):
        return isinstance(old, np.ndarray) and np.array_equal(old, g)
    return old is g or old == g


# odeint ---------------------------------------------------------------------------

def _odeint_options(what, Dfun, full_output, options):
    if Dfun is not None or full_output:
        raise Unsupported(f"{what}: Dfun and full_output have no derivative rule; leave them out")
    return {k: v for k, v in options.items() if v is not None}


def odeint_vjp(g, ans, func, y0, t, args=(), Dfun=None, full_output=0, rtol=None, atol=None,
               tfirst=False, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, mxstep=0, mxordn=12,
               mxords=5):
    """``(adjoint of y0, of t, of args)`` of ``ans = odeint(func, y0, t, args, ...)``."""
    what = "scipy.integrate.odeint"
    _check_real(y0, what)
    options = _odeint_options(what, Dfun, full_output, dict(
        tcrit=tcrit, h0=h0, hmax=hmax, hmin=hmin, mxstep=mxstep, mxordn=mxordn, mxords=mxords))
    key = (g, ans, func, y0, t, args, rtol, atol)
    return _memo(key, lambda: _odeint_adjoint(g, ans, func, y0, t, args, rtol, atol, tfirst,
                                              options))


def _odeint_adjoint(g, ans, func, y0, t, args, rtol, atol, tfirst, options):
    system = _System(func, args, tfirst, np.shape(np.ravel(y0)), "scipy.integrate.odeint")
    times = np.asarray(t, dtype=float)
    ys = np.reshape(np.asarray(ans, dtype=float), (len(times), -1))
    seeds = np.broadcast_to(np.asarray(g, dtype=float), np.shape(ans)).reshape(ys.shape)
    n = ys.shape[1]

    def back(z0, start, stop, extra):
        options_ = dict(options, rtol=rtol, atol=_tolerance(atol, n, n + extra), tfirst=True)
        return _integrate().odeint(_augmented(system, n), z0, [start, stop], **options_)[-1]
    a, a_p, g_times, g_start = adjoint(system, ys, times, times[0], ys[0], seeds, None, back)
    g_times[0] += g_start
    g_y0 = _typed(np.reshape(a, np.shape(y0)), y0)
    g_t = _typed(g_times, t) if np.ndim(t) else float(g_times[0])
    return g_y0, g_t, system.arg_adjoints(_unflat(a_p, system.float_args()), args)


def adjoint(system, ys, times, start, y_start, seeds, seeds_t, back):
    """``(a, a_p, adjoints of the output times, adjoint of the start time)``: the
    adjoint ``a`` integrated back from the last output time to ``start`` (``back(z0,
    t_from, t_to, size of a_p)`` -> z at t_to), the seeds ``seeds[i]`` added at
    ``times[i]`` (``seeds_t``: the seeds of the times themselves, or None); ``y_start``
    the state at ``start``."""
    n = ys.shape[1]
    a, a_p = np.zeros(n), np.zeros(_flat(system.float_args()).size)
    g_times = np.zeros(len(times)) if seeds_t is None else np.array(seeds_t, dtype=float)
    for i in range(len(times) - 1, -1, -1):
        g_times[i] += seeds[i] @ system.value(ys[i], times[i])
        a = a + seeds[i]
        stop = times[i - 1] if i else start
        if stop != times[i]:
            z = back(np.concatenate([ys[i], a, a_p]), times[i], stop, a_p.size)
            a, a_p = z[n:2 * n], z[2 * n:]
    return a, a_p, g_times, -(a @ system.value(y_start, start))


def _augmented(system, n):
    """The backward right-hand side of ``[y, a, a_p]``, as ``f(t, z)``."""
    def rhs(s, z):
        f, pull = system.pullback(z[:n], s)
        a_y, a_p = pull(z[n:2 * n])
        return np.concatenate([f, -a_y, -_flat(a_p)])
    return rhs


def odeint_jvp(d_y0, d_t, d_args, ans, func, y0, t, args=(), Dfun=None, full_output=0,
               rtol=None, atol=None, tfirst=False, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0,
               mxstep=0, mxordn=12, mxords=5):
    """The tangent of ``ans = odeint(func, y0, t, args, ...)`` (tangents None: zero)."""
    what = "scipy.integrate.odeint"
    _check_real(y0, what)
    options = _odeint_options(what, Dfun, full_output, dict(
        tcrit=tcrit, h0=h0, hmax=hmax, hmin=hmin, mxstep=mxstep, mxordn=mxordn, mxords=mxords))
    system = _System(func, args, tfirst, np.shape(np.ravel(y0)), what)
    times = np.asarray(t, dtype=float)
    ys = np.reshape(np.asarray(ans, dtype=float), (len(times), -1))
    s0, dargs, dts = _start(system, ys[0], times, d_y0, d_t, d_args, args)
    n = ys.shape[1]
    sens = _forward_solve(_integrate().odeint, system, ys[0], s0, dargs, times,
                          dict(options, rtol=rtol, atol=_tolerance(atol, n, n), tfirst=True),
                          "odeint")
    out = _add_time_terms(system, ys, times, sens, dts)
    return _as_result(out, ans)


def _start(system, y0, times, d_y0, d_t, d_args, args):
    """The sensitivity at t0, the float arguments' tangents, the times' tangents."""
    dts = np.zeros(len(times)) if d_t is None else np.broadcast_to(
        np.asarray(d_t, dtype=float), np.shape(times)).ravel()
    s0 = np.zeros(y0.size) if d_y0 is None else np.ravel(np.asarray(d_y0, dtype=float))
    s0 = s0 - system.value(y0, times[0]) * dts[0]
    if d_args is None:
        dargs = [zeros_like(a) for a in system.float_args()]
    else:
        dargs = arg_tangents(system, d_args, args)
    return s0, dargs, dts


def arg_tangents(system, d_args, args) -> list:
    """The tangents of the float items of ``args``, each shaped as its item."""
    items = list(d_args) if isinstance(args, (tuple, list)) else [d_args]
    return [_tangent_like(items[i], system.args[i]) for i in system.live]


def _tangent_like(d, arg):
    """A tangent ``d`` of ``arg`` (a float, an array, or a list or tuple of them of any
    shapes; a scalar zero for an argument that has none), shaped and typed as ``arg``."""
    if isinstance(arg, (tuple, list)):
        if not isinstance(d, (tuple, list)):
            return zeros_like(arg)
        return rebuild(arg, [_tangent_like(a, v) for a, v in zip(d, arg)])
    return _typed(np.broadcast_to(np.asarray(d, dtype=float), np.shape(arg)), arg)


def _forward_solve(solver, system, y0, s0, dargs, times, options, kind):
    """The sensitivities at ``times``, shape (len(times), n)."""
    n = y0.size

    def rhs(s, z):
        f, dot = system.tangent(z[:n], s, z[n:], dargs)
        return np.concatenate([f, dot])
    z0 = np.concatenate([y0, s0])
    if kind == "odeint":
        return solver(rhs, z0, times, **options)[:, n:]
    sol = solver(rhs, (times[0], times[-1]), z0, t_eval=times, **options)
    if sol.status < 0 or sol.y.shape[1] != len(times):
        raise Unsupported(f"scipy.integrate.solve_ivp: the forward sensitivity solve "
                          f"failed: {sol.message}")
    return sol.y[n:].T


def _add_time_terms(system, ys, times, sens, dts):
    out = np.array(sens, dtype=float)
    for i in range(len(times)):
        if dts[i]:
            out[i] = out[i] + system.value(ys[i], times[i]) * dts[i]
    return out


def _as_result(out, ans):
    return np.reshape(out, np.shape(ans)).astype(np.result_type(ans, np.float32))
