"""Many tangents in one forward sweep: Jacobian columns and Hessian columns in blocks.

The generated tangent code runs once on a :class:`~s2sad.runtime.batched.Batched`
block of k unit tangents (the tangent of an array gains a leading batch axis; every
rule it meets applies to all k at once), with the runtime helpers that write a
tangent into a new array given their batched forms. Where the code meets an
operation with no batched form, it raises, and the caller runs the columns one by
one: the same numbers, more sweeps. ``report`` records which happened, for
``fn.__s2sad_batching__`` and the tests.

The block size is chosen by memory: a batched tangent of the largest value among
the inputs and outputs stays under :data:`BUDGET` bytes.
"""
from __future__ import annotations

import types

import numpy as np

from .. import runtime
from ..runtime import batched, batched_shapes  # noqa: F401 (batched_shapes: its forms)
from ..runtime.batched import Batched
from . import blocks, rowwise, star
from .calls import tangent_params
from .seeds import _is_float
from ..errors import UsageError
from .target import Target, jvp as _jvp

BUDGET = 256 * 2 ** 20
_RUNTIME = types.SimpleNamespace(**{n: getattr(runtime, n) for n in dir(runtime)
                                    if not n.startswith("__")})
vars(_RUNTIME).update(batched.OVERRIDES)
_ROWS = rowwise.with_rows(_RUNTIME)


def block_size(n: int, *values) -> int:
    """How many of ``n`` tangents go through one sweep: the batched tangent of the
    largest of ``values`` under BUDGET bytes."""
    largest = max([int(np.size(v)) for v in values] + [1])
    return max(1, min(n, BUDGET // (8 * largest)))


def units(value, start: int, stop: int):
    """Unit tangents ``start..stop`` (C order) of ``value``, as one batched block."""
    # a Python number is weak in NumPy's promotion: its unit tangents are float64
    weak = isinstance(value, (float, int))
    dtype = np.float64 if weak else np.result_type(np.asarray(value).dtype, np.float32)
    block = np.zeros((stop - start, int(np.size(value))), dtype=dtype)
    block[np.arange(stop - start), np.arange(start, stop)] = 1.0
    return Batched(block.reshape((stop - start,) + np.shape(value)))


def sweep(f, primals, tangents, names, log=None, target=None):
    """``ydot`` of ``s2sad.jvp(f, primals, tangents, wrt=names)`` for tangents some of
    which are Batched (the rest plain zeros), as a tree of ``(k,) + shape`` arrays;
    raises where the generated code has no batched form of an operation it runs
    (``log``: as for :func:`with_batched_runtime`; ``target``: ``Target(f)``, made
    once by a caller that sweeps many blocks)."""
    target = target or Target(f)
    primals = target.prefix + tuple(primals)
    values = target.bind(primals, {})
    fn = target.generated(tuple(names), values, "jvp").functions[0]
    k = next(t.a.shape[0] for t in blocks.leaves(tangents) if isinstance(t, Batched))
    run = with_batched_runtime(fn, log)
    with np.errstate(all="ignore"):
        _, ydot = run(*primals, **dict(zip(tangent_params(fn, len(names)), tangents)))
    return blocks.unbatched(ydot, k)


def with_batched_runtime(fn, log=None):
    """``fn`` with ``_rt`` (a global or a closure cell of generated code) the batched one
    (``log``, a set: with the helpers that have no batched form run row by row, their
    names added to it: :mod:`.rowwise`)."""
    rt = _RUNTIME if log is None else _ROWS
    cells = tuple(types.CellType(rt) if name == "_rt" else cell
                  for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    scope = {**fn.__globals__, "_rt": rt} if "_rt" in fn.__globals__ else fn.__globals__
    run = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, cells or None)
    run.__kwdefaults__ = fn.__kwdefaults__
    return run if log is None else rowwise.logged(run, log)


def columns(f, primals, names, j, zeros, report, target=None):
    """The jvp outputs for every unit tangent of ``primals``' argument ``names[j]``,
    one tree per column, from batched sweeps; None where the code cannot be batched
    (``report`` says why)."""
    target = target or Target(f)
    value = target.bind(target.prefix + tuple(primals), {})[names[j]]
    if blocks._children(value) is not None:
        report.update(mode="columns", reason="a dict, list or tuple argument")
        return None
    return _swept(f, primals, names, j, zeros, value, lambda block: block, report, target)


def tree_columns(f, primals, names, j, zeros, report):
    """As :func:`columns`, one list per leaf of a dict, list or tuple argument (the
    unit tangents of that leaf, the other leaves' tangents zero); a single value's
    columns as the one leaf's; None where the code cannot be batched."""
    target = Target(f)
    value = target.bind(target.prefix + tuple(primals), {})[names[j]]
    if blocks._children(value) is None:
        found = columns(f, primals, names, j, zeros, report, target)
        return None if found is None else [found]
    leaves = blocks.leaves(value)
    if not all(_is_float(leaf) for leaf in leaves):
        report.update(mode="columns", reason="a tree argument with a leaf that is not a float")
        return None
    rest = [np.zeros(np.shape(leaf), dtype=np.result_type(leaf, np.float32)) if np.ndim(leaf)
            else 0.0 for leaf in leaves]
    found = []
    for i, leaf in enumerate(leaves):
        def place(block, i=i):
            return blocks.with_leaves(value, [block if m == i else z for m, z in enumerate(rest)])
        part = _swept(f, primals, names, j, zeros, leaf, place, report, target)
        if part is None:
            return None
        found.append(part)
    return found


def _swept(f, primals, names, j, zeros, leaf, place, report, target):
    """The columns of one array (number) ``leaf`` of argument ``names[j]``: its unit
    tangents in blocks, ``place(block)`` the argument's tangent for a block."""
    n = int(np.size(leaf))
    k = block_size(n, leaf)
    out, rows = [], set()
    try:
        for start in range(0, n, k):
            block = place(units(leaf, start, min(n, start + k)))
            tangents = tuple(block if i == j else z for i, z in enumerate(zeros))
            out += blocks.split(sweep(f, primals, tangents, names, rows, target),
                                min(n, start + k) - start)
    except Exception as exc:      # noqa: BLE001 -- any failure: the columns one by one
        report.update(mode="columns", reason=f"{type(exc).__name__}: {exc}")
        return None
    report.update(mode="batched", sweeps=report.get("sweeps", 0) + -(-n // k), block=k)
    if rows:                      # helpers that ran row by row inside the sweeps
        report["rowwise"] = sorted(set(report.get("rowwise", ())) | rows)
    return out


def batched_jvp(f, primals, tangents, wrt=None):
    """``(y, ydots)``: ``s2sad.jvp`` for k tangents at once, each tangent given with a
    leading axis of length k (a float primal's as a vector of k numbers; a dict, list,
    tuple, namedtuple or dataclass primal's as the same tree, each leaf with the axis);
    one forward sweep over blocks of k, or k sweeps (the same numbers) where the
    generated code has no batched form of an operation it runs."""
    if star.is_variadic(f):          # the def it is for this call's shape (*args, **kwargs)
        f, primals, _, wrt = star.resolved(f, tuple(primals), {}, wrt)
    target = Target(f)
    primals = tuple(primals)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    names, _ = target.wrt_names(wrt, everything=True, passed=len(primals))
    if len(tangents) != len(names):
        raise UsageError(f"batched_jvp: one tangent block per wrt argument "
                         f"({', '.join(names)}), each with the same leading length k",
                         "bad-tangents")
    values = target.bind(target.prefix + primals, {})
    sizes = {blocks.tangent_length(t, values[n], f"batched_jvp: the tangents of {n!r}")
             for t, n in zip(tangents, names)}
    if len(sizes) != 1:
        raise UsageError(f"batched_jvp: the tangent blocks have leading lengths "
                         f"{sorted(sizes)}; give each the same leading length k",
                         "bad-tangents")
    k = sizes.pop()
    rows = [lambda i=i: tuple(blocks.row(t, values[n], i) for t, n in zip(tangents, names))
            for i in range(k)]
    y = _jvp(f, primals, rows[0](), wrt=wrt)[0]
    try:
        batch = tuple(blocks.batched(t, values[n]) for t, n in zip(tangents, names))
        return y, sweep(f, primals, batch, names, set(), target)
    except Exception:             # noqa: BLE001 -- any failure: the tangents one by one
        return y, blocks.stacked([_jvp(f, primals, row(), wrt=wrt)[1] for row in rows])
