"""The public interface (design.md §1): grad, value_and_grad, vjp, source, differentiate.

Everything that depends only on the function (parsing, normalizing, checking
that every active operation has a rule) happens when the derivative is
requested, so errors come before anything runs. The generated code is then
specialized on the kinds of the arguments (float, float array, int, other)
at the first call with each combination, and cached.
"""
from __future__ import annotations

import functools
import inspect
import types
from dataclasses import replace

import numpy as np

from .analysis import kinds as kind_rules
from .driver import calls, diskcache, pipeline, seeds
from .inspection import standalone as standalone_module
from .inspection.highlight import Source
from .driver.compile import CACHE, rebind
from .driver.entry import fast_entry
from .errors import UsageError
from .front.parse import refuse_derivative
from .driver.running import HANDLED, call_on_floats, real_gradient, recover_gradient, \
    run_on_floats

VERSION = "0.1.0"


def kind_of(value) -> str:
    """The argument kinds generated code is specialized on."""
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "scalar"
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.floating):
            return "intarray" if np.issubdtype(value.dtype, np.integer) else "other"
        return "array" if value.ndim else "scalar"
    if isinstance(value, (dict, list, tuple)) and value and all(
            kind_rules.is_float(kind_of(v)) for v in
            (value.values() if isinstance(value, dict) else value)):
        return "dict" if isinstance(value, dict) else "tree"   # parameters of a model
    return "other"


class _Target:
    """A user function, its parsed front end, and its parameters."""

    def __init__(self, func, shared=False):
        # a bound method: its object is passed first and never differentiated
        self.prefix = (func.__self__,) if isinstance(func, types.MethodType) else ()
        func = func.__func__ if self.prefix else func
        refuse_derivative(func)
        self.primal = getattr(func, "__s2sad_primal__", func)
        self.default_wrt = getattr(func, "__s2sad_wrt__", None)
        # Cached by the function object, not its code: a reloaded module's functions
        # have equal code but other callees. A nested def, made anew on each call of
        # the function around it, shares the derivative of its first instance, bound
        # to its own cells (``shared``).
        self.identity = _shared_identity(self.primal) if shared else self.primal
        self.front = CACHE.get(("front", self.identity, VERSION),
                               lambda: pipeline.front(self.primal))
        self.signature = inspect.signature(self.primal)
        self.params = tuple(self.front.parsed.params + self.front.parsed.kwonly)
        self.positional = self.front.parsed.params[len(self.prefix):]

    def wrt_names(self, wrt, everything=False):
        """(names, single): ``wrt`` by position or name, alone or in a tuple."""
        if wrt is None:
            wrt = self.default_wrt
        if wrt is None:
            wrt = tuple(range(len(self.positional))) if everything else 0
        single = not isinstance(wrt, (tuple, list))
        items = (wrt,) if single else tuple(wrt)
        names = tuple(self._param(w) for w in items)
        if not names:
            raise UsageError("wrt names no argument; give at least one", "bad-wrt")
        return names, single

    def _param(self, w):
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            if not 0 <= w < len(self.positional):
                raise UsageError(f"wrt={w}: {self.front.parsed.name!r} has "
                                 f"{len(self.positional)} positional arguments", "bad-wrt")
            return self.positional[w]
        if isinstance(w, str) and w in self.params:
            return w
        raise UsageError(f"wrt={w!r}: {self.front.parsed.name!r} has no argument {w!r} "
                         f"(its arguments: {', '.join(self.params)})", "bad-wrt")

    def bind(self, args, kwargs) -> dict:
        """Argument name -> value, defaults applied (``args`` include the prefix)."""
        if not kwargs and len(args) == len(self.params):
            return dict(zip(self.params, args))
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise UsageError(f"{self.front.parsed.name}(): {exc}", "bad-arguments") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def generated(self, wrt, values: dict, variant: str, optimized=True):
        """The compiled derivative for arguments like ``values``: ``grad``,
        ``value_and_grad``, ``vjp`` (split reverse) or ``jvp`` (forward)."""
        kinds = {p: kind_rules.of_argument(p, values[p], kind_of(values[p]))
                 for p in self.params}
        for w in wrt:
            if not kind_rules.is_float(kinds[w]):
                _bad_wrt_kind(self.front.parsed.name, w, values[w], kinds[w])
        key = (self.identity, variant, wrt, tuple(kinds.values()), optimized, VERSION)
        if variant == "jvp":
            def build():
                return pipeline.tangent(self.front, wrt, kinds, optimized, calls.link)
        else:
            def build():
                return pipeline.adjoint(self.front, wrt, kinds, variant, optimized, calls.link)
        options = {"variant": variant, "wrt": wrt, "kinds": kinds, "optimized": optimized,
                   "front": self.front.tag}
        result = CACHE.get(key, lambda: diskcache.generated(self.front, options, calls.link,
                                                            build))
        if self.front.parsed.func is self.primal:
            return result
        return replace(result, functions=tuple(rebind(fn, self.front.parsed, self.primal)
                                               for fn in result.functions))

    def check(self, wrt, mode="reverse"):
        """Build once with float arguments so unsupported code is reported now."""
        sample = {p: 1.0 for p in self.params}
        for name, param in self.signature.parameters.items():
            if param.default is not inspect.Parameter.empty:
                sample[name] = param.default
        for w in wrt:
            sample[w] = 1.0
        kinds = {p: kind_of(v) for p, v in sample.items()}
        kinds.update({p: "scalar" for p in wrt})
        from .analysis.analyze import analyze
        key = ("check", self.identity, wrt, tuple(kinds.items()), mode, VERSION)
        CACHE.get(key, lambda: diskcache.checked(
            self.front, {"check": mode, "wrt": wrt, "kinds": kinds},
            lambda: analyze(pipeline._clone(self.front.tree), self.front.parsed, wrt, kinds,
                            mode)) or True)


def _shared_identity(func):
    """What instances of one nested def share a derivative by: their code, globals, and
    what their cells hold where it decides what a call resolves to (a function)."""
    cells = []
    for cell in func.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            cells.append(None)
            continue
        if not (callable(value) or isinstance(value, types.ModuleType)):
            cells.append(type(value))
            continue
        try:
            hash(value)
            cells.append(value)
        except TypeError:
            cells.append(id(value))
    return ("nested", func.__code__, id(func.__globals__), tuple(cells))


def _bad_wrt_kind(fname, name, value, kind):
    if kind in ("int", "intarray"):
        raise UsageError(
            f"cannot differentiate {fname!r} with respect to {name!r}: it is an int "
            f"({value!r}); pass a float (e.g. {name}={float(np.sum(value)) if kind == 'int' else 'x.astype(float)'}) "
            "or leave it out of wrt", "int-wrt")
    raise UsageError(f"cannot differentiate {fname!r} with respect to {name!r} of type "
                     f"{type(value).__name__}; wrt arguments must be floats or float arrays",
                     "bad-wrt-type")


def _gradient(f, wrt, variant):
    """The function ``grad``/``value_and_grad`` return: dispatch on argument kinds,
    run the generated code, and turn a non-scalar output into a UsageError."""
    target = _Target(f)
    names, single = target.wrt_names(wrt)
    target.check(names)
    one_tuple = not single and len(names) == 1      # wrt=(0,) still returns a tuple

    compiled = {}                   # argument signature -> generated function
    by_type = {}                    # argument types, none an array or container -> same
    prefix = target.prefix

    @functools.wraps(target.primal)
    def run(*args, **kwargs):
        args = prefix + args if prefix else args
        # the common case costs a tuple of types and a dict look-up
        fn = None if kwargs else by_type.get((CACHE.generation, *map(type, args)))
        if fn is None:
            fn = _dispatch(args, kwargs)
        try:
            out = fn(*args, **kwargs)
        except HANDLED as exc:
            out = recover(fn, exc, args, kwargs)
        out = real(out)
        if not one_tuple:
            return out
        return (out,) if variant == "grad" else (out[0], (out[1],))
    run.__s2sad_derivative__ = variant
    if variant == "grad":
        run.__s2sad_gradient__ = (target, names, single)

    def real(out):
        return out if type(out) is float else real_gradient(out, target.front.parsed.name)

    def recover(fn, exc, args, kwargs=None):
        if isinstance(exc, calls.Rebound):      # a callee was rebound: the cache was cleared
            fn = target.generated(names, target.bind(args, kwargs or {}), variant).functions[0]
            try:
                return fn(*args, **(kwargs or {}))
            except HANDLED as again:
                exc = again
        return recover_gradient(fn, exc, args, kwargs)

    def _dispatch(args, kwargs):
        signature = None if kwargs else _signature_key(args)
        key = (CACHE.generation, signature)
        fn = compiled.get(key) if signature is not None else None
        if fn is None:
            fn = target.generated(names, target.bind(args, kwargs), variant).functions[0]
            if signature is not None:
                compiled[key] = fn
        if signature is not None and all(k in _PLAIN_TYPES for k in signature):
            by_type[(CACHE.generation, *map(type, args))] = fn
        return fn
    if prefix or one_tuple:
        return run
    return fast_entry(run, target.signature, target.primal.__defaults__, by_type, CACHE,
                      HANDLED, recover, real)


_PLAIN_TYPES = {float, int, bool, np.float64, np.float32, type(None), str}


def _signature_key(args):
    """What the generated code is specialized on, cheaply: the types, and for arrays the
    number of dimensions and dtype; None for containers (their kind depends on items)."""
    key = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            key.append((a.ndim, a.dtype.char))
        elif kind in (dict, list, tuple):
            return None
        else:
            key.append(kind)
    return tuple(key)


def grad(f, wrt=None):
    """A function with f's signature returning df/d(wrt)."""
    if hasattr(f, "__s2sad_gradient__"):
        from .driver.higher import grad_of_gradient
        return grad_of_gradient(f, wrt)
    return _gradient(f, wrt, "grad")


def value_and_grad(f, wrt=None):
    """A function returning ``(f(...), grad)`` from one primal sweep."""
    return _gradient(f, wrt, "value_and_grad")


def vjp(f, *primals, wrt=None, **kwprimals):
    """``(y, pullback)``; ``pullback(ybar)`` returns one cotangent per wrt argument."""
    target = _Target(f)
    names, _ = target.wrt_names(wrt, everything=True)
    target.check(names)
    primals = target.prefix + primals
    values = target.bind(primals, kwprimals)
    if wrt is None:
        _check_all_float(target, names, values)
    forward, backward = target.generated(names, values, "vjp").functions
    try:
        (y, residuals), on_numpy = run_on_floats(forward, primals, kwprimals)
    except calls.Rebound:                   # a callee was rebound: the cache was cleared
        forward, backward = target.generated(names, values, "vjp").functions
        (y, residuals), on_numpy = run_on_floats(forward, primals, kwprimals)

    def pullback(ybar):
        ybar = seeds.as_cotangent(ybar, y, f"the pullback of {target.front.parsed.name!r}")
        if not on_numpy:
            return seeds.apart_from(call_on_floats(backward, (residuals, ybar), {}), ybar)
        with np.errstate(divide="ignore", invalid="ignore"):     # as the primal sweep ran
            return seeds.apart_from(call_on_floats(backward, (residuals, ybar), {}), ybar)
    return y, pullback


def jvp(f, primals, tangents, wrt=None):
    """``(y, ydot)`` with ``ydot = J @ tangents``: one forward sweep. ``tangents`` has
    one entry per ``wrt`` argument (``None``: every positional argument)."""
    target = _Target(f)
    names, _ = target.wrt_names(wrt, everything=True)
    target.check(names, mode="forward")
    primals = target.prefix + tuple(primals)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(tangents) != len(names):
        raise UsageError(f"jvp: {len(tangents)} tangents for {len(names)} wrt arguments "
                         f"({', '.join(names)})", "bad-tangents")
    values = target.bind(primals, {})
    if wrt is None:
        _check_all_float(target, names, values)
    fn = target.generated(names, values, "jvp").functions[0]
    dots = dict(zip(_tangent_params(fn, len(names)), (
        seeds.as_tangent(t, values[n], f"jvp: the tangent of {n!r}")
        for t, n in zip(tangents, names))))
    try:
        y, ydot = call_on_floats(fn, primals, dots)
    except calls.Rebound:                   # a callee was rebound: the cache was cleared
        fn = target.generated(names, values, "jvp").functions[0]
        y, ydot = call_on_floats(fn, primals, dots)
    return y, seeds.apart_from(ydot, tuple(dots.values()))


def _tangent_params(fn, count):
    code = fn.__code__
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    return kwonly[-count:]


def _as_tangent(t, primal):
    """A tangent as an array of the primal's shape and float type (a float for a float)."""
    if isinstance(primal, np.ndarray):
        return np.asarray(t, dtype=np.result_type(primal, np.float32))
    if isinstance(primal, (dict, list, tuple)):
        return t                                  # a tree of tangents, as given
    return float(t) if np.ndim(t) == 0 else t


def _check_all_float(target, names, values):
    for n in names:
        if not kind_rules.is_float(kind_of(values[n])):
            raise UsageError(f"{target.front.parsed.name!r}: argument {n!r} is not a float "
                             "or float array; pass wrt= to name the arguments to "
                             "differentiate", "bad-wrt")


def source(f, mode="reverse", wrt=None, motion="joint", optimize=True, args=None,
           standalone=False, module=None):
    """The generated source text, exactly the code that runs for arguments of the
    kinds of ``args`` (default: a float for each argument without a default).
    ``mode``: ``reverse`` (``motion`` joint or split) or ``forward``. The text is a
    ``str`` that Jupyter shows highlighted (``.ansi()`` colours it for a terminal).

    ``standalone=True``: an importable module instead, which carries what the code
    needs (the runtime imports, the derivatives of the user functions it calls, the
    user's module globals it reads, imported from ``module``, by default
    ``f.__module__``); a closure's cells cannot be carried (``cannot-carry`` error)."""
    if mode not in ("reverse", "forward"):
        raise UsageError(f"mode={mode!r}: use 'reverse' or 'forward'", "bad-mode")
    target = _Target(f)
    names, _ = target.wrt_names(wrt, everything=(motion == "split" or mode == "forward"))
    target.check(names, mode)
    if args is None:
        values = {p: 1.0 for p in target.params}
        for name, param in target.signature.parameters.items():
            if param.default is not inspect.Parameter.empty:
                values[name] = param.default
    else:
        values = target.bind(tuple(args), {})
    variant = "jvp" if mode == "forward" else "vjp" if motion == "split" else "grad"
    if standalone:
        kinds = {p: kind_rules.of_argument(p, values[p], kind_of(values[p]))
                 for p in target.params}
        text = standalone_module.module_source(target.front, names, kinds, variant, optimize,
                                               module, kind_of)
        return Source(text)
    return Source(target.generated(names, values, variant, optimize).source)


def differentiate(func=None, *, wrt=None):
    """Decorator: ``f`` unchanged, plus ``f.grad``, ``f.value_and_grad``, ``f.vjp``,
    ``f.jvp``, ``f.jacobian``, ``f.hessian``, ``f.hvp`` and ``f.source``, each taking
    the arguments of the module-level call without ``f``."""
    if func is None:
        return functools.partial(differentiate, wrt=wrt)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    wrapper.__s2sad_primal__ = func
    wrapper.__s2sad_wrt__ = wrt
    wrapper.grad = lambda *a, **k: grad(wrapper)(*a, **k)
    wrapper.value_and_grad = lambda *a, **k: value_and_grad(wrapper)(*a, **k)
    wrapper.vjp = lambda *a, **k: vjp(wrapper, *a, **k)
    wrapper.source = lambda mode="reverse", **k: source(wrapper, mode, **k)
    wrapper.jvp = lambda primals, tangents: jvp(wrapper, primals, tangents)

    def operator(name):
        from .driver import higher
        return lambda *a, **k: getattr(higher, name)(wrapper)(*a, **k)
    wrapper.jacobian = operator("jacobian")
    wrapper.hessian = operator("hessian")
    wrapper.hvp = operator("hvp")
    return wrapper
