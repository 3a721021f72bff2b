"""Benchmark s2sad's gradients against the primal, hand-written gradients and peer tools.

    python -m bench.run                 # full run: bench/results.md and bench/results.png
    python -m bench.run --quick         # smoke run on tiny sizes, a few rounds; prints only
    python -m bench.run --tools s2sad,hand --workloads baydin,gmm
    python -m bench.run --sections gradients,hessians   # some sections only

Sections (bench/sections.py; all by default): gradients (the six workloads below),
hessians (Hessians and Jacobians against JAX and autograd), compile (first-call
compile time against jax.jit's), numba (jit="numba"), entry (entry overhead),
checkpoint (long loops). Each notes the load average before and after it, and warns
when other processes load more than half the CPUs; results.md opens with every
target the sections check, met or missed.

Every library runs on one thread (the environment variables below are set
before NumPy, JAX or PyTorch is imported). Each tool's gradient is checked
against the hand-written one before it is timed; a tool that fails or
disagrees is left out of that workload's timings, with the reason in the
table's notes. Timings are interleaved: every round times each tool once (in
a rotating order), one sample being enough calls to last ``--sample-ms``;
the table reports per-call medians over the rounds. Times are the process's
CPU time by default (``--clock cpu``): on a shared machine, time-slicing by
other processes inflates elapsed time but not that; ``--clock wall`` times
elapsed time instead. Peak extra memory is the
``tracemalloc`` peak of one call above the memory in use before it, which sees
NumPy's buffers (primal, hand-written, s2sad, autograd) but not JAX's or
PyTorch's own allocators.
"""
from __future__ import annotations

import os

_ONE_THREAD = {
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "BLIS_NUM_THREADS": "1",
}
for _k, _v in _ONE_THREAD.items():
    os.environ.setdefault(_k, _v)
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false"
                           " intra_op_parallelism_threads=1").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("JAX_ENABLE_X64", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse                                             # noqa: E402
import gc                                                   # noqa: E402
import math                                                 # noqa: E402
import platform                                             # noqa: E402
import statistics                                           # noqa: E402
import sys                                                  # noqa: E402
import time                                                 # noqa: E402
import tracemalloc                                          # noqa: E402
from dataclasses import dataclass, field                    # noqa: E402
from pathlib import Path                                    # noqa: E402

import numpy as np                                          # noqa: E402

import s2sad                                                # noqa: E402

from . import sections                                      # noqa: E402
from .peers import JAX_JIT_NOTES, PEERS, Unavailable       # noqa: E402
from .workloads import WORKLOADS, arguments                 # noqa: E402

TOOLS = ("primal", "hand-written", "s2sad", "autograd", "JAX eager", "jax.jit",
         "PyTorch eager")
GRADIENTS = TOOLS[1:]
SHORT = {"hand": "hand-written", "jax": "JAX eager", "jit": "jax.jit",
         "torch": "PyTorch eager", "pytorch": "PyTorch eager"}
NUMPY_TOOLS = ("primal", "hand-written", "s2sad", "autograd")   # tracemalloc sees these
DIRECT = "s2sad generated code"    # timed, reported only as s2sad's dispatch cost
DISPATCH_SHOWN_BELOW_S = 1e-4      # above, a few µs of dispatch drown in the timing noise
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]
TOLERANCE = 1e-7                   # relative to the hand-written gradient's largest entry


@dataclass
class Settings:
    scale: str = "full"
    rounds: int = 31               # rounds for tools whose sample is short
    sample_s: float = 0.03         # one sample lasts at least this long
    tool_budget_s: float = 8.0     # a slow tool gets fewer rounds, about this long in all
    min_rounds: int = 5


QUICK = Settings(scale="tiny", rounds=3, sample_s=0.002, tool_budget_s=0.5, min_rounds=3)


@dataclass
class Result:
    workload: str
    medians: dict = field(default_factory=dict)    # tool -> seconds per call
    rounds: dict = field(default_factory=dict)     # tool -> rounds timed
    memory: dict = field(default_factory=dict)     # tool -> peak extra bytes
    skipped: dict = field(default_factory=dict)    # tool -> reason
    first_call: dict = field(default_factory=dict)  # tool -> seconds (s2sad, jax.jit)
    tape: tuple | None = None                      # (values, bytes) saved by s2sad.vjp


# --------------------------------------------------------------------------
# checks

def _as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def mismatch(got, want) -> str | None:
    """None when ``got`` matches ``want`` (the hand-written gradient), else why not."""
    got, want = _as_tuple(got), _as_tuple(want)
    if len(got) != len(want):
        return f"returned {len(got)} gradients, expected {len(want)}"
    for i, (a, b) in enumerate(zip(got, want)):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return f"gradient {i} has shape {a.shape}, expected {b.shape}"
        scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
        err = float(np.max(np.abs(a - b))) / scale if b.size else 0.0
        if not err <= TOLERANCE:
            return f"gradient {i} differs from the hand-written one (relative error {err:.2e})"
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


# --------------------------------------------------------------------------
# tools

def build_tools(workload, args, tools, result: Result, log):
    """name -> callable, for the tools that run and agree with the hand-written gradient."""
    f, hand = workload.primal, workload.hand
    want = hand(*args)
    runs = {"primal": lambda: f(*args), "hand-written": lambda: hand(*args)}
    if "s2sad" in tools:
        try:
            t0 = clock()
            g = s2sad.grad(f, wrt=workload.wrt)
            got = g(*args)
            result.first_call["s2sad"] = clock() - t0
            why = mismatch(got, want)
            if why:
                result.skipped["s2sad"] = why
            else:
                runs["s2sad"] = lambda: g(*args)
                direct = _generated_function(workload, args)
                if direct is not None and mismatch(direct(*args), want) is None:
                    runs[DIRECT] = lambda: direct(*args)
        except Exception as exc:                          # noqa: BLE001 - reported
            result.skipped["s2sad"] = _one_line(exc)
    for name, build in PEERS.items():
        if name not in tools:
            continue
        try:
            run, to_numpy = build(workload, args)
            t0 = clock()
            got = to_numpy(run())
            if name == "jax.jit":
                result.first_call[name] = clock() - t0
            why = mismatch(got, want)
            if why:
                result.skipped[name] = why
            else:
                runs[name] = run
        except Unavailable as exc:
            result.skipped[name] = str(exc)
        except Exception as exc:                          # noqa: BLE001 - reported
            result.skipped[name] = _one_line(exc)
    for name, why in result.skipped.items():
        log(f"  {name}: skipped ({why})")
    return runs


def _generated_function(workload, args):
    """The compiled function that ``s2sad.grad`` dispatches to, called directly, to
    tell the generated code's own cost from the per-call dispatch (argument kinds,
    cache look-up). Uses s2sad's internals: None if they have changed."""
    try:
        from s2sad.driver.target import Target
        target = Target(workload.primal)
        names, _ = target.wrt_names(workload.wrt)
        return target.generated(names, target.bind(tuple(args), {}), "grad").functions[0]
    except Exception:                                     # noqa: BLE001
        return None


# --------------------------------------------------------------------------
# timing

def _sample(run, number) -> float:
    t0 = clock()
    for _ in range(number):
        run()
    return (clock() - t0) / number


def time_tools(runs: dict, settings: Settings, result: Result):
    plan = {}
    for name, run in runs.items():
        run()                                             # warm caches
        one = min(_sample(run, 1) for _ in range(3))
        number = max(1, int(settings.sample_s / max(one, 1e-9)))
        sample = number * one
        rounds = settings.rounds
        if sample * rounds > settings.tool_budget_s:
            rounds = max(settings.min_rounds, int(settings.tool_budget_s / sample))
        plan[name] = (number, min(rounds, settings.rounds))
    samples = {name: [] for name in runs}
    names = list(runs)
    for r in range(settings.rounds):
        gc.collect()
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            number, rounds = plan[name]
            if r < rounds:
                samples[name].append(_sample(runs[name], number))
    for name, ts in samples.items():
        result.medians[name] = statistics.median(ts)
        result.rounds[name] = len(ts)
    if "s2sad" in result.first_call and "s2sad" in result.medians:
        # transformation time: the first call less one steady-state call
        result.first_call["s2sad"] = max(result.first_call["s2sad"] - result.medians["s2sad"], 0.0)
    if "jax.jit" in result.first_call and "jax.jit" in result.medians:
        result.first_call["jax.jit"] = max(result.first_call["jax.jit"] - result.medians["jax.jit"], 0.0)


def measure_memory(runs: dict, result: Result):
    for name in NUMPY_TOOLS:
        if name not in runs:
            continue
        run = runs[name]
        gc.collect()
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            out = run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        del out
        result.memory[name] = max(peak - before, 0)


def tape_size(workload, args):
    """(values, bytes) that s2sad's split-motion primal sweep saves for the pullback:
    every float or array in its residuals, tape lists flattened (branch and loop
    records, which are ints and bools, are not counted)."""
    _, pullback = s2sad.vjp(workload.primal, *args, wrt=workload.wrt)
    cells = [c.cell_contents for c in (pullback.__closure__ or ())]
    residuals = [c for c in cells if isinstance(c, tuple)]
    count = nbytes = 0
    stack = list(residuals)
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, np.ndarray):
            count += 1
            nbytes += item.nbytes
        elif isinstance(item, (float, np.floating)):
            count += 1
            nbytes += 8
    return count, nbytes


# --------------------------------------------------------------------------
# report

def _fmt_time(seconds):
    if seconds is None:
        return "—"
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f} µs"
    if us < 1000:
        return f"{us:.1f} µs"
    if us < 1e6:
        return f"{us / 1000:.2f} ms"
    return f"{us / 1e6:.2f} s"


def _fmt_ratio(x):
    if x is None:
        return "—"
    if x < 10:
        return f"{x:.2f}×"
    if x < 1000:
        return f"{x:.0f}×"
    return f"{x:,.0f}×"


def _fmt_bytes(n):
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} B"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 ** 2:.1f} MiB"


def _cell(result, tool, value, fmt):
    if tool in result.skipped:
        return "skipped¹" if tool == "s2sad" else "n/a"
    if tool not in result.medians:
        return "—"
    return fmt(value)


def markdown(results, tools, settings, environment, clock_name="cpu") -> str:
    grads = [t for t in GRADIENTS if t in tools]
    peers = [t for t in grads if t not in ("hand-written",)]
    lines = []
    add = lines.append
    add("Workloads (float64; every tool's gradient is checked against the hand-written "
        "one before timing):")
    add("")
    for r in results:
        add(f"- `{r.workload}`: {WORKLOADS[r.workload].description}")
    add("")
    add("## Gradient time / hand-written gradient time")
    add("")
    add("| workload | " + " | ".join(peers) + " |")
    add("|---|" + "---:|" * len(peers))
    for r in results:
        hand = r.medians.get("hand-written")
        cells = [_cell(r, t, r.medians.get(t, 0) / hand if hand else None, _fmt_ratio)
                 for t in peers]
        add(f"| {r.workload} | " + " | ".join(cells) + " |")
    add("")
    add("## Gradient time / primal time")
    add("")
    add("| workload | " + " | ".join(grads) + " |")
    add("|---|" + "---:|" * len(grads))
    for r in results:
        primal = r.medians.get("primal")
        cells = [_cell(r, t, r.medians.get(t, 0) / primal if primal else None, _fmt_ratio)
                 for t in grads]
        add(f"| {r.workload} | " + " | ".join(cells) + " |")
    add("")
    add("## Median time per call")
    add("")
    cols = ["primal"] + grads
    add("| workload | " + " | ".join(cols) + " |")
    add("|---|" + "---:|" * len(cols))
    for r in results:
        cells = [_cell(r, t, r.medians.get(t), _fmt_time) for t in cols]
        add(f"| {r.workload} | " + " | ".join(cells) + " |")
    add("")
    add("## Memory and first call")
    add("")
    mem_cols = [t for t in NUMPY_TOOLS if t in tools or t == "primal"]
    head = ["peak extra: " + t for t in mem_cols]
    extra = []
    if "s2sad" in tools:
        extra += ["s2sad tape (values, bytes)", "s2sad first call", "s2sad dispatch per call"]
    if "jax.jit" in tools:
        extra += ["jax.jit first call"]
    add("| workload | " + " | ".join(head + extra) + " |")
    add("|---|" + "---:|" * (len(head) + len(extra)))
    for r in results:
        cells = [_cell(r, t, r.memory.get(t), _fmt_bytes) for t in mem_cols]
        if "s2sad" in tools:
            cells.append(f"{r.tape[0]}, {_fmt_bytes(r.tape[1])}" if r.tape else "—")
            fc = r.first_call.get("s2sad")
            cells.append(f"{fc * 1e3:.1f} ms" if fc is not None and "s2sad" not in r.skipped
                         else "—")
            if "s2sad" in r.medians and DIRECT in r.medians:
                extra_s = r.medians["s2sad"] - r.medians[DIRECT]
                cells.append(_fmt_time(extra_s) if extra_s > 0 and
                             r.medians["s2sad"] < DISPATCH_SHOWN_BELOW_S else "below noise")
            else:
                cells.append("—")
        if "jax.jit" in tools:
            fc = r.first_call.get("jax.jit")
            cells.append(f"{fc * 1e3:.0f} ms" if fc is not None and "jax.jit" not in r.skipped
                         else "—")
        add(f"| {r.workload} | " + " | ".join(cells) + " |")
    add("")
    notes = []
    for r in results:
        for tool, why in r.skipped.items():
            notes.append(f"- {r.workload}, {tool}: {why}")
    if notes:
        add("¹ s2sad skipped; n/a: tool not run or its gradient disagreed. Reasons:")
        add("")
        lines.extend(notes)
        add("")
    add("Notes: times are " + ("the process's CPU time (`time.process_time`, which "
                               "counts every thread of the process and not the time "
                               "other processes hold the CPU)" if clock_name == "cpu"
                               else "elapsed time (`time.perf_counter`)")
        + "; ratios are medians of per-call times; \"peak extra\" is the tracemalloc "
        "peak of one call above the memory in use before it (it sees NumPy buffers, "
        "not JAX's or PyTorch's allocators, so those are not reported); the s2sad tape "
        "counts the floats and arrays that `s2sad.vjp`'s primal sweep keeps for the "
        "pullback; first call is `s2sad.grad(f)` plus its first call, less a steady-state "
        "call (for jax.jit: tracing and compiling); s2sad dispatch is the median time of a "
        "`s2sad.grad(f)` call less that of the generated function it runs, called "
        "directly, shown where a gradient takes under 100 µs (on longer ones it is below the "
        "noise). "
        + ("jax.jit: " + "; ".join(f"{k}: {v}" for k, v in JAX_JIT_NOTES.items()) + ". "
           if "jax.jit" in tools else "")
        + f"Rounds: up to {settings.rounds}, samples of at least "
        f"{settings.sample_s * 1e3:g} ms; slow tools get fewer rounds (at least "
        f"{settings.min_rounds}).")
    add("")
    add(f"Environment: {environment}")
    return "\n".join(lines) + "\n"


def environment(tools, load=None) -> str:
    parts = [f"Python {platform.python_version()}", f"NumPy {np.__version__}",
             f"s2sad {getattr(s2sad, '__version__', '0.1.0')}"]
    for mod, label in (("autograd", "autograd"), ("jax", "JAX"), ("torch", "PyTorch")):
        if mod in sys.modules:
            version = getattr(sys.modules[mod], "__version__", None)
            if version is None:
                try:
                    from importlib.metadata import version as _v
                    version = _v(mod)
                except Exception:                         # noqa: BLE001
                    version = "?"
            parts.append(f"{label} {version}")
    parts.append(f"{platform.machine()}, {os.cpu_count()} CPUs, one thread per library")
    cpu = _cpu_name()
    if cpu:
        parts.append(cpu)
    if load is not None:
        parts.append(f"load average {load[0]:.2f} before the run, {_load():.2f} after "
                     "(other processes on the machine add noise)")
    return "; ".join(parts)


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def chart(results, tools, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    shown = [t for t in GRADIENTS if t in tools]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / max(len(shown), 1)
    colors = {"hand-written": "#555555", "s2sad": "#d62728", "autograd": "#1f77b4",
              "JAX eager": "#2ca02c", "jax.jit": "#98df8a", "PyTorch eager": "#ff7f0e"}
    for j, tool in enumerate(shown):
        xs, ys = [], []
        for i, r in enumerate(results):
            if tool in r.medians and "primal" in r.medians:
                xs.append(i + (j - (len(shown) - 1) / 2) * width)
                ys.append(r.medians[tool] / r.medians["primal"])
        ax.bar(xs, ys, width, label=tool, color=colors.get(tool))
    ax.axhline(4.0, color="black", linestyle="--", linewidth=0.8)
    ax.text(len(results) - 0.5, 4.0, " 4× primal", va="bottom", ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(results)))
    ax.set_xticklabels([r.workload for r in results])
    ax.set_ylabel("gradient time / primal time (log)")
    ax.set_title("Gradient cost relative to the primal (lower is better; float64, one thread)")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 8)                            # room for the legend
    ax.legend(ncols=len(shown), fontsize=8, loc="upper center")
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------

def _warm_up(x):
    return x * x


def run_benchmark(workloads, tools, settings: Settings, log=print):
    if "torch" in sys.modules or "PyTorch eager" in tools:
        try:
            import torch
            torch.set_num_threads(1)
            torch.set_num_interop_threads(1)
        except (ImportError, RuntimeError):
            pass
    # load the compiler's modules before measuring any first call
    s2sad.grad(_warm_up)(1.0)
    results = []
    for name in workloads:
        workload = WORKLOADS[name]
        log(f"{name}: {workload.description}")
        args = arguments(workload, settings.scale)
        result = Result(name)
        runs = build_tools(workload, args, tools, result, log)
        time_tools(runs, settings, result)
        measure_memory(runs, result)
        if "s2sad" in runs:
            try:
                result.tape = tape_size(workload, args)
            except Exception as exc:                      # noqa: BLE001
                log(f"  s2sad.vjp failed: {_one_line(exc)}")
        for tool in runs:
            log(f"  {tool:14s} {_fmt_time(result.medians[tool]):>10s}  "
                f"×primal {_fmt_ratio(result.medians[tool] / result.medians['primal']):>8s}"
                f"  ×hand {_fmt_ratio(result.medians[tool] / result.medians['hand-written']):>8s}"
                f"  ({result.rounds[tool]} rounds)")
        results.append(result)
    return results


def _parse_list(text, known, aliases=None):
    if text is None:
        return list(known)
    out = []
    for item in text.split(","):
        item = item.strip()
        item = (aliases or {}).get(item.lower(), item)
        if item not in known:
            raise SystemExit(f"unknown name {item!r}; choose from {', '.join(known)}")
        out.append(item)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: tiny sizes, 3 short rounds; writes files only "
                             "with --out-dir")
    parser.add_argument("--tools", help="comma-separated: s2sad, hand, autograd, jax, jit, "
                                        "torch (default: all; primal and hand always run)")
    parser.add_argument("--workloads", help="comma-separated (default: all): "
                                            + ", ".join(WORKLOADS))
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu (default): the process's CPU time, which time-slicing "
                             "by other processes on a shared machine does not inflate; "
                             "wall: elapsed time")
    parser.add_argument("--out-dir", help="where results.md and results.png go "
                                          "(default: bench/ for a full run)")
    parser.add_argument("--sections", help="comma-separated (default: all): "
                                           + ", ".join(SECTIONS))
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    settings = QUICK if args.quick else Settings()
    tools = set(_parse_list(args.tools, TOOLS, SHORT)) | {"primal", "hand-written"}
    workloads = _parse_list(args.workloads, WORKLOADS)
    keys = _parse_list(args.sections, SECTIONS)
    t0 = time.perf_counter()
    load = (_load(),)
    text, results, loaded = "", [], False
    if "gradients" in keys:
        results = run_benchmark(workloads, tools, settings)
        text = "## Gradients\n\n" + markdown(results, tools, settings,
                                               environment(tools, load), args.clock)
        after = _load()
        loaded = sections.is_loaded(load[0], 0.0) or sections.is_loaded(after, 1.0)
        text += "\n" + sections.load_line(load[0], after, loaded) + "\n"
    peers = frozenset(p for p, names in (("jax", ("JAX eager", "jax.jit")),
                                         ("autograd", ("autograd",))) if tools & set(names))
    ctx = sections.Context(quick=args.quick, clock=clock, peers=peers)
    reports = sections.run_sections([k for k in keys if k != "gradients"], ctx,
                                    started="gradients" in keys)
    text = sections.summary(reports, loaded) + "\n" + text
    if reports:
        text += "\n" + sections.markdown(reports)
    if "gradients" not in keys:
        text += "\nEnvironment: " + environment(tools, load) + "\n"
    print()
    print(text)
    out_dir = args.out_dir or (None if args.quick else str(Path(__file__).parent))
    if out_dir:
        _write(Path(out_dir), text, results, tools)
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


SECTIONS = ("gradients",) + sections.SECTION_KEYS


def _write(out: Path, text, results, tools):
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(
        "# Benchmark results\n\nWritten by `make bench` (`python -m bench.run`); "
        "do not edit.\n\n" + text)
    if not results:
        print(f"wrote {out / 'results.md'} (no chart: the gradients section did not run)")
    elif chart(results, tools, out / "results.png"):
        print(f"wrote {out / 'results.md'} and {out / 'results.png'}")
    else:
        print(f"wrote {out / 'results.md'} (no chart: matplotlib is not installed)")


if __name__ == "__main__":
    sys.exit(main())
