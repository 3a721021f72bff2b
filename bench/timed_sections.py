"""The timed sections of bench/results.md (bench/sections.py runs them): Hessians and
Jacobians against JAX and autograd, first-call compile time against jax.jit's, and
``jit="numba"`` against numba of the hand-written gradient.

Each takes a ``sections.Context`` and returns ``(lines, targets)``. A peer that is
not installed (or left out by ``--tools``) is a note; a peer whose result disagrees
with s2sad's is left out of the timings, with the reason.
"""
from __future__ import annotations

import math
import statistics
import sys
import tempfile
import warnings

import numpy as np

import s2sad

from . import compile_time as ct
from . import jacobians
from .peers import Unavailable, build_jax_jit
from .sections import (Context, Target, agrees, fmt_ratio, fmt_time, one_line, per_call,
                       table)
from .workloads import WORKLOADS, arguments

# the targets for Hessians and Jacobians: s2sad's time over the peer's
WITHIN_JIT = 5.0          # within 5x of jit(jax.hessian) (jit(jax.jacfwd / jacrev))
FASTER = 1.0              # faster than JAX eager and autograd
COMPILE_1000_S = 2.0      # first call of a 1000-statement function
COMPILE_SLOPE = 1.2       # near-linear: log-log slope of first call against statements
NOT_TARGETS = ("jacobian R^1000->R^10 (forward, batched)",)


# --------------------------------------------------------------------------
# Hessians and Jacobians

def _peer_runs(kind, f, x, ctx, skipped):
    runs = {}
    if "jax" in ctx.peers:
        try:
            runs["jit(JAX)"], runs["JAX eager"] = jacobians.jax_functions(kind, f, x)
        except Unavailable as exc:
            skipped["JAX"] = str(exc)
    else:
        skipped["JAX"] = "left out (--tools)"
    if "autograd" in ctx.peers:
        try:
            g = jacobians.autograd_function(kind, f)
            runs["autograd"] = lambda: g(x)
        except Unavailable as exc:
            skipped["autograd"] = str(exc)
    else:
        skipped["autograd"] = "left out (--tools)"
    return runs


def _hessian_row(label, kind, f, n, fn, ctx, notes, skipped):
    x = np.linspace(-1.0, 1.0, n)
    want = fn(x)
    times = {"s2sad": per_call(lambda: fn(x), ctx)}
    report = dict(getattr(fn, "__s2sad_batching__", {}) or {})
    if report.get("mode") == "batched":
        cols = jacobians.column_by_column(fn)
        times["s2sad columns"] = per_call(lambda: cols(x), ctx)
    for name, run in _peer_runs(kind, f, x, ctx, skipped).items():
        try:
            if not agrees(run(), want):
                notes.append(f"- {label}, {name}: disagrees with s2sad, not timed")
                continue
            times[name] = per_call(run, ctx)
        except Exception as exc:                          # noqa: BLE001 - reported
            notes.append(f"- {label}, {name}: {one_line(exc)}")
    how = (f"batched, {report.get('sweeps')} sweep(s)" if report.get("mode") == "batched"
           else report.get("reason", "—"))
    ratios = {p: times["s2sad"] / times[p] for p in ("jit(JAX)", "JAX eager", "autograd")
              if p in times}
    ctx.log(f"  {label}: " + ", ".join(f"{k} {fmt_time(v)}" for k, v in times.items()))
    return times, ratios, how


def _hessian_targets(rows, skipped, kind_names):
    targets = []
    for group, title in kind_names:
        for peer, bound, what in (("jit(JAX)", WITHIN_JIT, f"within {WITHIN_JIT:g}× of jit"),
                                  ("JAX eager", FASTER, "faster than JAX eager"),
                                  ("autograd", FASTER, "faster than autograd")):
            mine = [(label, r[peer]) for label, g, r in rows if g == group and peer in r]
            name = f"{title}: s2sad {what}"
            if not mine:
                why = skipped.get("autograd" if peer == "autograd" else "JAX", "no row measured")
                targets.append(Target(name, None, why))
                continue
            missed = [(lb, r) for lb, r in mine
                      if (r > bound if peer == "jit(JAX)" else r >= bound)]
            worst = max(mine, key=lambda m: m[1])
            detail = f"worst {fmt_ratio(worst[1])} ({worst[0]})"
            if missed:
                detail = (f"{len(missed)} of {len(mine)} rows miss; " + detail +
                          f", {fmt_ratio(worst[1] / bound)} the {bound:g}× bound")
            targets.append(Target(name, not missed, detail))
    return targets


def hessians(ctx: Context, sizes=None, jacobians_too=True):
    sizes = sizes or ((10, 100) if ctx.quick else (10, 100, 1000))
    notes, skipped, rows, out = [], {}, [], []
    for label, kind, f, n, fn in jacobians.cases(sizes, jacobians_too):
        times, ratios, how = _hessian_row(label, kind, f, n, fn, ctx, notes, skipped)
        group = "hessian" if kind == "hessian" else "jacobian"
        if label in NOT_TARGETS:
            label += " †"
        else:
            rows.append((label, group, ratios))
        out.append([label] + [fmt_time(times.get(k)) for k in
                              ("s2sad", "s2sad columns", "jit(JAX)", "JAX eager", "autograd")]
                   + [fmt_ratio(ratios.get(k)) for k in ("jit(JAX)", "JAX eager", "autograd")]
                   + [how])
    head = ["case", "s2sad", "s2sad column by column", "jit(JAX)", "JAX eager", "autograd",
            f"s2sad / jit (≤ {WITHIN_JIT:g}×)", "s2sad / JAX eager (< 1×)",
            "s2sad / autograd (< 1×)", "s2sad's sweep"]
    lines = table(head, out) + [""]
    lines.append("Per-call medians of CPU time. The JAX counterpart of a Hessian is "
                 "`jax.hessian` (forward over reverse), of a forward Jacobian `jax.jacfwd`, of "
                 "a reverse one `jax.jacrev`; jit(JAX) is `jax.jit` of it, called after its "
                 "compilation; autograd's are `autograd.hessian` and `autograd.jacobian` (reverse "
                 "mode). s2sad column by column: the same derivative with the batched sweep "
                 "turned off. Every peer's result is checked against s2sad's before timing. "
                 "† Not held to the targets: forward mode on 1000 inputs, which `mode=\"auto\"` "
                 "does not pick (reverse, the row above, is its choice); it shows the batched "
                 "forward sweep against column by column.")
    more = [f"- {peer}: {why}" for peer, why in skipped.items()] + notes
    lines += [""] + more if more else []
    kinds = [("hessian", "Hessians"), ("jacobian", "Jacobians")]
    return lines, _hessian_targets(rows, skipped, kinds)


# --------------------------------------------------------------------------
# first-call compile time

_SERIAL = [0]


def _median_first_call(source, directory, repeat, clock, timer):
    times = []
    for _ in range(repeat):
        _SERIAL[0] += 1
        try:
            times.append(timer(source, directory, f"_bench_ct_{_SERIAL[0]}", clock))
        except RecursionError:
            return math.inf
    return statistics.median(times)


def _slope(points):
    points = [(n, t) for n, t in points if t and math.isfinite(t)]
    if len(points) < 2:
        return None
    (n0, t0), (n1, t1) = points[0], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0)


def _jax_column(ctx):
    if "jax" not in ctx.peers:
        return "left out (--tools)"
    try:
        ct._jax()
    except Unavailable as exc:
        return str(exc)
    return None


def compile_time(ctx: Context, sizes=None, depth=50, repeat=None):
    sizes = list(sizes or ((10, 30, 100) if ctx.quick else (10, 30, 100, 300, 1000)))
    repeat = repeat or (1 if ctx.quick else 3)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    no_jax = _jax_column(ctx)
    mine, theirs, out = [], [], []
    with tempfile.TemporaryDirectory() as directory:
        for n in sizes:
            source = ct.straight_line(n)
            t = _median_first_call(source, directory, repeat, ctx.clock, ct.first_call)
            j = None
            if not no_jax:
                try:
                    j = _median_first_call(source, directory, repeat, ctx.clock,
                                           ct.jax_first_call)
                except Exception as exc:                  # noqa: BLE001 - reported
                    no_jax = f"{n} statements: {one_line(exc)}"
            mine.append((n, t))
            theirs.append((n, j))
            ctx.log(f"  {n} statements: s2sad {fmt_time(t)}, jax.jit {fmt_time(j)}")
            out.append([f"{n} statements", fmt_time(t), fmt_time(j),
                        fmt_ratio(t / j) if j else "—"])
        t = _median_first_call(ct.nested_branches(depth), directory, repeat, ctx.clock,
                               ct.first_call)
        out.append([f"{depth} nested branches", fmt_time(t), "n/a¹", "—"])
    s, sj = _slope(mine), _slope(theirs)
    head = ["program", "s2sad first call", "jax.jit first call", "s2sad / jax.jit"]
    lines = table(head, out) + [""]
    lines.append(f"Log-log slope {sizes[0]}..{sizes[-1]} statements: s2sad "
                 + (f"{s:.2f}" if s is not None else "—") + ", jax.jit "
                 + (f"{sj:.2f}" if sj is not None else "—") + ".")
    lines += ["", f"First call: `s2sad.grad(f)` and its first call (disk cache off, a new "
              f"module each time), against `jax.jit(jax.grad(f))`'s first call (tracing and "
              f"XLA's compilation) on the same source with `np` bound to `jax.numpy`; CPU time, "
              f"median of {repeat}. ¹ jax.jit cannot trace Python `if`s on traced values "
              f"(`lax.cond` would be another program)."
              + (f" jax.jit: {no_jax}." if no_jax else "")]
    return lines, _compile_targets(mine, s, sizes)


def _compile_targets(mine, s, sizes):
    big = dict(mine).get(1000)
    t1000 = (Target(f"1000 statements' first call ≤ {COMPILE_1000_S:g} s", None,
                    "no 1000-statement size in this run") if big is None else
             Target(f"1000 statements' first call ≤ {COMPILE_1000_S:g} s",
                    big <= COMPILE_1000_S, f"{big:.2f} s" + (
                        "" if big <= COMPILE_1000_S else
                        f": {big - COMPILE_1000_S:.2f} s over ({big / COMPILE_1000_S:.2f}× "
                        "the bound)")))
    slope = (Target(f"near-linear: slope ≤ {COMPILE_SLOPE:g}", None, "fewer than two sizes")
             if s is None else
             Target(f"near-linear: slope ≤ {COMPILE_SLOPE:g}", s <= COMPILE_SLOPE,
                    f"{s:.2f} from {sizes[0]} to {sizes[-1]} statements"))
    return [t1000, slope]


# --------------------------------------------------------------------------
# numba

def _same(x):
    return x


NUMBA_WAYS = ("hand-written", "s2sad", 's2sad jit="numba"', "numba(hand-written)", "jax.jit")


def _numba_ways(w, args, ctx, notes):
    import numba
    wrt = w.wrt if len(w.wrt) > 1 else w.wrt[0]
    plain = s2sad.grad(w.primal, wrt=wrt)
    ways = {"hand-written": lambda: w.hand(*args), "s2sad": lambda: plain(*args)}
    first, checks = {}, {}
    for name, make in (('s2sad jit="numba"', lambda: s2sad.grad(w.primal, wrt=wrt, jit="numba!")),
                       ("numba(hand-written)", lambda: numba.njit(w.hand))):
        try:
            fn = make()
            start = ctx.clock()
            fn(*args)
            first[name] = ctx.clock() - start
            ways[name] = (lambda fn=fn: fn(*args))
        except Exception as exc:                          # noqa: BLE001 - reported
            notes.append(f"- {w.name}, {name}: {one_line(exc)}")
    if "jax" in ctx.peers:
        try:
            run, to_numpy = build_jax_jit(w, args)
            ways["jax.jit"] = run
            checks = {"jax.jit": to_numpy}
        except Unavailable as exc:
            notes.append(f"- jax.jit: {exc}")
        except Exception as exc:                          # noqa: BLE001 - reported
            notes.append(f"- {w.name}, jax.jit: {one_line(exc)}")
    return ways, first, checks


def numba_section(ctx: Context, names=("scalar_loop", "while_loop")):
    try:
        import numba
    except ImportError as exc:
        return [f"Skipped: numba is not installed ({exc}); `pip install numba` "
                "(the bench extra has it)."], []
    out, notes = [], []
    for name in names:
        w = WORKLOADS[name]
        args = arguments(w, "full")
        want = w.hand(*args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")              # numba's own deprecation notes
            ways, first, checks = _numba_ways(w, args, ctx, notes)
            times = {}
            for way, run in ways.items():
                if agrees(checks.get(way, _same)(run()), want):
                    times[way] = per_call(run, ctx)
                else:
                    notes.append(f"- {name}, {way}: disagrees with the hand-written gradient")
        ctx.log(f"  {name}: " + ", ".join(f"{k} {fmt_time(v)}" for k, v in times.items()))
        nb, plain = times.get('s2sad jit="numba"'), times.get("s2sad")
        ref, jit = times.get("numba(hand-written)"), times.get("jax.jit")
        out.append([name] + [fmt_time(times.get(k)) for k in NUMBA_WAYS]
                   + [fmt_ratio(nb / ref) if nb and ref else "—",
                      fmt_ratio(nb / plain) if nb and plain else "—",
                      fmt_ratio(nb / jit) if nb and jit else "—",
                      fmt_time(first.get('s2sad jit="numba"'))])
    head = (["workload"] + list(NUMBA_WAYS) +
            ['numba / numba(hand)', "numba / s2sad", "numba / jax.jit", "numba first call"])
    lines = table(head, out) + ["", f"numba {numba.__version__}. Per-call medians of CPU time; "
                                "\"numba\" in the ratios is s2sad's `jit=\"numba\"` gradient "
                                "(compiled at its first call, timed in the last column). "
                                "No numeric target is set for this section: the ratios are "
                                "the result."]
    return lines + ([""] + notes if notes else []), []
