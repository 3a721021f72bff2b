"""A program the mutation fuzzer found: split motion (vjp) disagreed with grad and jvp.
The cause: the pullback of ``pure_mix(x, y1, k=...)`` kept a reference to y1, which a
later loop updated in place (the callee now gets a copy of such an argument; see
tests/test_pullback_arguments.py for the class). The grad check guards against fixes
that move the error into joint motion (one did)."""
import numpy as np
import s2sad
from tests.fd import fd_grad

G = np.array([0.5, -1.0, 1.5])


def pure_mix(v, w, k=1.0):
    return v * k + np.sin(w)


def found(x, s, p):
    y1 = x - 0.0
    k2 = 0
    while k2 < 3 and (np.sum(np.tanh(x) * y1)) ** 2 < 0.0:
        k2 += 1
        y3 = (np.cos(x) * np.sum(np.tanh(x) * y1) + pure_mix(y1, y1))
    for i4, e5 in enumerate(y1):
        y1 = x / (1.0 + y1 ** 2)
        y7 = 1.0 * y1
    if np.mean(np.cos(x) * np.dot(x, x)) >= 2.0:
        y1[1:3] += np.mean(p["w"])
        y1 += (x + G)
    else:
        y1 += (x).sum() * pure_mix(y1, x, k=np.sum(np.tanh(y1) * x))
    t8 = np.sum(np.tanh(pure_mix(x, y1, k=1.0)) * G + np.mean(y1))
    k9 = 0
    while k9 < 4 and s <= 0.0:
        k9 += 1
        y1[:2] = y1[1:]
        if (t8 / (1.0 + ((s - s)) ** 2)) > 0.5:
            continue
    return (np.exp(np.tanh(np.exp(np.tanh(t8)))) + np.sum(np.sin(p["w"]) * p["w"])
            + np.sum(np.sin(G) * G))


X, S, P = np.array([-0.19, -0.23, -1.01]), -0.28, {"b": -1.49, "w": np.array([0.78, 1.17, 1.0])}


def _expected():
    return fd_grad(lambda x: found(x, S, {"b": P["b"], "w": P["w"].copy()}), (X.copy(),), 0)


def test_grad_and_jvp_match_finite_differences():
    expected = _expected()
    np.testing.assert_allclose(s2sad.grad(found)(X.copy(), S, P), expected, rtol=1e-6)
    for i in range(3):
        got = s2sad.jvp(found, (X.copy(), S, P), (np.eye(3)[i],), wrt=(0,))[1]
        np.testing.assert_allclose(got, expected[i], rtol=1e-6)


def test_vjp_matches_finite_differences():
    _, back = s2sad.vjp(found, X.copy(), S, P, wrt=(0,))
    np.testing.assert_allclose(back(1.0)[0], _expected(), rtol=1e-6)


def test_hvp_matches_differences_of_the_gradient():
    v = np.array([0.3, -1.0, 0.5])
    grad = lambda x: s2sad.grad(found)(x, S, P)      # noqa: E731
    expected = (grad(X + 1e-5 * v) - grad(X - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(found)(X.copy(), S, P, v), expected, rtol=1e-5)
