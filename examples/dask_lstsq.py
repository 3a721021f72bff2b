"""A least-squares fit by gradient descent on a Dask array spread over a cluster.

The loss is plain NumPy code. Given Dask arrays, the gradient s2sad generates for it
builds a Dask graph too: each step ships one graph (the loss and its gradient) to the
workers of a LocalCluster, which read the data chunk by chunk; the client only ever
holds the few weights. Run with ``python examples/dask_lstsq.py`` (needs the ``test``
extra: ``dask[array]`` and ``distributed``).
"""
import time

import numpy as np

import s2sad

ROWS, COLS, CHUNK = 400_000, 8, 50_000        # 8 chunks of 3.2 MB: 25.6 MB in all


@s2sad.differentiate
def loss(w, X, y):
    r = X @ w - y
    return np.sum(r ** 2) / y.shape[0]


# generated/dask_lstsq.py is written for NumPy arrays of these kinds: the same code
# builds Dask graphs when it is given Dask arrays
EXAMPLE_ARGS = {"loss": (np.zeros(COLS), np.ones((4, COLS)), np.ones(4))}


def data(true_w):
    """X and y, made by the workers chunk by chunk (never one NumPy array here)."""
    import dask.array as da
    X = da.random.default_rng(0).normal(size=(ROWS, COLS), chunks=(CHUNK, COLS))
    noise = da.random.default_rng(1).normal(scale=0.1, size=ROWS, chunks=CHUNK)
    return X, X @ true_w + noise


def fit(client, X, y, steps=30, rate=0.4):
    """Gradient descent; each step computes the loss and gradient on the cluster."""
    w = np.zeros(X.shape[1])
    step = s2sad.value_and_grad(loss)
    for _ in range(steps):
        value, g = client.compute(step(w, X, y), sync=True)
        w = w - rate * g
    return w, value


def bench(client, X, y, w, repeat=5):
    """Seconds per evaluation of the loss alone and of the loss with its gradient."""
    def timed(make):
        client.compute(make(), sync=True)          # warm: the derivative compiled
        start = time.perf_counter()
        for _ in range(repeat):
            client.compute(make(), sync=True)
        return (time.perf_counter() - start) / repeat
    # another point for the gradient: the primal's keys would come back with new graphs
    moved = w + 1e-3
    return timed(lambda: loss(w, X, y)), \
        timed(lambda: s2sad.value_and_grad(loss)(moved, X, y))


def main():
    from distributed import Client, LocalCluster
    true_w = np.linspace(-1.0, 1.0, COLS)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        X, y = data(true_w)
        X, y = X.persist(), y.persist()              # the chunks stay on the workers
        w, value = fit(client, X, y)
        print(f"{X.npartitions} chunks of {CHUNK} rows; loss {value:.5f}; "
              f"max |w - w_true| {np.max(np.abs(w - true_w)):.4f}")
        primal, gradient = bench(client, X, y, w)
        print(f"primal {primal * 1e3:.1f} ms, value and gradient {gradient * 1e3:.1f} ms "
              f"({gradient / primal:.2f}x)")


if __name__ == "__main__":
    main()
