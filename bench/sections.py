"""The sections of bench/results.md after the gradient tables: each sub-benchmark of
bench/ run as one section, with its targets checked on the numbers it measured.

    python -m bench.run --sections hessians,compile     # some sections only

A section is a function of a ``Context`` returning ``(lines, targets)``: its Markdown
(a table and its notes) and the ``Target``s it measured. ``run_sections`` runs them
one after the other, reads the load average before and after each, and turns a
failure into a note rather than a crash; a peer tool that is not installed is a note
in its section. The timed sections live in bench/timed_sections.py.

Load policy: the bench runs one thread, so a reading warns when the 1-minute load
average, less the bench's own thread (counted from the second reading on), exceeds
half the CPUs (``BUSY_SHARE``): other processes then likely share the bench's core,
and times are noisy. It warns, in the section and at the top of results.md, and
still writes the numbers (most are ratios of interleaved medians of CPU time).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

BUSY_SHARE = 0.5


@dataclass
class Timing:
    """How long a per-call median is sampled: samples of at least ``sample_s``,
    up to ``rounds`` of them, fewer (not under ``min_rounds``) past ``budget_s``."""
    sample_s: float = 0.02
    rounds: int = 15
    budget_s: float = 3.0
    min_rounds: int = 3


FULL = Timing()
QUICK = Timing(sample_s=0.002, rounds=3, budget_s=0.3, min_rounds=1)


@dataclass
class Context:
    quick: bool = False
    clock: Callable = time.process_time
    log: Callable = print
    peers: frozenset = frozenset({"jax", "autograd"})   # the peers to run (--tools)

    @property
    def timing(self) -> Timing:
        return QUICK if self.quick else FULL


@dataclass
class Target:
    """A target of the issue, checked: ``met`` is True, False, or None (not measured,
    ``detail`` says why)."""
    what: str
    met: bool | None
    detail: str

    def status(self) -> str:
        word = {True: "**met**", False: "**missed**", None: "not measured"}[self.met]
        return f"{word}: {self.detail}"


@dataclass
class Report:
    key: str
    title: str
    lines: list
    targets: list = field(default_factory=list)
    load: tuple = (math.nan, math.nan)
    loaded: bool = False


# --------------------------------------------------------------------------
# measuring

def per_call(fn, ctx: Context) -> float:
    """Median seconds per call of ``fn()`` (warmed up first) by ``ctx.clock``."""
    t = ctx.timing
    fn()
    start = ctx.clock()
    fn()
    one = max(ctx.clock() - start, 1e-7)
    number = max(1, int(t.sample_s / one))
    rounds = max(t.min_rounds, min(t.rounds, int(t.budget_s / (number * one))))
    samples = []
    for _ in range(rounds):
        start = ctx.clock()
        for _ in range(number):
            fn()
        samples.append((ctx.clock() - start) / number)
    return statistics.median(samples)


def agrees(got, want, rtol=1e-7) -> bool:
    """Whether ``got`` equals ``want`` to ``rtol`` of ``want``'s largest entry (tuples
    compared item by item)."""
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        a, b = _array(a), _array(b)
        if a.shape != b.shape:
            return False
        scale = max(float(abs(b).max()) if b.size else 0.0, 1e-300)
        if b.size and not float(abs(a - b).max()) <= rtol * scale:
            return False
    return True


def _array(x):
    import numpy as np
    return np.asarray(x, dtype=np.float64)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:240]}"


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return math.nan


def is_loaded(load: float, own: float) -> bool:
    """Whether others' load (``load`` less the bench's ``own``) exceeds ``BUSY_SHARE``
    of the CPUs."""
    return math.isfinite(load) and load - own > BUSY_SHARE * (os.cpu_count() or 1)


def load_line(before: float, after: float, loaded: bool) -> str:
    cpus = os.cpu_count() or 1
    text = f"Load average {before:.2f} before, {after:.2f} after ({cpus} CPUs)."
    if loaded:
        text = ("**Warning: loaded machine.** " + text + " Other processes' load exceeded "
                f"{BUSY_SHARE:g} × the CPUs; these times are noisy (ratios less so).")
    return text


# --------------------------------------------------------------------------
# formatting

def fmt_time(seconds) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f} µs"
    if us < 1000:
        return f"{us:.1f} µs"
    if us < 1e6:
        return f"{us / 1e3:.2f} ms"
    return f"{us / 1e6:.2f} s"


def fmt_ratio(x) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.2f}×" if x < 10 else f"{x:,.0f}×"


def fmt_bytes(n) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def table(head, rows, left=1) -> list:
    """Markdown table lines; the first ``left`` columns left-aligned, the rest right."""
    rule = "|" + "---|" * left + "---:|" * (len(head) - left)
    return (["| " + " | ".join(head) + " |", rule]
            + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def _cell(key, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if key.endswith("_us"):
            return f"{value:.2f}"
        if key.endswith("_s"):
            return f"{value:.3f}"
        return f"{value:.3g}"
    if isinstance(value, int) and ("peak" in key or "bytes" in key):
        return fmt_bytes(value)
    return str(value)


def dict_table(rows) -> list:
    """A table of dicts, one column per key (in first-seen order): a key ending in
    ``_us`` is microseconds, ``_s`` seconds, one with ``peak`` or ``bytes`` a size."""
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return table(keys, [[_cell(k, row.get(k, "—")) for k in keys] for row in rows])


# --------------------------------------------------------------------------
# the two sections that run other engineers' modules

ENTRY_TARGET_US = 1.0


def entry_overhead(ctx: Context):
    """bench/entry_overhead.py's rows, where that module exists."""
    if importlib.util.find_spec("bench.entry_overhead") is None:
        return ["Not measured: bench/entry_overhead.py is not in this checkout."], [
            Target(f"entry overhead ≤ {ENTRY_TARGET_US:g} µs", None, "no bench/entry_overhead.py")]
    module = importlib.import_module("bench.entry_overhead")
    rows_fn = getattr(module, "rows")
    params = inspect.signature(rows_fn).parameters
    kwargs = {}
    if "quick" in params:
        kwargs["quick"] = ctx.quick
    elif ctx.quick:                                   # fewer calls where it takes counts
        kwargs.update({k: v for k, v in (("number", 2000), ("rounds", 3)) if k in params})
    rows = list(rows_fn(**kwargs))
    lines = dict_table(rows) + ["", "`overhead_us`: the entry's cost above the generated "
                                "code it runs (`generated_us`), per call."]
    measured = [r for r in rows if isinstance(r.get("overhead_us"), (int, float))]
    if not measured:
        return lines, [Target(f"entry overhead ≤ {ENTRY_TARGET_US:g} µs", None,
                              "no row has overhead_us")]
    over = [r for r in measured if r["overhead_us"] > ENTRY_TARGET_US]
    worst = max(measured, key=lambda r: r["overhead_us"])
    detail = (f"worst {worst['overhead_us']:.2f} µs ({worst.get('entry')})" if not over else
              f"{len(over)} of {len(measured)} entries over; worst {worst['overhead_us']:.2f} µs "
              f"({worst.get('entry')}), {worst['overhead_us'] - ENTRY_TARGET_US:.2f} µs over")
    return lines, [Target(f"entry overhead ≤ {ENTRY_TARGET_US:g} µs per call", not over, detail)]


def long_loops(ctx: Context):
    """bench/checkpoint.py's tables: checkpointed loops against unmarked ones (and the
    hand-written gradient where it has one)."""
    from . import checkpoint
    tables = checkpoint.rows(ctx.quick)
    lines = []
    for name, table in tables.items():
        lines += [f"**{name}**", "", checkpoint.markdown(table), ""]
    lines += ["Peaks are tracemalloc's peak of one gradient call (a second run; time is "
              "measured without tracemalloc); predicted time is the steps revolve's schedule "
              "runs per step of the loop."]
    same = [r for table in tables.values() for r in table if "same gradient" in r]
    targets = []
    if same:
        bad = [r for r in same if not r["same gradient"]]
        targets.append(Target("checkpointed gradient equal to the unmarked loop's", not bad,
                              f"{len(same) - len(bad)} of {len(same)} rows equal"))
    return lines, targets


# --------------------------------------------------------------------------

def _registry():
    from . import timed_sections as ts
    return {
        "hessians": ("Hessians and Jacobians", ts.hessians),
        "compile": ("First-call compile time", ts.compile_time),
        "numba": ("numba", ts.numba_section),
        "entry": ("Entry overhead", entry_overhead),
        "checkpoint": ("Long loops (checkpointing)", long_loops),
    }


SECTION_KEYS = ("hessians", "compile", "numba", "entry", "checkpoint")


def run_sections(keys, ctx: Context, started: bool = False) -> list:
    """A ``Report`` per section key, in order; ``started``: the bench has already been
    running (its own thread counts in the first load reading)."""
    registry = _registry()
    reports = []
    for key in keys:
        title, fn = registry[key]
        own = 1.0 if (started or reports) else 0.0
        before = load_average()
        ctx.log(f"== {title}")
        t0 = time.perf_counter()
        try:
            lines, targets = fn(ctx)
        except Exception as exc:                          # noqa: BLE001 - reported
            lines, targets = [f"The section failed: {one_line(exc)}"], []
        after = load_average()
        loaded = is_loaded(before, own) or is_loaded(after, 1.0)
        ctx.log(f"   ({time.perf_counter() - t0:.0f} s)")
        reports.append(Report(key, title, lines, targets, (before, after), loaded))
    return reports


def markdown(reports) -> str:
    out = []
    for r in reports:
        out += [f"## {r.title}", ""] + r.lines + [""]
        if r.targets:
            out += ["Targets (checked on the rows above):", ""]
            out += [f"- {t.what}: {t.status()}" for t in r.targets] + [""]
        out += [load_line(*r.load, r.loaded), ""]
    return "\n".join(out)


def summary(reports, gradients_loaded: bool = False) -> str:
    """The top of results.md: a loaded-machine warning if any, and every target."""
    out = []
    loaded = ["Gradients"] * gradients_loaded + [r.title for r in reports if r.loaded]
    if loaded:
        out += [f"> **Warning: the machine was loaded** during: {', '.join(loaded)} "
                "(see each section's load line); times there are noisy.", ""]
    targets = [(r.title, t) for r in reports for t in r.targets]
    if targets:
        out += ["## Targets", ""]
        out += table(["section", "target", "result"],
                     [[title, t.what, t.status()] for title, t in targets], left=3) + [""]
    return "\n".join(out)
