"""The stages, in order, and the one place their output becomes a ``Generated``:
``assemble`` compiles the emitted units with their callees' derivatives linked, for a
fresh transformation and for source the disk cache stored alike."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import gast

from ..transform import checkpoints, motion
from ..front import sourcemap
from ..analysis import kinds as kind_rules
from ..analysis.analyze import analyze
from .cachekey import globals_now
from .collector import fewer_collections
from .depth import guarded
from .compile import compile_unit, unit_of
from ..optimize.cse import mutation_free
from ..errors import CompileError, UsageError
from ..transform.forward import forward
from ..front.normalize import normalize
from ..optimize.passes import optimize
from ..front.parse import ParsedFunction, is_generated, parse
from ..transform.reverse import reverse
from ..tree import nodes
from ..tree.nodes import clone


@dataclass(frozen=True)
class Front:
    """What does not depend on the arguments' kinds: parsed and normalized once."""

    parsed: ParsedFunction
    tree: object
    names: object
    tag: str = ""         # what was done to the tree beyond normalizing ("inlined")
    snapshots: int | None = None   # grad(f, checkpoint=s): top-level range loops marked
    callees: tuple = ()   # inlined: (parsed, path, function) per call, stale once rebound


@dataclass(frozen=True)
class Generated:
    functions: tuple      # compiled callables
    source: str           # their source text, exactly what runs
    units: tuple = ()     # compile.Unit per function: what compiling them again needs
    bindings: tuple = ()  # (cell name, (kind, callee, wrt)): the callees' derivatives


SECOND_ORDER = ("grad2", "pullback")
_located = guarded(lambda fr, *args, **kwargs: fr.parsed.func)


@guarded(lambda func: func)
@fewer_collections
def front(func) -> Front:
    parsed = parse(func)
    tree, names = normalize(parsed)
    return Front(parsed, tree, names)


def checkpointed(fr: Front, snapshots: int) -> Front:
    """``fr`` with its top-level ``for`` loops over ``range`` checkpointed, ``snapshots``
    snapshots each (``grad(f, checkpoint=snapshots)``)."""
    names = copy.deepcopy(fr.names)
    tree = checkpoints.mark_range_loops(clone(fr.tree), names, snapshots)
    return Front(fr.parsed, tree, names, f"{fr.tag} checkpoint={snapshots}".strip(), snapshots)


@_located
@fewer_collections
def adjoint(fr: Front, wrt: tuple, kinds: dict, variant: str, optimized: bool,
            link=None, instrument=None) -> Generated:
    """variant: ``grad``, ``value_and_grad`` or ``vjp`` (split motion); for code to be
    differentiated again (:data:`SECOND_ORDER`), ``grad2`` (``grad`` whose calls are
    recomputed by their pullbacks) or ``pullback`` (``g_pullback(..., *, b_out)``,
    the cotangents for a given output adjoint). ``link(kind,
    callee, wrt)`` makes what generated code calls for a user function's derivative;
    ``instrument(def) -> (def, cells)`` edits each definition before it is compiled
    (s2sad.trace inserts its recording calls there)."""
    refused = checkpoints.refusals(fr.parsed, fr.snapshots)
    if refused:
        raise CompileError(refused)
    names = copy.deepcopy(fr.names)
    tree, facts = _analyzed(fr, wrt, kinds, "reverse")
    sweeps = reverse(tree, facts, wrt, names, recompute=variant in SECOND_ORDER)
    sweeps.results[:] = motion.owned(sweeps.results, [kinds[w] for w in wrt])
    base = fr.parsed.name
    if variant == "pullback":
        defs = (motion.seeded(f"{base}_pullback", tree.args, sweeps, names.fresh("b_" + base)),)
    elif variant == "vjp":
        defs = motion.split(base, tree.args, sweeps, list(kinds), names.fresh("b_" + base),
                            names.fresh("_residuals"))
    else:
        # an output of kind "other" may be a number (``t[1]`` of a tuple, ``ld`` of
        # ``_s, ld = slogdet(x)``): it is checked on its value when the code runs;
        # refused now only when it is certainly a tuple, list or dict
        if _built_as_container(tree, sweeps.output):
            raise UsageError(f"grad of {base!r} needs a scalar output, but it returns a "
                             "tuple, list or dict; use s2sad.vjp with a seed of the "
                             "output's structure", "non-scalar-output")
        scalar = facts.kind(sweeps.output) == kind_rules.SCALAR
        defs = (motion.joint(f"{base}_{variant}", tree.args, sweeps,
                             variant == "value_and_grad", None if scalar else base,
                             names.fresh("value")),)
    defs = tuple(sourcemap.stamp_expressions(d) for d in defs)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == kind_rules.SCALAR or n in facts.active}
        reuse = mutation_free(fr.tree.body)
        defs = tuple(optimize(clone(d), floats | sweeps.adjoints, sweeps.adjoints, reuse)
                     for d in defs)
    return _emitted(defs, fr.parsed, f"{variant} {','.join(wrt)}", sweeps.bindings, link,
                    instrument)


def _built_as_container(tree, output) -> bool:
    """Whether every assignment of the output is a tuple, list or dict display."""
    if isinstance(output, (gast.Tuple, gast.List, gast.Dict)):
        return True
    if not isinstance(output, gast.Name):
        return False
    values = [s.value for s in nodes.walk(tree) if isinstance(s, gast.Assign)
              and any(isinstance(t, gast.Name) and t.id == output.id for t in s.targets)]
    return bool(values) and all(isinstance(v, (gast.Tuple, gast.List, gast.Dict))
                                for v in values)


@_located
@fewer_collections
def tangent(fr: Front, wrt: tuple, kinds: dict, optimized: bool, link=None,
            instrument=None) -> Generated:
    """The forward-mode function ``f_jvp(..., *, d_<wrt>...) -> (y, d_y)``."""
    names = copy.deepcopy(fr.names)
    tree, facts = _analyzed(fr, wrt, kinds, "forward")
    body, output, d_output, params, bindings = forward(tree, facts, wrt, names)
    func = motion.tangent(f"{fr.parsed.name}_jvp", tree.args, body, output, d_output, params)
    func = sourcemap.stamp_expressions(func)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == kind_rules.SCALAR or n in facts.active}
        tangents = frozenset(names.taken) - frozenset(fr.names.taken)
        func = optimize(clone(func), floats | tangents, frozenset(),
                        mutation_free(fr.tree.body))
    return _emitted((func,), fr.parsed, f"jvp {','.join(wrt)}", bindings, link, instrument)


@_located
@fewer_collections
def check(fr: Front, wrt: tuple, kinds: dict, mode: str) -> None:
    """Analyze only: what cannot be differentiated is reported before anything runs. The
    analysed copy is kept for the first transformation of the same arguments' kinds
    (``grad(f)`` checks, and its first call would analyze the same again)."""
    tree = clone(fr.tree)
    facts = analyze(tree, fr.parsed, wrt, kinds, mode)
    _CHECKED[(id(fr), wrt, tuple(kinds.items()), mode, globals_now(fr.parsed))] = \
        (fr, tree, facts)
    while len(_CHECKED) > _KEEP_CHECKED:
        del _CHECKED[next(iter(_CHECKED))]


_CHECKED: dict = {}     # (front, wrt, kinds, mode) -> (front, its tree, the analysis), once
_KEEP_CHECKED = 4


def _analyzed(fr: Front, wrt: tuple, kinds: dict, mode: str):
    """A copy of ``fr``'s tree and its analysis: the check's, where it analysed the same
    (taken: a transformation edits its tree), else made now."""
    # what the names mean is part of the key: a callee rebound since the check is another
    kept = _CHECKED.pop((id(fr), wrt, tuple(kinds.items()), mode, globals_now(fr.parsed)), None)
    if kept is not None and kept[0] is fr:
        return kept[1], kept[2]
    tree = clone(fr.tree)
    return tree, analyze(tree, fr.parsed, wrt, kinds, mode)


def _emitted(defs, parsed, tag, bindings: dict, link, instrument) -> Generated:
    extra = {}
    if instrument is not None:
        edited = [instrument(d) for d in defs]
        defs = tuple(d for d, _ in edited)
        extra = {name: cell for _, cells in edited for name, cell in cells.items()}
    units = tuple(unit_of(_annotate(d, parsed), parsed, tag) for d in defs)
    return assemble(parsed, units, tuple(bindings.items()), link, extra)


@guarded(lambda parsed, *args, **kwargs: parsed.func)
def assemble(parsed: ParsedFunction, units: tuple, bindings: tuple, link,
             extra_cells=None) -> Generated:
    """The compiled functions of ``units``: each callee's derivative in ``bindings``
    (``(cell, (kind, callee, wrt))``) made by ``link(kind, callee, wrt, parsed)``."""
    cells = {name: link(*spec, parsed) for name, spec in bindings}
    cells.update(extra_cells or {})
    functions = tuple(compile_unit(u, parsed, cells) for u in units)
    return Generated(functions, "\n\n".join(u.text for u in units), tuple(units),
                     tuple(bindings))


def _annotate(func, parsed):
    """Line comments naming the user's source; none for code s2sad generated itself
    (a second derivative differentiates a generated function)."""
    if is_generated(parsed.filename):
        return func
    return sourcemap.annotate(func, parsed.file_lines)

