"""Many cotangents pulled back through one primal sweep: ``batched_vjp`` and the rows
of a reverse-mode Jacobian.

The primal sweep runs once and keeps its tape. The generated adjoint code then runs
once on a block of k cotangents of the output, a tree of
:class:`~s2sad.runtime.batched.Batched` leaves (the cotangent of an array gains a
leading batch axis; every adjoint rule it meets applies to all k at once), with the
batched runtime helpers (:func:`.batching.with_batched_runtime`). Where the adjoint
code meets an operation with no batched form, it raises, and the k cotangents are
pulled back one by one through the same tape (the pullback ``s2sad.vjp`` returns):
the same numbers, k adjoint sweeps, still one primal sweep. ``report`` records which
happened (``mode``: ``batched``, or ``rows`` with the ``reason``).

Blocks are cut by memory as the forward sweeps' are (:func:`.batching.block_size`):
a batched cotangent of the largest of the output and the ``wrt`` values stays under
:data:`.batching.BUDGET` bytes.
"""
from __future__ import annotations

import numpy as np

from . import blocks, derivatives, seeds
from .batching import block_size, with_batched_runtime
from ..runtime import zeros_like
from .target import Target, check_all_float


class Sweep:
    """One split primal sweep of ``f`` at ``primals`` (``wrt`` as for ``s2sad.vjp``;
    ``everything=False``: as for ``grad``, argument 0 when left out), whose tape
    pulls back blocks of cotangents."""

    def __init__(self, f, primals, wrt=None, everything=True):
        target = Target(f)
        primals = tuple(primals)
        names, _ = target.wrt_names(wrt, everything=everything,
                                    passed=len(primals) if everything else None)
        target.check(names)
        args = target.prefix + primals
        values = target.bind(args, {})
        if wrt is None and everything:
            check_all_float(target, names, values)
        self.name = target.front.parsed.name
        self.names = names
        self.y, self.residuals, _, self.backward, self.on_numpy = \
            derivatives.primal_sweep(target, names, args, {}, values)
        self.wrt_values = tuple(values[n] for n in names)
        self.pullback = derivatives.pullback_of(self.name, self.y, self.residuals,
                                                self.backward, self.on_numpy, self.wrt_values)

    def pull(self, block, report):
        """The cotangent blocks of the ``wrt`` arguments (a tuple, one per argument,
        each with the leading axis k) for ``block``, k cotangents of the output."""
        k = blocks.cotangent_length(block, self.y, f"batched_vjp: the cotangents of "
                                    f"{self.name!r}'s output")
        return self.pull_rows(lambda start, stop: blocks.row(block, self.y,
                                                             slice(start, stop)), k, report)

    def pull_rows(self, make, k, report):
        """As :meth:`pull`, for the block whose rows ``start..stop`` ``make(start,
        stop)`` gives (made a part at a time: a block of unit rows is never whole)."""
        if k == 0:
            return blocks.unbatched(zeros_like(self.wrt_values), 0)
        size = block_size(k, *blocks.leaves(self.y), *blocks.leaves(self.wrt_values))
        parts = []
        for start in range(0, k, size):
            stop = min(k, start + size)
            part = make(start, stop)
            found = None if report.get("mode") == "rows" else \
                self._batched(part, stop - start, report)
            parts.append(found if found is not None else self._rows(part, stop - start))
            report["sweeps"] = report.get("sweeps", 0) + (1 if found is not None else
                                                          stop - start)
        if report.get("mode") != "rows":
            report.update(mode="batched", block=max(size, report.get("block", 0)))
        return blocks.typed(blocks.joined(parts), self.wrt_values)

    def _batched(self, part, k, report):
        """One adjoint sweep of the block ``part`` of k rows (None where it cannot run
        batched: ``report`` says why)."""
        rows = set()
        try:
            seed = blocks.batched(part, self.y)
            run = with_batched_runtime(self.backward, rows)
            with np.errstate(all="ignore"):
                out = run(self.residuals, seed)
            out = blocks.typed(blocks.unbatched(out, k), self.wrt_values)
        except Exception as exc:       # noqa: BLE001 -- any failure: one row at a time
            report.update(mode="rows", reason=f"{type(exc).__name__}: {exc}")
            report.pop("block", None)
            report.pop("rowwise", None)
            return None
        if rows:                       # helpers that ran row by row inside the sweep
            report["rowwise"] = sorted(set(report.get("rowwise", ())) | rows)
        given = [leaf.a for leaf in blocks.leaves(seed) if hasattr(leaf, "a")]
        return seeds.apart_from(out, given)

    def _rows(self, part, k):
        """The block ``part`` pulled back one cotangent at a time, through the tape."""
        return blocks.stacked([self.pullback(blocks.row(part, self.y, i)) for i in range(k)])


def batched_vjp(f, primals, cotangents, wrt=None):
    """``(y, cotangent_blocks)``: ``s2sad.vjp``'s pullback for k cotangents at once."""
    sweep = Sweep(f, primals, wrt)
    return sweep.y, sweep.pull(cotangents, {})
