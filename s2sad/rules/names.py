"""How users write a primitive (``np.linalg.inv``, ``x.sum()``, ``_rt.unreduce``), and
the other names NumPy gives the same function."""
from __future__ import annotations

import functools
import warnings

import numpy

from .. import runtime

# key -> how users write it, for primitives of optional libraries (``scipy.special.erf``)
LABELS: dict = {}


def label(key) -> str:
    """How users write a primitive: ``np.linalg.inv``, ``math.sin``, ``abs``,
    ``x.sum()``, ``x.T``, ``operator Add``."""
    if isinstance(key, tuple):
        kind, name = key
        return {"op": f"operator {name}", "method": f"x.{name}()", "attr": f"x.{name}"}[kind]
    try:
        if key in LABELS:
            return LABELS[key]
    except TypeError:                        # unhashable callable
        pass
    module = getattr(key, "__module__", None) or "numpy"
    name = getattr(key, "__name__", repr(key))
    if is_helper(key) or module.startswith("s2sad.runtime"):   # a helper, or a tree primitive
        return f"_rt.{name}"
    if module == "builtins":
        return name
    if module == "math":
        return f"math.{name}"
    if module.startswith("numpy.linalg"):
        return f"np.linalg.{name}"
    if module.startswith("numpy.fft"):
        return f"np.fft.{name}"
    return f"np.{name}"


def is_helper(key) -> bool:
    """Whether ``key`` is one of the runtime's helpers (generated code's ``_rt.<name>``)."""
    try:
        return key in runtime.HELPERS
    except TypeError:                        # unhashable callable
        return False


def aliases(key) -> list:
    """Other names NumPy gives the same function (``np.abs`` for ``np.absolute``)."""
    if isinstance(key, tuple):
        return []
    own = label(key)
    return [n for n in _numpy_names().get(id(key), []) if n != own]


@functools.lru_cache(maxsize=None)
def _numpy_names() -> dict:
    names: dict = {}
    for namespace, prefix in ((numpy, "np."), (numpy.linalg, "np.linalg."),
                              (numpy.fft, "np.fft.")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in sorted(dir(namespace)):
                obj = getattr(namespace, name, None) if not name.startswith("_") else None
                if callable(obj):
                    names.setdefault(id(obj), []).append(prefix + name)
    return names
