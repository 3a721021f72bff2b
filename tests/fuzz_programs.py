"""A hypothesis strategy that writes random, well-defined Python functions as source.

A program is a small tree of nodes (expressions, conditions, statements) that
renders to source text twice: as written (what s2sad differentiates) and
*traced*, where every comparison, ``abs``, ``max`` and ``min`` also appends its
decision to ``PATH``. Running the traced twin at the points a finite
difference evaluates tells whether they all took the same path, i.e. whether
the difference measures a derivative or a jump.

The language: arithmetic, ``math``/NumPy calls on safe domains (logs and square
roots of ``1 + u**2``, exponentials of bounded values, divisions by ``1 + u**2``),
``abs``/``max``/``min``, conditional expressions, ``if``/``elif``/``else`` on
data, ``and``/``or``/``not``, ``for`` over ``range``/a tuple/an array argument,
counter-bounded ``while`` loops, ``break``/``continue``, early returns,
augmented assignment, tuple unpacking, and calls to user helpers (with keywords,
defaults, branches, loops, and helpers calling helpers: tests/fuzz_checks.py's
HELPERS). Not yet: in-place array updates. Every loop is bounded, so every program
terminates.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# ---------------------------------------------------------------------------
# Nodes: each renders as written (traced=False) or with its decisions recorded
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    text: str

    def render(self, traced):
        return self.text


@dataclass(frozen=True)
class Call:
    """An expression from a template: ``"math.sin({})"``, ``"({} + {})"``; ``traced``
    is the template of the traced twin, where it records a decision."""

    template: str
    args: tuple
    traced: str = ""

    def render(self, traced):
        template = self.traced if traced and self.traced else self.template
        return template.format(*(a.render(traced) for a in self.args))


@dataclass(frozen=True)
class Compare:
    op: str
    left: object
    right: object

    def render(self, traced):
        text = f"{self.left.render(traced)} {self.op} {self.right.render(traced)}"
        return f"_br({text})" if traced else text


@dataclass(frozen=True)
class Logic:
    op: str          # "and", "or", "not"
    args: tuple

    def render(self, traced):
        if self.op == "not":
            return f"(not {self.args[0].render(traced)})"
        return f"({self.args[0].render(traced)} {self.op} {self.args[1].render(traced)})"


@dataclass(frozen=True)
class IfExp:
    cond: object
    then: object
    orelse: object

    def render(self, traced):
        return (f"({self.then.render(traced)} if {self.cond.render(traced)} "
                f"else {self.orelse.render(traced)})")


def _block(body, traced, indent):
    return [line for stmt in body for line in stmt.lines(traced, indent)]


@dataclass(frozen=True)
class Assign:
    targets: tuple                  # one name, or two for tuple unpacking
    values: tuple
    op: str = "="                   # "=", "+=", "-=", "*="

    def lines(self, traced, indent):
        lhs = ", ".join(self.targets)
        rhs = ", ".join(v.render(traced) for v in self.values)
        return [f"{indent}{lhs} {self.op} {rhs}"]


@dataclass(frozen=True)
class If:
    branches: tuple                 # ((cond, body), ...): if, elif, ...
    orelse: tuple = ()

    def lines(self, traced, indent):
        out = []
        for k, (cond, body) in enumerate(self.branches):
            out.append(f"{indent}{'if' if k == 0 else 'elif'} {cond.render(traced)}:")
            out += _block(body, traced, indent + "    ")
        if self.orelse:
            out.append(f"{indent}else:")
            out += _block(self.orelse, traced, indent + "    ")
        return out


@dataclass(frozen=True)
class For:
    var: str
    iterable: str                   # "range(3)", "range(n)", "(0.5, -1.0)", "a"
    body: tuple

    def lines(self, traced, indent):
        return [f"{indent}for {self.var} in {self.iterable}:"] + \
            _block(self.body, traced, indent + "    ")


@dataclass(frozen=True)
class While:
    """``counter = 0; while counter < limit and cond: counter += 1; body``."""

    counter: str
    limit: int
    cond: object
    body: tuple

    def lines(self, traced, indent):
        bound = Compare("<", Leaf(self.counter), Leaf(str(self.limit)))
        test = Logic("and", (bound, self.cond)).render(traced)[1:-1]
        return [f"{indent}{self.counter} = 0", f"{indent}while {test}:",
                f"{indent}    {self.counter} += 1"] + _block(self.body, traced, indent + "    ")


@dataclass(frozen=True)
class Jump:
    word: str                       # "break", "continue"

    def lines(self, traced, indent):
        return [f"{indent}{self.word}"]


@dataclass(frozen=True)
class Return:
    values: tuple

    def lines(self, traced, indent):
        return [f"{indent}return {', '.join(v.render(traced) for v in self.values)}"]


@dataclass(frozen=True, repr=False)
class Program:
    """A function ``f`` of ``params``; ``x`` and ``y`` (and ``a``, an array of three)
    are floats to differentiate, ``n`` an int."""

    params: tuple
    body: tuple

    def __repr__(self):             # how hypothesis shows a failing program
        return "Program:\n" + self.source()

    def source(self, traced=False, name="f"):
        head = f"def {name}({', '.join(self.params)}):"
        return "\n".join([head] + _block(self.body, traced, "    ")) + "\n"

    @property
    def wrt(self):
        return tuple(i for i, p in enumerate(self.params) if p != "n")


# ---------------------------------------------------------------------------
# Expression templates, simplest first (hypothesis shrinks towards the start)
# ---------------------------------------------------------------------------

UNARY = [
    ("-{}", ""), ("math.sin({})", ""), ("math.cos({})", ""), ("np.tanh({})", ""),
    ("({}) ** 2", ""), ("({}) ** 3", ""), ("math.exp(math.tanh({}))", ""),
    ("math.log(1.0 + ({}) ** 2)", ""), ("math.sqrt(1.0 + ({}) ** 2)", ""),
    ("math.atan({})", ""), ("np.sin({})", ""), ("np.exp(-({}) ** 2)", ""),
    ("np.log(2.0 + np.cos({}))", ""), ("np.sqrt(1.5 + np.sin({}))", ""),
    ("math.erf({})", ""), ("math.log1p(({}) ** 2)", ""), ("np.arctan({})", ""),
    ("math.sinh(math.tanh({}))", ""), ("np.cosh(np.tanh({}))", ""),
    ("(1.0 + ({}) ** 2) ** 0.5", ""), ("(1.0 + ({}) ** 2) ** -1.5", ""),
    ("abs({})", "_abs({})"),
    ("helper_loop({})", ""), ("helper_branch({})", "helper_branch_traced({})"),
    ("helper_branch({}, scale=0.5)", "helper_branch_traced({}, scale=0.5)"),
]
BINARY = [
    ("({} + {})", ""), ("({} * {})", ""), ("({} - {})", ""),
    ("({} / (1.0 + ({}) ** 2))", ""), ("max({}, {})", "_max({}, {})"),
    ("min({}, {})", "_min({}, {})"), ("math.hypot({}, {})", ""),
    ("math.atan2({}, 2.0 + math.cos({}))", ""), ("(1.5 + math.sin({})) ** math.cos({})", ""),
    ("np.arctan2({}, 3.0 + np.sin({}))", ""),
    ("helper_poly({}, {})", ""), ("helper_nested({}, {})", "helper_nested_traced({}, {})"),
]
# scalars from arrays of three: {v} and {w} stand for arrays in scope (the argument
# ``a`` and array locals), {i} for an int (a range loop's variable, or ``n``)
REDUCTIONS = ["np.sum({v})", "{v}[0]", "{v}[2]", "np.dot({v}, {w})", "np.mean(np.sin({v}))",
              "np.sum(np.tanh({v}) * {w})", "np.sum(np.exp(-{v} * {v}))", "{v}.sum()",
              "np.sum({v} * {})", "np.dot({v}, np.cos({w} * {}))",
              "np.sum(np.log(1.0 + ({v} * {}) ** 2))", "{v}[{i} % 3]", "{v}[{i} % 3] * {}",
              "helper_array({v}, {})"]
# arrays of three from arrays and scalars ({} is a scalar expression)
ARRAYS = ["{v} * {}", "np.sin({v}) + {}", "np.tanh({v} * {})", "{v} / (1.0 + {w} ** 2)",
          "np.exp(-{v} ** 2) * {}", "{v} + {w} * {}", "np.sqrt(1.0 + {v} ** 2)",
          "{v}[::-1] * {}"]
CONSTANTS = ["0.5", "2.0", "-1.5", "0.25", "3.0", "-0.75", "1.0"]
THRESHOLDS = ["0.0", "0.5", "-0.5", "1.0", "-1.0", "2.0"]
COMPARISONS = ["<", ">", "<=", ">="]


class _Builder:
    """Draws a program: ``draw`` is hypothesis's; names in scope grow as it goes."""

    def __init__(self, draw, params, outputs, nodes=30, statements=8):
        self.draw, self.params, self.outputs = draw, params, outputs
        self.scalars = [p for p in params if p in ("x", "y")]
        self.arrays = ["a"] if "a" in params else []
        self.ints = ["n"] if "n" in params else []
        self.int_loop_vars = set()          # loop variables of range loops
        self.count = 0
        self.nodes, self.statements = nodes, statements      # what is left to spend

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def choose(self, options):
        return self.draw(st.sampled_from(options))

    # expressions ----------------------------------------------------------
    def leaf(self, loop_vars):
        names = self.scalars + loop_vars + self.ints
        kind = self.draw(st.integers(0, 3 if self.arrays else 2))
        if kind == 0 or (kind == 1 and not names):
            return Leaf(self.choose(CONSTANTS))
        if kind in (1, 2):
            return Leaf(self.choose(names))
        ints = self.ints + [v for v in loop_vars if v in self.int_loop_vars]
        template = self.fill(self.choose([t for t in REDUCTIONS if ints or "{i}" not in t]), ints)
        return Call(template, (self.leaf(loop_vars),) if "{}" in template else ())

    def fill(self, template, ints=()):
        """``template`` with its {v}, {w} (arrays) and {i} (an int) chosen."""
        for slot in ("{v}", "{w}"):
            template = template.replace(slot, self.choose(self.arrays))
        return template.replace("{i}", self.choose(ints)) if "{i}" in template else template

    def expr(self, depth, loop_vars=()):
        """Leaves (40%), functions of one (30%) or two (20%) values, conditional
        expressions (10%), nested at most ``depth`` deep."""
        loop_vars = list(loop_vars)
        kind = self.draw(st.integers(0, 9)) if depth > 0 and self.nodes > 0 else 0
        if kind <= 3:
            return self.leaf(loop_vars)
        self.nodes -= 1
        if kind <= 6:
            template, traced = self.choose(UNARY)
            return Call(template, (self.expr(depth - 1, loop_vars),), traced)
        if kind <= 8:
            template, traced = self.choose(BINARY)
            return Call(template, (self.expr(depth - 1, loop_vars),
                                   self.expr(depth - 1, loop_vars)), traced)
        return IfExp(self.cond(0, loop_vars), self.expr(depth - 1, loop_vars),
                     self.expr(depth - 1, loop_vars))

    def cond(self, depth, loop_vars=()):
        """A comparison with a threshold or another value; sometimes and/or/not."""
        kind = self.draw(st.integers(0, 7)) if depth > 0 else self.draw(st.integers(0, 1))
        if kind <= 1:
            right = Leaf(self.choose(THRESHOLDS)) if kind == 0 else self.expr(1, loop_vars)
            return Compare(self.choose(COMPARISONS), self.expr(1, loop_vars), right)
        if kind <= 4:
            return Compare(self.choose(COMPARISONS), self.expr(2, loop_vars),
                           Leaf(self.choose(THRESHOLDS)))
        if kind == 5:
            return Logic("not", (self.cond(depth - 1, loop_vars),))
        return Logic(self.choose(["and", "or"]), (self.cond(depth - 1, loop_vars),
                                                  self.cond(depth - 1, loop_vars)))

    # statements -----------------------------------------------------------
    def returned(self, loop_vars=()):
        return Return(tuple(self.expr(2, loop_vars) for _ in range(self.outputs)))


    def assignment(self, loop_vars, top):
        kind = self.draw(st.integers(0, 4 if self.arrays else 3))
        if kind == 4:
            return self.array_assignment(loop_vars, top)
        if kind == 0 and top:                        # a new local
            value, name = self.expr(2, loop_vars), self.fresh("u")
            self.scalars.append(name)
            return Assign((name,), (value,))
        if kind == 3 and len(self.scalars) >= 2:      # tuple unpacking (a swap, or two values)
            first, second = self.draw(st.permutations(self.scalars))[:2]
            if self.draw(st.booleans()):
                return Assign((first, second), (Leaf(second), Leaf(first)))
            return Assign((first, second), (self.expr(2, loop_vars), self.expr(2, loop_vars)))
        target = self.choose(self.scalars)
        op = self.choose(["=", "+=", "-=", "*="]) if kind == 2 else "="
        return Assign((target,), (self.expr(2, loop_vars),), op)

    def array_assignment(self, loop_vars, top):
        """An array local from arrays and scalars (a new one, at the top level)."""
        template = self.fill(self.choose(ARRAYS))
        value = Call(template, tuple(self.expr(1, loop_vars) for _ in range(template.count("{}"))))
        if top and self.draw(st.booleans()):
            name = self.fresh("w")
            self.arrays.append(name)
            return Assign((name,), (value,))
        return Assign((self.choose(self.arrays),), (value,))

    def block(self, depth, loop_vars, in_loop, top=False, size=2):
        body = [self.statement(depth, loop_vars, in_loop, top)
                for _ in range(self.draw(st.integers(1, size)))]
        if not top and self.draw(st.integers(0, 3 if in_loop else 6)) == 0:
            options = ["return"] + (["break", "continue"] if in_loop else [])   # a jump ends it
            word = self.choose(options)
            body.append(self.returned(loop_vars) if word == "return" else Jump(word))
        return tuple(body)

    def statement(self, depth, loop_vars, in_loop, top):
        self.statements -= 1
        kind = self.draw(st.integers(0, 5)) if depth > 0 and self.statements > 0 else 0
        if kind <= 2 or not self.scalars:
            return self.assignment(loop_vars, top)
        if kind == 3:
            branches = tuple((self.cond(1, loop_vars), self.block(depth - 1, loop_vars, in_loop))
                             for _ in range(self.draw(st.integers(1, 3))))
            orelse = self.block(depth - 1, loop_vars, in_loop) if self.draw(st.booleans()) else ()
            return If(branches, orelse)
        if kind == 4:
            return self.for_loop(depth, loop_vars)
        counter = self.fresh("k")
        return While(counter, self.draw(st.integers(1, 6)), self.cond(1, loop_vars),
                     self.block(depth - 1, loop_vars, True))

    def for_loop(self, depth, loop_vars):
        var = self.fresh("i")
        options = ["range(3)", "range(1, 4)", "(0.5, -1.25, 2.0)"] + \
            (["range(n)"] if self.ints else []) + self.arrays
        iterable = self.choose(options)
        if iterable.startswith("range"):
            self.int_loop_vars.add(var)
        return For(var, iterable, self.block(depth - 1, loop_vars + [var], True))


@st.composite
def programs(draw, max_depth=2):
    """A random program: parameters, a body of statements, a final return."""
    params = ["x", "y"]
    if draw(st.booleans()):
        params.append("a")
    if draw(st.booleans()):
        params.append("n")
    builder = _Builder(draw, tuple(params), outputs=draw(st.integers(1, 2)))
    body = builder.block(max_depth, [], in_loop=False, top=True, size=3)
    return Program(tuple(params), body + (builder.returned(),))


def features(program: Program):
    """The constructs a program uses, by name (for hypothesis's statistics)."""
    plain, traced = program.source(), program.source(traced=True)
    lines = [line.strip() for line in plain.splitlines()]
    found = {
        "if": any(line.startswith("if ") for line in lines),
        "elif": any(line.startswith("elif ") for line in lines),
        "for": any(line.startswith("for ") for line in lines),
        "while": any(line.startswith("while ") for line in lines),
        "break": "break" in lines, "continue": "continue" in lines,
        "early return": sum(line.startswith("return ") for line in lines) > 1,
        "conditional expression": any(" if " in line and not line.startswith(("if ", "elif "))
                                      for line in lines),
        "augmented assignment": any(op in line and not line.startswith("k") for line in lines
                                    for op in (" += ", " -= ", " *= ")),
        "abs/max/min": any(name in traced for name in ("_abs(", "_max(", "_min(")),
        "array argument": "a" in program.params, "tuple output": _returns_tuple(program),
        "array local": any(line.startswith("w") and " = " in line for line in lines),
        "helper call": "helper_" in plain,
    }
    return sorted(name for name, present in found.items() if present)


def _returns_tuple(program):
    return len(program.body[-1].values) > 1


def arguments(program: Program):
    """A strategy for the arguments ``program`` is called with."""
    value = st.integers(-200, 200).map(lambda k: k / 100.0)
    parts = {"x": value, "y": value, "n": st.integers(0, 4),
             "a": st.tuples(value, value, value)}
    return st.tuples(*(parts[p] for p in program.params))
