"""The primitives normalize writes for parameter trees (``front/tree_calls``): each
does what the user's spelling does (``d.items()``, ``p.w``, ``zip(*pairs)``); their
rules are in the tables' "parameter trees" section, their adjoints in ``trees``.
They are primitives, not helpers: not in ``runtime.HELPERS``."""
from __future__ import annotations

__all__ = ["items", "values", "keys", "get", "field", "unzip", "counts"]


def items(d) -> list:
    """``d.items()`` as a list, walked once (a dict view indexes like it)."""
    return list(d.items())


def values(d) -> list:
    return list(d.values())


def keys(d) -> list:
    return list(d.keys())


def get(d, key, *default):
    """``d.get(key)``, ``d.get(key, default)``: as written (a method named get of an
    object that is not a dict may take one argument)."""
    return d.get(key, *default)


def field(x, name):
    """``x.name``: a namedtuple's or a dataclass's field."""
    return getattr(x, name)


def unzip(x) -> tuple:
    """``zip(*x)`` as a tuple of tuples (it is unpacked, indexed or walked)."""
    return tuple(zip(*x))


def counts(x, start=0) -> tuple:
    """The numbers ``enumerate(x, start)`` pairs ``x``'s items with."""
    return tuple(range(start, start + len(x)))
