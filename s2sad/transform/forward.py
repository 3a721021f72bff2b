"""Stage 4, forward: the normalized function -> its tangent (JVP) function.

Control flow stays as written; each active assignment gains a tangent
assignment ``d_<name> = ...`` beside it: after it, where the rule may use the
result, or before it when the statement overwrites one of its own operands
(``d_x = 2.0 * x * d_x`` then ``x = x * x``). Lists that receive active values
carry a list of tangents, so the tapes of generated adjoint code can be
differentiated again (forward over reverse).

As built, before optimization:

>>> import numpy as np, s2sad
>>> def f(x):
...     y = np.sin(x)
...     return y * x
>>> print(s2sad.source(f, mode="forward", optimize=False), end="")
def f_jvp(x, *, d_x):
    # line 2: y = np.sin(x)
    y = np.sin(x)
    d_y = np.cos(x) * d_x
    # line 3: return y * x
    v1 = y * x
    d_v1 = d_y * x + y * d_x
    return (v1, d_v1)
"""
from __future__ import annotations

import gast

from . import adjoints
from ..analysis import kinds
from ..tree import names, nodes
from .. import runtime
from ..front import sourcemap
from ..rules.forward import FORWARD
from ..analysis.analyze import Analysis, Prim, is_update, mutation, shrinks


def forward(tree: gast.FunctionDef, facts: Analysis, wrt: tuple, gen):
    """``(body, output atom, output tangent, {wrt name: tangent parameter}, bindings)``."""
    transform = _Forward(tree, facts, gen)
    return transform.run(wrt) + (transform.bindings,)


class _Forward:
    def __init__(self, tree, facts: Analysis, gen):
        self.tree, self.facts, self.gen = tree, facts, gen
        self.dots: dict[str, str] = {}
        self.links: dict = {}                 # (kind, callee, wrt) -> cell name
        self.bindings: dict = {}              # cell name -> (kind, callee, wrt)

    def run(self, wrt):
        params = {w: self.dot(w) for w in wrt}
        args = self.tree.args
        fixed = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs
                 if a.id not in wrt and self.facts.is_active(a.id)]
        # an argument outside wrt that mixes with active values starts with a zero tangent
        # so does a list from outside (a global, a closure's) that an active value joins
        local = nodes.names_stored(self.tree)
        fixed += sorted(n for n in nodes.names_loaded(self.tree)
                        if self.facts.is_active(n) and n not in local)
        body = [nodes.assign(self.dot(p), adjoints.zero(p, self.facts)) for p in fixed]
        body += self.block(self.tree.body[:-1])
        output = self.tree.body[-1].value
        d_output = self.tangent_of(output)
        return body, output, d_output, params

    def dot(self, ident: str) -> str:
        """The tangent's name: ``d_<name>``, suffixed if the user has that name."""
        if ident not in self.dots:
            self.dots[ident] = self.gen.fresh("d_" + ident)
        return self.dots[ident]

    def tangent_of(self, atom):
        if isinstance(atom, gast.Name) and self.facts.is_active(atom.id):
            return nodes.name(self.dot(atom.id))
        if isinstance(atom, gast.Name):
            return adjoints.zero(atom.id, self.facts)
        return nodes.const(0.0)

    # statements -------------------------------------------------------------------

    def block(self, stmts) -> list:
        out = []
        for s in stmts:
            out += sourcemap.stamp(self.stmt(s), sourcemap.line_of(s))
        return out

    def stmt(self, s) -> list:
        if is_update(s):
            return [s] + self.update(s)
        if isinstance(s, gast.Assign):
            return self.assign(s)
        if isinstance(s, gast.Expr):
            lst = shrinks(s)
            if lst and self.facts.is_active(lst):       # L.pop(): its tangents shrink too
                return [s, nodes.expr_stmt(nodes.call(f"{self.dot(lst)}.pop"))]
            return [s] + self.appended(s)
        if isinstance(s, gast.If):
            return self.test_pops(s.test) + [nodes.if_(s.test, self.block(s.body),
                                                       self.block(s.orelse))]
        if isinstance(s, gast.For):
            return [nodes.for_(s.target, s.iter, self.constant_item(s) + self.block(s.body))]
        if isinstance(s, gast.While):
            return [nodes.while_(s.test, self.block(s.body))]
        return [s]

    def assign(self, s) -> list:
        target = s.targets[0].id
        if not self.facts.is_active(target):
            prim = self.facts.prims.get(s)
            lists = [i for _, i in prim.operands if self.facts.is_active(i)] \
                if prim is not None and prim.op == "pop" else []
            # a value popped off a tangent-carrying list: its tangent goes too
            return [s] + [nodes.expr_stmt(nodes.call(f"{self.dot(lst)}.pop"))
                          for lst in lists[:1]]
        prim = self.facts.of(s)
        if prim.op == "call":
            if not any(self.facts.is_active(i) for _, i in prim.operands):
                return [s, nodes.assign(self.dot(target), adjoints.zero(target, self.facts))]
            return self.call(s, prim, target)
        reads_itself = any(ident == target for _, ident in prim.operands)
        ans = nodes.clone(s.value) if reads_itself else nodes.name(target)
        tangent = nodes.assign(self.dot(target), self.tangent(prim, s.value, ans, target))
        return [tangent, s] if reads_itself else [s, tangent]

    def update(self, s) -> list:
        """``y[i] = v``: the tangent's slot takes v's tangent (a copy: tangents may share)."""
        array = s.targets[0].value.id
        if not self.facts.is_active(array):
            return []
        index = adjoints.index_value(s.targets[0].slice)
        value = self.tangent_of(s.value)
        return [nodes.assign(self.dot(array), nodes.call(
            "_rt.setitem", nodes.name(self.dot(array)), index, value))]

    def call(self, s, prim: Prim, target) -> list:
        """``t = g(a, b)`` -> ``t, d_t = g_jvp((d_a,), a, b)``: the callee's own tangent."""
        active = [(slot, i) for slot, i in prim.operands if self.facts.is_active(i)]
        wrt = tuple(slot for slot, _ in active)
        kind = "jvp" if prim.callee is not None else "jvp_of"
        key = (kind, id(prim.callee), wrt if prim.callee is not None else ())
        if key not in self.links:
            self.links[key] = self.gen.fresh(f"{names.function_name(prim.callee)}_jvp"
                                             if prim.callee is not None else "jvp_of")
            self.bindings[self.links[key]] = (kind, prim.callee, key[2])
        func = nodes.name(self.links[key])
        if prim.callee is None:                  # a nested def: known when the call runs
            func = nodes.call(self.links[key], nodes.clone(s.value.func),
                              nodes.tuple_(nodes.const(w) for w in wrt))
        tangents = nodes.tuple_(nodes.name(self.dot(i)) for _, i in active)
        call = gast.Call(func=func,
                         args=[tangents] + nodes.clone(s.value.args),
                         keywords=nodes.clone(s.value.keywords))
        both = nodes.tuple_([nodes.name(target, store=True),
                             nodes.name(self.dot(target), store=True)], store=True)
        return [gast.copy_location(nodes.assign(both, call), s)]

    def tangent(self, prim: Prim, value, ans, target):
        active = [(slot, i) for slot, i in prim.operands if self.facts.is_active(i)]
        if prim.op == "pop":
            return nodes.call(f"{self.dot(active[0][1])}.pop") if active else \
                adjoints.zero(target, self.facts)
        if prim.op == "pack" and isinstance(value, gast.Dict):
            return gast.Dict(keys=[nodes.clone(k) for k in value.keys],
                             values=[self.tangent_of(v) for v in value.values])
        if prim.op == "pack":
            return type(value)(elts=[self.tangent_of(e) for e in value.elts], ctx=gast.Load())
        if not active:
            return adjoints.zero(target, self.facts)
        if prim.op == "copy":
            return nodes.name(self.dot(active[0][1]))
        if prim.op == "index":
            return nodes.subscript(nodes.name(self.dot(active[0][1])), nodes.clone(value.slice))
        terms = [self.rule_term(prim, slot, ident, ans) for slot, ident in active]
        total = terms[0]
        for term in terms[1:]:
            total = nodes.call("_rt.add", total, term) if _is_runtime(prim.rule.key) \
                or prim.rule.result == "other" \
                else nodes.binop(total, gast.Add(), term)       # _rt adds lists item-wise
        if prim.rule.broadcast and not self.fills_result(prim, active):
            total = nodes.call("_rt.broadcast_like", total, nodes.clone(ans))
        return total

    def rule_term(self, prim: Prim, param, ident, ans):
        rule = FORWARD.get(prim.rule.key)
        template = rule.adjoints[rule.params.index(param)]
        subs = dict(prim.bound)
        subs.update(d=nodes.name(self.dot(ident)), ans=ans)
        if adjoints.converts_sequence(prim, param, self.facts):    # np.sum([a, b])
            subs[param] = nodes.call("_rt.as_array", nodes.clone(prim.bound[param]))
            subs["d"] = nodes.call("_rt.as_array", subs["d"])
        return nodes.template(template, **subs)

    def fills_result(self, prim: Prim, active) -> bool:
        """Whether the tangent terms already have the result's shape: every operand is
        active, or each active one has the shape of the others."""
        operands = {p: a for p, a in prim.bound.items() if p in prim.rule.params
                    and isinstance(a, (gast.Name, gast.Constant))}
        if len(active) == len(operands):
            return True
        for slot, _ in active:
            others = [self.facts.kind(a) for p, a in operands.items() if p != slot]
            if not kinds.same_shape(self.facts.kind(operands[slot]), others):
                return False
        return True

    def appended(self, s) -> list:
        """``L.append(v)`` on a list that carries tangents appends v's tangent too."""
        found = mutation(s)
        if not found or not self.facts.is_active(found[0]):
            return []
        lst, value = found
        record = isinstance(value, gast.Name) and not self.facts.is_active(value.id) \
            and not kinds.is_float(self.facts.kind(value))
        # a record (a trip list, a count) has no tangent; None keeps the lists aligned
        tangent = nodes.const(None) if record else self.tangent_of(value)
        return [nodes.expr_stmt(nodes.call(f"{self.dot(lst)}.append", tangent))]

    def test_pops(self, test) -> list:
        """A branch test that pops a tangent-carrying list pops its tangent list too."""
        out = []
        for n in gast.walk(test):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                    and n.func.attr == "pop" and isinstance(n.func.value, gast.Name) \
                    and self.facts.is_active(n.func.value.id):
                out.append(nodes.expr_stmt(nodes.call(f"{self.dot(n.func.value.id)}.pop")))
        return out

    def constant_item(self, s) -> list:
        """``d_t = 0.0`` where a loop over constants binds a target that is active (the
        body rebinds it to an active value): each iteration starts it as a constant."""
        target = s.target.id
        if not self.facts.is_active(target):
            return []
        return [nodes.assign(self.dot(target), adjoints.zero(target, self.facts))]


def _is_runtime(key) -> bool:
    return key in runtime.HELPERS
