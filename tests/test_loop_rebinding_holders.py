"""A list that holds a loop's earlier arrays (``L.append(y); y = f(y)`` in the body)
does not hold the array the name has after the loop: an in-place update there is the
function's own (it was a false ``in-place-alias`` refusal, in user code and in the
derivative code a Hessian differentiates). A jump that can skip the rebinding keeps
the refusal. Checked in grad, vjp, jvp and hvp against central differences."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def history_then_update(x):
    y = x * 1.0
    hist = []
    for i in range(3):
        hist.append(y)
        y = x / (1.0 + y ** 2)
    y[1:3] += 1.0
    return np.sum(hist[1] * y)


def while_history_then_item(x):
    y = np.tanh(x)
    seen = []
    k = 0
    while k < 4:
        k += 1
        seen.append(y)
        y = np.sin(y) * x
    y[0] = y[2] * 2.0
    return np.sum(seen[-1] * y) + np.sum(y)


def tuple_history(x):
    y = x + 0.5
    pairs = []
    for i in range(2):
        pairs.append((y, i))
        y = y * x
    y *= 3.0
    return np.sum(pairs[0][0] * y)


@pytest.mark.parametrize("f", [history_then_update, while_history_then_item, tuple_history])
def test_every_route_matches_finite_differences(f):
    x = np.array([0.3, -0.2, 0.5])
    expected = fd_grad(f, (x.copy(),), 0)
    given = x.copy()
    np.testing.assert_allclose(s2sad.grad(f)(given), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(given, x)
    _, back = s2sad.vjp(f, x.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    v = np.array([1.0, -0.5, 0.25])
    np.testing.assert_allclose(s2sad.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-6)
    grad = s2sad.grad(f)
    h = 1e-5
    hv = (grad(x + h * v) - grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(s2sad.hvp(f)(x.copy(), v), hv, rtol=1e-5, atol=1e-7)


def break_can_skip_the_rebinding(x):
    y = x * 1.0
    hist = []
    for i in range(3):
        hist.append(y)
        if np.sum(y) > 100.0:
            break
        y = np.tanh(y)
    y[0] = 5.0
    return np.sum(hist[-1] * y)


def test_a_jump_that_can_skip_the_rebinding_is_still_refused():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(break_can_skip_the_rebinding)(np.array([0.3, -0.2, 0.5]))
    first = info.value.violations[0]
    assert first.code == "in-place-alias" and first.filename == __file__
