"""Issue 14, item 5: parameter trees the way people already write them. A dict of
parameters built by a dict literal, dict views and ``get``, dicts as outputs (vjp
cotangents and jvp tangents with the dict's keys, as JAX pytrees), a dataclass and a
namedtuple of parameters (``p.w`` read, the gradient returned as the same type),
``tuple``, ``sorted`` and ``zip(*pairs)``. Each is checked against central finite
differences over the tree's leaves and jvp against vjp (<J v, w> == <v, J^T w>), and
the caller's arrays end as they were."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad
from tests.test_i14_pytrees import (_flat, _leaves, assert_tree_close, check_all_modes, fd_tree,
                                    inner, random_like)

RNG = np.random.default_rng(145)


# --- an MLP whose parameters are built by a dict literal -------------------------------


def init_mlp(scale, W1, W2):
    return {"W1": W1 * scale, "b1": np.zeros(W1.shape[1]), "W2": W2 * scale}


def mlp_from_literal(scale, W1, W2, x, y):
    params = init_mlp(scale, W1, W2)
    layer = dict(W=params["W1"], b=params["b1"])
    h = np.tanh(x @ layer["W"] + layer.get("b", 0.0))
    out = h @ params.get("W2")
    return np.mean((out - y) ** 2)


def mlp_dict(params, x, y):
    h = x
    for name in sorted(params):
        if name.startswith("W"):
            h = np.tanh(h @ params[name] + params.get("b" + name[1:], 0.0))
    return np.mean((h - y) ** 2)


def penalty(params):
    total = 0.0
    for key, value in params.items():
        total = total + np.sum(value ** 2)
    for value in params.values():
        total = total + 0.5 * np.sum(np.sin(value))
    for key in params.keys():
        total = total + np.sum(params[key]) * 0.1
    return total


def test_an_mlp_built_from_a_dict_literal():
    W1, W2 = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
    x, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    for i in (0, 1, 2):
        check_all_modes(mlp_from_literal, (0.7, W1, W2, x, y), i)


def test_an_mlp_over_the_sorted_keys_of_its_parameter_dict():
    params = {"W1": RNG.normal(size=(3, 4)), "b1": RNG.normal(size=4),
              "W2": RNG.normal(size=(4, 2))}
    g = check_all_modes(mlp_dict, (params, RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2))))
    assert set(g) == set(params)


def test_dict_views_in_loops():
    params = {"a": RNG.normal(size=3), "b": RNG.normal(size=(2, 2)), "c": 0.3}
    check_all_modes(penalty, (params,))


def test_a_dict_literal_under_second_order():
    def f(w):
        d = {"s": np.sin(w), "c": w * w}
        return d["s"] * d.get("c") + d.get("missing", w)
    expected = -np.sin(0.4) * 0.16 + 4 * np.cos(0.4) * 0.4 + 2 * np.sin(0.4)
    assert s2sad.hessian(f)(0.4) == pytest.approx(expected, rel=1e-10)


# --- dicts as outputs: vjp cotangents and jvp tangents with the dict's keys --------------


def features(w, x):
    return {"linear": x @ w, "energy": np.sum(w ** 2), "both": {"s": np.sin(w)}}


def test_a_dict_output_in_both_modes():
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    before = (w.copy(), x.copy())
    y, pullback = s2sad.vjp(features, w, x, wrt=0)
    assert set(y) == {"linear", "energy", "both"}
    seed = {"linear": RNG.normal(size=4), "energy": 0.7, "both": {"s": RNG.normal(size=3)}}
    (gw,) = pullback(seed)
    expected = fd_tree(lambda w: inner(seed, features(w, x)), (w,), 0)
    np.testing.assert_allclose(gw, expected, rtol=1e-6, atol=1e-8)
    v = RNG.normal(size=3)
    y2, ydot = s2sad.jvp(features, (w, x), (v,), wrt=0)
    assert type(ydot) is dict and set(ydot) == set(y) and type(ydot["both"]) is dict
    assert inner(seed, ydot) == pytest.approx(float(np.dot(v, gw)), rel=1e-10)
    np.testing.assert_allclose(ydot["linear"], x @ v, rtol=1e-12)
    with pytest.raises(s2sad.UsageError):
        pullback({"linear": seed["linear"]})                   # a key left out
    np.testing.assert_array_equal(before[0], w)
    np.testing.assert_array_equal(before[1], x)


# --- a dataclass of parameters trained by gradient descent --------------------------------


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


def regression_loss(p, x, y):
    return np.mean((x @ p.w + p.b - y) ** 2)


def test_a_dataclass_trained_by_a_few_steps_of_gradient_descent():
    x = RNG.normal(size=(20, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    p = Params(np.zeros(3), 0.0)
    g = check_all_modes(regression_loss, (p, x, y))
    assert type(g) is Params and isinstance(g.b, float) and g.w.shape == (3,)
    losses = []
    for _ in range(5):
        loss, g = s2sad.value_and_grad(regression_loss)(p, x, y)
        losses.append(loss)
        p = Params(p.w - 0.1 * g.w, p.b - 0.1 * g.b)
    assert all(b < a for a, b in zip(losses, losses[1:]))


# --- a namedtuple state in a simulation ---------------------------------------------------


State = collections.namedtuple("State", "position velocity")


def simulate(state, k, steps=20, dt=0.05):
    x, v = state.position, state.velocity
    for _ in range(steps):
        force = -k * x
        x, v = x + dt * v, v + dt * force
    return 0.5 * np.sum(v ** 2) + 0.5 * k * np.sum(x ** 2)


def final_state(state, k, steps=10, dt=0.05):
    x, v = state.position, state.velocity
    for _ in range(steps):
        x, v = x + dt * v, v - dt * k * x
    return {"position": x, "velocity": v}


def test_a_namedtuple_state_in_a_simulation():
    state = State(RNG.normal(size=2), RNG.normal(size=2))
    g = check_all_modes(simulate, (state, 1.3))
    assert type(g) is State
    check_all_modes(simulate, (state, 1.3), 1)
    y, pullback = s2sad.vjp(final_state, state, 1.3, wrt=0)
    assert type(y) is dict
    seed = {"position": RNG.normal(size=2), "velocity": RNG.normal(size=2)}
    (gs,) = pullback(seed)
    assert type(gs) is State
    _, ydot = s2sad.jvp(final_state, (state, 1.3), (random_tangent := random_like(state),),
                        wrt=0)
    assert type(ydot) is dict
    assert inner(seed, ydot) == pytest.approx(inner(random_tangent, gs), rel=1e-10)


# --- tuple(...), zip(*pairs) --------------------------------------------------------------


def pairs_loss(pairs):
    xs, ys = zip(*pairs)
    xs = tuple(xs)
    return sum(x * y for x, y in zip(xs, ys)) + np.sin(xs[0])


def test_zip_star_and_tuple_of_pairs():
    pairs = [(0.3, 1.2), (-0.7, 0.4), (1.1, 2.0)]
    g = check_all_modes(pairs_loss, (pairs,))
    assert type(g) is list and type(g[0]) is tuple
    assert _flat(g) == pytest.approx(_flat(fd_tree(pairs_loss, (pairs,), 0)), rel=1e-6)
    assert len(_leaves(g)) == 6


# --- what stays refused ------------------------------------------------------------------


def spread_helper(*xs):
    return xs[0] * xs[1]


def calls_spread(a, b):
    return spread_helper(a, b)


def splats_a_pair(a, b):
    pair = (a, b)
    return spread_helper(*pair)


def scaled(x, scale=1.0, shift=0.0):
    return x * scale + shift


def splats_options(x, s):
    opts = {"scale": s, "shift": 1.0}
    return scaled(x, **opts)


@pytest.mark.parametrize("program", [calls_spread, splats_a_pair, splats_options])
def test_star_calls_are_specialised_and_written_out(program):
    # once located errors; now specialised on the call's shape (test_i14_star_args)
    for i in (0, 1):
        got = s2sad.grad(program, wrt=i)(0.3, 1.2)
        assert got == pytest.approx(fd_grad(program, (0.3, 1.2), i), rel=1e-6, abs=1e-9)


def test_a_dataclass_with_a_field_named_like_an_array_attribute_is_refused():
    @dataclasses.dataclass
    class Shaped:
        size: float

    def f(p):
        return p.size * 2.0
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(f)(Shaped(0.3))
    assert info.value.code == "bad-wrt-type"
