"""What the public entries cost on top of the generated code they run, on Python floats.

Run: python -m bench.entry_overhead [--number 5000] [--rounds 15]

For each entry (``jvp``, ``vjp`` with its pullback, ``grad``, ``grad`` with ``wrt=(0,)``
and ``wrt=(0, 1)``, ``value_and_grad``, and the same on a function calling ``np.sin``,
whose values are NumPy floats) the call through s2sad and the generated code called
directly are timed in turns (interleaved, so that a change of load hits both); each
figure is the median over the rounds of the per-call time, in microseconds of this
process's CPU time, and the overhead is their difference. Prints a Markdown table and the load average.
``rows()`` returns the table as a list of dicts for other tools.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

import s2sad
from s2sad.driver.calls import tangent_params
from s2sad.driver.target import Target


def plain(x, y):
    return x * y + 3.0 * math.sin(x)


def numpy_sin(x, y):
    return x * y + 3.0 * np.sin(x)


def _code(f, wrt, variant, args):
    """The generated functions the entry runs for ``args`` (what is timed as the
    generated code itself)."""
    target = Target(f)
    names, _ = target.wrt_names(wrt, everything=variant in ("jvp", "vjp"))
    return target.generated(names, target.bind(args, {}), variant).functions, names


def _cases(f, label):
    """(entry, the public call, the generated code's call) for ``f``."""
    args, tangents = (2.0, 5.0), (1.0, 0.5)
    (tangent,), names = _code(f, None, "jvp", args)
    dots = dict(zip(tangent_params(tangent, len(names)), tangents))
    forward, backward = _code(f, None, "vjp", args)[0]
    gradient = s2sad.grad(f)
    (joint,), _ = _code(f, 0, "grad", args)
    one = s2sad.grad(f, wrt=(0,))
    both = s2sad.grad(f, wrt=(0, 1))
    (joint2,), _ = _code(f, (0, 1), "grad", args)
    both_value = s2sad.value_and_grad(f)
    (value_code,), _ = _code(f, 0, "value_and_grad", args)
    return [
        (f"jvp{label}", lambda: s2sad.jvp(f, args, tangents), lambda: tangent(*args, **dots)),
        (f"vjp + pullback{label}", lambda: s2sad.vjp(f, *args)[1](1.0),
         lambda: backward(forward(*args)[1], 1.0)),
        (f"grad{label}", lambda: gradient(*args), lambda: joint(*args)),
        (f"grad wrt=(0,){label}", lambda: one(*args), lambda: joint(*args)),
        (f"grad wrt=(0, 1){label}", lambda: both(*args), lambda: joint2(*args)),
        (f"value_and_grad{label}", lambda: both_value(*args), lambda: value_code(*args)),
    ]


def _per_call(fn, number: int) -> float:
    """Microseconds per call, in this process's CPU time (other processes on a shared
    machine take the CPU away, which wall-clock time would count)."""
    start = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - start) / number * 1e6


def rows(number: int = 5000, rounds: int = 15) -> list:
    """One dict per entry: ``entry``, ``overhead_us`` (median entry time minus median
    generated-code time), ``generated_us``, ``entry_us``, and ``load`` (the one-minute
    load average when it was measured)."""
    out = []
    for f, label in ((plain, ""), (numpy_sin, " (np.sin)")):
        for entry, public, generated in _cases(f, label):
            public(), generated()                       # compiled, recorded
            timed = {"public": [], "generated": []}
            for _ in range(rounds):
                timed["public"].append(_per_call(public, number))
                timed["generated"].append(_per_call(generated, number))
            entry_us = statistics.median(timed["public"])
            generated_us = statistics.median(timed["generated"])
            out.append({"entry": entry, "overhead_us": entry_us - generated_us,
                        "generated_us": generated_us, "entry_us": entry_us,
                        "load": os.getloadavg()[0]})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args(argv)
    before = os.getloadavg()
    table = rows(options.number, options.rounds)
    after = os.getloadavg()
    print("| entry | overhead (µs) | generated code (µs) | entry (µs) |")
    print("|---|---:|---:|---:|")
    for row in table:
        print(f"| {row['entry']} | {row['overhead_us']:.2f} | {row['generated_us']:.2f} "
              f"| {row['entry_us']:.2f} |")
    print(f"\nload average before {before[0]:.2f} {before[1]:.2f}, after {after[0]:.2f} "
          f"{after[1]:.2f} ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
