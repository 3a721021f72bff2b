"""An array the primal hands to a container it does not own (``GL.append(y2)``, a
list it extends or inserts into) after updating it in place:
joint motion's adjoint sweep restores the array's slots, and used to do it in the very
object the container holds, so the container ended holding the restored values. The
adjoint now restores a copy's slots (split motion already worked on a copy). Storing
into a global dict or a module-level object's attribute is refused, located."""
import types

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

GL = []
GD = {}
STATE = types.SimpleNamespace(last=None)


def appends_updated_array(x):
    y2 = np.zeros(3)
    for i in range(3):
        y2[i] = np.sin(np.sum(x)) * i
    y2[:2] = y2[1:]
    GL.append(y2)
    return np.sum(np.tanh(x) * y2)


def extends_with_updated_array(x):
    y = np.cos(x)
    y[1] = x[0] * x[2]
    GL.extend([y])
    return np.sum(y * x)


def inserts_updated_array(x):
    y = x * 3.0
    for i in range(2):
        y[i + 1] = y[i] * x[i]
    GL.insert(0, y)
    return np.sum(np.sin(y))


def stores_in_a_global_dict(x):
    y = np.exp(x)
    y[0] = y[2] * x[1]
    GD["last"] = y
    return np.sum(y * y)


def stores_on_a_global_object(x):
    y = np.tanh(x)
    y[2] = x[0] ** 2
    STATE.last = y
    return np.sum(y * x)


def _state():
    return [a.copy() for a in GL] + [v.copy() for v in GD.values()] + (
        [STATE.last.copy()] if STATE.last is not None else [])


def _clear():
    GL.clear()
    GD.clear()
    STATE.last = None


@pytest.mark.parametrize("f", [appends_updated_array, extends_with_updated_array,
                               inserts_updated_array])
def test_the_container_ends_as_the_primal_leaves_it(f):
    x = np.array([0.3, -0.2, 0.5])
    _clear()
    f(x.copy())
    expected_state = _state()
    expected = fd_grad(f, (x.copy(),), 0)
    for route in (lambda: s2sad.grad(f)(x.copy()),
                  lambda: s2sad.value_and_grad(f)(x.copy())[1],
                  lambda: s2sad.vjp(f, x.copy())[1](1.0)[0]):
        _clear()
        np.testing.assert_allclose(route(), expected, rtol=1e-6)
        got = _state()
        assert len(got) == len(expected_state)
        for a, b in zip(got, expected_state):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("f", [stores_in_a_global_dict, stores_on_a_global_object])
def test_a_store_into_a_global_container_is_a_located_refusal(f):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f)(np.array([0.3, -0.2, 0.5]))
    first = info.value.violations[0]
    assert first.code in ("in-place-global", "unsupported-syntax") and first.filename == __file__
