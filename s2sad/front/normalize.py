"""Stage 2, normalize: the function body -> an evaluation trace (ANF).

Every call and operator gets its own assignment to a fresh temporary, in
Python's evaluation order; augmented and multiple assignments, tuple
unpacking, conditional expressions and ``and``/``or`` values are expanded;
``zip``/``enumerate`` loops iterate over an index. The tests of ``if`` and
``while`` stay as written: they only steer control flow and carry no
derivative. Jumps and SSA names are settled afterwards (``jumps``, ``ssa``).

>>> print(_demo("def f(x1, x2):\\n    return np.log(x1) + x1 * x2 - np.sin(x2)"))
def f(x1, x2):
    v1 = np.log(x1)
    v2 = x1 * x2
    v3 = v1 + v2
    v4 = np.sin(x2)
    v5 = v3 - v4
    return v5
"""
from __future__ import annotations

import types

import gast

from . import builtin_calls, frozen_stats, jumps, sourcemap, ssa, syntax, tree_calls
from ..rules import USER_CELLS
from ..tree import emit, nodes
from ..tree.names import NameGen
from .parse import ParsedFunction

# The attribute marking ``w = w op v`` written for the user's ``w op= v`` (its value: the
# user's name): SSA renames w's versions, so the mark, not the names, says which it was.
AUGMENTED = "s2sad_augmented"
# The attribute of a normalized tree mapping each name the user wrote, and each SSA
# version of one, to the user's name (temporaries are absent): messages show those.
USER_NAMES = "s2sad_user_names"


def normalize(parsed: ParsedFunction) -> tuple[gast.FunctionDef, NameGen]:
    """Check, flatten, lower jumps, rename to SSA; returns a new tree and its names."""
    syntax.check(parsed)
    tree = nodes.clone(parsed.tree)
    builtin_calls.rewrite(tree, parsed.lookup)
    frozen_stats.rewrite(tree, parsed.lookup)      # norm(m, s).logpdf(x): before p.w reads
    tree_calls.rewrite(tree, parsed.lookup)
    gen = NameGen.for_tree(tree, extra=USER_CELLS)    # the names rules are called by
    local = nodes.names_stored(tree)
    tree.body = _Flatten(gen, local, parsed.line_offset).block(tree.body)
    tree.body = jumps.lower(tree.body, gen)
    written = {n.id for n in nodes.walk(parsed.tree) if isinstance(n, gast.Name)}
    versions = {}
    tree.body = ssa.rename(tree, gen, versions)
    setattr(tree, USER_NAMES, {**{n: n for n in written}, **versions})
    return tree, gen


class _Flatten:
    def __init__(self, gen: NameGen, local: set, line_offset: int = 0):
        self.gen = gen
        self.local = local
        self.line_offset = line_offset
        self.line = None          # the user's line of the statement being flattened

    # statements ---------------------------------------------------------

    def block(self, stmts) -> list:
        out = []
        for stmt in stmts:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, s) -> list:
        """``s`` flattened; what it becomes carries its line in the user's file (a
        statement the flattening wrote, such as a loop's item, that of the enclosing one)."""
        enclosing = self.line
        if getattr(s, "lineno", None) is not None:
            self.line = s.lineno + self.line_offset
        out: list = []
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            out = [s]           # pass, break, continue, raise, assert: kept as written
        else:
            method(s, out)
        # temporaries, the branches of a conditional expression: all from this line
        sourcemap.stamp_all([made for made in out if made is not s], self.line)
        sourcemap.stamp([s], self.line)
        self.line = enclosing
        return out

    def stmt_Assign(self, s, out):
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Subscript):
            target = s.targets[0]
            index = self.index(target.slice, out)
            value = self.atom(s.value, out)
            self.update(out, target.value.id, index, value, s)
            return
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            self.emit(out, s.targets[0].id, self.rhs(s.value, out), s)
            return
        value = self.atom(s.value, out) if len(s.targets) > 1 else None
        for target in s.targets:
            self.unpack(target, value if value is not None else s.value, out, s)

    def stmt_AnnAssign(self, s, out):
        self.unpack(s.target, s.value, out, s)

    def stmt_AugAssign(self, s, out):
        if isinstance(s.target, gast.Subscript):          # y[i] += v: read, add, write back
            array, index = s.target.value.id, self.index(s.target.slice, out)
            old = self.gen.temp()
            self.emit(out, old, nodes.subscript(nodes.name(array), nodes.clone(index)), s)
            value = gast.copy_location(gast.BinOp(left=nodes.name(old), op=s.op,
                                                  right=s.value), s)
            self.update(out, array, index, self.atom(value, out), s)
            return
        target = s.target.id
        value = gast.BinOp(left=nodes.name(target), op=s.op, right=s.value)
        gast.copy_location(value, s)
        self.emit(out, target, self.rhs(value, out), s)
        setattr(out[-1], AUGMENTED, target)      # w op= v may change w's memory in place

    def stmt_Expr(self, s, out):
        if isinstance(s.value, gast.Constant):
            return              # docstring or bare constant
        value = self.rhs(s.value, out)
        out.append(gast.copy_location(gast.Expr(value=value), s))

    def stmt_Return(self, s, out):
        value = nodes.const(None) if s.value is None else self.atom(s.value, out)
        out.append(gast.copy_location(nodes.ret(value), s))

    def stmt_If(self, s, out):
        s.body, s.orelse = self.block(s.body), self.block(s.orelse)
        out.append(s)

    def stmt_While(self, s, out):
        s.body = self.block(s.body)
        out.append(s)

    def stmt_For(self, s, out):
        it = s.iter
        if _is_call_to(it, "enumerate", 1) and _is_pair(s.target):
            index, item = s.target.elts
            seq = self.iterated(self.atom(it.args[0], out), s, out)
            s.target, s.iter = index, nodes.call("range", nodes.call("len", seq))
            s.body = [nodes.assign(item, nodes.subscript(seq, nodes.name(index.id)))] + s.body
        elif _is_call_to(it, "zip") and isinstance(s.target, gast.Tuple) \
                and len(s.target.elts) == len(it.args) > 0:
            seqs = [self.iterated(self.atom(a, out), s, out) for a in it.args]
            index = self.gen.temp()
            lengths = [nodes.call("len", seq) for seq in seqs]
            count = lengths[0] if len(seqs) == 1 else nodes.call("min", *lengths)
            s.iter = nodes.call("range", count)
            s.body = [nodes.assign(t, nodes.subscript(seq, nodes.name(index)))
                      for t, seq in zip(s.target.elts, seqs)] + s.body
            s.target = nodes.name(index, store=True)
        elif _is_call_to(it, "range"):
            s.iter = self.rhs(it, out)
        else:
            s = self.items(s, self.atom(it, out), out)   # its view is the snapshot
            if isinstance(s, gast.While):           # a body that grows the list it walks
                self.stmt_While(s, out)
                return
        # a target the body rebinds (``for i in range(n): i = ...``) is assigned in the
        # body from the loop's own name: the tape saves and restores it like any name
        if not isinstance(s.target, gast.Name) or any(
                s.target.id in nodes.names_stored(b) for b in s.body):
            item = self.gen.temp()
            s.body = [nodes.assign(s.target, nodes.name(item))] + s.body
            s.target = nodes.name(item, store=True)
        s.body = self.block(s.body)
        out.append(s)

    def items(self, s, seq, out):
        """``for t in c`` -> ``v = _rt.as_sequence(c)`` then ``for k in range(len(v)):
        t = v[k]``: the item is an index the analysis sees (its kind, its adjoint), and
        ``as_sequence`` makes indexing exact for every iterable (c itself for an array,
        list or tuple; ``list(c)`` for a dict's keys or an iterator). A body that grows
        c walks it as Python's list iterator does, re-reading its length each step."""
        view = self.gen.temp()
        self.emit(out, view, nodes.call("_rt.as_sequence", seq), s)
        index = self.gen.temp()
        item = gast.copy_location(nodes.assign(s.target, nodes.subscript(
            nodes.name(view), nodes.name(index))), s)
        if not _grows(s.body, seq):
            s.target = nodes.name(index, store=True)
            s.iter = nodes.call("range", nodes.call("len", nodes.name(view)))
            s.body = [item] + s.body
            return s
        self.emit(out, index, nodes.const(0), s)
        step = nodes.assign(index, nodes.binop(nodes.name(index), gast.Add(), nodes.const(1)))
        test = gast.Compare(left=nodes.name(index), ops=[gast.Lt()],
                            comparators=[nodes.call("len", nodes.name(view))])
        return gast.copy_location(nodes.while_(test, [item, step] + s.body), s)

    def iterated(self, seq, loop, out):
        """The sequence an ``enumerate``/``zip`` loop indexes: ``_rt.as_sequence`` of
        what it walks, evaluated once as Python does (the original object where the body
        rebinds the name, ``for e in x: ... x = x * 2.0``), and indexable exactly for
        every iterable (a dict's keys, ``reversed(...)``, a generator)."""
        snapshot = self.gen.temp()
        self.emit(out, snapshot, nodes.call("_rt.as_sequence", seq), loop)
        return nodes.name(snapshot)

    # assignment helpers ---------------------------------------------------

    def emit(self, out, target: str, value, where):
        out.append(gast.copy_location(nodes.assign(target, value), where))

    def update(self, out, array: str, index, value, where):
        """``array[index] = value`` with atoms: an in-place update."""
        target = gast.Subscript(value=nodes.name(array), slice=index, ctx=gast.Store())
        out.append(gast.copy_location(nodes.assign(target, value), where))

    def unpack(self, target, value, out, where):
        """``a, (b, c) = value`` as one assignment per name, right-hand side first."""
        if isinstance(target, gast.Name):
            self.emit(out, target.id, self.rhs(value, out), where)
            return
        elts = target.elts
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(elts):
            parts = [self.atom(v, out) for v in value.elts]
            stored = nodes.names_stored(target)
            parts = [self.copy_if(p, stored, out, where) for p in parts]
        else:
            whole = self.atom(value, out)
            parts = [nodes.subscript(whole, nodes.const(i)) for i in range(len(elts))]
        for sub, part in zip(elts, parts):
            self.unpack(sub, part, out, where)

    def copy_if(self, atom, stored, out, where):
        """A temporary copy of a name the same unpacking overwrites (``a, b = b, a``)."""
        if isinstance(atom, gast.Name) and atom.id in stored:
            temp = self.gen.temp()
            self.emit(out, temp, atom, where)
            return nodes.name(temp)
        return atom

    # expressions ------------------------------------------------------------

    def atom(self, e, out):
        """Flatten ``e`` to a Name or Constant, emitting what it needs into ``out``."""
        value = self.rhs(e, out)
        if nodes.is_atom(value):
            return value
        temp = self.gen.temp()
        self.emit(out, temp, value, e)
        return nodes.name(temp)

    def rhs(self, e, out):
        """Flatten ``e`` to one operation on atoms."""
        method = getattr(self, "expr_" + type(e).__name__, None)
        return method(e, out) if method else e

    def expr_BinOp(self, e, out):
        left = self.atom(e.left, out)
        return _located(gast.BinOp(left=left, op=e.op, right=self.atom(e.right, out)), e)

    def expr_UnaryOp(self, e, out):
        if isinstance(e.operand, gast.Constant) and isinstance(e.op, (gast.USub, gast.UAdd)) \
                and isinstance(e.operand.value, (int, float)):
            sign = -1 if isinstance(e.op, gast.USub) else 1
            return nodes.const(sign * e.operand.value)
        operand = self.atom(e.operand, out)             # +x stays: it copies an array
        return _located(gast.UnaryOp(op=e.op, operand=operand), e)

    def expr_Call(self, e, out):
        if _is_call_to(e, "max") or _is_call_to(e, "min"):
            if len(e.args) > 2 and not e.keywords:   # max(a, b, c) == max(max(a, b), c)
                inner = gast.Call(func=e.func, args=e.args[:-1], keywords=[])
                e = gast.Call(func=e.func, args=[_located(inner, e), e.args[-1]], keywords=[])
        func = self.callee(e.func, out)
        args = [self.atom(a, out) for a in e.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in e.keywords]
        return _located(gast.Call(func=func, args=args, keywords=keywords), e)

    def callee(self, func, out):
        """A module path (``np.linalg.norm``) stays; a method's receiver is flattened."""
        if self.is_global_path(func):
            return func
        if isinstance(func, gast.Attribute):
            receiver = self.atom(func.value, out)
            return _located(gast.Attribute(value=receiver, attr=func.attr, ctx=gast.Load()), func)
        return self.atom(func, out)

    def is_global_path(self, e) -> bool:
        return nodes.dotted_path(e, self.local) is not None

    def expr_Attribute(self, e, out):
        if self.is_global_path(e):
            return e
        return _located(gast.Attribute(value=self.atom(e.value, out), attr=e.attr,
                                       ctx=gast.Load()), e)

    def expr_Subscript(self, e, out):
        value = self.atom(e.value, out)
        return _located(gast.Subscript(value=value, slice=self.index(e.slice, out),
                                       ctx=gast.Load()), e)

    def index(self, s, out):
        if isinstance(s, gast.Slice):
            parts = [None if p is None else self.atom(p, out) for p in (s.lower, s.upper, s.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(s, gast.Tuple):
            return nodes.tuple_(self.index(p, out) for p in s.elts)
        if isinstance(s, gast.List):
            return gast.List(elts=[self.atom(p, out) for p in s.elts], ctx=gast.Load())
        return self.atom(s, out)

    def expr_Compare(self, e, out):
        left = self.atom(e.left, out)
        rest = [self.atom(c, out) for c in e.comparators]
        return _located(gast.Compare(left=left, ops=e.ops, comparators=rest), e)

    def expr_Tuple(self, e, out):
        return _located(nodes.tuple_(self.atom(p, out) for p in e.elts), e)

    def expr_List(self, e, out):
        return _located(gast.List(elts=[self.atom(p, out) for p in e.elts], ctx=gast.Load()), e)

    def expr_Dict(self, e, out):
        """``{k: v, ...}``: keys and values atoms, in Python's order (``**d`` kept, and
        refused by the analysis)."""
        keys, values = [], []
        for k, v in zip(e.keys, e.values):
            keys.append(None if k is None else self.atom(k, out))
            values.append(self.atom(v, out))
        return _located(gast.Dict(keys=keys, values=values), e)

    def expr_ListComp(self, e, out):
        """``[f(t) for t in xs if c]`` -> a list built by a loop that appends (the
        comprehension's names renamed apart from the function's)."""
        result = self.gen.temp()
        renames = {}
        for comp in e.generators:
            for name in nodes.names_stored(comp.target):
                renames[name] = self.gen.fresh(name)
        inner = [gast.Expr(value=nodes.call(f"{result}.append",
                                            nodes.substitute(e.elt, renames)))]
        for comp in reversed(e.generators):
            for test in reversed(comp.ifs):
                inner = [nodes.if_(nodes.substitute(test, renames), inner)]
            target = _rename_targets(nodes.clone(comp.target), renames)
            inner = [nodes.for_(target, nodes.substitute(comp.iter, renames), inner)]
        self.emit(out, result, gast.List(elts=[], ctx=gast.Load()), e)
        self.local |= {result, *renames.values()}
        out.extend(self.block([gast.copy_location(s, e) for s in inner]))
        return nodes.name(result)

    expr_GeneratorExp = expr_ListComp       # consumed once by sum(), np.stack(), ...

    def expr_IfExp(self, e, out):
        """``a if c else b`` -> an if statement assigning one temporary."""
        temp = self.gen.temp()
        then, orelse = [], []
        self.emit(then, temp, self.rhs(e.body, then), e)
        self.emit(orelse, temp, self.rhs(e.orelse, orelse), e)
        out.append(gast.copy_location(nodes.if_(e.test, then, orelse), e))
        return nodes.name(temp)

    def expr_BoolOp(self, e, out):
        """``a or b`` as a value -> ``v = a; if not v: v = b`` (short-circuit kept)."""
        temp = self.gen.temp()
        self.emit(out, temp, self.rhs(e.values[0], out), e)
        for value in e.values[1:]:
            branch: list = []
            self.emit(branch, temp, self.rhs(value, branch), e)
            test = nodes.name(temp) if isinstance(e.op, gast.And) else nodes.not_(nodes.name(temp))
            out.append(gast.copy_location(nodes.if_(test, branch), e))
        return nodes.name(temp)


def _rename_targets(target, renames):
    for n in gast.walk(target):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
    return target


def _located(node, where):
    return gast.copy_location(node, where)


def _is_call_to(e, fname: str, nargs: int | None = None) -> bool:
    return (isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == fname
            and not e.keywords and (nargs is None or len(e.args) == nargs))


def _grows(body, seq) -> bool:
    """Whether a loop body may change the length of the list it walks (``L.append``)."""
    if not isinstance(seq, gast.Name):
        return False
    for n in (n for stmt in body for n in nodes.walk(stmt)):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and isinstance(n.func.value, gast.Name) and n.func.value.id == seq.id \
                and n.func.attr in _GROWING:
            return True
        changed = [n.target] if isinstance(n, gast.AugAssign) else \
            n.targets if isinstance(n, gast.Delete) else []
        if any(isinstance(t, gast.Name) and t.id == seq.id for c in changed for t in gast.walk(c)):
            return True
    return False


_GROWING = {"append", "extend", "insert", "pop", "remove", "clear"}


def _is_pair(target) -> bool:
    return isinstance(target, gast.Tuple) and len(target.elts) == 2 and \
        all(isinstance(t, gast.Name) for t in target.elts)


def _demo(text: str) -> str:
    """Normalize source text (the docstring example)."""
    tree = gast.parse(text).body[0]
    parsed = ParsedFunction(types.FunctionType(compile("0", "<demo>", "eval"), {}), tree,
                            "<demo>", 0, 0, tuple(text.splitlines(True)),
                            tuple(a.id for a in tree.args.args), ())
    norm, _ = normalize(parsed)
    return emit.source(norm).rstrip()
