"""Checks a program of tests/fuzz_mutation_programs.py through every route.

Each route (grad, vjp with its pullback called twice, jvp, hvp) runs on its own
copies of the arguments, with the module's globals reset to where they were
before the primal ran, and must leave both (the caller's arrays, containers and
the module's global state) exactly as the primal leaves them. Its numbers are
checked against independent oracles: the primal's value; central finite
differences of the traced twin (element by element against the gradient and the
pullbacks, along a random direction against jvp, and finite differences of the
gradient against hvp), only where every point took the primal's path; the
other mode (``<J v, w> == <v, J^T w>``); and the pullback's linearity in its seed.

A route s2sad refuses with an error that names a line of the program's file is
not a failure (``refused``); any other exception, an error located elsewhere,
or a wrong number is.
"""
from __future__ import annotations

import copy
import re

import numpy as np

import s2sad
from s2sad.errors import S2SadError
from tests.fuzz_checks import FD_RTOL, MAX_OUTPUT, Rejected, _close, _richardson, load

STATE_RTOL = 1e-12       # the caller's arrays after a route against after the primal
VALUE_RTOL = 1e-12
AD_RTOL, AD_ATOL = 1e-9, 1e-12


class Failure(AssertionError):
    """A wrong number, a changed caller's array, or an exception that is not a
    located s2sad error."""


# ---------------------------------------------------------------------------
# Trees of floats and arrays (the arguments: x, s, and a dict or list p)
# ---------------------------------------------------------------------------

def leaves(tree):
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def flat(tree):
    return np.concatenate([np.ravel(np.asarray(u, dtype=float)) for u in leaves(tree)])


def rebuild(tree, values):
    """``tree`` with its leaves replaced, in ``leaves`` order, by ``values``."""
    values = iter(values)

    def walk(node):
        if isinstance(node, dict):
            return {key: walk(node[key]) for key in sorted(node)}
        if isinstance(node, (list, tuple)):
            return type(node)(walk(item) for item in node)
        return next(values)
    return walk(tree)


def inner(a, b):
    return sum(float(np.sum(np.asarray(u, dtype=float) * np.asarray(w, dtype=float)))
               for u, w in zip(leaves(a), leaves(b)))


def same_state(actual, expected, what):
    """Containers of the same shape, leaves equal to ``STATE_RTOL``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or sorted(actual) != sorted(expected):
            raise Failure(f"{what}: {actual!r} != {expected!r}")
        for key in expected:
            same_state(actual[key], expected[key], f"{what}[{key!r}]")
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise Failure(f"{what}: {actual!r} != {expected!r}")
        for k, (u, w) in enumerate(zip(actual, expected)):
            same_state(u, w, f"{what}[{k}]")
        return
    try:
        u, w = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        raise Failure(f"{what}: {actual!r} is not a number ({expected!r} expected)") from None
    if u.shape != w.shape or not np.allclose(u, w, rtol=STATE_RTOL, atol=0.0):
        raise Failure(f"{what}: {actual!r} != {expected!r} (as the primal leaves it)")


def materialize(raw):
    """The call's arguments: x as an array, s a float, p a dict or list of arrays."""
    def arrays(node):
        if isinstance(node, dict):
            return {k: arrays(v) for k, v in node.items()}
        if isinstance(node, list):
            return [arrays(v) for v in node]
        return np.array(node, dtype=float) if isinstance(node, tuple) else float(node)
    return tuple(arrays(v) for v in raw)


# ---------------------------------------------------------------------------
# Running the program with the module's globals reset first
# ---------------------------------------------------------------------------

class Runner:
    def __init__(self, module):
        self.module = module
        self.path = module.__file__
        self.initial = {name: copy.deepcopy(getattr(module, name))
                        for name in module.GLOBAL_STATE}

    def reset(self):
        for name, value in self.initial.items():     # in place: code holds the objects
            target = getattr(self.module, name)
            target[:] = copy.deepcopy(value)

    def state(self):
        return {name: copy.deepcopy(getattr(self.module, name)) for name in self.initial}

    def fresh(self, args):
        self.reset()
        return copy.deepcopy(args)

    def primal(self, args):
        passed = self.fresh(args)
        try:
            with np.errstate(all="raise"):
                out = float(self.module.f(*passed))
        except (ArithmeticError, ValueError, TypeError, IndexError, AttributeError) as err:
            raise Rejected(f"primal: {type(err).__name__}") from None
        if not np.isfinite(out) or abs(out) > MAX_OUTPUT:
            raise Rejected("primal: not finite or too large")
        return out, passed, self.state()

    def traced(self, args):
        """The traced twin's value and path at ``args`` (no errors raised)."""
        passed = self.fresh(args)
        self.module.PATH.clear()
        try:
            with np.errstate(all="ignore"):
                value = float(self.module.f_traced(*passed))
        except (ArithmeticError, ValueError, TypeError, IndexError):
            value = float("nan")
        return value, tuple(self.module.PATH)

    def route(self, name, run, refused):
        """``run()``, a located s2sad refusal recorded in ``refused`` (None back)."""
        try:
            return run()
        except S2SadError as error:
            if re.search(re.escape(self.path) + r":\d+", str(error)):
                refused.append((name, error.code, _located_line(str(error))))
                return None
            raise Failure(f"{name}: s2sad error not located in the program: {error}") from error
        except AssertionError:
            raise
        except Exception as error:
            raise Failure(f"{name}: raw {type(error).__name__}: {error}") from error


def _located_line(message):
    """The refused source line and what the error says of it (for statistics)."""
    lines = message.splitlines()
    return " | ".join(line.split(": ", 1)[-1].strip() for line in lines[1:3])


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------

def check(program, raw, seed=0, hessian=True):
    """Check one program at ``raw`` arguments; returns what was checked. Raises
    Rejected (not well defined there) or Failure."""
    module = load(program.module_text())
    runner = Runner(module)
    args = materialize(raw)
    y0, args_end, globals_end = runner.primal(args)
    rng = np.random.default_rng(seed)
    v = rebuild(args, [rng.standard_normal(np.shape(leaf)) if np.ndim(leaf)
                       else float(rng.standard_normal()) for leaf in leaves(args)])
    wrt = tuple(range(len(args)))
    report = {"refused": [], "fd": 0}
    refused = report["refused"]

    def after(name, passed):
        same_state(passed, args_end, f"{name}: the caller's arguments")
        same_state(runner.state(), globals_end, f"{name}: module globals")

    def grad_route(point):
        passed = runner.fresh(point)
        g = s2sad.grad(module.f, wrt=wrt)(*passed)
        return g, passed

    found = runner.route("grad", lambda: grad_route(args), refused)
    g = None
    if found is not None:
        g, passed = found
        after("grad", passed)
    w1, w2 = 1.0 + rng.random(), -0.5 - rng.random()
    pullbacks = runner.route("vjp", lambda: _vjp_route(runner, module.f, args, wrt, y0,
                                                       (w1, w2), after), refused)
    jv = runner.route("jvp", lambda: _jvp_route(runner, module.f, args, v, wrt, y0, after),
                      refused)
    reverse = [("grad", g, 1.0)] if g is not None else []
    if pullbacks is not None:
        reverse += [("vjp's first pullback", pullbacks[0], w1),
                    ("vjp's second pullback", pullbacks[1], w2)]
        _close(flat(pullbacks[1]), w2 / w1 * flat(pullbacks[0]), AD_RTOL, AD_ATOL, "the pullback called twice: not linear in its seed")
    for name, cotangent, w in reverse:
        if jv is not None:
            _dot(w * jv, inner(v, cotangent), f"dot-product test, jvp against {name}")
    report["fd"] = _fd_checks(runner, args, v, reverse, jv)
    if hessian and g is not None:
        hv = runner.route("hvp", lambda: s2sad.hvp(module.f, wrt=wrt)(*runner.fresh(args), v),
                          refused)
        if hv is not None:
            report["fd"] += _hvp_check(runner, args, v, hv, lambda p: grad_route(p)[0])
    return report


def _vjp_route(runner, f, args, wrt, y0, seeds, after):
    passed = runner.fresh(args)
    y, pullback = s2sad.vjp(f, *passed, wrt=wrt)
    _close(float(y), y0, VALUE_RTOL, 0.0, "vjp's value against the primal's")
    after("vjp's forward sweep", passed)
    first, second = pullback(seeds[0]), pullback(seeds[1])
    after("vjp's pullbacks", passed)
    return first, second


def _jvp_route(runner, f, args, v, wrt, y0, after):
    passed = runner.fresh(args)
    y, jv = s2sad.jvp(f, passed, v, wrt=wrt)
    _close(float(y), y0, VALUE_RTOL, 0.0, "jvp's value against the primal's")
    after("jvp", passed)
    return float(jv)


def _dot(lhs, rhs, what):
    if abs(lhs - rhs) > AD_RTOL * max(1.0, abs(lhs), abs(rhs)):
        raise Failure(f"{what}: <w, J v> = {lhs!r} but <v, J^T w> = {rhs!r}")


def _fd_checks(runner, args, v, reverse, jv):
    """Finite differences of f: element by element against each reverse route, and
    along ``v`` against jvp. Returns how many were compared."""
    base_value, base_path = runner.traced(args)
    atol = 1e-9 * max(1.0, abs(base_value))
    flat = leaves(args)
    checked = 0
    for k, leaf in enumerate(flat):
        for index in np.ndindex(np.shape(leaf)):
            def moved(t, k=k, index=index):
                values = copy.deepcopy(flat)
                if np.ndim(values[k]):
                    values[k][index] = t
                else:
                    values[k] = t
                return runner.traced(rebuild(args, values))
            found = _richardson(moved, float(np.asarray(leaf)[index]), base_path)
            if found is None:
                continue
            checked += 1
            for name, cotangent, w in reverse:
                ad = float(np.asarray(leaves(cotangent)[k])[index])
                _close(ad, w * found[0], FD_RTOL, abs(w) * (atol + 10 * found[1]),
                       f"{name} against finite differences, leaf {k}{list(index)}")
    along = _richardson(lambda t: runner.traced(_moved_along(args, v, t)), 0.0, base_path)
    if along is not None and jv is not None:
        checked += 1
        _close(jv, along[0], FD_RTOL, atol + 10 * along[1],
               "jvp against finite differences along a random direction")
    return checked


def _moved_along(args, v, t):
    return rebuild(args, [a + t * d for a, d in zip(leaves(args), leaves(v))])


def _hvp_check(runner, args, v, hv, gradient):
    """hvp against central differences of the gradient along v (h and h/2, where
    both points of each took the primal's path)."""
    base_path = runner.traced(args)[1]
    estimates = []
    for h in (1e-4, 5e-5):
        points = (_moved_along(args, v, h), _moved_along(args, v, -h))
        if any(runner.traced(p)[1] != base_path for p in points):
            return 0
        up, down = (flat(gradient(p)) for p in points)
        estimates.append((up - down) / (2 * h))
    fine = (4 * estimates[1] - estimates[0]) / 3
    error = float(np.max(np.abs(estimates[1] - estimates[0])))
    if error > 1e-3 * max(1.0, float(np.max(np.abs(fine)))):
        return 0
    _close(flat(hv), fine, 1e-5, 1e-7 + error, "hvp against differences of the gradient")
    return 1
