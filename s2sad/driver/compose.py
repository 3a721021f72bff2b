"""Derivatives of derivatives, to any order: ``jvp(grad(f))``, ``grad(grad(grad(f)))``,
``jacobian(jacobian(f))``, ``vjp(grad(f))``.

A function s2sad made carries ``__s2sad_lower__``: given the arguments of a call, it
gives a ``Lowered``, a plain function (generated code, or the user's own) and the
calls of it whose outputs, combined, are the derived function's value::

    F(*args) == combine([fn(*args, **kw) for kw in calls])

``combine`` only stacks, reshapes and selects, so it is linear: the tangent of F is
``combine`` of the calls' tangents. Those come from the tangent code of ``fn`` (a
forward sweep, generated from generated code as from any function), which is
itself plain: differentiating F again lowers it the same way. The inner
derivative's seeds are keyword arguments held constant, so derivatives of
different orders never mix (no perturbation confusion). The first derivative of a
user function is its generated gradient (reverse), every one above it a forward
sweep: ``hessian(grad(f))`` costs n forward sweeps per column of the gradient's
Jacobian, as JAX's forward-over-reverse does.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from . import seeds as seeding
from .calls import tangent_params
from .higher import _block, _flatten, _unflatten, _unit_trees
from .running import call_on_floats
from .target import Target, gradient_function


@dataclass
class Lowered:
    fn: object          # a plain function: generated code or the user's own
    args: tuple         # its positional arguments (a bound method's object first)
    skip: int           # how many of them ``wrt`` does not count (that object)
    calls: list         # the keyword arguments of each call (the seeds held constant)
    combine: object     # the derived value from the calls' outputs (linear)


def _first(outs):
    return outs[0]


def is_derived(f) -> bool:
    return hasattr(f, "__s2sad_lower__")


def value(low: Lowered):
    return low.combine([call_on_floats(low.fn, low.args, kw) for kw in low.calls])


def base(f, args, kwargs) -> Lowered:
    """``f`` at these arguments as a Lowered: its own lowering, or a user function
    called once."""
    lower = getattr(f, "__s2sad_lower__", None)
    if lower is not None:
        return lower(tuple(args), dict(kwargs))
    target = Target(f)
    return Lowered(target.primal, target.prefix + tuple(args), len(target.prefix),
                   [dict(kwargs)], _first)


def gradient_lowering(target, names, single):
    """The lowering of ``grad(f)`` of a user function: its generated gradient."""
    one_tuple = not single and len(names) == 1

    def lower(args, kwargs):
        fn = gradient_function(target, names, args, kwargs)
        combine = (lambda outs: (outs[0],)) if one_tuple else _first
        return Lowered(fn, target.prefix + args, len(target.prefix), [kwargs], combine)
    return lower


def _target(low: Lowered) -> Target:
    target = Target(low.fn)
    target.positional = target.front.parsed.params[low.skip:]
    return target


def names_of(low: Lowered, wrt, everything=False):
    """(names, single) of ``wrt`` among the plain function's arguments."""
    return _target(low).wrt_names(wrt, everything)


def forward(low: Lowered, names, seeds, assemble) -> Lowered:
    """The lowering of ``assemble([tangent of F along s for s in seeds])``: the tangent
    code of ``low.fn``, called once per seed and inner call."""
    target = _target(low)
    values = target.bind(low.args, low.calls[0])
    fn = target.generated(names, values, "jvp").functions[0]
    params = tangent_params(fn, len(names))
    seeds = [tuple(seeding.as_tangent(t, values[n], f"the tangent of {n!r}")
                   for t, n in zip(seed, names)) for seed in seeds]
    calls = [{**kw, **dict(zip(params, seed))} for seed in seeds for kw in low.calls]
    count = len(low.calls)

    def combine(outs):
        return assemble([low.combine([o[1] for o in outs[i * count:(i + 1) * count]])
                         for i in range(len(seeds))])
    return Lowered(fn, low.args, low.skip, calls, combine)


def tangent(low: Lowered, names, tangents):
    """``(F(*args), its tangent along tangents)``: one forward sweep per inner call."""
    swept = forward(low, names, [tuple(tangents)], _first)
    outs = [call_on_floats(swept.fn, swept.args, kw) for kw in swept.calls]
    return low.combine([o[0] for o in outs]), swept.combine(outs)


def _unit_seeds(values, names):
    """A tangent tuple per element of every ``wrt`` leaf, zero elsewhere, in order."""
    zeros = [_unflatten(values[n], iter([_zero(leaf) for leaf in _flatten(values[n])]))
             for n in names]
    for j, name in enumerate(names):
        for leaf, unit in _unit_trees(values[name]):
            yield j, leaf, zeros[:j] + [unit] + zeros[j + 1:]


def _zero(leaf):
    return np.zeros_like(leaf, dtype=float) if np.ndim(leaf) else 0.0


def jacobian_lowering(f, wrt, scalar=False):
    """The lowering of ``jacobian(f)`` (``grad(f)`` when ``scalar``: the output must be
    a scalar or a size-1 array, and each block has its argument's shape)."""
    def lower(args, kwargs):
        low = base(f, args, kwargs)
        names, single = names_of(low, wrt)
        values = _target(low).bind(low.args, low.calls[0])
        out = value(low)
        if scalar:
            _check_scalar(out, getattr(f, "__name__", "the function"))
        order = [(j, leaf) for j, leaf, _ in _unit_seeds(values, names)]
        seeds = [s for _, _, s in _unit_seeds(values, names)]
        blocks = functools.partial(_blocks, order, values, names, out)
        return forward(low, names, seeds, lambda parts: _shaped(
            blocks(parts), values, names, single, out, scalar))
    return lower


def _check_scalar(out, name):
    if isinstance(out, (tuple, list, dict)) or np.size(out) != 1:
        raise UsageError(f"grad of {name!r} needs a scalar output, got "
                         f"{type(out).__name__} of shape {np.shape(out)}; use s2sad.jacobian",
                         "non-scalar-output")


def _blocks(order, values, names, out, parts):
    """``[output leaf][name][input leaf]`` blocks from one tangent per unit seed."""
    outs = _flatten(out)
    columns = [[[[] for _ in _flatten(values[n])] for n in names] for _ in outs]
    for (j, leaf), part in zip(order, parts):
        for o, column in enumerate(_flatten(part)):
            columns[o][j][leaf].append(np.asarray(column))
    return [[[_block(c, outs[o], leaf, axis=-1) if c else
              np.zeros(np.shape(outs[o]) + np.shape(leaf))
              for c, leaf in zip(row, _flatten(values[n]))]
             for row, n in zip(columns[o], names)] for o in range(len(outs))]


def _shaped(blocks, values, names, single, out, scalar):
    """JAX's structure: the output's around the arguments'; a scalar output's gradient
    has each argument's own structure and shapes."""
    if scalar:
        blocks = [[[np.reshape(b, np.shape(leaf)) if np.ndim(leaf)
                    else float(np.real(np.sum(b)))
                    for b, leaf in zip(row, _flatten(values[n]))]
                   for row, n in zip(blocks[0], names)]]
        out = 0.0
    per_output = []
    for row in blocks:
        per_name = tuple(_unflatten(values[n], iter(row[j])) for j, n in enumerate(names))
        per_output.append(per_name[0] if single else per_name)
    return _unflatten(out, iter(per_output))


def contraction_lowering(f, wrt, seed_of):
    """The lowering of ``pullback(seed_of(y))`` for ``y, pullback = vjp(f, ...)``: the
    forward Jacobian's blocks contracted with the seed (one sweep per input element)."""
    def lower(args, kwargs):
        low = base(f, args, kwargs)
        names, _ = names_of(low, wrt, everything=True)
        values = _target(low).bind(low.args, low.calls[0])
        out = value(low)
        w = seeding.as_cotangent(seed_of(out), out, "the cotangent")
        order = [(j, leaf) for j, leaf, _ in _unit_seeds(values, names)]
        seeds = [s for _, _, s in _unit_seeds(values, names)]
        return forward(low, names, seeds, lambda parts: contracted(
            _blocks(order, values, names, out, parts), values, names, out, w))
    return lower


def contracted(blocks, values, names, out, w):
    """``J^T w`` per ``wrt`` argument, each shaped like it."""
    seeds = [np.asarray(s, dtype=float) for s in _flatten(w)]
    result = []
    for j, name in enumerate(names):
        leaves = []
        for i, leaf in enumerate(_flatten(values[name])):
            total = sum(np.tensordot(s, blocks[o][j][i], axes=np.ndim(s))
                        for o, s in enumerate(seeds))
            leaves.append(seeding.float_like(total, leaf))
        result.append(_unflatten(values[name], iter(leaves)))
    return tuple(result)


def made(lower, label, like, wrt=None):
    """A derived function: its value is its lowering's; it can be differentiated again."""
    @functools.wraps(like, updated=())
    def run(*args, **kwargs):
        return value(lower(args, kwargs))
    run.__s2sad_lower__ = lower
    run.__s2sad_derivative__ = label
    run.__s2sad_wrt__ = wrt
    return run
