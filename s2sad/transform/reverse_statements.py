"""Part of reverse: the statements whose adjoint is more than a rule.

An in-place update ``y[i] = v`` saves the slot's old value, and its adjoint
moves the slot's adjoint to ``v``, zeroes it and restores the slot. A call to a
user function runs the callee's own split derivative: ``t, back_t = g_vjp(a)``
in the primal sweep, ``back_t(b_t)`` in the adjoint sweep. A callee wrapped by
``s2sad.checkpoint`` runs untaped in the primal sweep (``t = g(a)``); the adjoint sweep
runs its split derivative from the call's inputs there (``_, back_t = g_vjp(a)``).
Code made to be differentiated again (``recompute``) runs every call so: ``t = g(a)``
in the primal sweep, ``b = g_pullback(b_t, a)`` in the adjoint sweep, an ordinary
function of ``a`` and ``b_t`` (no closure holding a tape), whose own tangent can be
generated like any function's.
"""
from __future__ import annotations

import gast

from . import adjoints
from ..analysis import kinds, views
from ..tree import names, nodes
from ..analysis.analyze import Prim


def created_lists(body) -> set:
    """Names every assignment of which makes a new list (``[...]``, ``list(...)``,
    ``L.copy()``; a comprehension is normalized to ``[]`` and appends)."""
    fresh: dict[str, bool] = {}
    for s in nodes.walk_stmts(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            name = s.targets[0].id
            fresh[name] = fresh.get(name, True) and _makes_list(s.value)
        elif isinstance(s, gast.For):
            fresh.update(dict.fromkeys(nodes.names_stored(s.target), False))
    return {name for name, new in fresh.items() if new}


def _makes_list(value) -> bool:
    if isinstance(value, gast.List):
        return True
    if not isinstance(value, gast.Call):
        return False
    func = value.func
    return (isinstance(func, gast.Name) and func.id == "list"
            or isinstance(func, gast.Attribute) and func.attr == "copy" and not value.args)


def _passes_on(value, shared) -> bool:
    """Whether ``value`` may be (or hold) an object of ``shared``: a name, an item of
    one, a tuple or list display with one."""
    if isinstance(value, gast.Name):
        return value.id in shared
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        return value.value.id in shared
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        items = value.values if isinstance(value, gast.Dict) else value.elts
        return any(isinstance(e, gast.Name) and e.id in shared for e in items)
    return False


class UpdatesAndCalls:
    """Mixed into the reverse transformation (it provides push, pop, bar, accumulate)."""

    def copy_if_view(self, s):
        """``v = y[:2]`` of an array updated in place reads a copy in the primal sweep:
        the adjoint sweep restores y slot by slot, and must not reach v through a view
        (nor may a pullback, which reads v as the primal left it). ``y[0]`` is a view too
        when y has more than one axis: ``_rt.copy`` copies a row, keeps a number. So is
        ``z = y``, a view ``y.T``, and an item taken out of a tuple or list that holds y
        (aliasing has refused the update where such a name is read after it: the copy is
        the value the name had when read)."""
        value = s.value
        if isinstance(value, gast.Name) and value.id in self.sharing_updated() \
                and self.facts.kind(value).is_array:
            copy = "np.copy"                  # z = y: z is y, and y changes after
        elif isinstance(value, (gast.Call, gast.Attribute)) and s in self.facts.prims \
                and views.view_of(value, self.facts.of(s)) in self.sharing_updated():
            copy = "np.copy"                  # v = y.T, y.reshape(3)
        elif not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)
                  and value.value.id in self.sharing_updated()):
            return s
        elif value.value.id not in self.updated:
            copy = "_rt.copy"                 # v = keep[0] of a tuple holding y
        elif views.is_view_index(value.slice):
            copy = "np.copy"
        elif self.facts.kind(value.value).is_array \
                and kinds.ndim(self.facts.kind(value.value)) != 1:    # not known to be 1-d
            copy = "_rt.copy"
        else:
            return s
        return gast.copy_location(nodes.assign(s.targets[0].id,
                                               nodes.call(copy, nodes.clone(value))), s)

    def sharing_updated(self) -> set:
        """The arrays updated in place, and the names that may be one of them or hold
        one: copies of the name, tuples and lists holding one, items taken out."""
        if getattr(self, "_sharing", None) is None:
            shared, grown = set(self.updated), True
            while grown:
                before = len(shared)
                for s in nodes.walk_stmts(self.tree.body):
                    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                            and _passes_on(s.value, shared):
                        shared.add(s.targets[0].id)
                grown = len(shared) > before
            self._sharing = shared
        return self._sharing

    def primal_update(self, s) -> list:
        """``y[i] = v`` in place, the slot's old value saved first (pruned when unread)."""
        array = s.targets[0].value.id
        self.saved.append((array, self.top))
        old = nodes.call("np.copy", nodes.subscript(nodes.name(array),
                                                    nodes.clone(s.targets[0].slice)))
        return [nodes.expr_stmt(nodes.call(f"{self.stack_for(array)}.append", old)), s]

    def adjoint_update(self, s, defined) -> list:
        """The slot's adjoint goes to ``v``; the slot's old value had no effect after, so
        its adjoint is zeroed; then the slot is restored."""
        array, index = s.targets[0].value.id, adjoints.index_value(s.targets[0].slice)
        slot = gast.Subscript(value=nodes.name(array), slice=nodes.clone(s.targets[0].slice),
                              ctx=gast.Store())
        restore = [nodes.assign(slot, self.pop(array))]
        if not self.facts.is_active(array) or array not in defined:
            return restore
        b = nodes.name(self.bar(array))
        out, after = [], []
        if isinstance(s.value, gast.Name) and self.facts.is_active(s.value.id):
            part = nodes.call("_rt.unassign", b, index, s.value)
            if s.value.id == array:     # y[:] = y: the slot's adjoint goes to the old y,
                moved = self.gen.fresh(self.bar(array) + "_slot")   # after zeroing it
                out.append(nodes.assign(moved, part))
                after.append(self.accumulate(array, nodes.name(moved), defined))
            else:
                out.append(self.accumulate(s.value.id, part, defined))
        out.append(nodes.assign(self.bar(array), nodes.call("_rt.zero_slot", nodes.clone(b),
                                                            nodes.clone(index))))
        return out + after + restore

    def differentiated_call(self, s) -> bool:
        """A call of a user function whose result and some argument are active (a call
        of constants only is run as it is: its result has no derivative)."""
        prim = self.facts.of(s)
        return prim.op == "call" and self.facts.is_active(s.targets[0].id) and any(
            self.facts.is_active(ident) for _, ident in prim.operands)

    def primal_call(self, s, saved) -> list:
        """``t = g(a, b)`` -> ``t, back_t = g_vjp(a, b)``: the callee's own split
        derivative returns its result and a pullback for the adjoint sweep."""
        target, prim = s.targets[0].id, self.facts.of(s)
        if self.recomputed(prim):
            return ([self.push(target)] if saved else []) + [s]
        back = self.backs.setdefault(id(s), self.gen.fresh("back_" + target))
        wrt = tuple(slot for slot, ident in prim.operands if self.facts.is_active(ident))
        call = gast.Call(func=self.callee_derivative("vjp", prim, s.value.func, wrt),
                         args=[self.kept_argument(a) for a in s.value.args],
                         keywords=[gast.keyword(arg=k.arg, value=self.kept_argument(k.value))
                                   for k in s.value.keywords])
        both = nodes.tuple_([nodes.name(target, store=True), nodes.name(back, store=True)],
                            store=True)
        pushes = [self.push(target), self.push(back)] if saved else []
        return pushes + [gast.copy_location(nodes.assign(both, call), s)]

    def kept_argument(self, arg):
        """An array argument that is updated in place after the call goes to the callee
        as a copy: its pullback keeps the values it read, and reads them in the adjoint
        sweep, when the caller's array holds later values."""
        if isinstance(arg, gast.Name) and arg.id in self.sharing_updated() \
                and self.facts.kind(arg).is_array:
            return nodes.call("np.copy", nodes.clone(arg))
        return nodes.clone(arg)

    def callee_derivative(self, kind, prim, func, wrt):
        """``g_vjp`` for a module-level callee; ``vjp_of(h, ('y',))`` for a nested def,
        whose function object exists only when the enclosing function runs."""
        if prim.callee is not None:
            return nodes.name(self.link(kind, prim.callee, wrt))
        maker = self.link(kind + "_of", None, ())
        return nodes.call(maker, nodes.clone(func), nodes.tuple_(nodes.const(w) for w in wrt))

    def link(self, kind, callee, wrt) -> str:
        """The name generated code calls a user function's derivative by (a closure cell)."""
        key = (kind, id(callee), wrt)
        if key not in self.links:
            name = self.gen.fresh(f"{names.function_name(callee)}_{kind}" if callee else kind)
            self.links[key] = name
            self.bindings[name] = (kind, callee, wrt)
        return self.links[key]

    def adjoint_call(self, s, defined, restore) -> list:
        target, prim = s.targets[0].id, self.facts.of(s)
        active = [ident for _, ident in prim.operands if self.facts.is_active(ident)]
        cotangents = self.cotangent_names.setdefault(id(s), self.gen.temp())
        if self.recomputed(prim):
            return self.adjoint_checkpointed(s, prim, defined, restore, active, cotangents)
        back = self.backs[id(s)]
        out = [nodes.assign(cotangents, nodes.call(back, nodes.name(self.bar(target))))]
        defined.discard(target)
        for k, ident in enumerate(active):
            out.append(self.accumulate(ident, nodes.subscript(nodes.name(cotangents),
                                                              nodes.const(k)), defined))
        back_restore = [] if id(s) in self.unsaved else [nodes.assign(back, self.pop(back))]
        return out + back_restore + restore

    def adjoint_checkpointed(self, s, prim, defined, restore, active, cotangents) -> list:
        """``t = g(a, b)``, g checkpointed: the inputs first (``t`` restored, when the call
        overwrote one), then ``_, back = g_vjp(a, b)`` and ``back(b_t)``."""
        target = s.targets[0].id
        wrt = tuple(slot for slot, ident in prim.operands if self.facts.is_active(ident))
        if self.recompute:
            out = restore + [gast.copy_location(nodes.assign(
                cotangents, self.pullback_call(s, prim, wrt, nodes.name(self.bar(target)))), s)]
        else:
            back = self.gen.fresh("back_" + target)
            call = gast.Call(func=self.callee_derivative("vjp", prim, s.value.func, wrt),
                             args=nodes.clone(s.value.args),
                             keywords=nodes.clone(s.value.keywords))
            both = nodes.tuple_([nodes.name(self.gen.fresh("_"), store=True),
                                 nodes.name(back, store=True)], store=True)
            out = restore + [gast.copy_location(nodes.assign(both, call), s),
                             nodes.assign(cotangents, nodes.call(back, nodes.name(
                                 self.bar(target))))]
        defined.discard(target)
        for k, ident in enumerate(active):
            out.append(self.accumulate(ident, nodes.subscript(nodes.name(cotangents),
                                                              nodes.const(k)), defined))
        return out

    def recomputed(self, prim) -> bool:
        """A call the adjoint sweep recomputes: checkpointed, or in code made to be
        differentiated again (a gradient inside the function too: its pullback is
        ``H b``, an ordinary function of the call's arguments and ``b``)."""
        return checkpointed_call(prim) or self.recompute

    def pullback_call(self, s, prim, wrt, seed):
        """``g_pullback(b_t, a, b)``; ``pullback_of(h, ('y',), b_t, a, b)`` for a function
        known when the call runs: the cotangents of the ``wrt`` arguments."""
        if prim.callee is not None:
            func, head = nodes.name(self.link("pullback", prim.callee, wrt)), [seed]
        else:
            func = nodes.name(self.link("pullback_of", None, ()))
            head = [nodes.clone(s.value.func), nodes.tuple_(nodes.const(w) for w in wrt), seed]
        return gast.Call(func=func, args=head + nodes.clone(s.value.args),
                         keywords=nodes.clone(s.value.keywords))

    def adjoint_append(self, s, defined) -> list:
        """``L.append(v)``: the last item of L's adjoint list is v's; L shrinks back, so
        that the adjoint of an earlier ``L[i]`` sees the list as it was."""
        lst, value = s.value.func.value.id, s.value.args[0]
        # only a list the function made is the tape's to shrink: popping a global's, an
        # argument's or an attribute's would undo the primal's side effect on it
        shrink = [nodes.expr_stmt(nodes.call(f"{lst}.pop"))] if lst in self.created else []
        if not (self.facts.is_active(lst) and lst in defined):
            return shrink
        last = nodes.call(f"{self.bar(lst)}.pop")
        if isinstance(value, gast.Name) and self.facts.is_active(value.id):
            return [self.accumulate(value.id, last, defined)] + shrink
        return [nodes.expr_stmt(last)] + shrink


def checkpointed_call(prim) -> bool:
    """A call of a function wrapped by ``s2sad.checkpoint``: not taped, recomputed."""
    return getattr(prim.callee, "__s2sad_checkpoint__", False) is True
