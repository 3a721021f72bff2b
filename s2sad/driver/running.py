"""Running generated code: what a derivative call does when the code raises.

On Python floats, ``x / 0.0`` and ``math.log(0.0)`` raise where NumPy gives inf or
nan; a derivative formula meets them at the edge of a function's domain (sqrt' at 0,
log at 0), so the code runs again on NumPy floats and NumPy's math, as it would on
arrays. A runtime helper's ``NonScalarOutput`` or ``Unsupported`` becomes a
UsageError; a callee found rebound (``calls.Rebound``) is the caller's to rebuild.
"""
from __future__ import annotations

import copy
import types

import numpy as np

from . import calls
from .. import runtime
from ..analysis import kinds as kind_rules
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


def real_gradient(out, fname, value=None, project=True):
    """The gradient of real arguments. A complex intermediate (``np.exp(1j * x)``) gives
    a real argument an adjoint whose imaginary part means nothing: its real part is the
    gradient (docs/conventions.md, "Complex numbers"), once ``value()`` (the function
    run again on copies of the arguments) shows the output is real. A complex output
    (Python's ``x ** 0.5`` at x < 0, where the analysis sees a float) is refused.
    ``project=False``: leave the real parts to ``seeds.typed_like``, which takes them
    for real arguments only (a complex argument's gradient is complex)."""
    part = _complex_part(out)
    if part is None:
        return out
    if value is None or _complex_value(value):
        raise UsageError(f"grad of {fname!r} needs a real output, but its derivative "
                         f"is complex ({part!r}): the function returned a complex "
                         "number (a negative float to a fractional power?); "
                         "differentiate its real and imaginary parts apart",
                         "complex-output")
    return _real_part(out) if project else out


def _complex_value(value) -> bool:
    try:
        return _complex_part(value()) is not None
    except Exception:                 # noqa: BLE001 - cannot tell: refuse, as before
        return True


def _real_part(out):
    if isinstance(out, (tuple, list)):
        return type(out)(map(_real_part, out))
    if isinstance(out, dict):
        return {k: _real_part(v) for k, v in out.items()}
    return out.real if _complex_part(out) is not None else out


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


def bad_wrt_kind(fname, name, value, kind):
    if kind in (kind_rules.INT, kind_rules.INTARRAY):
        example = float(np.sum(value)) if kind == kind_rules.INT else "x.astype(float)"
        raise UsageError(
            f"cannot differentiate {fname!r} with respect to {name!r}: it is an int "
            f"({value!r}); pass a float (e.g. {name}={example}) or leave it out of wrt",
            "int-wrt")
    raise UsageError(f"cannot differentiate {fname!r} with respect to {name!r} of type "
                     f"{type(value).__name__}; wrt arguments must be floats or float arrays "
                     "(real or complex)", "bad-wrt-type")


def primal_value(target, args, kwargs):
    """The function's value, run on copies of ``args``: to tell a complex output from a
    complex intermediate where the gradient came out complex."""
    return lambda: target.primal(*copy.deepcopy(args), **copy.deepcopy(kwargs or {}))


def refuse_complex_second(fname, names, values):
    """Second derivatives (hessian, hvp, grad of grad) w.r.t. complex arguments are not
    specified (a real function's Hessian in x and y is not one complex number; JAX asks
    for ``holomorphic=True``): an error, never a number."""
    for n in names:
        if isinstance(values[n], complex) or np.iscomplexobj(values[n]):
            raise UsageError(
                f"second derivatives of {fname!r} with respect to the complex argument "
                f"{n!r} are not supported; pass {n}.real and {n}.imag as two float "
                f"arguments and build {n} = re + 1j * im inside", "bad-wrt-type")


def check_all_float(target, names, values):
    """``wrt`` left out means every positional argument: each must be a float."""
    for n in names:
        if not kind_rules.is_float(kind_rules.of_value(values[n])):
            raise UsageError(f"{target.front.parsed.name!r}: argument {n!r} is not a float "
                             "or float array; pass wrt= to name the arguments to "
                             "differentiate", "bad-wrt")
