"""Issue 13 item 3: kinds are values; a keepdims reduction keeps its operand's shape class.

Each program broadcasts a keepdims reduction back against its operand (or mixes
reductions over different axes, whose shapes differ): checked against central
finite differences, forward against reverse (<J v, w> == <v, J^T w>), with the
caller's arrays left as the primal leaves them.
"""
import numpy as np
import pytest

import s2sad
from s2sad.analysis import kinds
from tests.fd import assert_close_to_fd, fd_grad


def centered_rows(x, w):
    h = x @ w
    return np.sum(np.tanh(h - np.max(h, axis=1, keepdims=True)) ** 2)


def centered_args(x):
    return np.sum((x - np.mean(x, axis=0, keepdims=True)) ** 2 * x)


def log_softmax(x, w):
    s = x @ w
    shifted = s - np.max(s, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return np.sum(logp * logp)


def crossed_reductions(x):
    # (1, m) + (n, 1): the result has x's shape, neither operand's: both adjoints reduce
    r = np.sum(x, axis=0, keepdims=True) + np.max(x, axis=1, keepdims=True)
    return np.sum(r * r)


def reduced_then_flat(x):
    m = np.sum(x * x, axis=1, keepdims=True)
    return np.sum(m * np.sin(m))


CASES = [(centered_rows, 2), (centered_args, 1), (log_softmax, 2), (crossed_reductions, 1),
         (reduced_then_flat, 1)]


def _args(count, rng):
    x = rng.standard_normal((4, 3))
    return (x, rng.standard_normal((3, 5)))[:count]


@pytest.mark.parametrize("func,count", CASES, ids=[f.__name__ for f, _ in CASES])
def test_grad_jvp_vjp_against_finite_differences(func, count):
    rng = np.random.default_rng(0)
    args = _args(count, rng)
    originals = [a.copy() for a in args]
    grads = s2sad.grad(func, wrt=tuple(range(count)))(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, g in enumerate(grads):
        assert_close_to_fd(g, fd_grad(func, [a.copy() for a in args], i))
    for a, o in zip(args, originals):
        np.testing.assert_array_equal(a, o)
    v = rng.standard_normal(args[0].shape)
    _, tangent = s2sad.jvp(func, args, (v,) + tuple(np.zeros_like(a) for a in args[1:]))
    _, pullback = s2sad.vjp(func, *args)
    cotangent = pullback(1.0)
    cotangent = cotangent if isinstance(cotangent, tuple) else (cotangent,)
    np.testing.assert_allclose(tangent, np.sum(v * cotangent[0]), rtol=1e-9, atol=1e-12)


def test_equal_shapes_need_no_unbroadcast():
    text = s2sad.source(log_softmax, args=_args(2, np.random.default_rng(1)))
    assert "unbroadcast(b_shifted, s)" not in text
    assert "unbroadcast(b_logp, shifted)" not in text


def test_a_kind_is_a_frozen_hashable_value():
    x = kinds.Kind(kinds.Tag.ARRAY, "x", 2)
    assert hash(x) == hash(kinds.Kind(kinds.Tag.ARRAY, "x", 2))
    assert str(x) == "array@x/2" and str(x.reduced_()) == "array~x/2"
    assert kinds.elementwise([x, x.reduced_()]) == x
    assert not kinds.same_shape(x.reduced_(), [x]) and kinds.same_shape(x, [x.reduced_()])
    with pytest.raises(AttributeError):
        x.ndim = 3
