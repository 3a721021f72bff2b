"""The command line's arguments: ``FILE.py:FUNC`` (the file imported as a fresh
module), ``--wrt a,b`` and ``--at 2,5`` (Python literals; an int becomes a float where
it is differentiated). A bad one is a ``CliError`` (exit code 2)."""
from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys

import numpy as np


class CliError(Exception):
    """A bad command line argument (exit code 2)."""


def parse_wrt(text):
    """``"x1,x2"`` -> ``("x1", "x2")``; ``"0"`` -> ``0``; ``None`` -> ``None``."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise CliError(f"--wrt: empty item in {text!r}")
    values = tuple(int(item) if item.isdigit() else item for item in items)
    return values[0] if len(values) == 1 else values


def load_module(path):
    """Import the file at ``path`` as a fresh module under a unique name."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise CliError(f"file not found: {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    name = f"_s2sad_cli_{''.join(c if c.isalnum() else '_' for c in stem)}_{digest}"
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so inspect.getsource can find the module
    sys.path.insert(0, os.path.dirname(path))  # sibling imports, as for a script
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise CliError(f"cannot load {path}: {type(err).__name__}: {err}") from err
    return module


def load_function(target):
    """``"path/to/file.py:func"`` (or ``file.py:Class.method``) -> the function."""
    path, sep, qualname = target.rpartition(":")
    if not sep or not path or not qualname:
        raise CliError(f"expected FILE.py:FUNC, got {target!r}")
    obj = load_module(path)
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CliError(f"{path} has no function {qualname!r}") from None
    if not callable(obj):
        raise CliError(f"{path}:{qualname} is not a function")
    return obj


AT_HELP = ("the arguments, as one Python literal: '2, 5' or '[1.0, 2.0], 3'; lists become "
           "float arrays, and an int becomes a float where it is differentiated (--wrt, "
           "else the decorator's wrt, else every argument the function takes as a float: "
           "--at 2,5 traces both; an int the function needs as an int, range(n), stays one)")


def parse_at(text, func, wrt, every=False):
    """``--at "2, 5"`` -> ``(2.0, 5.0)`` for the function's arguments. ``every``: with no
    wrt, every int becomes a float where the function runs with it as a float (trace,
    graph and check differentiate every float argument); else only argument 0 does."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise CliError(f"--at: expected Python literals such as '2, 5', got {text!r}") \
            from None
    items = value if isinstance(value, tuple) else (value,)
    if every and wrt is None and getattr(func, "__s2sad_wrt__", None) is None:
        plain = tuple(argument(item, False) for item in items)
        return ints_as_floats(func, plain)
    floats = differentiated_positions(func, wrt)
    return tuple(argument(item, k in floats) for k, item in enumerate(items))


def argument(item, differentiated):
    if isinstance(item, list):
        try:
            return np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            raise CliError(f"--at: {item!r} is not a list of numbers") from None
    if differentiated and is_int(item):
        return float(item)
    return item


def is_int(item) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)


def ints_as_floats(func, items) -> tuple:
    """``items`` with each int as a float, where the function still runs with it so:
    ``--at 2,5`` of ``f(x1, x2)`` is ``(2.0, 5.0)``; of ``f(x, n)`` with ``range(n)``
    it is ``(2.0, 5)``. The function is run to tell (at most once per int, and once with
    all of them floats)."""
    ints = [k for k, item in enumerate(items) if is_int(item)]
    if not ints:
        return items

    def floated(positions):
        return tuple(float(v) if k in positions else v for k, v in enumerate(items))
    if runs(func, floated(set(ints))):
        return floated(set(ints))
    kept = set()
    for k in ints:
        if runs(func, floated(kept | {k})):
            kept.add(k)
    return floated(kept)


def runs(func, args) -> bool:
    try:
        func(*args)
    except Exception:                   # noqa: BLE001 - the user's code, probed
        return False
    return True


def differentiated_positions(func, wrt) -> set:
    if wrt is None:
        wrt = getattr(func, "__s2sad_wrt__", None)
    if wrt is None:
        return {0}
    names = list(inspect.signature(func).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return {names.index(w) if w in names else w for w in items}
