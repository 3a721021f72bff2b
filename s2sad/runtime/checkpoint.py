"""Checkpointed loops: the marker and the schedule the adjoint of a marked loop follows.

``for i in s2sad.checkpointed(range(n), snapshots=s):`` is the identity when it runs
(the primal, forward mode); the reverse transform recognises the call and, instead of
taping every step, keeps ``s`` snapshots of the loop-carried state and recomputes each
segment (taped) during the adjoint sweep. The schedule is uniform: a snapshot every
``ceil(n / s)`` steps, so memory is ``s`` snapshots plus one segment's tape, and each
step runs twice (once in the primal sweep, once when its segment is recomputed).
"""
import math

__all__ = ["checkpointed", "segment", "segment_length", "segments"]


def checkpointed(iterable, snapshots=1):
    """Mark a loop for checkpointing; returns ``iterable`` unchanged."""
    return iterable


def segment_length(trips, snapshots) -> int:
    """Steps between two snapshots: ``ceil(trips / snapshots)``, at least 1."""
    return max(1, math.ceil(trips / max(1, int(snapshots))))


def segments(trips, length) -> int:
    """How many segments of ``length`` steps cover ``trips`` steps."""
    return -(-trips // length)


def segment(index, length, trips):
    """The step indices of segment ``index``: ``range(index * length, ...)``."""
    return range(index * length, min(trips, (index + 1) * length))
