"""Checkpointed loops: peak extra memory (tracemalloc) and time of the gradient of a
scalar loop, marked ``s2sad.checkpointed(range(n), snapshots=s)`` (revolve's binomial
schedule) vs unmarked, for n = 10^3 .. 10^6 steps.

    python -m bench.checkpoint [--quick] [--snapshots S]

``--quick``: n = 10^3 and 10^4 only. Time is measured without tracemalloc (which slows
Python's allocations), memory in a second run under it. Prints a Markdown table; not
part of the tests (timings vary by machine).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import s2sad
from s2sad.runtime.checkpoint import repetitions


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
    g(args[0], 3, *args[2:])                     # compile outside the measurement
    start = time.perf_counter()
    value = g(*args)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    g(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, peak, seconds


def _size(nbytes) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} B"


def rows(quick=False, snapshots=100, sizes=None) -> list:
    """The table's data, a dict per n (``python -m bench.run``'s "Long loops" section)."""
    sizes = sizes or ([10 ** 3, 10 ** 4] if quick else [10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6])
    grad_plain, grad_marked = s2sad.grad(plain, wrt="x"), s2sad.grad(marked, wrt="x")
    out = []
    for n in sizes:
        g0, m0, t0 = _measure(grad_plain, 0.5, n)
        g1, m1, t1 = _measure(grad_marked, 0.5, n, snapshots)
        out.append({"n": n, "snapshots": snapshots, "r": repetitions(n, snapshots),
                    "unmarked peak": m0, "marked peak": m1, "memory ratio": m1 / m0,
                    "unmarked_s": t0, "marked_s": t1, "time ratio": t1 / t0,
                    "same_gradient": g0 == g1})
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 10^4 only")
    parser.add_argument("--snapshots", type=int, default=100)
    args = parser.parse_args(argv)
    sizes = [10 ** 3, 10 ** 4] if args.quick else [10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6]
    s = args.snapshots
    print(f"| n | r | unmarked peak | marked (s={s}) peak | memory | unmarked s | marked s "
          f"| time | same gradient |")
    print("|---|---|---|---|---|---|---|---|---|")
    grad_plain, grad_marked = s2sad.grad(plain, wrt="x"), s2sad.grad(marked, wrt="x")
    for n in sizes:
        g0, m0, t0 = _measure(grad_plain, 0.5, n)
        g1, m1, t1 = _measure(grad_marked, 0.5, n, s)
        print(f"| {n} | {repetitions(n, s)} | {_size(m0)} | {_size(m1)} | {m1 / m0:.2g}x "
              f"| {t0:.3f} | {t1:.3f} | {t1 / t0:.1f}x | {g0 == g1} |", flush=True)


if __name__ == "__main__":
    main()
