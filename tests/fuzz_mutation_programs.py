"""A second, independent program generator: programs in the style users write with
NumPy, where arrays are updated in place.

Where tests/fuzz_programs.py writes pure scalar arithmetic, this one writes what
the first cannot: arrays copied from the arguments (``x.copy()``, ``np.array(x)``,
``np.zeros(3)`` filled in a loop, and the algebraic identities an optimizer may
fold into an alias: ``x * 1.0``, ``1.0 * x``, ``x + 0.0``, ``x - 0.0``,
``x / 1.0``, ``x ** 1``, ``x * one``) and then updated in place (``y[i] = e``,
``y[i] += e``, ``y[a:b] *= e``, ``y += e``, ``y[:] = y``, ``y[1:] = y[:2]``),
through aliases (``z = y``), views (``v = y[1:]``), containers (tuples, lists,
dicts holding arrays, read back by indexing and by unpacking), lists appended
in loops (bare names, expressions), module-level helpers that mutate their
argument (returning it or nothing; defaults, keywords, helpers calling helpers),
``for`` loops over ``range``/arrays/``enumerate``/``zip``/views whose body
rebinds or updates the iterated array, ``while`` loops with data-dependent trip
counts, ``break``/``continue``, branches, early returns, a parameter dict or
list of arrays as an argument, module-level globals (an array, a list of arrays,
a list the function appends to), and the arguments themselves updated in place.

A program renders twice: as written, and *traced* (``f_traced``), where every
branch and loop decision also goes to ``PATH`` (tests/fuzz_checks.py's
``_br``), so that finite differences are only taken where the path is stable.
Expressions are smooth (no ``abs``/``max``): only statements decide.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

#: Module-level state and helpers every program's module holds (after
#: fuzz_checks.HELPERS, which defines ``PATH`` and ``_br``).
PRELUDE = '''
G = np.array([0.5, -1.0, 1.5])
GL = [np.array([0.25, 0.5, -0.75]), np.array([1.0, -0.5, 0.3])]
HIST = []
GLOBAL_STATE = ("G", "GL", "HIST")


def step(v, a):
    v += a
    return v


def scale_inplace(v, k=0.5):
    v *= k


def set_first(v, e):
    v[0] = e


def fill_tanh(out, v):
    for i in range(3):
        out[i] = np.tanh(v[i])


def step_twice(v, a, k=0.5):
    v = step(v, a * k)
    return step(v, a)


def pure_mix(v, w, k=1.0):
    return v * k + np.sin(w)


def accumulate(acc, v):
    acc += v * v
    return np.sum(acc)
'''

# identities and copies: each makes a distinct array in NumPy (``{a}[:]`` does not:
# it is a view of the argument, and updating it updates the argument)
COPIES = ["{a}.copy()", "np.array({a})", "{a} * 1.0", "1.0 * {a}", "{a} + 0.0",
          "{a} - 0.0", "{a} / 1.0", "{a} ** 1", "{a} * one", "np.copy({a})", "{a}[:]",
          "np.zeros(3) + {a}", "{a} * 1"]
CONSTANTS = ["0.5", "2.0", "-1.5", "0.25", "1.0", "-0.75"]
THRESHOLDS = ["0.0", "0.5", "-0.5", "1.0", "2.0"]
S_UNARY = ["np.sin({})", "np.tanh({})", "({}) ** 2", "np.cos({})", "-{}",
           "np.exp(np.tanh({}))"]
S_BINARY = ["({} + {})", "({} * {})", "({} - {})", "({} / (1.0 + ({}) ** 2))"]
REDUCE = ["np.sum({A})", "({A})[{k}]", "np.dot({A}, {B})", "np.mean({A})",
          "np.sum(np.tanh({A}) * {B})", "({A}).sum()"]
A_UNARY = ["np.sin({A})", "np.tanh({A})", "{A} * {S}", "{S} * {A}", "{A} + {S}",
           "{A} ** 2", "({A})[::-1]", "np.cos({A}) * {S}"]
A_BINARY = ["({A} + {B})", "({A} * {B})", "({A} - {B})", "{A} / (1.0 + {B} ** 2)",
            "pure_mix({A}, {B})", "pure_mix({A}, {B}, k={S})"]


@dataclass
class Line:
    indent: int
    plain: str
    traced: str = ""

    def render(self, traced):
        return "    " * self.indent + (self.traced if traced and self.traced else self.plain)


@dataclass(repr=False)
class Program:
    params: tuple
    lines: list
    param_kind: str = ""            # "", "dict" or "list": what ``p`` is

    def __repr__(self):
        return "Program:\n" + self.source()

    def source(self, traced=False, name="f"):
        head = f"def {name}({', '.join(self.params)}):"
        return "\n".join([head] + [ln.render(traced) for ln in self.lines]) + "\n"

    def module_text(self):
        return PRELUDE + "\n\n" + self.source() + "\n\n" + self.source(True, "f_traced")


@dataclass
class Scope:
    scalars: list = field(default_factory=lambda: ["s"])
    arrays: list = field(default_factory=lambda: ["x"])      # length 3
    views: list = field(default_factory=list)                # length 2
    ints: list = field(default_factory=list)                 # range loop variables
    lists: dict = field(default_factory=dict)                # appended lists: element kind
    reads: list = field(default_factory=list)                # array reads of containers


class _Builder:
    def __init__(self, draw, param_kind):
        self.draw, self.scope, self.lines, self.count = draw, Scope(), [], 0
        self.budget = 14                                    # statements left
        self.needs_one = False
        self.tuple_reads = set()
        if param_kind == "dict":
            self.scope.reads += ['p["w"]']
            self.scope.scalars.append('p["b"]')
        elif param_kind == "list":
            self.scope.reads += ["p[0]", "p[1]"]
        self.scope.reads += ["G", "GL[0]"]

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def choose(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, k):
        return self.draw(st.integers(0, k - 1)) == 0

    def emit(self, indent, plain, traced=""):
        self.lines.append(Line(indent, plain, traced))

    # expressions ----------------------------------------------------------
    def scalar(self, depth=2):
        kind = self.draw(st.integers(0, 9)) if depth > 0 else self.draw(st.integers(0, 3))
        if kind == 0:
            return self.choose(CONSTANTS)
        if kind <= 1:
            return self.choose(self.scope.scalars)
        if kind <= 3:
            template = self.choose(REDUCE + (["sum({L})"] if self._lists("scalar") else []))
            return self._fill(template, depth)
        if kind <= 6:
            return self.choose(S_UNARY).format(self.scalar(depth - 1))
        return self.choose(S_BINARY).format(self.scalar(depth - 1), self.scalar(depth - 1))

    def array(self, depth=2):
        kind = self.draw(st.integers(0, 6)) if depth > 0 else 0
        if kind <= 2:
            return self.array_leaf()
        template = self.choose(A_UNARY if kind <= 4 else A_BINARY)
        return self._fill(template, depth)

    def array_leaf(self):
        kind = self.draw(st.integers(0, 5))
        if kind == 0 and self.scope.reads:
            return self.choose(self.scope.reads)
        if kind == 1 and self._lists("array"):
            return self.choose(self._lists("array")) + self.choose(["[-1]", "[0]"])
        return self.choose(self.scope.arrays)

    def view_value(self):
        kind = self.draw(st.integers(0, 2))
        if kind == 0 or not self.scope.views:
            return self.scalar(1)
        if kind == 1:
            return f"np.tanh({self.choose(self.scope.views)})"
        return f"({self.array(1)}){self.choose(['[1:]', '[:2]'])}"

    def _fill(self, template, depth):
        while "{A}" in template or "{B}" in template or "{S}" in template:
            for slot in ("{A}", "{B}"):
                template = template.replace(slot, self.array(depth - 1), 1)
            template = template.replace("{S}", self.scalar(depth - 1), 1)
        template = template.replace("{k}", self.choose(["0", "1", "2", "-1"] + self.scope.ints))
        return template.replace("{L}", self.choose(self._lists("scalar") or ["[0.0]"]))

    def _lists(self, kind):
        return [name for name, k in self.scope.lists.items() if k == kind]

    def cond(self):
        op = self.choose(["<", ">", "<=", ">="])
        text = f"{self.scalar(2)} {op} {self.choose(THRESHOLDS)}"
        return text, f"_br({text})"

    # statements -----------------------------------------------------------
    def statement(self, indent, depth, in_loop):
        self.budget -= 1
        top = indent == 1
        kinds = ["new_array", "inplace", "inplace", "inplace", "scalar", "scalar",
                 "alias_or_view", "container", "append", "helper", "rebind", "self_assign"]
        if self.chance(3):              # rarer: a bare call is often refused (side effect)
            kinds.append("global")
        if depth > 0 and self.budget > 0:
            kinds += ["if", "for", "for", "while"]
        if in_loop:
            kinds += ["jump"]
        if not top:
            kinds += ["return"]
        kind = self.choose(kinds)
        getattr(self, "st_" + kind)(indent, depth, top)

    def block(self, indent, depth, in_loop, size=2):
        before = len(self.lines)
        for _ in range(self.draw(st.integers(1, size))):
            self.statement(indent, depth - 1, in_loop)
        if len(self.lines) == before:   # a helper call or rebinding that found no target
            self.emit(indent, "pass")

    def st_new_array(self, indent, depth, top):
        name = self.fresh("y")
        kind = self.draw(st.integers(0, 4))
        if kind <= 1:
            template = self.choose(COPIES)
            self.needs_one |= "one" in template
            self.emit(indent, f"{name} = {template.format(a=self.array_leaf())}")
        elif kind == 2:
            self.emit(indent, f"{name} = np.zeros(3)")
            i = self.fresh("i")
            self.emit(indent, f"for {i} in range(3):")
            self.scope.ints.append(i)
            self.emit(indent + 1, f"{name}[{i}] = {self.scalar(1)}")
            self.scope.ints.remove(i)
        elif kind == 3:
            self.emit(indent, f"{name} = " + self.choose(
                ["np.zeros_like({a})", "np.ones(3) * {s}", "np.array([{s}, {s2}, 0.5])"]).format(
                a=self.array_leaf(), s=self.scalar(1), s2=self.scalar(1)))
        else:
            self.emit(indent, f"{name} = {self.array(2)}")
        if top:                                           # names made in a block may be unbound
            self.scope.arrays.append(name)

    def st_inplace(self, indent, depth, top):
        if self.scope.views and self.chance(3):
            view = self.choose(self.scope.views)
            form = self.choose(["{v}[0] = {e}", "{v} *= {e}", "{v} += {e}", "{v}[:] = {e}",
                                "{v}[-1] -= {e}"])
            self.emit(indent, form.format(v=view, e=self.view_value()))
            return
        target = self.target()
        k = self.choose(["0", "1", "2"] + self.scope.ints)
        forms = ["{y}[{k}] = {s}", "{y}[{k}] += {s}", "{y}[{k}] *= {s}", "{y}[0:2] *= {s}",
                 "{y}[1:3] += {s}", "{y}[:] = {a}", "{y}[::2] = {s}"]
        if self.rebindable(target):
            forms += ["{y} += {a}", "{y} *= {s}", "{y} -= {a}", "{y} /= 1.5 + np.tanh({s})"]
        form = self.choose(forms)
        self.emit(indent, form.format(y=target, k=k, s=self.scalar(2), a=self.array(2)))

    def target(self):
        """An array to update: mostly a local one; an argument, a global or an
        array read from a container sometimes."""
        local = [a for a in self.scope.arrays if a != "x"]
        if local and not self.chance(10):
            return self.choose(local)
        return self.choose(self.scope.arrays + self.scope.reads)

    def rebindable(self, target):
        """Whether ``target = ...`` (or ``target += ...``) is valid Python here: a
        local name, or an item of a list or dict (not of a tuple, not a global)."""
        return target not in ("G", "GL") and target not in self.tuple_reads

    def st_scalar(self, indent, depth, top):
        names = [n for n in self.scope.scalars if n != 's' and not n.startswith("p")]
        if top and (not names or self.chance(2)):
            name = self.fresh("t")
            self.emit(indent, f"{name} = {self.scalar(2)}")
            self.scope.scalars.append(name)
            return
        target = self.choose(names or ["s"])
        self.emit(indent, f"{target} {self.choose(['=', '+=', '-=', '*='])} {self.scalar(2)}")

    def st_alias_or_view(self, indent, depth, top):
        if not top:
            return self.st_inplace(indent, depth, top)
        source = self.choose(self.scope.arrays + self.scope.reads)
        if self.chance(2):
            name = self.fresh("z")
            self.emit(indent, f"{name} = {source}")
            self.scope.arrays.append(name)
        else:
            name = self.fresh("v")
            self.emit(indent, f"{name} = {source}{self.choose(['[1:]', '[:2]', '[::2]'])}")
            self.scope.views.append(name)

    def st_container(self, indent, depth, top):
        if not top:
            return self.st_inplace(indent, depth, top)
        name, a, b = self.fresh("c"), self.choose(self.scope.arrays), self.array_leaf()
        kind = self.draw(st.integers(0, 5))
        if kind in (0, 5):
            self.emit(indent, f"{name} = ({a}, {self.scalar(1)})")
            self.scope.reads.append(f"{name}[0]")
            self.tuple_reads.add(f"{name}[0]")
        elif kind == 1:
            self.emit(indent, f"{name} = [{a}, {b}]")
            self.scope.reads += [f"{name}[0]", f"{name}[1]"]
        elif kind == 2:
            self.emit(indent, f'{name} = {{"a": {a}, "b": {b}}}')
            self.scope.reads += [f'{name}["a"]', f'{name}["b"]']
        else:                                       # packed and unpacked again
            u, w = self.fresh("u"), self.fresh("u")
            self.emit(indent, f"{name} = {a}, {b}" if kind == 3 else f"{name} = [{a}, {b}]")
            self.emit(indent, f"{u}, {w} = {name}")
            self.scope.arrays += [u, w]

    def st_append(self, indent, depth, top):
        if not self.scope.lists or top and self.chance(2):
            if not top:
                return self.st_inplace(indent, depth, top)
            name, kind = self.fresh("lst"), self.choose(["array", "scalar"])
            starts = ["[x]", "[x * 0.5]", "[np.zeros(3)]"] if kind == "array" else \
                ["[]", "[s]", "[1.0]"]
            self.emit(indent, f"{name} = {self.choose(starts)}")
            self.scope.lists[name] = kind
            return
        name = self.choose(list(self.scope.lists))
        if self.scope.lists[name] == "array":
            value = self.choose(self.scope.arrays + [self.array(1)])
        else:
            value = self.choose(self.scope.scalars + [self.scalar(1)])
        self.emit(indent, f"{name}.append({value})")

    def st_helper(self, indent, depth, top):
        """A helper that updates its first argument in place: a bare call (often
        refused: a call for its side effect), or its result bound to a new name (an
        alias of the argument) or to the argument's own name."""
        y, a, s = self.target(), self.array(1), self.scalar(1)
        bare = [f"scale_inplace({y})", f"scale_inplace({y}, k={s})", f"set_first({y}, {s})",
                f"fill_tanh({y}, {a})"]
        returning = [f"step({y}, {a})", f"step_twice({y}, {a})", f"step_twice({y}, a={a}, k={s})"]
        call = self.choose(bare + returning)
        if call in bare or self.chance(5):
            self.emit(indent, call)
        elif top and self.chance(2):
            name = self.fresh("h")
            self.emit(indent, f"{name} = {call}")
            self.scope.arrays.append(name)
        elif self.rebindable(y):
            self.emit(indent, f"{y} = {call}")
        if self.chance(3):
            t = self.fresh("t")
            self.emit(indent, f"{t} = accumulate({self.target()}, {a})")
            if top:
                self.scope.scalars.append(t)

    def st_rebind(self, indent, depth, top):
        target = self.target()
        if self.rebindable(target):
            self.emit(indent, f"{target} = {self.array(2)}")

    def st_self_assign(self, indent, depth, top):
        y = self.target()
        self.emit(indent, self.choose(["{y}[:] = {y}", "{y}[0] = {y}[0]", "{y}[1:] = {y}[:2]",
                                       "{y}[:2] = {y}[1:]", "{y}[::-1] = {y}"]).format(y=y))

    def st_global(self, indent, depth, top):
        form = self.choose(["HIST.append({s})", "HIST.append({y})", "GL.append({y})",
                            "G[1] = {s}", "GL[0] += {s}"])
        self.emit(indent, form.format(s=self.scalar(1), y=self.choose(self.scope.arrays)))

    def st_if(self, indent, depth, top):
        for k in range(self.draw(st.integers(1, 2))):
            plain, traced = self.cond()
            word = "if" if k == 0 else "elif"
            self.emit(indent, f"{word} {plain}:", f"{word} {traced}:")
            self.block(indent + 1, depth, self.in_loop)
        if self.chance(2):
            self.emit(indent, "else:")
            self.block(indent + 1, depth, self.in_loop)

    def st_for(self, indent, depth, top):
        y, z = self.choose(self.scope.arrays), self.choose(self.scope.arrays + self.scope.reads)
        i, e, w = self.fresh("i"), self.fresh("e"), self.fresh("e")
        forms = [(f"for {i} in range(3):", [i], []), (f"for {e} in {y}:", [], [e]),
                 (f"for {i}, {e} in enumerate({y}):", [i], [e]),
                 (f"for {e}, {w} in zip({y}, {z}):", [], [e, w]),
                 (f"for {e} in {y}[1:]:", [], [e])]
        if self.scope.lists:
            name = self.choose(list(self.scope.lists))
            forms.append((f"for {e} in {name}:", [], []))
        header, ints, scalars = self.choose(forms)
        self.emit(indent, header)
        self.scope.ints += ints
        self.scope.scalars += scalars
        was, self.in_loop = self.in_loop, True
        if " in range" not in header and self.rebindable(y) and self.chance(2):
            # the body changes the iterated array
            self.emit(indent + 1, self.choose([f"{y} = {y} * 2.0", f"{y} *= 0.5",
                                               f"{y}[0] = {self.scalar(1)}", f"{y} += 1.0"]))
        self.block(indent + 1, depth, True)
        self.in_loop = was
        for name in ints:
            self.scope.ints.remove(name)
        for name in scalars:
            self.scope.scalars.remove(name)

    def st_while(self, indent, depth, top):
        k, limit = self.fresh("k"), self.draw(st.integers(1, 4))
        plain, traced = self.cond()
        self.emit(indent, f"{k} = 0")
        self.emit(indent, f"while {k} < {limit} and {plain}:",
                  f"while _br({k} < {limit}) and {traced}:")
        self.emit(indent + 1, f"{k} += 1")
        was, self.in_loop = self.in_loop, True
        self.block(indent + 1, depth, True)
        self.in_loop = was

    def st_jump(self, indent, depth, top):
        plain, traced = self.cond()
        self.emit(indent, f"if {plain}:", f"if {traced}:")
        self.emit(indent + 1, self.choose(["break", "continue"]))

    def st_return(self, indent, depth, top):
        plain, traced = self.cond()
        self.emit(indent, f"if {plain}:", f"if {traced}:")
        self.emit(indent + 1, f"return {self.final()}")

    def final(self):
        """The output: reads every array in scope, so that an update shows."""
        terms = [f"np.sum(np.sin({a}) * {self.choose(['x', 'G', a])})"
                 for a in self.scope.arrays + self.scope.reads if self.chance(2)]
        terms += [f"np.sum({v})" for v in self.scope.views if self.chance(2)]
        terms += [f"sum({n})" if k == "scalar" else f"np.sum({n}[-1])"
                  for n, k in self.scope.lists.items() if self.chance(2)]
        return " + ".join([self.scalar(2)] + terms)


@st.composite
def programs(draw):
    param_kind = draw(st.sampled_from(["", "dict", "list"]))
    params = ("x", "s") + (("p",) if param_kind else ())
    builder = _Builder(draw, param_kind)
    builder.in_loop = False
    if not builder.chance(4):
        builder.st_new_array(1, 2, True)
    for _ in range(draw(st.integers(1, 6))):
        builder.statement(1, 2, False)
    builder.emit(1, f"return {builder.final()}")
    lines = ([Line(1, "one = 1.0")] if builder.needs_one else []) + builder.lines
    return Program(params, lines, param_kind)


def arguments(program: Program):
    value = st.integers(-150, 150).map(lambda k: k / 100.0)
    array = st.tuples(value, value, value)
    parts = [array, value]
    if program.param_kind == "dict":
        parts.append(st.fixed_dictionaries({"w": array, "b": value}))
    elif program.param_kind == "list":
        parts.append(st.lists(array, min_size=2, max_size=2))
    return st.tuples(*parts)
