"""What every helper shares: zeros and sums of adjoints of any structure (numbers,
arrays, and tuples, lists and dicts of them), undoing broadcasting, float types."""
import copy as _copy
import dataclasses

import numpy as np

__all__ = ["sign", "zeros_like", "rebuild", "with_field", "add", "copy", "owned", "unbroadcast", "as_float",
           "private", "stop_gradient"]


def is_array(x) -> bool:
    """A NumPy array, or an array of another library that follows NumPy's protocols
    (``__array_function__`` with a shape and a dtype: Dask, CuPy), never a scalar."""
    if isinstance(x, np.ndarray):
        return True
    return not isinstance(x, np.generic) and hasattr(type(x), "__array_function__") \
        and all(hasattr(x, a) for a in ("shape", "ndim", "dtype"))


def native(x):
    """``x`` as an array of its own library: ``np.asarray`` of a number or a list, but a
    Dask or CuPy array as it is (``np.asarray`` would compute it into NumPy's memory)."""
    return x if is_array(x) else np.asarray(x)


def eager(x) -> bool:
    """True unless ``x`` is an array of another library (Dask's is lazy, CuPy's on a
    device): ``float(x)`` of such a 0-d array would compute it now."""
    return isinstance(x, np.ndarray) or not is_array(x)


def fresh(x, dtype):
    """A copy of ``x`` of ``dtype`` that may be written to, in ``x``'s own library
    (``np.array(x, copy=True)`` would compute a Dask array into NumPy's memory)."""
    if isinstance(x, np.ndarray) or not is_array(x):
        return np.array(x, dtype=dtype, copy=True)
    return x.astype(dtype, copy=True)


def family(x) -> str:
    """Which library's array ``x`` is: ``numpy``, or the top-level module of its type
    (``dask``, ``cupy``); ``numpy`` too for anything that is not an array."""
    if isinstance(x, np.ndarray) or not is_array(x):
        return "numpy"
    return type(x).__module__.split(".")[0]


def sign(x):
    """The sign of a float or array, with sign(0) == 0 (so abs'(0) == 0)."""
    if isinstance(x, float):
        return float(x > 0) - float(x < 0)
    return np.sign(x)


def zeros_like(x):
    """A zero adjoint shaped like ``x`` (0.0 for Python numbers; the same structure for
    a list, tuple or dict of them). A function (``return flat, unflatten``) or a string
    has no derivative: its adjoint is 0.0 too."""
    if isinstance(x, (float, int, bool, str, bytes, type)) or x is None or callable(x):
        return 0.0
    if isinstance(x, (tuple, list)):
        return rebuild(x, [zeros_like(v) for v in x])
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if is_dataclass(x):
        return with_fields(x, {f: zeros_like(v) for f, v in fields_of(x).items()})
    return np.zeros_like(x, dtype=np.result_type(x, np.float32))


def is_dataclass(x) -> bool:
    """A dataclass instance (not the class): a parameter tree of its fields."""
    return dataclasses.is_dataclass(x) and not isinstance(x, type)


def fields_of(x) -> dict:
    return {f.name: getattr(x, f.name) for f in dataclasses.fields(x)}


def with_fields(x, values: dict):
    """A copy of the dataclass ``x`` holding ``values`` in its fields (set directly:
    neither ``__init__`` nor a frozen class's ``__setattr__`` runs on an adjoint)."""
    out = _copy.copy(x)
    for name, value in values.items():
        object.__setattr__(out, name, value)
    return out


def with_field(x, name, value):
    """``x`` (a namedtuple, a dataclass, or a dict read by attribute such as SciPy's
    ``OdeResult``) with the field ``name`` holding ``value``."""
    if hasattr(x, "_replace"):
        return x._replace(**{name: value})
    if isinstance(x, dict):
        return {**x, name: value}
    return with_fields(x, {name: value})


def rebuild(x, items):
    """A tuple or list like ``x`` (a named tuple such as ``EighResult`` included) holding
    ``items``."""
    if hasattr(x, "_fields"):
        return type(x)(*items)
    return type(x)(items)


def add(a, b):
    """``a + b`` for adjoints, item by item for tuples and lists (never concatenation)."""
    if isinstance(a, (tuple, list)):
        return rebuild(a, [add(u, v) for u, v in zip(a, b)])
    if isinstance(a, dict):
        return {k: add(a[k], b[k]) for k in a}
    if is_dataclass(a):
        return with_fields(a, {f: add(v, getattr(b, f)) for f, v in fields_of(a).items()})
    return a + b


def copy(d):
    """A copy of a tangent (lists and arrays are copied, numbers returned)."""
    if is_array(d):
        return d.copy()
    return list(d) if isinstance(d, list) else d


def owned(g):
    """``g``, or a copy of it where it is a read-only view (an adjoint spread by
    :func:`unreduce`), so that the caller may update the gradient it gets in place."""
    if isinstance(g, np.ndarray):
        return g if g.flags.writeable else g.copy()
    if is_array(g):
        return g                  # a Dask or CuPy array: never a read-only NumPy view
    if isinstance(g, (tuple, list)):
        return rebuild(g, [owned(v) for v in g])
    if isinstance(g, dict):
        return {k: owned(v) for k, v in g.items()}
    if is_dataclass(g):
        return with_fields(g, {f: owned(v) for f, v in fields_of(g).items()})
    return g


def unbroadcast(g, x):
    """Sum ``g`` over the axes that broadcasting added to or stretched in ``x``."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    ndim = len(shape)
    g = np.sum(g, axis=tuple(range(np.ndim(g) - ndim))) if np.ndim(g) > ndim else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    if stretched:
        g = np.sum(g, axis=stretched, keepdims=True)
    if ndim == 0 and isinstance(x, (float, int)) and eager(g):
        return float(g)
    return g


def as_float(g, *like):
    """``g`` as an array of the float type of ``like`` when it is a Python number (a
    seed such as 1.0), so that helpers keep float32 derivatives float32."""
    if isinstance(g, (float, int)):
        return np.asarray(g, dtype=np.result_type(*like, np.float32))
    return g


def _float_type(x, g):
    """The adjoint's dtype: x's float type, promoted by g unless g is a Python number."""
    if isinstance(g, (float, int)):
        return np.result_type(x, np.float32)
    return np.result_type(x, g, np.float32)


def _axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def private(value, memo=None):
    """A copy of every list inside ``value`` (tuples and lists walked, shared lists
    copied once, so that two references to one list stay one list); other objects
    are kept. The pullback pops lists it was given."""
    memo = {} if memo is None else memo
    if isinstance(value, list):
        if id(value) not in memo:
            memo[id(value)] = copied = []
            copied.extend(private(item, memo) for item in value)
        return memo[id(value)]
    if isinstance(value, tuple):           # a namedtuple stays one (its fields are read)
        return rebuild(value, [private(item, memo) for item in value])
    return value


def stop_gradient(x):
    """``x`` itself, but differentiation treats it as a constant."""
    return x
