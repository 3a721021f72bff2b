"""Gradient checking for users: forward mode, reverse mode and a numerical reference.

For ``def f(x, w): return np.sum(np.tanh(w * x) ** 2)`` in a file,
``print(s2sad.check_grad(f, 0.5, np.array([0.3, -1.2])))`` prints::

    check_grad(f): forward mode, reverse mode and central differences (rtol 1e-05, atol 1e-08)
    argument  shape  forward vs central  reverse vs central  forward vs reverse  result
    x         ()     1.6e-11             1.6e-11             0.0e+00             ok
    w         (2,)   2.7e-11             2.7e-11             0.0e+00             ok
"""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field

import numpy as np

from .oracles import numerical
from .api import grad, vjp
from .errors import GradientCheckError, UsageError
from .driver import star
from .driver.higher import jacobian

#: Per method: (description for the report, scheme, default rtol, default atol).
METHODS = {
    "central": ("central differences", numerical.central, 1e-5, 1e-8),
    "richardson": ("Richardson extrapolation", numerical.richardson, 1e-8, 1e-10),
    "complex": ("the complex step", numerical.complex_step, 1e-10, 1e-12),
}
#: Tolerances for a reference function given by the caller.
CALLABLE_TOLERANCES = (1e-7, 1e-9)
#: Forward and reverse mode are both exact: they must agree to rounding.
MODES_RTOL = 1e-9


@dataclass
class ArgumentCheck:
    """The three derivatives with respect to one argument, and how far apart they are.

    An error is normwise relative: ``max|a - b| / max(max|a|, max|b|)`` (0 when both
    are zero). A pair passes when ``max|a - b| <= atol + rtol * max(max|a|, max|b|)``.
    """

    name: str
    position: int
    shape: tuple
    forward: np.ndarray
    reverse: np.ndarray
    numerical: np.ndarray
    errors: dict = field(default_factory=dict)      # pair label -> relative error
    failures: list = field(default_factory=list)    # labels of the pairs out of tolerance

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def worst(self) -> float:
        """The worst relative error among the three pairs."""
        return max(self.errors.values(), default=0.0)


@dataclass
class GradientCheck:
    """What ``check_grad`` found: one :class:`ArgumentCheck` per argument checked."""

    function: str
    method: str             # short name: central, richardson, complex, or the function's
    description: str        # e.g. "central differences"
    rtol: float
    atol: float
    arguments: list
    #: The routes (``"forward mode"``, ...) that left their arguments other than the
    #: primal leaves them: each runs on its own copies, so none sees another's change.
    changed: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.arguments) and not self.changed

    @property
    def worst(self) -> float:
        return max((a.worst for a in self.arguments), default=0.0)

    def __str__(self) -> str:
        labels = (f"forward vs {self.method}", f"reverse vs {self.method}", "forward vs reverse")
        head = (f"check_grad({self.function}): forward mode, reverse mode and {self.description} "
                f"(rtol {self.rtol:g}, atol {self.atol:g})")
        rows = [("argument", "shape") + labels + ("result",)]
        for arg in self.arguments:
            result = "ok" if arg.ok else "MISMATCH: " + ", ".join(arg.failures)
            rows.append((arg.name, str(arg.shape)) + tuple(
                f"{arg.errors[key]:.1e}" for key in _PAIRS) + (result,))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows]
        lines += [f"MISMATCH: {route} changed its arguments (the primal leaves them as they "
                  "were given or updates them otherwise)" for route in self.changed]
        return "\n".join([head] + [line.rstrip() for line in lines])

    def __repr__(self) -> str:
        state = "ok" if self.ok else "MISMATCH"
        return (f"<GradientCheck {self.function}: {state}, {len(self.arguments)} "
                f"argument(s), worst relative error {self.worst:.1e}>")


_PAIRS = ("forward", "reverse", "modes")


def check_grad(f, *args, wrt=None, method="central", rtol=None, atol=None):
    """Compare forward mode, reverse mode and a numerical reference at ``args``.

    A function returning an array is checked through the scalar ``<w, f(...)>`` for
    a fixed random ``w`` shaped like the output (JAX's check_grads does the same):
    forward mode gives ``w . (J v)`` for every direction v, reverse mode
    ``J^T w``, and the numerical scheme differentiates the projection. ``wrt``: positions or names of the arguments to
    check (``None``: the decorator's ``wrt``, else every float or float-array
    argument). ``method``: ``"central"`` (default), ``"richardson"``,
    ``"complex"`` (complex step: exact, but only for code that accepts complex
    numbers), or a callable ``reference(f, *args, wrt=position)`` returning the
    gradient, such as a hand-derived formula or another ``s2sad.numerical``
    scheme. Returns a :class:`GradientCheck` (print it for a table); raises
    :class:`s2sad.GradientCheckError` carrying it when a pair disagrees.
    """
    short, description, reference, default_rtol, default_atol = _method(method)
    if star.is_variadic(f):          # the def it is for this call's shape (*args, **kwargs)
        f, args, _, wrt = star.resolved(f, args, {}, wrt)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    slots = _resolve_wrt(f, args, wrt)
    positions = tuple(position for _, position in slots)
    routes = _Routes(f, args)
    forward, reverse, scalar_f = _derivatives(f, routes, positions)
    arguments = []
    for k, (label, position) in enumerate(slots):
        numeric = routes.run(description, lambda *a: reference(scalar_f, *a, wrt=position))
        check = ArgumentCheck(label, position, np.shape(args[position]),
                              _as_array(forward[k]), _as_array(reverse[k]), _as_array(numeric))
        _compare(check, rtol, atol)
        arguments.append(check)
    report = GradientCheck(getattr(f, "__name__", repr(f)), short, description, rtol, atol,
                           arguments, sorted(set(routes.changed), key=routes.changed.index))
    if not report.ok:
        raise GradientCheckError(report)
    return report


class _Routes:
    """Runs each way of computing a derivative on its own copies of the arguments, and
    notes those that leave them other than the primal does (a derivative that updated
    the caller's array would also corrupt the routes run after it)."""

    def __init__(self, f, args):
        self.args, self.changed = args, []
        self.after = _copied(args)
        self.value = f(*self.after)              # what the primal leaves its arguments as

    def run(self, label, compute):
        mine = _copied(self.args)
        out = compute(*mine)
        if not _same(mine, self.after):
            self.changed.append(label)
        return out


def _copied(args):
    try:
        return copy.deepcopy(args)
    except Exception:                            # noqa: BLE001 - an uncopyable argument
        return tuple(args)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or a is b
    except Exception:                            # noqa: BLE001 - no comparison defined
        return True


def _derivatives(f, routes, positions):
    """Forward and reverse derivatives, one per position, and the scalar function they
    are derivatives of: f itself, or ``<w, f>`` for an array output."""
    jacobians = routes.run("forward mode", jacobian(f, wrt=positions, mode="forward"))
    value = routes.value
    if np.ndim(value) == 0 and not isinstance(value, (tuple, list, dict)):
        return jacobians, routes.run("reverse mode", grad(f, wrt=positions)), f
    if isinstance(value, (tuple, list, dict)):
        raise UsageError("check_grad: f returns a tuple or other container; check a "
                         "function returning one array", "non-scalar-output")
    w = np.random.default_rng(0).standard_normal(np.shape(value))
    forward = tuple(np.tensordot(w, j, axes=w.ndim) for j in jacobians)
    reverse = routes.run("reverse mode", lambda *a: vjp(f, *a, wrt=positions)[1](w))

    def projected(*a):
        return np.sum(w * np.asarray(f(*a)))         # complex for the complex step
    projected.__name__ = getattr(f, "__name__", "f")
    return forward, reverse, projected


def _method(method):
    """(short name, description, reference function, rtol, atol)."""
    if callable(method):
        label = getattr(method, "__name__", "reference")
        return (label, f"the reference {label}", method) + CALLABLE_TOLERANCES
    if not isinstance(method, str) or method not in METHODS:
        raise UsageError(f"check_grad: method={method!r}; use one of "
                         f"{', '.join(METHODS)} or a function", "bad-mode")
    return (method,) + METHODS[method]


def _compare(check: ArgumentCheck, rtol, atol):
    """Fill in the errors and failures of the three pairs."""
    pairs = {"forward": (check.forward, check.numerical, rtol),
             "reverse": (check.reverse, check.numerical, rtol),
             "modes": (check.forward, check.reverse, min(rtol, MODES_RTOL))}
    for key, (a, b, tolerance) in pairs.items():
        if a.shape != b.shape:
            check.errors[key] = np.inf
            check.failures.append(f"{_LABELS[key]} (shape {a.shape} vs {b.shape})")
            continue
        gap, size = _gap(a, b), max(_size(a), _size(b))
        check.errors[key] = gap / size if size > 0 else 0.0 if gap == 0 else np.inf
        if not gap <= atol + tolerance * size:
            check.failures.append(_LABELS[key])


def _gap(a, b) -> float:
    """max |a - b|, where equal entries (inf and inf, nan and nan) count as 0 apart
    and an inf or nan facing anything else as infinitely far."""
    with np.errstate(invalid="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        apart = np.where(same, 0.0, np.abs(a - b))
    return float(np.max(np.nan_to_num(apart, nan=np.inf, posinf=np.inf), initial=0.0))


def _size(a) -> float:
    finite = np.abs(a[np.isfinite(a)])
    return float(np.max(finite, initial=0.0))


_LABELS = {"forward": "forward mode", "reverse": "reverse mode", "modes": "forward vs reverse"}


def _as_array(value):
    return np.asarray(value, dtype=np.float64)


def _resolve_wrt(f, args, wrt):
    """``[(name, position)]`` for the arguments to check (all passed by position)."""
    names = _parameter_names(f)
    if wrt is None:
        wrt = getattr(f, "__s2sad_wrt__", None)
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args) if _is_float(a))
        if not wrt:
            raise UsageError("check_grad: no float or float-array argument to check; "
                             "pass wrt=", "bad-wrt")
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    slots = []
    for item in items:
        position = names.index(item) if isinstance(item, str) and item in names else item
        if not isinstance(position, int) or not 0 <= position < len(args):
            raise UsageError(f"check_grad: wrt={item!r} is not one of the {len(args)} "
                             "arguments passed by position", "bad-wrt")
        label = names[position] if position < len(names) else f"args[{position}]"
        slots.append((label, position))
    return slots


def _parameter_names(f):
    try:
        return list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return []


def _is_float(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"
