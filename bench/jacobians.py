"""Hessians and Jacobians: batched sweeps against column-by-column sweeps.

``python -m bench.jacobians``: medians of a few rounds; the machine's load is printed
before and after (ratios, not times, on a shared machine). JAX and autograd columns
appear only where they are installed.
"""
import os
import statistics
import time
from unittest import mock

import numpy as np

import s2sad
from s2sad.driver import batching

rng = np.random.default_rng(0)
MATRICES = {n: rng.standard_normal((n, n)) for n in (10, 100, 1000)}
WIDE, TALL = rng.standard_normal((1000, 10)), rng.standard_normal((10, 1000))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def quadratic(x):
    return x @ MATRICES[x.shape[0]] @ x


def widen(x):                   # R^10 -> R^1000
    return np.tanh(WIDE @ x)


def narrow(x):                  # R^1000 -> R^10
    return np.tanh(TALL @ x)


def _median(fn, x, rounds):
    fn(x)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _columns(fn):
    def run(x):
        with mock.patch.object(batching, "columns", lambda *a, **k: None):
            return fn(x)
    return run


def rows():
    cases = [(f"hessian {f.__name__} n={n}", s2sad.hessian(f), n)
             for f in (rosenbrock, quadratic) for n in (10, 100, 1000)]
    cases += [("jacobian R^10->R^1000", s2sad.jacobian(widen), 10),
              ("jacobian R^1000->R^10 (forward)", s2sad.jacobian(narrow, mode="forward"), 1000)]
    for label, fn, n in cases:
        x = np.linspace(-1.0, 1.0, n)
        rounds = 3 if n == 1000 else 9
        one = _median(fn, x, rounds)
        report = dict(fn.__s2sad_batching__)
        cols = _median(_columns(fn), x, rounds)
        yield label, one, cols, report


def main():
    print(f"load before: {os.getloadavg()}")
    print(f"{'case':34} {'batched ms':>11} {'columns ms':>11} {'speedup':>8}  sweeps")
    for label, one, cols, report in rows():
        how = f"{report.get('sweeps')} of {report.get('block')}" \
            if report.get("mode") == "batched" else report.get("reason")
        print(f"{label:34} {one * 1e3:11.2f} {cols * 1e3:11.2f} {cols / one:8.1f}  {how}")
    for peer in ("jax", "autograd"):
        try:
            __import__(peer)
        except ImportError:
            print(f"{peer}: not installed, its column left out")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
