"""Helpers for products: dot, matmul, outer, kron, inner, tensordot, einsum. Each adjoint is linear
in ``g`` and in the other operands (the products are multilinear)."""
import string

import numpy as np

from .checks import Unsupported
from .core import as_float, native, unbroadcast

__all__ = ["dot_vjp_x", "dot_vjp_y", "matmul_vjp_x", "matmul_vjp_y", "outer_vjp_x", "outer_vjp_y",
           "kron_vjp_a", "kron_vjp_b", "inner_vjp_a", "inner_vjp_b", "tensordot_vjp_a",
           "tensordot_vjp_b", "einsum", "einsum_vjp", "einsum_vjp_swap"]


def dot_vjp_x(g, x, y):
    """Adjoint of ``np.dot(x, y)`` for x (scalars, vectors, matrices)."""
    return _cast(_dot_vjp_x(g, x, y), x)


def _cast(adjoint, x):
    """An adjoint in x's float type (np.dot and np.inner make Python floats float64)."""
    if isinstance(x, (float, int)):
        return adjoint
    return native(adjoint).astype(np.result_type(x, np.float32), copy=False)


def _dot_axis(y):
    """The axis of y that ``np.dot(x, y)`` sums over: the second-to-last (the only one
    of a vector)."""
    return max(np.ndim(y) - 2, 0)


def _dot_vjp_x(g, x, y):
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    free = [i for i in range(np.ndim(y)) if i != _dot_axis(y)]    # y's axes in g, last
    g = as_float(g, x, y)
    return np.tensordot(g, y, axes=(list(range(np.ndim(g) - len(free), np.ndim(g))), free))


def dot_vjp_y(g, x, y):
    """Adjoint of ``np.dot(x, y)`` for y."""
    return _cast(_dot_vjp_y(g, x, y), y)


def _dot_vjp_y(g, x, y):
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    lead = list(range(np.ndim(x) - 1))                           # x's free axes, first in g
    g = as_float(g, x, y)
    return np.moveaxis(np.tensordot(x, g, axes=(lead, lead)), 0, _dot_axis(y))


def matmul_vjp_x(g, x, y):
    """Adjoint of ``x @ y`` for x, batch dimensions broadcast back."""
    if np.ndim(y) == 1:
        out = np.expand_dims(g, -1) * y
    elif np.ndim(x) == 1:
        out = np.matmul(y, np.expand_dims(g, -1))[..., 0] if np.ndim(y) > 2 else np.dot(y, g)
    else:
        out = np.matmul(g, np.swapaxes(y, -1, -2))
    return unbroadcast(out, x)


def matmul_vjp_y(g, x, y):
    """Adjoint of ``x @ y`` for y."""
    if np.ndim(x) == 1:
        out = np.multiply.outer(x, g) if np.ndim(y) > 1 else g * x
        if np.ndim(y) > 2:
            out = np.expand_dims(x, -1) * np.expand_dims(g, -2)
    elif np.ndim(y) == 1:
        out = np.matmul(np.swapaxes(x, -1, -2), np.expand_dims(g, -1))[..., 0]
    else:
        out = np.matmul(np.swapaxes(x, -1, -2), g)
    return unbroadcast(out, y)


def outer_vjp_x(g, x, y):
    return np.reshape(np.dot(g, np.ravel(y)), np.shape(x))


def outer_vjp_y(g, x, y):
    return np.reshape(np.dot(np.ravel(x), g), np.shape(y))



def _kron_shapes(a, b):
    sa, sb = np.shape(a), np.shape(b)
    ndim = max(len(sa), len(sb))
    return (1,) * (ndim - len(sa)) + sa, (1,) * (ndim - len(sb)) + sb


def _kron_blocks(g, sa, sb):
    """``g`` as ``(a0, b0, a1, b1, ...)``: element ``a[i] * b[j]`` at ``[i0, j0, i1, j1, ...]``."""
    return np.reshape(g, [n for pair in zip(sa, sb) for n in pair])


def kron_vjp_a(g, a, b):
    """The adjoint of ``np.kron(a, b)`` for ``a``."""
    sa, sb = _kron_shapes(a, b)
    g = as_float(g, a, b)
    spread = np.reshape(b, [n for s in sb for n in (1, s)])
    out = np.sum(_kron_blocks(g, sa, sb) * spread, axis=tuple(range(1, 2 * len(sa), 2)))
    return np.reshape(out, np.shape(a))


def kron_vjp_b(g, a, b):
    """The adjoint of ``np.kron(a, b)`` for ``b``."""
    sa, sb = _kron_shapes(a, b)
    g = as_float(g, a, b)
    spread = np.reshape(a, [n for s in sa for n in (s, 1)])
    out = np.sum(_kron_blocks(g, sa, sb) * spread, axis=tuple(range(0, 2 * len(sa), 2)))
    return np.reshape(out, np.shape(b))


def inner_vjp_a(g, a, b):
    """The adjoint of ``np.inner(a, b)`` (a sum over the last axes) for ``a``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return _cast(unbroadcast(g * b, a), a)
    lead, g = np.ndim(a) - 1, as_float(g, a, b)
    axes = (list(range(lead, np.ndim(g))), list(range(np.ndim(b) - 1)))
    return _cast(np.tensordot(g, b, axes=axes), a)


def inner_vjp_b(g, a, b):
    """The adjoint of ``np.inner(a, b)`` for ``b``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return _cast(unbroadcast(g * a, b), b)
    lead, g = np.ndim(a) - 1, as_float(g, a, b)
    return _cast(np.tensordot(g, a, axes=(list(range(lead)), list(range(lead)))), b)


def _tensordot_axes(a, b, axes):
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        return list(range(na - axes, na)), list(range(axes))
    left, right = axes
    left = [left] if isinstance(left, (int, np.integer)) else list(left)
    right = [right] if isinstance(right, (int, np.integer)) else list(right)
    return [i % na for i in left], [j % nb for j in right]


def tensordot_vjp_a(g, a, b, axes=2):
    """The adjoint of ``np.tensordot(a, b, axes)`` for ``a``."""
    left, right = _tensordot_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in left]
    b_free = [j for j in range(np.ndim(b)) if j not in right]
    g = as_float(g, a, b)
    t = np.tensordot(g, b, axes=(list(range(len(a_free), np.ndim(g))), b_free))
    source = a_free + [left[right.index(j)] for j in sorted(right)]
    return np.transpose(t, np.argsort(source))


def tensordot_vjp_b(g, a, b, axes=2):
    """The adjoint of ``np.tensordot(a, b, axes)`` for ``b``."""
    left, right = _tensordot_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in left]
    b_free = [j for j in range(np.ndim(b)) if j not in right]
    g = as_float(g, a, b)
    t = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    source = [right[left.index(i)] for i in sorted(left)] + b_free
    return np.transpose(t, np.argsort(source))


# einsum -----------------------------------------------------------------------------

def _spelt_out(subscripts, shapes):
    """Input and output subscripts of ``np.einsum`` with ``...`` spelt out as letters
    and an implicit output made explicit; also the letters still unused."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    unused = [c for c in string.ascii_letters if c not in subscripts]
    dims = [len(shape) - len(s.replace("...", "")) if "..." in s else 0
            for s, shape in zip(inputs, shapes)]
    batch = "".join(unused[:max(dims, default=0)])
    unused = unused[len(batch):]
    if not arrow:
        letters = "".join(inputs).replace("...", "")
        output = "..." * any("..." in s for s in inputs) + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    spelt = [s.replace("...", batch[len(batch) - k:] if k else "") for s, k in zip(inputs, dims)]
    return spelt, output.replace("...", batch), unused


def einsum(subscripts, *operands):
    """``np.einsum`` of the operands that are not None."""
    return np.einsum(subscripts, *[x for x in operands if x is not None])


def _as_subscripts(subscripts, k, operands):
    """The string form of an einsum call and the index of its operand ``k``: in the
    interleaved form ``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` the rule's
    ``subscripts`` is the first operand (k == -1) and ``k`` counts the arguments after it."""
    operands = [x for x in operands if x is not None]
    if isinstance(subscripts, str):
        return subscripts, k, operands
    args = [subscripts] + operands
    output = args.pop() if len(args) % 2 else None
    if (k + 1) % 2:
        raise Unsupported("einsum: a sublist of the interleaved form has no derivative")

    def letters(sublist):
        return "".join("..." if i is Ellipsis else string.ascii_letters[i] for i in sublist)

    text = ",".join(letters(s) for s in args[1::2])
    if output is not None:
        text += "->" + letters(output)
    return text, (k + 1) // 2, args[0::2]


def einsum_vjp(g, subscripts, k, *operands):
    """The adjoint of ``np.einsum(subscripts, *operands)`` for operand ``k``: an einsum
    of ``g`` with the other operands, identity matrices tying k's repeated indices
    (``ii``), ones for indices only k has, broadcast axes summed back."""
    subscripts, k, operands = _as_subscripts(subscripts, k, operands)
    shapes = [np.shape(x) for x in operands]
    inputs, output, unused = _spelt_out(subscripts, shapes)
    g = as_float(g, *operands)
    dtype = np.result_type(g, *operands)
    sizes = {}
    for s, shape in zip(inputs, shapes):
        for c, n in zip(s, shape):
            sizes[c] = max(sizes.get(c, 1), n)
    terms = [output] + [s for i, s in enumerate(inputs) if i != k]
    arrays = [g] + [x for i, x in enumerate(operands) if i != k]
    present, result = set("".join(terms)), ""
    for c in inputs[k]:
        if c in result:
            fresh = unused.pop(0)
            terms.append(c + fresh)
            arrays.append(np.eye(sizes[c], dtype=dtype))
            result += fresh
            continue
        if c not in present:
            terms.append(c)
            arrays.append(np.ones(sizes[c], dtype=dtype))
            present.add(c)
        result += c
    grad = np.einsum(",".join(terms) + "->" + result, *arrays)
    stretched = tuple(i for i, n in enumerate(shapes[k]) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = np.sum(grad, axis=stretched, keepdims=True)
    return grad.astype(dtype, copy=False)


def einsum_vjp_swap(g, subscripts, k, j, d, *operands):
    """The tangent of ``einsum_vjp(g, subscripts, k, *operands)`` along ``d`` in operand
    ``j``: zero for ``j == k`` (only its shape is read), else ``d`` in its place."""
    if j == k:
        own = subscripts if k == -1 else operands[k]
        return np.zeros(np.shape(own), dtype=np.result_type(g, own))
    if j == -1:
        return einsum_vjp(g, d, k, *operands)
    swapped = list(operands)
    swapped[j] = d
    return einsum_vjp(g, subscripts, k, *swapped)
