"""The stages, in order; nothing else."""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..transform import motion
from ..front import sourcemap
from ..analysis.analyze import analyze
from .compile import compile_function
from ..optimize.cse import mutation_free
from ..errors import UsageError
from ..transform.forward import forward
from ..front.normalize import normalize
from ..optimize.passes import optimize
from ..front.parse import ParsedFunction, is_generated, parse
from ..transform.reverse import reverse


@dataclass(frozen=True)
class Front:
    """What does not depend on the arguments' kinds: parsed and normalized once."""

    parsed: ParsedFunction
    tree: object
    names: object
    tag: str = ""         # what was done to the tree beyond normalizing ("inlined")


@dataclass(frozen=True)
class Generated:
    functions: tuple      # compiled callables
    source: str           # their source text, exactly what runs
    units: tuple = ()     # compile.Unit per function: what compiling them again needs
    bindings: tuple = ()  # (cell name, (kind, callee, wrt)): the callees' derivatives


def front(func) -> Front:
    parsed = parse(func)
    tree, names = normalize(parsed)
    return Front(parsed, tree, names)


def adjoint(fr: Front, wrt: tuple, kinds: dict, variant: str, optimized: bool,
            link=None, instrument=None) -> Generated:
    """variant: ``grad``, ``value_and_grad`` or ``vjp`` (split motion). ``link(kind,
    callee, wrt)`` makes what generated code calls for a user function's derivative;
    ``instrument(def) -> (def, cells)`` edits each definition before it is compiled
    (s2sad.trace inserts its recording calls there)."""
    names = _copy_names(fr.names)
    tree = _clone(fr.tree)
    facts = analyze(tree, fr.parsed, wrt, kinds)
    sweeps = reverse(tree, facts, wrt, names)
    sweeps.results[:] = motion.owned(sweeps.results, [kinds[w] for w in wrt])
    base = fr.parsed.name
    if variant == "vjp":
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
        scalar = facts.kind(sweeps.output) == "scalar"
        defs = (motion.joint(f"{base}_{variant}", tree.args, sweeps,
                             variant == "value_and_grad", None if scalar else base,
                             names.fresh("value")),)
    defs = tuple(sourcemap.stamp_expressions(d) for d in defs)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == "scalar" or n in facts.active}
        reuse = mutation_free(fr.tree.body)
        defs = tuple(optimize(_clone(d), floats | sweeps.adjoints, sweeps.adjoints, reuse)
                     for d in defs)
    cells = {name: link(*spec, fr.parsed) for name, spec in sweeps.bindings.items()}
    defs, cells = _instrumented(defs, cells, instrument)
    defs = tuple(_annotate(d, fr.parsed) for d in defs)
    built = [compile_function(d, fr.parsed, f"{variant} {','.join(wrt)}", cells) for d in defs]
    return Generated(tuple(fn for fn, _ in built), "\n\n".join(u.text for _, u in built),
                     tuple(u for _, u in built), tuple(sweeps.bindings.items()))


def _built_as_container(tree, output) -> bool:
    """Whether every assignment of the output is a tuple, list or dict display."""
    if isinstance(output, (gast.Tuple, gast.List, gast.Dict)):
        return True
    if not isinstance(output, gast.Name):
        return False
    values = [s.value for s in gast.walk(tree) if isinstance(s, gast.Assign)
              and any(isinstance(t, gast.Name) and t.id == output.id for t in s.targets)]
    return bool(values) and all(isinstance(v, (gast.Tuple, gast.List, gast.Dict))
                                for v in values)


def tangent(fr: Front, wrt: tuple, kinds: dict, optimized: bool, link=None,
            instrument=None) -> Generated:
    """The forward-mode function ``f_jvp(..., *, d_<wrt>...) -> (y, d_y)``."""
    names = _copy_names(fr.names)
    tree = _clone(fr.tree)
    facts = analyze(tree, fr.parsed, wrt, kinds, mode="forward")
    body, output, d_output, params, bindings = forward(tree, facts, wrt, names)
    func = motion.tangent(f"{fr.parsed.name}_jvp", tree.args, body, output, d_output, params)
    func = sourcemap.stamp_expressions(func)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == "scalar" or n in facts.active}
        tangents = frozenset(names.taken) - frozenset(fr.names.taken)
        func = optimize(_clone(func), floats | tangents, frozenset(),
                        mutation_free(fr.tree.body))
    cells = {name: link(*spec, fr.parsed) for name, spec in bindings.items()}
    (func,), cells = _instrumented((func,), cells, instrument)
    func = _annotate(func, fr.parsed)
    fn, unit = compile_function(func, fr.parsed, f"jvp {','.join(wrt)}", cells)
    return Generated((fn,), unit.text, (unit,), tuple(bindings.items()))


def _annotate(func, parsed):
    """Line comments naming the user's source; none for code s2sad generated itself
    (a second derivative differentiates a generated function)."""
    if is_generated(parsed.filename):
        return func
    return sourcemap.annotate(func, parsed.file_lines)


def _instrumented(defs, cells, instrument):
    if instrument is None:
        return defs, cells
    edited = [instrument(d) for d in defs]
    for _, extra in edited:
        cells = dict(cells, **extra)
    return tuple(d for d, _ in edited), cells


def _clone(tree):
    from ..tree.nodes import clone
    return clone(tree)


def _copy_names(names):
    import copy
    return copy.deepcopy(names)
