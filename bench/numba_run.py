"""scalar_loop and while_loop gradients: s2sad, s2sad with jit="numba", the hand-written
gradient, and numba.njit of the hand-written gradient (issue 16, item 4).

Medians of interleaved rounds; the load average is printed before and after (take the
ratios, not the times, on a loaded machine). Run: python -m bench.numba_run
"""
from __future__ import annotations

import os
import statistics
import time

import numba

import s2sad
from bench.workloads import WORKLOADS


def median_time(fn, args, rounds=15, inner=20):
    fn(*args)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn(*args)
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def main():
    print(f"load before: {os.getloadavg()}")
    for name in ("scalar_loop", "while_loop"):
        w = WORKLOADS[name]
        args = w.make_args()
        wrt = w.wrt if len(w.wrt) > 1 else w.wrt[0]
        ways = {"s2sad": s2sad.grad(w.primal, wrt=wrt),
                "s2sad+numba": s2sad.grad(w.primal, wrt=wrt, jit="numba!"),
                "hand": w.hand, "numba(hand)": numba.njit(w.hand)}
        times = {k: median_time(fn, args) for k, fn in ways.items()}
        hand = times["hand"]
        print(f"{name}: " + ", ".join(f"{k} {t * 1e6:.2f} us ({t / hand:.3f}x hand)"
                                      for k, t in times.items())
              + f"; s2sad+numba / numba(hand) = {times['s2sad+numba'] / times['numba(hand)']:.2f}")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
