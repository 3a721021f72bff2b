"""The stages, in order; nothing else."""
from __future__ import annotations

from dataclasses import dataclass

from . import motion
from .analyze import analyze
from .compile import compile_function
from .cse import mutation_free
from .forward import forward
from .errors import UsageError
from .normalize import normalize
from .optimize import optimize
from .parse import ParsedFunction, parse
from .reverse import reverse


@dataclass(frozen=True)
class Front:
    """What does not depend on the arguments' kinds: parsed and normalized once."""

    parsed: ParsedFunction
    tree: object
    names: object


@dataclass(frozen=True)
class Generated:
    functions: tuple      # compiled callables
    source: str           # their source text, exactly what runs


def front(func) -> Front:
    parsed = parse(func)
    tree, names = normalize(parsed)
    return Front(parsed, tree, names)


def adjoint(fr: Front, wrt: tuple, kinds: dict, variant: str, optimized: bool,
            link=None) -> Generated:
    """variant: ``grad``, ``value_and_grad`` or ``vjp`` (split motion). ``link(kind,
    callee, wrt)`` makes what generated code calls for a user function's derivative."""
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
        if facts.kind(sweeps.output) == "other":
            raise UsageError(f"grad of {base!r} needs a scalar output, but it returns a "
                             "tuple or other non-number; use s2sad.vjp with a seed of the "
                             "output's structure", "non-scalar-output")
        scalar = facts.kind(sweeps.output) == "scalar"
        defs = (motion.joint(f"{base}_{variant}", tree.args, sweeps,
                             variant == "value_and_grad", None if scalar else base,
                             names.fresh("value")),)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == "scalar" or n in facts.active}
        reuse = mutation_free(fr.tree.body)
        defs = tuple(optimize(_clone(d), floats | sweeps.adjoints, sweeps.adjoints, reuse)
                     for d in defs)
    cells = {name: link(*spec) for name, spec in sweeps.bindings.items()}
    built = [compile_function(d, fr.parsed, f"{variant} {','.join(wrt)}", cells) for d in defs]
    return Generated(tuple(fn for fn, _ in built), "\n\n".join(text for _, text in built))


def tangent(fr: Front, wrt: tuple, kinds: dict, optimized: bool, link=None) -> Generated:
    """The forward-mode function ``f_jvp(..., *, d_<wrt>...) -> (y, d_y)``."""
    names = _copy_names(fr.names)
    tree = _clone(fr.tree)
    facts = analyze(tree, fr.parsed, wrt, kinds, mode="forward")
    body, output, d_output, params, bindings = forward(tree, facts, wrt, names)
    func = motion.tangent(f"{fr.parsed.name}_jvp", tree.args, body, output, d_output, params)
    if optimized:
        floats = {n for n, k in facts.kinds.items() if k == "scalar" or n in facts.active}
        tangents = frozenset(names.taken) - frozenset(fr.names.taken)
        func = optimize(_clone(func), floats | tangents, frozenset(),
                        mutation_free(fr.tree.body))
    cells = {name: link(*spec) for name, spec in bindings.items()}
    fn, text = compile_function(func, fr.parsed, f"jvp {','.join(wrt)}", cells)
    return Generated((fn,), text)


def _clone(tree):
    from .nodes import clone
    return clone(tree)


def _copy_names(names):
    import copy
    return copy.deepcopy(names)
