"""``z = p[1]; z *= e`` on an item of a list, tuple or dict argument: NumPy changes the
array in the caller's container; the derivative would not, so it is refused, located,
with a rewrite that differentiates (found by the mutation fuzzer)."""
import inspect

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def list_item_updated(x, p):
    z = p[1]
    z *= 3.0                                # refused
    return np.sum(z * x)


def dict_item_updated(x, p):
    z = p["w"]
    z += x                                  # refused
    return np.sum(z * x)


def rewritten(x, p):
    z = p[1]
    z = z * 3.0
    return np.sum(z * x)


@pytest.mark.parametrize("f, p", [(list_item_updated, [np.ones(3), np.arange(3.0)]),
                                  (dict_item_updated, {"w": np.arange(3.0)})])
def test_an_updated_item_of_an_argument_is_refused_where_it_is(f, p):
    lines, first = inspect.getsourcelines(f)
    line = first + next(i for i, t in enumerate(lines) if "# refused" in t)
    before = {k: np.copy(v) for k, v in (p.items() if isinstance(p, dict) else enumerate(p))}
    for route in (lambda: s2sad.grad(f)(np.ones(3), p),
                  lambda: s2sad.vjp(f, np.ones(3), p, wrt=(0,)),
                  lambda: s2sad.jvp(f, (np.ones(3), p), (np.ones(3),), wrt=(0,))):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        found = [v for v in info.value.violations if v.code == "in-place-input"]
        assert found and found[0].lineno == line, str(info.value)
    for k, v in before.items():
        np.testing.assert_array_equal(p[k], v)


def test_the_rewrite_differentiates():
    x, p = np.array([0.5, -1.0, 2.0]), [np.ones(3), np.array([1.0, 2.0, 3.0])]
    expected = fd_grad(lambda x: rewritten(x, p), (x,), 0)
    np.testing.assert_allclose(s2sad.grad(rewritten)(x, p), expected, rtol=1e-6)
    np.testing.assert_allclose(expected, 3.0 * p[1], rtol=1e-6)
