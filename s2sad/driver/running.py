"""Running generated code: what a derivative call does when the code raises.

On Python floats, ``x / 0.0`` and ``math.log(0.0)`` raise where NumPy gives inf or
nan; a derivative formula meets them at the edge of a function's domain (sqrt' at 0,
log at 0), so the code runs again on NumPy floats and NumPy's math, as it would on
arrays. A runtime helper's ``NonScalarOutput`` or ``Unsupported`` becomes a
UsageError; a callee found rebound (``calls.Rebound``) is the caller's to rebuild.
"""
from __future__ import annotations

import types

import numpy as np

from . import calls
from .. import runtime
from ..errors import UsageError


# what generated code may raise that a derivative call turns into its answer or an error
HANDLED = (ZeroDivisionError, ValueError, calls.Rebound)


def recover_gradient(fn, exc, args, kwargs=None):
    """What a gradient call does when generated code raises one of ``HANDLED``: a
    non-scalar output or an argument no rule covers is a UsageError; a division by zero
    or a math domain error on Python floats runs again on NumPy floats."""
    if isinstance(exc, runtime.NonScalarOutput):
        raise UsageError(str(exc), "non-scalar-output") from None
    if isinstance(exc, runtime.ComplexOutput):
        raise UsageError(str(exc), "complex-output") from None
    if isinstance(exc, runtime.Unsupported):
        raise UsageError(str(exc), "unsupported-argument") from None
    if isinstance(exc, calls.Rebound) or \
            isinstance(exc, ValueError) and str(exc) != "math domain error":
        raise exc
    try:
        return _retry_on_numpy(fn, exc, args, kwargs or {})
    except runtime.NonScalarOutput as again:
        raise UsageError(str(again), "non-scalar-output") from None
    except runtime.ComplexOutput as again:
        raise UsageError(str(again), "complex-output") from None


def real_gradient(out, fname):
    """The gradient, unless it is complex: Python's ``x ** 0.5`` at x < 0 is complex
    where the analysis sees a float, and grad needs a real output."""
    part = _complex_part(out)
    if part is not None:
        raise UsageError(f"grad of {fname!r} needs a real output, but its derivative "
                         f"is complex ({part!r}): the function returned a complex "
                         "number (a negative float to a fractional power?); "
                         "differentiate its real and imaginary parts apart",
                         "complex-output")
    return out


def _complex_part(value):
    if isinstance(value, (tuple, list)):
        return next((p for p in map(_complex_part, value) if p is not None), None)
    if isinstance(value, dict):
        return _complex_part(list(value.values()))
    return value if type(value) is complex or np.iscomplexobj(value) else None


def call_on_floats(fn, args, kwargs):
    """Run generated code; where Python floats divide by zero in a derivative formula
    (sqrt' at 0, log' at 0) or ``math`` meets a domain error (log at 0), run it again
    on NumPy floats, which give inf or nan as they do on arrays, instead of raising."""
    return run_on_floats(fn, args, kwargs)[0]


def run_on_floats(fn, args, kwargs):
    """``(result, whether it ran on NumPy floats)``, as for ``call_on_floats``."""
    try:
        return fn(*args, **kwargs), False
    except runtime.Unsupported as exc:
        raise UsageError(str(exc), "unsupported-argument") from None
    except (ZeroDivisionError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc) != "math domain error":
            raise
        error = exc
    return _retry_on_numpy(fn, error, args, kwargs), True


def _retry_on_numpy(fn, error, args, kwargs):
    """Run ``fn`` again on NumPy floats and NumPy's math, after ``error`` on Python
    floats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            out = _with_numpy_math(fn)(*_numpy_floats(args), **kwargs)
        except runtime.Unsupported as exc:
            raise UsageError(str(exc), "unsupported-argument") from None
    if isinstance(error, ValueError) and _has_nan(out):
        raise error          # outside the domain (sqrt of -1), not at its edge (log of 0)
    return out


def _has_nan(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_has_nan(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    try:
        return bool(np.any(np.isnan(value)))
    except TypeError:
        return False


def _numpy_floats(values):
    """Python floats as NumPy floats, inside tuples and lists too (a tape of residuals)."""
    if type(values) is float:
        return np.float64(values)
    if type(values) in (tuple, list):
        return type(values)(_numpy_floats(v) for v in values)
    return values


def _with_numpy_math(fn):
    """The same generated code with its ``math`` cell bound to NumPy's float math."""
    names = fn.__code__.co_freevars
    if "math" not in names:
        return fn
    cells = tuple(types.CellType(runtime.numpy_math) if name == "math" else cell
                  for name, cell in zip(names, fn.__closure__))
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              cells)
    twin.__kwdefaults__ = fn.__kwdefaults__
    return twin
