"""Checkpointed loops: peak extra memory (tracemalloc) and time of gradients through a
loop marked ``s2sad.checkpointed(range(n), snapshots=s)`` (revolve's binomial schedule)
against the same loop unmarked (taped), on two workloads:

* ``scalar loop``: ``y = sin(y) * x + c``, n = 10^3 .. 10^6 steps, s = 100;
* ``rnn``: a small tanh RNN (hidden 16, a scalar input per step, the loss the sum of
  the squared states), n = 10^2 .. 10^4 steps, s = 20, also against a hand-written
  gradient (backpropagation through time keeping every state).

    python -m bench.checkpoint [--quick] [--snapshots S] [--plot PATH]

``--quick``: the two smallest sizes of each, fewer rounds, no plot unless ``--plot``.
A full run writes ``bench/checkpoint.png`` (peak memory against n, log-log; skipped
with a message where matplotlib is not installed). One thread (BLAS threads fight
over a small matrix-vector product). Times are medians of interleaved
rounds, measured without tracemalloc (which slows Python's allocations); memory is the
tracemalloc peak of one more call above the memory in use before it. Besides each
measured time ratio (marked / unmarked) stands the one the schedule predicts: every
step runs once taped, as unmarked, and ``extra / n`` more times untaped (``extra``
counted from revolve's actions), each costing about a primal step. ``same gradient``:
the marked gradient equals the unmarked one bit for bit. Not part of the tests
(timings vary by machine); :func:`rows` gives the tables to other scripts.
"""
from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_k, "1")     # one thread, as bench/run.py (before NumPy loads)

import argparse                                             # noqa: E402
import statistics                                           # noqa: E402
import time                                                 # noqa: E402
import tracemalloc                                          # noqa: E402
from pathlib import Path                                    # noqa: E402

import numpy as np                                          # noqa: E402

import s2sad                                                # noqa: E402
from s2sad.runtime.checkpoint import ADVANCE, primitive, repetitions, revolve   # noqa: E402

SCALAR_SNAPSHOTS, RNN_SNAPSHOTS, RNN_HIDDEN = 100, 20, 16
PLOT = Path(__file__).with_name("checkpoint.png")


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


def rnn_plain(W, U, xs):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U * xs[t])
        total = total + np.sum(h * h)
    return total


def rnn_marked(W, U, xs, s):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in s2sad.checkpointed(range(xs.shape[0]), snapshots=s):
        h = np.tanh(W @ h + U * xs[t])
        total = total + np.sum(h * h)
    return total


def rnn_hand(W, U, xs):
    """The gradient of :func:`rnn_plain` by hand: every state kept, then walked back."""
    n = xs.shape[0]
    hs = np.zeros((n + 1, W.shape[0]))
    for t in range(n):
        hs[t + 1] = np.tanh(W @ hs[t] + U * xs[t])
    gW, gU, gh = np.zeros_like(W), np.zeros_like(U), np.zeros(W.shape[0])
    for t in range(n - 1, -1, -1):
        h = hs[t + 1]
        ga = (gh + 2.0 * h) * (1.0 - h * h)
        gW += np.outer(ga, hs[t])
        gU += ga * xs[t]
        gh = W.T @ ga
    return gW, gU


def extra_steps(n, s) -> int:
    """The untaped steps revolve's schedule runs besides each step's taped one."""
    return sum(q - p for action, p, q in primitive(revolve(n, s)) if action == ADVANCE)


def _peak(call) -> int:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def _measure(calls: dict, rounds: int) -> dict:
    """name -> (value, median seconds, peak extra bytes); rounds interleave the calls."""
    values = {name: call() for name, call in calls.items()}      # warm (and compiled)
    times: dict = {name: [] for name in calls}
    names = list(calls)
    for k in range(rounds):
        for name in names[k % len(names):] + names[:k % len(names)]:
            start = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - start)
    return {name: (values[name], statistics.median(times[name]), _peak(calls[name]))
            for name in calls}


def _predicted(n, s, primal_s, unmarked_s) -> float:
    """marked / unmarked time if an untaped step cost a primal step and nothing else."""
    return 1.0 + extra_steps(n, s) / n * primal_s / unmarked_s


def scalar_rows(quick: bool, s: int = SCALAR_SNAPSHOTS) -> list:
    sizes = (10 ** 3, 10 ** 4) if quick else (10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6)
    grad_plain, grad_marked = s2sad.grad(plain, wrt="x"), s2sad.grad(marked, wrt="x")
    out = []
    for n in sizes:
        rounds = 3 if quick or n >= 10 ** 5 else 5
        m = _measure({"primal": lambda: plain(0.5, n),
                      "unmarked": lambda: grad_plain(0.5, n),
                      "marked": lambda: grad_marked(0.5, n, s)}, rounds)
        out.append(_row(n, s, m, same=m["marked"][0] == m["unmarked"][0]))
    return out


def rnn_rows(quick: bool, s: int = RNN_SNAPSHOTS) -> list:
    sizes = (10 ** 2, 10 ** 3) if quick else (10 ** 2, 10 ** 3, 10 ** 4)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(RNN_HIDDEN, RNN_HIDDEN)) / np.sqrt(RNN_HIDDEN)
    U = rng.normal(size=RNN_HIDDEN)
    grad_plain = s2sad.grad(rnn_plain, wrt=("W", "U"))
    grad_marked = s2sad.grad(rnn_marked, wrt=("W", "U"))
    out = []
    for n in sizes:
        xs = rng.normal(size=n)
        m = _measure({"primal": lambda: rnn_plain(W, U, xs),
                      "hand-written": lambda: rnn_hand(W, U, xs),
                      "unmarked": lambda: grad_plain(W, U, xs),
                      "marked": lambda: grad_marked(W, U, xs, s)}, 3 if quick else 5)
        same = all(np.array_equal(a, b) for a, b in zip(m["marked"][0], m["unmarked"][0]))
        hand = all(np.allclose(a, b, rtol=1e-10, atol=1e-12)
                   for a, b in zip(m["marked"][0], m["hand-written"][0]))
        row = _row(n, s, m, same=same)
        row.update({"hand-written peak": m["hand-written"][2],
                    "hand-written s": m["hand-written"][1], "matches hand-written": hand})
        out.append(row)
    return out


def _row(n, s, m, same) -> dict:
    return {"n": n, "s": s, "r": repetitions(n, s),
            "steps run / n": 1.0 + extra_steps(n, s) / n,
            "unmarked peak": m["unmarked"][2], "marked peak": m["marked"][2],
            "primal s": m["primal"][1], "unmarked s": m["unmarked"][1],
            "marked s": m["marked"][1],
            "predicted time": _predicted(n, s, m["primal"][1], m["unmarked"][1]),
            "measured time": m["marked"][1] / m["unmarked"][1], "same gradient": same}


def rows(quick: bool) -> dict:
    """Table name -> its rows (dicts: column -> number, bytes and seconds unformatted,
    or bool), in the order :func:`markdown` shows them."""
    return {"scalar loop": scalar_rows(quick), "rnn": rnn_rows(quick)}


def _size(nbytes) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} B"


def _cell(column, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if column.endswith("peak"):
        return _size(value)
    if column.endswith(" s"):
        return f"{value:.3g}"
    if column in ("predicted time", "measured time"):
        return f"{value:.2f}×"
    if column == "n":
        return f"10^{round(np.log10(value))}" if value == 10 ** round(np.log10(value)) \
            else str(value)
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def markdown(table: list) -> str:
    """One table of :func:`rows` as Markdown."""
    columns = list(table[0]) if table else []
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c, row[c]) for c in columns) + " |" for row in table]
    return "\n".join(lines)


def plot(tables: dict, path: Path = PLOT) -> bool:
    """Peak extra memory against n, log-log, marked and unmarked (and hand-written);
    False (nothing written) where matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {"unmarked peak": "-o", "marked peak": "-s", "hand-written peak": ":^"}
    for name, table in tables.items():
        for column, style in styles.items():
            if table and column in table[0]:
                label = f"{name}, {column[:-5]}" + (
                    f" (s={table[0]['s']})" if column == "marked peak" else "")
                ax.loglog([r["n"] for r in table], [r[column] for r in table], style,
                          label=label)
    ax.set_xlabel("steps n")
    ax.set_ylabel("peak extra memory of one gradient (bytes)")
    ax.set_title("Gradient memory through a loop: checkpointed vs taped")
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    parser.add_argument("--snapshots", type=int, default=SCALAR_SNAPSHOTS,
                        help="snapshots of the scalar loop")
    parser.add_argument("--plot", type=Path, default=None,
                        help=f"write the memory plot here (a full run: {PLOT})")
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    tables = {"scalar loop": scalar_rows(args.quick, args.snapshots),
              "rnn": rnn_rows(args.quick)}
    for name, table in tables.items():
        print(f"\n{name}:\n{markdown(table)}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    path = args.plot or (None if args.quick else PLOT)
    if path is not None:
        print(f"wrote {path}" if plot(tables, path) else
              f"no plot ({path}): matplotlib is not installed")


if __name__ == "__main__":
    main()
