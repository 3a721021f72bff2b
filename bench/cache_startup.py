"""First-call time of ``s2sad.grad`` in a new process: no disk cache, a cold one, a warm one.

Run: python -m bench.cache_startup [--repeat 5]

Each measurement is a fresh interpreter (imports excluded): ``s2sad.grad(f, wrt)``
and its first call, for Baydin's example and ADBench's GMM (bench/workloads.py).
A warm cache skips the transformation and the up-front check; parsing remains.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, sys, time
from bench import workloads
import s2sad
w = workloads.WORKLOADS[sys.argv[1]]
args = workloads.arguments(w)
start = time.perf_counter()
s2sad.grad(w.primal, wrt=w.wrt)(*args)
print(json.dumps(time.perf_counter() - start))
"""


def first_call(workload: str, cache_dir: str | None) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("S2SAD_CACHE_DIR", None)
    if cache_dir:
        env["S2SAD_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", _PROBE, workload], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def measure(workload: str, repeat: int) -> dict:
    times = {"no cache": [], "cold": [], "warm": []}
    for _ in range(repeat):
        times["no cache"].append(first_call(workload, None))
        with tempfile.TemporaryDirectory() as directory:
            cache = os.path.join(directory, "cache")
            times["cold"].append(first_call(workload, cache))
            times["warm"].append(first_call(workload, cache))
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("workloads", nargs="*", default=["baydin", "gmm"])
    options = parser.parse_args(argv)
    print(f"| workload | no cache | cold cache | warm cache | speed-up |")
    print("|---|---|---|---|---|")
    for name in options.workloads:
        t = measure(name, options.repeat)
        print(f"| {name} | {t['no cache'] * 1e3:.1f} ms | {t['cold'] * 1e3:.1f} ms | "
              f"{t['warm'] * 1e3:.1f} ms | {t['cold'] / t['warm']:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
