"""A derivative as a module of its own: the generated functions, the derivatives of
the user functions they call, and the imports they need, so that it runs with
NumPy and ``s2sad.runtime`` alone (``s2sad adjoint FILE.py:f -o f_grad.py``).

What generated code reads beyond its arguments comes from three places, each
carried its own way: s2sad's runtime (``np``, ``math``, ``_rt``: imported), the
user's module globals (imported from the user's module, which must be
importable), and the derivatives of called user functions (generated here, for
the argument kinds the caller passes them, under the names the caller's code
uses). A closure's cells and a nested function's derivative exist only while
the program runs: asking to carry them is a ``cannot-carry`` error.
"""
from __future__ import annotations

import builtins
import inspect
import re
import symtable
from dataclasses import dataclass

from ..analysis import kinds as kind_rules
from ..driver import pipeline
from ..analysis.analyze import GradientOf, analyze
from ..errors import UsageError
from ..rules import USER_CELLS

_RUNTIME_IMPORTS = {"math": "import math", "np": "import numpy as np",
                    "_rt": "from s2sad import runtime as _rt"}
_VARIANT_NAMES = {"grad": "Gradient", "value_and_grad": "Value and gradient",
                  "vjp": "Split reverse mode (forward and backward functions)",
                  "jvp": "Tangent (forward mode)"}
_KIND_NAMES = {kind_rules.Tag.SCALAR: "float", kind_rules.Tag.ARRAY: "float array",
               kind_rules.Tag.INT: "int", kind_rules.Tag.INTARRAY: "int array",
               kind_rules.Tag.OTHER: "any other value", kind_rules.Tag.DICT: "dict of floats",
               kind_rules.Tag.TREE: "list or tuple of floats"}


@dataclass(frozen=True)
class _Link:
    """What ``pipeline`` asked to bind for a called user function's derivative."""

    kind: str             # vjp | jvp | vjp_of | jvp_of
    callee: object
    wrt: tuple


def _link(kind, callee, wrt, caller=None):
    return _Link(kind, callee, wrt)


@dataclass
class _Unit:
    text: str             # one or more function definitions
    parsed: object        # the ParsedFunction it was generated from
    module: str           # the name the user's module is imported by
    names: tuple = ()     # the functions it defines
    tangents: tuple = ()  # for a tangent function: its tangent parameters


def module_source(front, wrt, kinds, variant, optimized, module=None) -> str:
    """The text of an importable module holding the derivative ``variant`` (``grad``,
    ``value_and_grad``, ``vjp`` or ``jvp``) of ``front``'s function and all it needs.
    ``module`` is the name to import the user's globals from (default: the function's
    ``__module__``)."""
    builder = _Builder(front.parsed.func.__globals__, module)
    main = builder.build(front, wrt, kinds, variant, optimized)
    main.text = _guard(main.text, main.names[0], kinds)
    builder.units.insert(0, main)
    func = front.parsed.func
    where = f"{builder.module_of(front.parsed)}.{func.__qualname__}"
    shown = ", ".join(f"{p}: {_kind_name(k)}" for p, k in kinds.items())
    doc = (f'"""{_VARIANT_NAMES[variant]} of {where} with respect to {", ".join(wrt)}, '
           f"written by s2sad.\n\nGenerated for arguments of these kinds (other kinds "
           f"need their own module):\n{shown}.\nIt runs with NumPy and s2sad.runtime; the "
           'compiler is not needed."""')
    return builder.assemble(doc)


class _Builder:
    def __init__(self, main_globals, module):
        self.main_globals, self.module = main_globals, module
        self.units: list = []
        self.glue: dict = {}          # link name -> the derivative (key) it calls
        self.done: dict = {}          # derivative key -> the first link name for it
        self.taken: set = set()

    def build(self, fr, wrt, kinds, variant, optimized, private=False) -> _Unit:
        """Generate one derivative; its callees' derivatives are added to ``units``."""
        if variant == "jvp":
            made = pipeline.tangent(fr, wrt, kinds, optimized, _link)
        else:
            made = pipeline.adjoint(fr, wrt, kinds, variant, optimized, _link)
        text, names, links = made.source, [], {}
        for fn in made.functions:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
                if isinstance(cell.cell_contents, _Link):
                    links[name] = cell.cell_contents
            name = self.fresh("_" + fn.__name__) if private else self.claim(fn.__name__)
            text = re.sub(rf"^def {fn.__name__}\(", f"def {name}(", text, flags=re.M)
            names.append(name)
        code = made.functions[-1].__code__
        tangents = code.co_varnames[code.co_argcount:
                                    code.co_argcount + code.co_kwonlyargcount][-len(wrt):]
        mode = "forward" if variant == "jvp" else "reverse"
        call_kinds = self.call_site_kinds(fr, wrt, kinds, mode) if links else {}
        for name, found in sorted(links.items()):
            self.add_callee(fr.parsed, name, found, call_kinds, optimized)
        return _Unit(text, fr.parsed, self.module_of(fr.parsed), tuple(names), tangents)

    def claim(self, name) -> str:
        if name in self.taken:
            raise _cannot(f"two generated functions would both be named {name!r}")
        self.taken.add(name)
        return name

    def fresh(self, base) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def call_site_kinds(self, fr, wrt, kinds, mode) -> dict:
        """(callee, wrt) -> the kinds of the callee's parameters at its call sites."""
        facts = analyze(pipeline.clone(fr.tree), fr.parsed, wrt, kinds, mode)
        found = {}
        for prim in facts.prims.values():
            if prim.op != "call" or prim.callee is None:
                continue
            active = tuple(slot for slot, ident in prim.operands if facts.is_active(ident))
            key = (id(prim.callee), active)
            passed = {p: _as_parameter(p, facts.kind(atom)) for p, atom in prim.bound.items()}
            if found.setdefault(key, passed) != passed:
                raise _cannot(f"{fr.parsed.name!r} calls {prim.callee.__name__!r} with "
                              "arguments of different kinds (floats here, arrays there); "
                              "a module holds one derivative per call")
        return found

    def add_callee(self, caller, name, found: _Link, call_kinds, optimized):
        if found.kind not in ("vjp", "jvp") or isinstance(found.callee, GradientOf):
            what = "a nested def" if found.callee is None else "s2sad.grad inside the function"
            raise _cannot(f"{caller.name!r} calls {what}, whose derivative is made while "
                          "the program runs; move the nested function to module level")
        if hasattr(found.callee, "__self__"):
            raise _cannot(f"{caller.name!r} calls {found.callee.__qualname__!r}, a method "
                          "of an object of the program, which a module cannot carry; pass "
                          "what the method reads as arguments of a module-level def")
        callee = getattr(found.callee, "__s2sad_primal__", found.callee)
        passed = call_kinds.get((id(found.callee), found.wrt))
        fr = pipeline.front(callee)
        params = fr.parsed.params + fr.parsed.kwonly
        kinds = {p: passed[p] if passed and p in passed else self.default_kind(callee, p)
                 for p in params}
        key = (callee.__code__, found.kind, found.wrt, tuple(kinds.values()))
        if name in self.glue:
            if self.glue[name] != key:
                raise _cannot(f"two callers name different derivatives {name!r}")
            return                            # emitted already (a recursive call)
        self.glue[name] = key
        self.claim(name)
        module = self.module_of(fr.parsed)
        if key in self.done:                  # the same derivative under another name
            self.units.append(_Unit(f"{name} = {self.done[key]}\n", fr.parsed, module))
            return
        self.done[key] = name
        variant = "vjp" if found.kind == "vjp" else "jvp"
        unit = self.build(fr, found.wrt, kinds, variant, optimized, private=True)
        shape = getattr(callee, "__s2sad_variadic__", None)     # a def with **kwargs
        glue = _glue(found.kind, name, unit, callee.__name__, found.wrt,
                     dict(shape.keywords) if shape is not None else {})
        self.units += [unit, _Unit(glue, fr.parsed, module)]

    def default_kind(self, callee, param) -> str:
        value = inspect.signature(callee).parameters[param].default
        if value is inspect.Parameter.empty:
            return kind_rules.OTHER
        return kind_rules.of_argument(param, value)

    def module_of(self, parsed) -> str:
        if parsed.func.__globals__ is self.main_globals and self.module:
            return self.module
        return parsed.func.__module__

    def assemble(self, doc) -> str:
        body = "\n\n\n".join(unit.text.rstrip("\n") for unit in self.units) + "\n"
        defined = set(self.taken) | set(self.glue)
        imports: dict = {}
        runtime = set()
        for unit in self.units:
            for name in sorted(_free_names(unit.text) - defined):
                if name in _RUNTIME_IMPORTS:
                    runtime.add(name)
                else:
                    self.carry(unit, name, imports)
        libraries = [_RUNTIME_IMPORTS[n] for n in ("math", "np") if n in runtime]
        ours = [_RUNTIME_IMPORTS["_rt"]] if "_rt" in runtime else []
        ours += [f"from {module} import {', '.join(sorted(imports[module]))}"
                 for module in sorted(imports)]
        lines = [doc] + libraries + ([""] if libraries and ours else []) + ours
        return "\n".join(lines) + "\n\n\n" + body

    def carry(self, unit, name, imports):
        """Import ``name``, which ``unit``'s code reads from its module or a rule."""
        parsed = unit.parsed
        if name in parsed.closure:
            raise _cannot(f"{parsed.name!r} reads {name!r} from an enclosing function (a "
                          "closure cell), which a module cannot import; make it a module "
                          "global or pass it as an argument")
        if name in parsed.func.__globals__:
            if unit.module == "__main__" or unit.module.startswith("_s2sad") or \
                    not all(part.isidentifier() for part in unit.module.split(".")):
                raise _cannot(f"{parsed.name!r} reads the global {name!r} of a module "
                              f"that cannot be imported ({unit.module!r})")
            imports.setdefault(unit.module, set()).add(name)
            return
        if name in USER_CELLS:
            rule = USER_CELLS[name]
            module, qualname = getattr(rule, "__module__", None), \
                getattr(rule, "__qualname__", "")
            if module and "." not in qualname and "<" not in qualname:
                imports.setdefault(module, set()).add(f"{qualname} as {name}")
                return
            raise _cannot(f"the derivative rule {rule!r} registered with s2sad.defvjp or "
                          "defjvp is not a module-level function, so it cannot be imported")
        if not hasattr(builtins, name):
            raise _cannot(f"generated code reads {name!r}, which is not a global of "
                          f"{unit.module!r}")


def _kind_name(kind) -> str:
    ndim = kind_rules.ndim(kind)
    return f"{ndim}-d float array" if ndim is not None else _KIND_NAMES[kind.tag]


def _as_parameter(param, kind) -> str:
    """A caller's kind for a value, as the callee's parameter sees it (an array's shape
    class is the parameter's own, as when the call runs)."""
    ndim = kind_rules.ndim(kind)
    return kind_rules.Kind(kind_rules.Tag.ARRAY, param, ndim) if ndim is not None else kind


def _guard(text, name, kinds) -> str:
    """The entry function first checks that its float arguments have the dimensions it
    was generated for (``_rt.check_ndims``)."""
    expected = [(p, kind_rules.ndim(k) if k != kind_rules.SCALAR else 0)
                for p, k in kinds.items()
                if k == kind_rules.SCALAR or kind_rules.ndim(k) is not None]
    if not expected:
        return text
    checks = ", ".join(f"({p!r}, {p}, {ndim})" for p, ndim in expected)
    head, _, rest = text.partition("\n")
    return f"{head}\n    _rt.check_ndims({name!r}, {checks})\n{rest}"


def _glue(kind, name, unit, callee_name, wrt, renamed=None) -> str:
    """The function callers call: ``(y, pullback)`` or ``(y, d_y)``, as s2sad's own
    call links (s2sad.driver.target) return them; ``renamed``: the keywords that land in
    the callee's ``**kwargs``, and the parameters its specialisation takes them by."""
    rename = f"    kwargs = {{{renamed!r}.get(k, k): v for k, v in kwargs.items()}}\n" \
        if renamed else ""
    if kind == "vjp":
        forward, backward = unit.names
        return (f"def {name}(*args, **kwargs):\n"
                f'    """{callee_name} and its pullback (split reverse mode)."""\n'
                f"{rename}"
                f"    y, residuals = {forward}(*args, **kwargs)\n"
                f"    return y, lambda b_y: {backward}(residuals, b_y)\n")
    tangent, = unit.names
    passed = ", ".join(f"{p}={p}" for p in unit.tangents)
    unpack = ", ".join(unit.tangents) + ("," if len(unit.tangents) == 1 else "")
    return (f"def {name}(tangents, *args, **kwargs):\n"
            f'    """{callee_name} and its tangent along {", ".join(wrt)}."""\n'
            f"{rename}"
            f"    {unpack} = tangents\n"
            f"    return {tangent}(*args, {passed}, **kwargs)\n")


def _free_names(text: str) -> set:
    """Global names the text reads: loaded in a function and not local there, or read at
    module level (default values) without being defined there."""
    table = symtable.symtable(text, "<generated>", "exec")
    found = set()
    stack = [table]
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        for sym in scope.get_symbols():
            if scope.get_type() == "module":
                if sym.is_referenced() and not sym.is_assigned() and not sym.is_imported():
                    found.add(sym.get_name())
            elif sym.is_global() and sym.is_referenced():
                found.add(sym.get_name())
    return found


def _cannot(message) -> UsageError:
    return UsageError(f"cannot write the derivative as a module: {message}", "cannot-carry")
