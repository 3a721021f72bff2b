"""Operators built on the two modes: jacobian, hessian, hvp (of user functions; of
derivatives s2sad made, ``compose``).

Second derivatives are forward over reverse: the tangent transformation is
applied to the generated adjoint function itself (its tape included), so a
Hessian-vector product costs one forward sweep through one gradient.
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import UsageError
from . import batching, reverse_batching, seeds
from .calls import Rebound
from .seeds import _is_float
from .target import Target, gradient_function, jvp


def _units(x):
    """Unit tangents shaped like ``x``, one per element, in C order."""
    if np.ndim(x) == 0:
        yield 1.0
        return
    base = np.zeros(np.shape(x), dtype=np.result_type(x, np.float32))
    for index in np.ndindex(base.shape):
        unit = base.copy()
        unit[index] = 1.0
        yield unit


def _built_again_once(run):
    """``run`` again once where a callee was rebound to another signature after the
    gradient differentiated again was built (the cache is cleared: it is built anew)."""
    @functools.wraps(run)
    def again(*args):
        try:
            return run(*args)
        except Rebound:
            return run(*args)
    return again


def hvp(f, wrt=None):
    """A function ``(*args, v) -> H v``: one forward sweep through the gradient code."""
    target = Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names)

    @functools.wraps(target.primal)
    @_built_again_once
    def hessian_vector_product(*args):
        *args, v = args
        grad_fn = gradient_function(target, names, args)
        if not single and not (isinstance(v, (tuple, list)) and len(v) == len(names)):
            raise UsageError(f"hvp: v must be a tuple of {len(names)} vectors, one per wrt "
                             f"argument ({', '.join(names)})", "bad-tangents")
        tangents = (v,) if single else tuple(v)
        values = target.bind(target.prefix + tuple(args), {})
        tangents = tuple(seeds.as_tangent(t, values[n], f"hvp: v for {n!r}")
                         for t, n in zip(tangents, names))
        hv = jvp(grad_fn, target.prefix + tuple(args), tangents, wrt=names)[1]
        hv = seeds.typed_like(hv, values[names[0]] if single else tuple(values[n] for n in names))
        return (hv,) if not single and len(names) == 1 else hv     # as grad does
    hessian_vector_product.__s2sad_derivative__ = 'hvp'
    return hessian_vector_product


def hessian(f, wrt=None):
    """A function returning the Hessian, shaped ``x.shape + x.shape`` for one argument,
    a tuple of tuples of blocks for a tuple ``wrt``."""
    target = Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names)

    @functools.wraps(target.primal)
    @_built_again_once
    def hess(*args):
        values = target.bind(target.prefix + args, {})
        grad_fn = gradient_function(target, names, args)
        columns, report = {}, {}
        zeros = tuple(_zero_like(values[n]) for n in names)
        for j, name in enumerate(names):
            rows = batching.columns(grad_fn, target.prefix + args, names, j, zeros, report)
            if rows is None:
                rows = [jvp(grad_fn, target.prefix + args, tangents, wrt=names)[1]
                        for tangents in _unit_tangents(values, names, j)]
            columns[j] = [(out,) if single else out for out in rows]
        hess.__s2sad_batching__ = report
        blocks = tuple(tuple(seeds.typed_like(_assemble(
            [r[i] for r in columns[j]], values[names[i]], values[names[j]]), values[names[i]])
            for j in range(len(names))) for i in range(len(names)))
        return blocks[0][0] if single else blocks
    hess.__s2sad_derivative__ = 'hessian'
    return hess


def jacobian(f, wrt=None, mode="auto"):
    """A function returning J, shaped ``out.shape + in.shape`` (JAX's convention); a
    tuple of them for a tuple ``wrt``. As JAX's, a dict (list, tuple) argument gives a
    dict of Jacobians, one per item, and a tuple (list, dict) output a tuple of them,
    the output's structure outside the arguments'. ``auto`` sweeps forward when the
    inputs are fewer than the outputs, backward otherwise."""
    if mode not in ("auto", "forward", "reverse"):
        raise UsageError(f"jacobian mode={mode!r}: use auto, forward or reverse", "bad-mode")
    target = Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names, "reverse" if mode == "reverse" else "forward")

    @functools.wraps(target.primal)
    def jac(*args):
        values = target.bind(target.prefix + args, {})
        ins = [_flatten(values[n]) for n in names]
        out = target.primal(*(target.prefix + args))
        outs = _flatten(out)
        inputs = sum(int(np.size(leaf)) for leaves in ins for leaf in leaves)
        outputs = sum(int(np.size(leaf)) for leaf in outs)
        how = mode if mode != "auto" else "forward" if inputs < outputs else "reverse"
        report = jac.__s2sad_batching__ = {} if how == "forward" else {"direction": how}
        if how == "forward":
            blocks = _forward_jacobian(f, args, names, values, out, report)
        else:                                   # [output leaf][name][input leaf]
            blocks = _reverse_jacobian(f, args, names, values, out, report)
        per_output = []
        for row in blocks:
            per_name = tuple(_unflatten(values[n], iter(row[j])) for j, n in enumerate(names))
            per_output.append(per_name[0] if single else per_name)
        return _unflatten(out, iter(per_output))
    jac.__s2sad_derivative__ = 'jacobian'
    return jac


def _flatten(tree) -> list:
    """The leaves of a dict, list or tuple (nested), in order; a leaf is itself."""
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _flatten(v)]
    if isinstance(tree, (tuple, list)):
        return [leaf for v in tree for leaf in _flatten(v)]
    return [tree]


def _unflatten(like, leaves):
    """``like``'s structure with its leaves taken in order from the iterator ``leaves``."""
    if isinstance(like, dict):
        return {k: _unflatten(v, leaves) for k, v in like.items()}
    if isinstance(like, (tuple, list)):
        return seeds.rebuilt(like, [_unflatten(v, leaves) for v in like])
    return next(leaves)


def _zero_tree(value):
    return _unflatten(value, iter([_zero_like(leaf) for leaf in _flatten(value)]))


def _unit_trees(value):
    """Trees shaped like ``value``, zero but for one element of one leaf, in order:
    ``(leaf index, tree)``."""
    leaves = _flatten(value)
    zeros = [_zero_like(leaf) for leaf in leaves]
    for i, leaf in enumerate(leaves):
        for unit in _units(leaf):
            yield i, _unflatten(value, iter(zeros[:i] + [unit] + zeros[i + 1:]))


def _unit_tangents(values, names, j):
    """The tangent tuples, one per element of argument ``names[j]``: a unit there,
    zeros elsewhere."""
    for unit in _units(values[names[j]]):
        yield tuple(unit if k == j else _zero_like(values[n]) for k, n in enumerate(names))


def _forward_jacobian(f, args, names, values, out, report):
    outs = _flatten(out)
    blocks = [[[[] for _ in _flatten(values[n])] for n in names] for _ in outs]
    zeros = tuple(_zero_tree(values[n]) for n in names)
    for j, name in enumerate(names):
        found = batching.tree_columns(f, args, names, j, zeros, report)
        if found is not None:
            for leaf, part in enumerate(found):
                for ydot in part:
                    for o, column in enumerate(_flatten(ydot)):
                        blocks[o][j][leaf].append(np.asarray(column))
            continue
        for leaf, unit in _unit_trees(values[name]):
            tangents = tuple(unit if k == j else zeros[k] for k in range(len(names)))
            ydot = _flatten(jvp(f, args, tangents, wrt=names)[1])
            for o, column in enumerate(ydot):
                blocks[o][j][leaf].append(np.asarray(column))
    return [[[_block(columns, outs[o], leaf, axis=-1)
              for columns, leaf in zip(row, _flatten(values[n]))]
             for row, n in zip(blocks[o], names)] for o in range(len(outs))]


def _reverse_jacobian(f, args, names, values, out, report):
    """The rows of J, one per output element: one primal sweep, and the unit cotangents
    of each output leaf pulled back in blocks (:class:`.reverse_batching.Sweep`)."""
    sweep = reverse_batching.Sweep(f, args, names, everything=False)
    outs = _flatten(out)
    rows = [[[] for _ in names] for _ in outs]      # [output leaf][name]: row blocks
    for o, leaf in enumerate(outs):
        n = int(np.size(leaf))
        if not _is_float(leaf):                     # an int output: no derivative
            rows[o] = [[np.zeros((n,) + np.shape(v), dtype=np.result_type(v, np.float32))
                        for v in _flatten(values[name])] for name in names]
            continue

        def unit_rows(start, stop, o=o, leaf=leaf):
            return _unflatten(out, iter([
                batching.units(leaf, start, stop).a if i == o else
                np.zeros((stop - start,) + np.shape(other)) for i, other in enumerate(outs)]))
        found = sweep.pull_rows(unit_rows, n, report)
        rows[o] = [_flatten(cotangent) for cotangent in found]
    return [[[np.asarray(block).reshape(np.shape(outs[o]) + np.shape(leaf))
              for block, leaf in zip(rows[o][j], _flatten(values[n]))]
             for j, n in enumerate(names)] for o in range(len(outs))]


def _block(parts, out_leaf, in_leaf, axis):
    """One Jacobian block, ``out_leaf.shape + in_leaf.shape``, from its columns (one per
    input element, ``axis=-1``) or its rows (one per output element, ``axis=0``)."""
    shape = np.shape(out_leaf) + np.shape(in_leaf)
    part_shape = np.shape(in_leaf) if axis == 0 else np.shape(out_leaf)
    # a derivative known to be zero may come back as a bare 0.0; any other shape is kept,
    # so that a wrong one fails here rather than being broadcast
    parts = [np.broadcast_to(p, part_shape) if np.ndim(p) == 0 else p for p in parts]
    return np.stack(parts, axis=axis).reshape(shape)


def _assemble(rows, value_i, value_j):
    """Rows of d grad_i / d x_j (one per element of x_j) as a ``x_i.shape + x_j.shape`` block."""
    if not rows:                          # x_j is empty: no element to differentiate by
        return np.zeros(np.shape(value_i) + np.shape(value_j))
    block = np.stack([np.asarray(r) for r in rows], axis=-1)
    return block.reshape(np.shape(value_i) + np.shape(value_j))


def _zero_like(value):
    return seeds.float_like(np.zeros_like(value, dtype=float), value) if np.ndim(value) else 0.0
