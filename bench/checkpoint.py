"""Checkpointed loops: peak tape memory (tracemalloc) and time of the gradient of a
scalar loop, marked ``s2sad.checkpointed(range(n), snapshots=s)`` vs unmarked.

    python -m bench.checkpoint [--quick]

Prints a Markdown table; not part of the tests (timings vary by machine).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import s2sad


def plain(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + 1e-3
    return y


def marked(x, n, s):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=s):
        y = np.sin(y) * x + 1e-3
    return y


def _measure(g, *args):
    g(*args)                                     # compile outside the measurement
    tracemalloc.start()
    start = time.perf_counter()
    value = g(*args)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, peak, seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 10^4 only")
    parser.add_argument("--snapshots", type=int, default=100)
    args = parser.parse_args(argv)
    sizes = [10 ** 3, 10 ** 4] if args.quick else [10 ** 3, 10 ** 4, 10 ** 5]
    s = args.snapshots
    print(f"| n | unmarked peak | marked (s={s}) peak | ratio | unmarked s | marked s "
          f"| time ratio | same gradient |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        g0, m0, t0 = _measure(s2sad.grad(plain, wrt="x"), 0.5, n)
        g1, m1, t1 = _measure(s2sad.grad(marked, wrt="x"), 0.5, n, s)
        print(f"| {n} | {m0 / 1e3:.1f} kB | {m1 / 1e3:.1f} kB | {m1 / m0:.3f} "
              f"| {t0:.4f} | {t1:.4f} | {t1 / t0:.2f} | {g0 == g1} |")


if __name__ == "__main__":
    main()
