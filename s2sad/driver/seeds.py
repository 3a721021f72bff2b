"""Checking seeds: a tangent must look like its primal, a cotangent like the output.

As in JAX, a tangent (``jvp``, ``hvp``) has its primal's structure (the same dict
keys, the same number of items) and, at each leaf, its shape and a real dtype; a
pullback's seed likewise matches the output. An int seed for a float value is taken
as a float (JAX asks for the same dtype). Anything else is a UsageError, never a
broadcast or a truncation that would return another function's derivative.

>>> as_tangent([1, 2], np.zeros(2), "jvp: tangent of 'x'")
array([1., 2.])
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..runtime.core import is_array


class _Mismatch(Exception):
    """A seed unlike its value; the caller says which error code it is."""


def as_tangent(t, primal, where: str):
    """``t`` checked against ``primal`` and given its float type, leaf by leaf."""
    try:
        return _matched(t, primal, where, "primal")
    except _Mismatch as exc:
        raise UsageError(str(exc), "bad-tangents") from None


def as_cotangent(g, output, where: str):
    """A pullback's seed ``g`` checked against the function's output ``output``."""
    try:
        return _matched(g, output, where, "output")
    except _Mismatch as exc:
        raise UsageError(str(exc), "bad-cotangent") from None


def _matched(seed, value, where, what):
    if isinstance(value, dict):
        if not isinstance(seed, dict) or set(seed) != set(value):
            raise _Mismatch(f"{where}: expected a dict with the keys {sorted(map(str, value))} "
                            f"of the {what}, got {_describe(seed)}")
        return {k: _matched(seed[k], v, f"{where}[{k!r}]", what)
                for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        if not isinstance(seed, (tuple, list)) or len(seed) != len(value):
            raise _Mismatch(f"{where}: expected a {type(value).__name__} of {len(value)} "
                            f"items like the {what}, got {_describe(seed)}")
        return rebuilt(value, [_matched(s, v, f"{where}[{i}]", what)
                               for i, (s, v) in enumerate(zip(seed, value))])
    if not _is_float(value):
        return seed                      # an int, a string, None: no derivative flows there
    return _leaf(seed, value, where, what)


def _leaf(seed, value, where, what):
    if isinstance(seed, (dict, tuple, list)) and not _numeric_sequence(seed):
        raise _Mismatch(f"{where}: expected one array or number like the {what}, got "
                        f"{_describe(seed)}")
    try:             # a Dask or CuPy seed is read by its dtype and shape, never computed
        array = seed if is_array(seed) else np.asarray(seed)
    except (TypeError, ValueError):
        array = np.asarray(None, dtype=object)
    if array.dtype.kind not in ("fiuc" if _complex(value) else "fiu"):
        kind = "complex" if array.dtype.kind == "c" else f"dtype {array.dtype}"
        raise _Mismatch(f"{where}: expected real numbers for a float {what}, got {kind} "
                        f"({_describe(seed)})")
    if array.shape != np.shape(value):
        raise _Mismatch(f"{where}: shape {array.shape} does not match the {what}'s shape "
                        f"{np.shape(value)}")
    if is_array(value):
        return _astype(array, np.result_type(value.dtype, np.float32))
    if isinstance(value, (np.floating, np.complexfloating)):
        return value.dtype.type(seed)
    return complex(seed) if _complex(value) else float(seed)


def float_like(t, primal):
    """A tangent as an array of the primal's shape and float type (a float for a float),
    unchecked: for tangents s2sad makes itself."""
    if is_array(primal):
        return _astype(t if is_array(t) else np.asarray(t),
                       np.result_type(primal.dtype, np.float32))
    if isinstance(primal, (dict, list, tuple)):
        return t                                  # a tree of tangents, as given
    return float(t) if np.ndim(t) == 0 else t


def _astype(array, dtype):
    """``array`` of ``dtype``, in its own library (a Dask array stays lazy)."""
    return array if array.dtype == dtype else array.astype(dtype)


def rebuilt(like, items: list):
    """A tuple or list of ``like``'s type holding ``items`` (a named tuple, such as
    slogdet's result, takes them as arguments)."""
    if hasattr(like, "_fields"):
        return type(like)(*items)
    return type(like)(items)


def _is_float(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating, complex, np.complexfloating)):
        return True
    return is_array(value) and value.dtype.kind in "fc"


def _complex(value) -> bool:
    return isinstance(value, complex) or np.iscomplexobj(value)


def _numeric_sequence(seed) -> bool:
    """A nested list of numbers, which NumPy reads as an array (``[1.0, 2.0]``)."""
    if isinstance(seed, dict):
        return False
    try:
        return np.asarray(seed).dtype.kind in "fiub"
    except (TypeError, ValueError):
        return False


def _describe(seed) -> str:
    if isinstance(seed, dict):
        return f"a dict with the keys {sorted(map(str, seed))}"
    if isinstance(seed, (tuple, list)):
        return f"a {type(seed).__name__} of {len(seed)} items"
    if is_array(seed):
        kind = "an array" if isinstance(seed, np.ndarray) else f"a {_library(seed)} array"
        return f"{kind} of shape {seed.shape} and dtype {seed.dtype}"
    return f"{type(seed).__name__} {seed!r}"


def _library(array) -> str:
    return type(array).__module__.split(".")[0]


def typed_like(value, primal):
    """A derivative given its primal's float type, leaf by leaf: a Python float for a
    Python float (as autograd returns), a NumPy scalar of the primal's type for one,
    an array of the primal's float dtype for a float array (float16 stays float16).
    The one place a derivative's type is decided; generated code computes in whatever
    NumPy's promotion gives (``np.cos`` of a float is an ``np.float64``)."""
    if isinstance(primal, dict) and isinstance(value, dict):
        return {k: typed_like(v, primal.get(k)) for k, v in value.items()}
    if isinstance(primal, (tuple, list)) and isinstance(value, (tuple, list)):
        if len(primal) != len(value):
            return value
        return rebuilt(value, [typed_like(v, p) for v, p in zip(value, primal)])
    if _real_primal(primal) and (type(value) is complex or np.iscomplexobj(value)):
        value = value.real       # a complex intermediate's adjoint: its real part (JAX's)
    if not _real(value) or is_array(value) and not isinstance(value, np.ndarray):
        return value                     # a Dask or CuPy derivative stays lazy, as it is
    if type(primal) is float:
        return float(value) if type(value) is not float and np.ndim(value) == 0 else value
    if isinstance(primal, np.floating) and np.ndim(value) == 0:
        return value if type(value) is type(primal) else primal.dtype.type(value)
    if is_array(primal) and primal.dtype.kind == "f" \
            and is_array(value) and value.dtype != primal.dtype:
        return value.astype(primal.dtype)
    return value


def _real_primal(primal) -> bool:
    """A real float or a real float array (NumPy's, Dask's, CuPy's)."""
    return type(primal) is float or isinstance(primal, np.floating) or (
        is_array(primal) and primal.dtype.kind == "f")


def _real(value) -> bool:
    """A real float, or a real float array: what ``typed_like`` may convert."""
    if is_array(value):
        return value.dtype.kind == "f"
    return isinstance(value, (float, np.floating)) and not isinstance(value, bool)


def apart_from(results, given):
    """``results`` with each array that may share memory with an array of ``given``
    (the seeds) copied: ``return x`` passes the seed through as the derivative, and a
    caller that changes what it got back must not change its seed. A bounds check per
    array, and a copy only where a seed would escape."""
    seeds = [a for a in _leaves(given) if isinstance(a, np.ndarray)]
    if not seeds:
        return results

    def own(value):
        if isinstance(value, np.ndarray):
            return value.copy() if any(np.may_share_memory(value, s) for s in seeds) \
                else value
        if isinstance(value, (tuple, list)):
            items = [own(v) for v in value]
            if all(a is b for a, b in zip(items, value)):
                return value                  # nothing copied: the same object back
            return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
        if isinstance(value, dict):
            return {k: own(v) for k, v in value.items()}
        return value
    return own(results)


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for t in tree.values() for leaf in _leaves(t)]
    return [tree]
