"""issue 18: the same derivative code on CuPy arrays (a GPU); skipped without CuPy or a
device. The gradients stay CuPy arrays and equal the NumPy gradient and a closed form."""
import numpy as np
import pytest

cp = pytest.importorskip("cupy")
try:
    if cp.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("no device")
except Exception as exc:                  # no driver, no device
    pytest.skip(f"CuPy without a GPU ({exc})", allow_module_level=True)

import s2sad                                        # noqa: E402
from tests.fd import fd_grad                        # noqa: E402
from tests.i18_programs import lstsq, residuals  # noqa: E402

RNG = np.random.default_rng(18)
X_NP, Y_NP, W_NP = RNG.normal(size=(64, 4)), RNG.normal(size=64), RNG.normal(size=4)


def on_gpu(value):
    assert isinstance(value, cp.ndarray), type(value)
    return cp.asnumpy(value)


def test_grad_value_and_grad_hvp_on_cupy():
    X, y, w = cp.asarray(X_NP), cp.asarray(Y_NP), cp.asarray(W_NP)
    g = on_gpu(s2sad.grad(lstsq)(w, X, y))
    np.testing.assert_allclose(g, fd_grad(lstsq, (W_NP, X_NP, Y_NP), 0), rtol=1e-6)
    value, gX = s2sad.value_and_grad(lstsq, wrt=1)(w, X, y)
    assert float(value) == pytest.approx(lstsq(W_NP, X_NP, Y_NP), rel=1e-12)
    np.testing.assert_allclose(on_gpu(gX), np.outer(2 * (X_NP @ W_NP - Y_NP) / 64, W_NP),
                               rtol=1e-10)
    v = RNG.normal(size=4)
    hv = on_gpu(s2sad.hvp(lstsq, wrt=0)(w, X, y, cp.asarray(v)))
    np.testing.assert_allclose(hv, 2 * X_NP.T @ (X_NP @ v) / 64, rtol=1e-10)


def test_vjp_and_jvp_agree_on_cupy():
    X, y, w = cp.asarray(X_NP), cp.asarray(Y_NP), cp.asarray(W_NP)
    v, u = RNG.normal(size=4), RNG.normal(size=64)
    _, pullback = s2sad.vjp(residuals, w, X, y, wrt=0)
    (gw,) = pullback(cp.asarray(u))
    _, jv = s2sad.jvp(residuals, (w, X, y), (cp.asarray(v),), wrt=0)
    gw, jv = on_gpu(gw), on_gpu(jv)
    assert float(jv @ u) == pytest.approx(float(v @ gw), rel=1e-10)
    J = (1 - np.tanh(X_NP @ W_NP) ** 2)[:, None] * X_NP
    np.testing.assert_allclose(gw, J.T @ u, rtol=1e-10)


def test_indexing_on_cupy_accumulates_repeats():
    def repeated(x):
        return np.sum(x[np.array([0, 0, 3])] ** 2)

    g = on_gpu(s2sad.grad(repeated)(cp.asarray(X_NP)))
    np.testing.assert_allclose(g, fd_grad(repeated, (X_NP,), 0), rtol=1e-6, atol=1e-9)
