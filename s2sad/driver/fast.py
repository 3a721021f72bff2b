"""The fast entries of ``s2sad.jvp`` and ``s2sad.vjp`` on Python floats: after the first
call of a function with float primals (and float tangents), later calls with the same
``wrt`` run the generated code through a small function written once for that call's
shape (``run``), as grad's entry is (s2sad/driver/entry.py): it checks the cache's
generation, the count and types of the arguments and the watched names, calls the code
and checks the types of what it returns; anything else (arrays, ints, a different wrt
or count, a changed cache, a float exception, a rebound callee) returns None, and the
general way, which checks and records, answers.

>>> import s2sad
>>> def f(x, y):
...     return x * y + 3.0 * x
>>> s2sad.jvp(f, (2.0, 5.0), (1.0, 0.0))
(16.0, 8.0)
>>> found(f, (2.0, 5.0), (0.0, 1.0), None)
(16.0, 2.0)
"""
from __future__ import annotations

import types

import numpy as np

from .calls import Rebound
from .cachekey import still, watched
from .compile import CACHE

_JVPS: dict = {}     # (function, wrt) -> run(primals, tangents): (y, ydot) or None
VJPS: dict = {}     # (function, wrt) -> run(primals): (y, pullback) or None
_LIMIT = 1024        # lambdas made anew at each call must not grow them forever
_HANDLED = (ArithmeticError, ValueError, Rebound)    # the general way handles these
_SCALARS = (float, np.float64)      # a Python float primal's value may be either


def found(f, primals, tangents, wrt):
    """``(y, ydot)`` from the recorded tangent code, or None where there is none."""
    try:
        run = _JVPS.get((f, wrt))
    except TypeError:                       # an unhashable wrt
        return None
    return None if run is None else run(primals, tangents)


def found_vjp(f, primals, wrt):
    """``(y, pullback)`` from the recorded split code, or None where there is none."""
    try:
        run = VJPS.get((f, wrt))
    except TypeError:
        return None
    return None if run is None else run(primals)


def record(f, primals, tangents, wrt, code, names, result, parsed) -> None:
    """Remember ``code`` for calls like this one: a plain function, float primals and
    tangents, a float value and tangent of one type (float, or NumPy's float64)."""
    if not isinstance(f, types.FunctionType) or not _floats(primals) \
            or not _floats(tangents) or type(result[0]) not in _SCALARS \
            or type(result[1]) is not type(result[0]):
        return
    _remember(_JVPS, f, wrt, _jvp_runner(code, len(primals), tuple(names), parsed))


def record_vjp(f, primals, wrt, forward, backward, parsed, y, positions,
               pullback_of) -> None:
    """Remember the split code for calls like this one: a plain function, float primals,
    a float value (or NumPy's float64); ``positions``: the wrt primals' indices;
    ``pullback_of`` makes the general pullback."""
    if not isinstance(f, types.FunctionType) or type(y) not in _SCALARS \
            or not _floats(primals):
        return
    _remember(VJPS, f, wrt, _vjp_runner(forward, backward, len(primals), tuple(positions),
                                         parsed, pullback_of))


def _floats(values) -> bool:
    return type(values) is tuple and all(type(v) is float for v in values)


def _remember(table, f, wrt, run) -> None:
    try:
        hash(wrt)
    except TypeError:
        return
    if len(table) >= _LIMIT:
        table.clear()
    table[(f, wrt)] = run


def _scope(parsed, **extra) -> dict:
    """The names a runner reads (all prefixed: no user name is in its text)."""
    watch = watched(parsed)
    scope = {"__type": type, "__tuple": tuple, "__float": float, "__f64": np.float64,
             "__cache": CACHE, "__generation": CACHE.generation, "__handled": _HANDLED,
             "__still": (lambda: still(parsed, watch)) if watch else None}
    scope.update(extra)
    return scope


def _checks(names, watched_too: bool) -> str:
    """A runner's test that every one of ``names`` is a Python float (and the watched
    names still mean what they did)."""
    test = " or ".join(f"__type({n}) is not __float" for n in names)
    return f"    if {test}{' or not __still()' if watched_too else ''}:\n        return None\n"


def _made(text: str, scope: dict, what: str):
    exec(compile(text, f"<s2sad fast {what}>", "exec"), scope)
    return scope["run"]


def _jvp_runner(code, count: int, names: tuple, parsed):
    """``run(primals, tangents)`` for ``count`` primals and the tangents ``names``."""
    ps = [f"p{i}" for i in range(count)]
    ts = [f"t{i}" for i in range(len(names))]
    scope = _scope(parsed, __code=code)
    keywords = ", ".join(f"{n}={t}" for n, t in zip(names, ts))
    text = ("def run(primals, tangents):\n"
            "    if __type(primals) is not __tuple or __type(tangents) is not __tuple \\\n"
            f"            or len(primals) != {count} or len(tangents) != {len(ts)} \\\n"
            "            or __cache.generation != __generation:\n"
            "        return None\n"
            f"    {', '.join(ps)}, = primals\n"
            f"    {', '.join(ts)}, = tangents\n"
            + _checks(ps + ts, scope["__still"] is not None) +
            "    try:\n"
            f"        y, ydot = __code({', '.join(ps)}, {keywords})\n"
            "    except __handled:\n"
            "        return None\n"
            "    kind = __type(y)\n"
            "    if (kind is __float or kind is __f64) and __type(ydot) is kind:\n"
            "        return y, ydot\n"
            "    return None\n")
    return _made(text, scope, f"jvp of {parsed.name}")


def _vjp_runner(forward, backward, count: int, positions: tuple, parsed, pullback_of):
    """``run(primals)`` for ``count`` primals: ``(y, pullback)``, whose pullback answers a
    float seed with a float per wrt primal (at ``positions``), and any other seed the
    general way (as does the general pullback: a cotangent of a float is a float)."""
    ps = [f"p{i}" for i in range(count)]
    cs = [f"c{i}" for i in range(len(positions))]
    scope = _scope(parsed, __forward=forward, __backward=backward, __name=parsed.name,
                   __pullback_of=pullback_of, __scalars=_SCALARS)
    floats = " and ".join(f"__type({c}) in __scalars" for c in cs)
    exact = " and ".join(f"__type({c}) is __float" for c in cs)
    wrt_values = "".join(f"{ps[i]}, " for i in positions)
    text = ("def run(primals):\n"
            f"    if __type(primals) is not __tuple or len(primals) != {count} \\\n"
            "            or __cache.generation != __generation:\n"
            "        return None\n"
            f"    {', '.join(ps)}, = primals\n"
            + _checks(ps, scope["__still"] is not None) +
            "    try:\n"
            f"        y, residuals = __forward({', '.join(ps)})\n"
            "    except __handled:\n"
            "        return None\n"
            "    if __type(y) is not __float and __type(y) is not __f64:\n"
            "        return None\n"
            "    def pullback(ybar):\n"
            "        if __type(ybar) is __float:\n"
            "            try:\n"
            "                out = __backward(residuals, ybar)\n"
            "            except (ArithmeticError, ValueError):\n"
            "                out = None\n"
            f"            if __type(out) is __tuple and len(out) == {len(cs)}:\n"
            f"                {', '.join(cs)}, = out\n"
            f"                if {exact}:\n"
            "                    return out\n"
            f"                if {floats}:\n"
            f"                    return {''.join(f'__float({c}), ' for c in cs)}\n"
            "        return __pullback_of(__name, y, residuals, __backward, False,\n"
            f"                             ({wrt_values}))(ybar)\n"
            "    return y, pullback\n")
    return _made(text, scope, f"vjp of {parsed.name}")
