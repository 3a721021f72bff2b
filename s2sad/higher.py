"""Operators built on the two modes: jacobian, hessian, hvp, and grad of a gradient.

Second derivatives are forward over reverse: the tangent transformation is
applied to the generated adjoint function itself (its tape included), so a
Hessian-vector product costs one forward sweep through one gradient.
"""
from __future__ import annotations

import copy
import functools

import numpy as np

from .api import VERSION, _Target, _as_tangent, jvp, kind_of, vjp
from .compile import CACHE
from .inline import inline_calls
from .calls import CallVJP, GradientVJP, NestedVJP
from .errors import UsageError


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


def _gradient_function(target: _Target, names, args):
    """The generated joint adjoint for these arguments: the thing differentiated again.
    Where it calls its callees' derivatives, whose pullbacks have no tangent, it is
    built again from the function with those calls inlined."""
    values = target.bind(target.prefix + tuple(args), {})
    grad_fn = target.generated(names, values, "grad").functions[0]
    calls = _calls_in(grad_fn)
    if calls:
        inlined = CACHE.get(("inlined", target.identity, VERSION),
                            lambda: inline_calls(target.front))
        if inlined is not None:
            twin = copy.copy(target)
            twin.front, twin.identity = inlined, ("inlined", target.identity)
            grad_fn = twin.generated(names, values, "grad").functions[0]
            calls = _calls_in(grad_fn)
    if calls:
        raise UsageError(
            f"second derivatives of {target.front.parsed.name!r} need the tangent of the "
            f"derivatives of the functions it calls ({', '.join(repr(c) for c in calls)}); "
            "s2sad builds them by inlining the callees, and these cannot be inlined "
            "(recursion, a closure, a method, a nested def, a default that is not a "
            "constant, a name that means something else in the callee's module)", "unsupported-second-order")
    return grad_fn


def _calls_in(grad_fn) -> list:
    return [c.cell_contents for c in grad_fn.__closure__ or ()
            if isinstance(c.cell_contents, (CallVJP, GradientVJP))
            or c.cell_contents is NestedVJP]


def hvp(f, wrt=None):
    """A function ``(*args, v) -> H v``: one forward sweep through the gradient code."""
    target = _Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names)

    @functools.wraps(target.primal)
    def hessian_vector_product(*args):
        *args, v = args
        grad_fn = _gradient_function(target, names, args)
        tangents = (v,) if single else tuple(v)
        hv = jvp(grad_fn, target.prefix + tuple(args), tangents, wrt=names)[1]
        return (hv,) if not single and len(names) == 1 else hv     # as grad does
    hessian_vector_product.__s2sad_derivative__ = 'hvp'
    return hessian_vector_product


def hessian(f, wrt=None):
    """A function returning the Hessian, shaped ``x.shape + x.shape`` for one argument,
    a tuple of tuples of blocks for a tuple ``wrt``."""
    target = _Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names)

    @functools.wraps(target.primal)
    def hess(*args):
        values = target.bind(target.prefix + args, {})
        grad_fn = _gradient_function(target, names, args)
        columns = {}
        for j, name in enumerate(names):
            rows = []
            for unit in _units(values[name]):
                tangents = tuple(unit if k == j else _zero_like(values[n])
                                 for k, n in enumerate(names))
                out = jvp(grad_fn, target.prefix + args, tangents, wrt=names)[1]
                rows.append((out,) if single else out)
            columns[j] = rows
        blocks = tuple(tuple(_assemble([r[i] for r in columns[j]], values[names[i]],
                                       values[names[j]]) for j in range(len(names)))
                       for i in range(len(names)))
        return blocks[0][0] if single else blocks
    hess.__s2sad_derivative__ = 'hessian'
    return hess


def jacobian(f, wrt=None, mode="auto"):
    """A function returning J, shaped ``out.shape + in.shape`` (JAX's convention); a
    tuple of them for a tuple ``wrt``. ``auto`` sweeps forward when the inputs are
    fewer than the outputs, backward otherwise."""
    if mode not in ("auto", "forward", "reverse"):
        raise UsageError(f"jacobian mode={mode!r}: use auto, forward or reverse", "bad-mode")
    target = _Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names, "reverse" if mode == "reverse" else "forward")

    @functools.wraps(target.primal)
    def jac(*args):
        values = target.bind(target.prefix + args, {})
        inputs = sum(int(np.size(values[n])) for n in names)
        out = target.primal(*(target.prefix + args))
        how = mode if mode != "auto" else "forward" if inputs < np.size(out) else "reverse"
        blocks = (_forward_jacobian if how == "forward" else _reverse_jacobian)(
            f, args, names, values, out)
        return blocks[0] if single else blocks
    jac.__s2sad_derivative__ = 'jacobian'
    return jac


def _forward_jacobian(f, args, names, values, out):
    blocks = []
    for j, name in enumerate(names):
        columns = []
        for unit in _units(values[name]):
            tangents = tuple(unit if k == j else _zero_like(values[n])
                             for k, n in enumerate(names))
            columns.append(np.asarray(jvp(f, args, tangents, wrt=names)[1]))
        # columns[i] is dy/dx_i: move the input axis last
        stacked = np.stack(columns, axis=-1)
        blocks.append(stacked.reshape(np.shape(out) + np.shape(values[name])))
    return tuple(blocks)


def _reverse_jacobian(f, args, names, values, out):
    _, pullback = vjp(f, *args, wrt=names)
    rows = [pullback(unit) for unit in _units(out)]
    return tuple(np.stack([np.asarray(r[j]) for r in rows]).reshape(
        np.shape(out) + np.shape(values[name])) for j, name in enumerate(names))


def _assemble(rows, value_i, value_j):
    """Rows of d grad_i / d x_j (one per element of x_j) as a ``x_i.shape + x_j.shape`` block."""
    if not rows:                          # x_j is empty: no element to differentiate by
        return np.zeros(np.shape(value_i) + np.shape(value_j))
    block = np.stack([np.asarray(r) for r in rows], axis=-1)
    return block.reshape(np.shape(value_i) + np.shape(value_j))


def _zero_like(value):
    return _as_tangent(np.zeros_like(value, dtype=float), value) if np.ndim(value) else 0.0


def grad_of_gradient(inner, outer_wrt):
    """``grad(grad(f))``: the tangent of the generated gradient, one sweep per element
    of the outer argument; the inner gradient must be a single scalar."""
    target, names, single = inner.__s2sad_gradient__
    if not single:
        raise UsageError("grad of a gradient needs the inner grad to have one wrt "
                         "argument", "non-scalar-output")
    outer = target.wrt_names(outer_wrt)[0][0] if outer_wrt is not None else names[0]

    @functools.wraps(target.primal)
    def second(*args):
        values = target.bind(target.prefix + args, {})
        if kind_of(values[names[0]]) != "scalar":
            raise UsageError(f"grad of a gradient: the inner gradient w.r.t. {names[0]!r} "
                             "is not a scalar; use s2sad.hessian", "non-scalar-output")
        grad_fn = _gradient_function(target, names, args)
        parts = [jvp(grad_fn, target.prefix + args, (unit,), wrt=(outer,))[1]
                 for unit in _units(values[outer])]
        if np.ndim(values[outer]) == 0:
            return parts[0]
        return np.reshape(np.array(parts), np.shape(values[outer]))
    second.__s2sad_derivative__ = 'grad of a gradient'
    return second
