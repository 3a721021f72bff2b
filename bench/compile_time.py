"""First-call time of ``s2sad.grad`` against the size of the function.

Run: python -m bench.compile_time [--repeat 3] [--sizes 10 30 100 300 1000]

Each program is written to a temporary module (s2sad reads source), then timed from
``s2sad.grad(f)`` to the end of its first call, with the disk cache off and the
in-memory caches cleared.  Straight-line programs of N statements, one program
of 50 nested branches and one of an if/elif chain of 200 branches (too deep for
Python to compile its derivative: the table shows the located error's code).
Prints the medians, the log-log slope from the smallest to the largest size, and
the machine's load (``os.getloadavg``) before and after.
``jax_first_call`` times ``jax.jit(jax.grad(f))``'s first call on the same source
(``python -m bench.run``'s "First-call compile time" section, bench/sections.py).
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import os
import statistics
import sys
import tempfile
import time

from .peers import _jax, rebind

os.environ.pop("S2SAD_CACHE_DIR", None)


def straight_line(n: int) -> str:
    """A float function of n assignments, each using the two before it."""
    lines = ["import numpy as np", "", "def f(x):", "    a0 = x * 1.5", "    a1 = np.sin(x)"]
    ops = ["a{p} * a{q}", "np.sin(a{p}) + a{q}", "a{p} - 0.5 * a{q}", "np.cos(a{p}) * a{q}"]
    for i in range(2, n):
        lines.append(f"    a{i} = " + ops[i % 4].format(p=i - 1, q=i - 2) + " * 0.25")
    lines.append(f"    return a{n - 1}")
    return "\n".join(lines) + "\n"


def nested_branches(depth: int) -> str:
    """A float function of `depth` nested if/else statements."""
    lines = ["import numpy as np", "", "def f(x):", "    y = x"]
    indent = "    "
    for i in range(depth):
        lines.append(f"{indent}if y > {i - depth}:")
        indent += "    "
        lines.append(f"{indent}y = y * 1.01 + np.sin(y) * 0.01")
    for i in range(depth):
        indent = indent[:-4]
        lines.append(f"{indent}else:")
        lines.append(f"{indent}    y = y - 0.1")
    lines.append("    return y")
    return "\n".join(lines) + "\n"


def elif_chain(length: int) -> str:
    """A float function of one if/elif chain of ``length`` branches: as deep as it is
    long (an elif is an if in the else before it)."""
    lines = ["import numpy as np", "", "def f(x):", "    y = x", "    if x < -1.0:",
             "        y = y * 1.5"]
    for i in range(1, length):
        lines += [f"    elif x < {i * 0.01 - 1.0}:", f"        y = y * 1.01 + np.sin(y)"]
    lines += ["    else:", "        y = y - 0.1", "    return y"]
    return "\n".join(lines) + "\n"


def loop_body(n: int) -> str:
    """A float function whose loop body is n assignments (a straight line carried
    around three iterations)."""
    lines = ["import numpy as np", "", "def f(x):", "    y = x",
             "    for _ in range(3):", "        a0 = y * 1.5", "        a1 = np.sin(y)"]
    ops = ["a{p} * a{q}", "np.sin(a{p}) + a{q}", "a{p} - 0.5 * a{q}", "np.cos(a{p}) * a{q}"]
    for i in range(2, n):
        lines.append(f"        a{i} = " + ops[i % 4].format(p=i - 1, q=i - 2) + " * 0.25")
    lines += [f"        y = y + a{n - 1}", "    return y"]
    return "\n".join(lines) + "\n"


def load(source: str, directory: str, name: str):
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def first_call(source: str, directory: str, name: str, clock=time.perf_counter) -> float:
    import s2sad
    from s2sad.driver.compile import CACHE
    f = load(source, directory, name)
    CACHE.clear()                   # the in-memory caches cleared, as the header says:
    gc.collect()                    # earlier programs' trees are not scanned again
    start = clock()
    s2sad.grad(f)(0.3)
    return clock() - start


def jax_first_call(source: str, directory: str, name: str, clock=time.perf_counter) -> float:
    """Seconds from ``jax.jit(jax.grad(f))`` to the end of its first call (tracing and
    XLA's compilation), ``f`` being ``source``'s function with ``np`` bound to
    ``jax.numpy``; raises ``bench.peers.Unavailable`` without JAX."""
    jax, jnp = _jax()
    f = rebind(load(source, directory, name), np=jnp)
    start = clock()
    jax.block_until_ready(jax.jit(jax.grad(f))(0.3))
    return clock() - start


def measure(sizes, repeat: int, depth: int, chain: int = 200) -> dict:
    """label -> (statements or None, median seconds; or the error's code: a program
    too deep to differentiate is a located s2sad error, ``too-deep``)."""
    import s2sad
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        programs = [(f"{n} statements", n, straight_line(n)) for n in sizes]
        programs.append((f"{depth} nested branches", None, nested_branches(depth)))
        if chain:
            programs.append((f"{chain}-branch elif chain", None, elif_chain(chain)))
        for label, n, source in programs:
            times = []
            for r in range(repeat):
                name = f"_ct_{abs(hash(label))}_{r}"
                try:
                    times.append(first_call(source, directory, name))
                except RecursionError:
                    times = ["RecursionError"]
                    break
                except s2sad.S2SadError as error:
                    times = [f"error {error.code}"]
                    break
            results[label] = (n, statistics.median(times) if not isinstance(times[0], str)
                              else times[0])
    return results


def slope(results) -> float | None:
    points = [(n, t) for n, t in results.values()
              if n and not isinstance(t, str) and math.isfinite(t)]
    if len(points) < 2:
        return None
    (n0, t0), (n1, t1) = points[0], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--depth", type=int, default=50)
    parser.add_argument("--chain", type=int, default=200,
                        help="branches of the elif chain (0: none)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 30, 100, 300, 1000])
    options = parser.parse_args(argv)
    before = os.getloadavg()
    results = measure(options.sizes, options.repeat, options.depth, options.chain)
    after = os.getloadavg()
    print("| program | first call (s) |")
    print("|---|---:|")
    for label, (_, t) in results.items():
        print(f"| {label} | {t if isinstance(t, str) else f'{t:.3f}'} |")
    s = slope(results)
    print(f"\nlog-log slope {options.sizes[0]}..{options.sizes[-1]} statements: "
          + (f"{s:.2f}" if s is not None else "n/a"))
    print(f"load average before {before[0]:.2f} {before[1]:.2f}, after {after[0]:.2f} {after[1]:.2f}"
          f" ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
