"""Hessians and Jacobians: batched sweeps against column-by-column sweeps.

``python -m bench.jacobians``: medians of a few rounds; the machine's load is printed
before and after (ratios, not times, on a shared machine). JAX and autograd columns
appear only where they are installed. ``cases`` and the ``jax_functions`` /
``autograd_function`` builders are what ``python -m bench.run``'s "Hessians and
Jacobians" section times (bench/sections.py).
"""
import os
import statistics
import time
from unittest import mock

import numpy as np

import s2sad
from s2sad.driver import batching

from .peers import Unavailable, _jax, rebind

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


def cases(sizes=(10, 100, 1000), jacobians=True):
    """(label, kind, primal, n, s2sad's function) for each case; ``kind`` names the
    JAX counterpart: ``hessian`` (jax.hessian), ``jacfwd`` or ``jacrev``."""
    out = [(f"hessian {f.__name__} n={n}", "hessian", f, n, s2sad.hessian(f))
           for f in (rosenbrock, quadratic) for n in sizes]
    if jacobians:
        out += [("jacobian R^10->R^1000 (auto: forward)", "jacfwd", widen, 10,
                 s2sad.jacobian(widen)),
                ("jacobian R^1000->R^10 (auto: reverse)", "jacrev", narrow, 1000,
                 s2sad.jacobian(narrow)),
                ("jacobian R^1000->R^10 (forward, batched)", "jacfwd", narrow, 1000,
                 s2sad.jacobian(narrow, mode="forward"))]
    return out


def column_by_column(fn):
    """``fn`` (a hessian or forward jacobian) made to sweep one column at a time."""
    return _columns(fn)


_JAX_CONSTANTS = {}


def jax_functions(kind, f, x):
    """Two calls without arguments, ``jit(jax.<kind>(f))(x)`` and ``jax.<kind>(f)(x)``,
    on JAX's NumPy, ``x`` converted once, each blocking until its result is ready;
    raises ``Unavailable`` without JAX."""
    jax, jnp = _jax()
    if not _JAX_CONSTANTS:
        _JAX_CONSTANTS.update(MATRICES={n: jnp.asarray(a) for n, a in MATRICES.items()},
                              WIDE=jnp.asarray(WIDE), TALL=jnp.asarray(TALL))
    g = rebind(f, np=jnp, **_JAX_CONSTANTS)
    op = {"hessian": jax.hessian, "jacfwd": jax.jacfwd, "jacrev": jax.jacrev}[kind]
    jitted, eager, jx = jax.jit(op(g)), op(g), jnp.asarray(x)
    return (lambda: jax.block_until_ready(jitted(jx)),
            lambda: jax.block_until_ready(eager(jx)))


def autograd_function(kind, f):
    """autograd.hessian(f) or autograd.jacobian(f) (reverse mode: autograd has no
    forward Jacobian); raises ``Unavailable`` without autograd."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError as exc:
        raise Unavailable(f"autograd not installed ({exc})") from None
    g = rebind(f, np=anp)
    return autograd.hessian(g) if kind == "hessian" else autograd.jacobian(g)


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
