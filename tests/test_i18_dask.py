"""issue 18: derivative code runs on Dask arrays, on a distributed LocalCluster.

The functions are plain NumPy code; given Dask arrays, ``grad``, ``value_and_grad``,
``vjp``, ``jvp`` and ``hvp`` return Dask arrays (lazy), whose values, computed on two
worker processes, equal the NumPy gradient, central finite differences (tests/fd.py) or
a closed form. The derivative cache tells NumPy's arrays from Dask's.
"""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import importlib.util                               # noqa: E402
import pathlib                                      # noqa: E402

import s2sad                                        # noqa: E402
from s2sad.analysis import kinds                    # noqa: E402
from tests.fd import fd_grad                        # noqa: E402
from tests.i18_programs import lstsq, residuals  # noqa: E402

RNG = np.random.default_rng(18)
N, D, H = 120, 4, 6
X_NP, Y_NP = RNG.normal(size=(N, D)), RNG.normal(size=N)
W_NP = RNG.normal(size=D)


@pytest.fixture(scope="module")
def client():
    """Two worker processes on the loopback interface: graphs are pickled and shipped."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def data():
    """The same data as Dask arrays of several chunks (30 rows each)."""
    return da.from_array(X_NP, chunks=(30, D)), da.from_array(Y_NP, chunks=30)


def lazy(value):
    assert isinstance(value, da.Array), type(value)
    return value


def test_grad_is_lazy_and_equals_numpy_and_fd(client):
    X, y = data()
    g = lazy(s2sad.grad(lstsq)(W_NP, X, y))
    expected = s2sad.grad(lstsq)(W_NP, X_NP, Y_NP)
    assert isinstance(expected, np.ndarray)
    computed = client.compute(g).result()
    np.testing.assert_allclose(computed, expected, rtol=1e-12)
    np.testing.assert_allclose(computed, fd_grad(lstsq, (W_NP, X_NP, Y_NP), 0), rtol=1e-6)
    np.testing.assert_allclose(computed, 2 * X_NP.T @ (X_NP @ W_NP - Y_NP) / N, rtol=1e-12)


def test_value_and_grad_wrt_the_dask_data(client):
    X, y = data()
    value, (gX, gy) = s2sad.value_and_grad(lstsq, wrt=(1, 2))(W_NP, X, y)
    lazy(value), lazy(gX), lazy(gy)
    assert gX.chunks == X.chunks and gy.chunks == y.chunks      # the data's chunks kept
    value, gX, gy = client.compute([value, gX, gy], sync=True)
    assert value == pytest.approx(lstsq(W_NP, X_NP, Y_NP), rel=1e-12)
    np.testing.assert_allclose(gy, fd_grad(lstsq, (W_NP, X_NP, Y_NP), 2), rtol=1e-6)
    np.testing.assert_allclose(gX, np.outer(2 * (X_NP @ W_NP - Y_NP) / N, W_NP), rtol=1e-10)


def test_vjp_and_jvp_agree_on_a_vector_function(client):
    """<J v, u> == <v, J^T u>, both sides lazy, with Dask seeds."""
    X, y = data()
    w, v = da.from_array(W_NP), da.from_array(RNG.normal(size=D))
    u = da.from_array(RNG.normal(size=N), chunks=30)
    out, pullback = s2sad.vjp(residuals, w, X, y, wrt=0)
    (gw,) = pullback(u)
    lazy(out), lazy(gw)
    out2, jv = s2sad.jvp(residuals, (w, X, y), (v,), wrt=0)
    lazy(jv)
    left, right, jv, gw = client.compute([(jv * u).sum(), (v * gw).sum(), jv, gw], sync=True)
    assert left == pytest.approx(right, rel=1e-12)
    J = (1 - np.tanh(X_NP @ W_NP) ** 2)[:, None] * X_NP        # the closed form
    np.testing.assert_allclose(jv, J @ v.compute(), rtol=1e-12)
    np.testing.assert_allclose(gw, J.T @ u.compute(), rtol=1e-12)


def test_hvp_of_lstsq_is_the_closed_form(client):
    X, y = data()
    v = RNG.normal(size=D)
    hv = lazy(s2sad.hvp(lstsq, wrt=0)(W_NP, X, y, v))
    np.testing.assert_allclose(client.compute(hv).result(), 2 * X_NP.T @ (X_NP @ v) / N,
                               rtol=1e-12)


def mlp_loss(params, X, y):
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    pred = hidden @ params["W2"] + params["b2"]
    return np.mean((pred - y) ** 2)


def init():
    rng = np.random.default_rng(1)
    return {"W1": rng.normal(size=(D, H)) * 0.5, "b1": np.zeros(H),
            "W2": rng.normal(size=H) * 0.5, "b2": 0.1}


def test_mlp_training_loop_on_dask_data(client):
    """A parameter dict of NumPy arrays, the data on the cluster: each step's gradient
    is a dict of Dask arrays, computed at once and equal to the NumPy step's."""
    X, y = data()
    params, reference = init(), init()
    step = s2sad.value_and_grad(mlp_loss)
    for _ in range(3):
        loss, grads = step(params, X, y)
        assert set(grads) == set(params) and all(isinstance(g, da.Array)
                                                 for g in grads.values())
        loss, grads = client.compute([loss, grads], sync=True)
        ref_loss, ref_grads = step(reference, X_NP, Y_NP)
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        for k in params:
            np.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-10, atol=1e-14)
        at = reference
        params = {k: params[k] - 0.1 * grads[k] for k in params}
        reference = {k: reference[k] - 0.1 * ref_grads[k] for k in reference}
    np.testing.assert_allclose(
        grads["W2"], fd_grad(lambda W2: mlp_loss(dict(at, W2=W2), X_NP, Y_NP),
                             (at["W2"],), 0), rtol=1e-6)


def test_the_callers_arrays_are_left_as_they_were(client):
    X, y = data()
    w = W_NP.copy()
    client.compute(s2sad.grad(lstsq)(w, X, y)).result()
    np.testing.assert_array_equal(w, W_NP)
    np.testing.assert_array_equal(X.compute(), X_NP)


def test_the_cache_key_tells_numpy_from_dask():
    """Each family gets its own compiled derivative, in either order."""
    X, y = data()
    assert kinds.families({"w": W_NP, "X": X, "y": y}) == (("X", "dask"), ("y", "dask"))
    assert kinds.families({"p": {"a": X}, "q": [1.0, W_NP]}) == (("p", "dask"),)
    assert kinds.families({"w": W_NP, "b": 1.0}) == ()

    def fresh(w, X, y):
        return np.sum((X @ w - y) ** 2)

    g = s2sad.grad(fresh)
    assert isinstance(g(W_NP, X_NP, Y_NP), np.ndarray)
    assert isinstance(g(W_NP, X, y), da.Array)
    assert isinstance(g(W_NP, X_NP, Y_NP), np.ndarray)
    assert kinds.of_value(X) == kinds.ARRAY and kinds.of_value(X.astype(int)) == \
        kinds.INTARRAY


def test_a_dask_seed_of_the_wrong_shape_is_a_usage_error():
    X, y = data()
    _, pullback = s2sad.vjp(residuals, W_NP, X, y, wrt=0)
    with pytest.raises(s2sad.UsageError, match=r"shape \(7,\) does not match the output's shape \(120,\)"):
        pullback(da.ones(7))


def pick_rows(x):
    return np.sum(np.concatenate([x[2:5], x[np.array([0, 7])]]) ** 2)


def test_indexing_and_concatenate_stay_lazy(client):
    """Slices, an index array without repeats and np.concatenate scatter by item
    assignment on Dask (which has no np.add.at)."""
    X, _ = data()
    g = lazy(s2sad.grad(pick_rows)(X))
    np.testing.assert_allclose(client.compute(g).result(), fd_grad(pick_rows, (X_NP,), 0),
                               rtol=1e-6, atol=1e-9)


def test_a_repeated_index_on_dask_names_the_rule_and_the_array_type():
    def repeated(x):
        return np.sum(x[np.array([0, 0, 3])] ** 2)

    X, _ = data()
    np.testing.assert_allclose(s2sad.grad(repeated)(X_NP), fd_grad(repeated, (X_NP,), 0),
                               rtol=1e-6, atol=1e-9)
    with pytest.raises(s2sad.UsageError, match=r"rule of x\[index\].*a dask array") as info:
        s2sad.grad(repeated)(X)
    assert info.value.code == "unsupported-argument"


def test_the_example_fits_least_squares_on_the_cluster(client):
    """examples/dask_lstsq.py's gradient descent, on 8 chunks: the least-squares
    solution NumPy finds (a closed form's oracle: np.linalg.lstsq)."""
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "dask_lstsq.py"
    spec = importlib.util.spec_from_file_location("dask_lstsq_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    true_w = np.linspace(-1.0, 1.0, 3)
    X = da.random.default_rng(0).normal(size=(4000, 3), chunks=(500, 3))
    y = X @ true_w + da.random.default_rng(1).normal(scale=0.1, size=4000, chunks=500)
    X, y = client.persist([X, y])
    assert X.npartitions == 8
    w, value = example.fit(client, X, y, steps=12)
    X_np, y_np = client.compute([X, y], sync=True)
    best = np.linalg.lstsq(X_np, y_np, rcond=None)[0]
    np.testing.assert_allclose(w, best, atol=1e-6)
    assert value == pytest.approx(np.mean((X_np @ best - y_np) ** 2), rel=1e-6)
