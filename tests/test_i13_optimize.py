"""Issue 13, the optimizer: passes say what they changed (the driver stops when none
changes anything; a cap hit is an error here), a product and its mirror are folded
into one doubled product (elementwise only, never ``@``), and the shared expression
facts live below both passes that use them."""
import doctest

import gast
import numpy as np
import pytest

import s2sad
from s2sad.optimize import algebra, cse, expressions, passes
from s2sad.tree import emit, nodes
from tests.fd import fd_grad


def code(text):
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


# -- a product and its mirror ------------------------------------------------------------

def square_sum(x):
    return np.sum(x * x)


def sine_squared(x):
    s = np.sin(x)
    return np.sum(s * s)


def square_then_cube(x):
    y = x * x
    return np.sum(y * x) + np.sum(y)


def scalar_square_loop(x, n):
    for i in range(n):
        x = x * x
    return x


def matrix_square(A):
    return np.sum(A @ A)


def mirrored_product(x, y):
    return x * y + y * x


SQUARES = [(square_sum, (np.array([0.3, -1.2, 2.0]),)),
           (sine_squared, (np.array([0.3, -1.2, 2.0]),)),
           (square_then_cube, (np.array([0.5, 1.5]),)),
           (scalar_square_loop, (1.1, 3))]


def _unfolded(text):
    """A tangent line that still reads ``a * b + b * a``."""
    for line in code(text).splitlines():
        if "=" in line:
            value = line.split("=", 1)[1].strip()
            if " + " in value:
                left, right = value.split(" + ", 1)
                if " * " in left and left.split(" * ")[::-1] == right.split(" * "):
                    return line
    return None


@pytest.mark.parametrize("f, args", SQUARES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_squares_tangent_is_one_doubled_product(f, args):
    text = s2sad.source(f, mode="forward", args=args, wrt=["x"])
    assert _unfolded(text) is None, text
    assert "2.0 * (" in code(text), text


@pytest.mark.parametrize("f, args", SQUARES, ids=lambda v: getattr(v, "__name__", ""))
def test_folded_tangents_match_finite_differences_in_both_modes(f, args):
    x = args[0]
    rest = args[1:]
    g = lambda x: f(x, *rest)                                     # noqa: E731
    expected = fd_grad(g, (x,), 0)
    v = np.linspace(0.5, 1.5, np.size(x)).reshape(np.shape(x)) if np.ndim(x) else 0.7
    w = 1.3
    kept = np.copy(x)
    _, ydot = s2sad.jvp(f, (x, *rest), (v,), wrt=["x"])
    assert np.allclose(ydot, np.sum(expected * v), rtol=1e-6)
    _, pullback = s2sad.vjp(f, x, *rest, wrt=["x"])
    (xbar,) = pullback(w)
    assert np.isclose(np.sum(v * xbar), w * ydot)                 # <J v, w> == <v, J^T w>
    assert np.allclose(s2sad.grad(f, wrt=["x"])(x, *rest), expected, rtol=1e-6)
    assert np.array_equal(x, kept)                                # the caller's array


def test_a_matrix_product_and_its_mirror_stay_apart():
    A = np.array([[0.3, -1.0], [2.0, 0.5]])
    text = s2sad.source(matrix_square, mode="forward", args=(A,))
    assert "d_A @ A + A @ d_A" in code(text), text
    V = np.array([[1.0, 0.2], [-0.4, 0.7]])
    _, ydot = s2sad.jvp(matrix_square, (A,), (V,))
    assert np.isclose(ydot, np.sum(fd_grad(matrix_square, (A,), 0) * V))
    assert np.isclose(ydot, np.sum(V @ A + A @ V))                # closed form
    _, pullback = s2sad.vjp(matrix_square, A)
    assert np.isclose(np.sum(V * pullback(1.0)[0]), ydot)


def test_the_fold_is_exact_where_reassociating_would_overflow():
    # (2.0 * x) * y overflows for x = 1e308; x * y + y * x and 2.0 * (x * y) do not
    x, y = 1e308, 1e-10
    assert s2sad.value_and_grad(mirrored_product)(x, y)[0] == x * y + y * x
    _, ydot = s2sad.jvp(mirrored_product, (x, y), (0.0, 1e-10))
    assert np.isfinite(ydot) and np.isclose(ydot, 2.0 * (x * 1e-10))
    assert s2sad.grad(mirrored_product, wrt=["x"])(x, y) == (2.0 * y,)


def _simplified(text, floats):
    func = gast.parse(text).body[0]
    objects = algebra.Objects.of(func, floats, expressions.pure)
    func.body, rewrites = algebra.Simplify(floats, objects).visit_block(func.body)
    return code(emit.source(func)).splitlines()[-1].strip(), rewrites


@pytest.mark.parametrize("spelling, folded", [
    ("a * b + b * a", "2.0 * (b * a)"),
    ("b * a + a * b", "2.0 * (a * b)"),
    ("np.sin(a) * b + b * np.sin(a)", "2.0 * (b * np.sin(a))"),
    ("a[0] * b + b * a[0]", "2.0 * (b * a[0])"),
    ("a * b + a * b", "2.0 * (a * b)"),
])
def test_mirrored_products_fold(spelling, folded):
    line, rewrites = _simplified(f"def f(a, b):\n    return {spelling}", {"a", "b"})
    assert line == f"return {folded}" and rewrites == 1


@pytest.mark.parametrize("spelling, floats", [
    ("a @ b + b @ a", {"a", "b"}),            # matrix products do not commute
    ("a * b + b * c", {"a", "b", "c"}),       # not a mirror
    ("a * b + b * a", set()),                 # lists, ints: no float is known
    ("f(a) * b + b * f(a)", {"a", "b"}),      # f may have an effect
    ("a / b + b / a", {"a", "b"}),
])
def test_what_is_not_a_mirrored_product_stays(spelling, floats):
    line, rewrites = _simplified(f"def f(a, b, c):\n    return {spelling}", floats)
    assert line == f"return {spelling}" and rewrites == 0


# -- passes say what they changed ---------------------------------------------------------

def _function(text):
    return gast.parse(text).body[0]


def test_dce_reports_what_it_dropped_and_nothing_on_its_own_output():
    func = _function("def f(x):\n    a = x\n    b = a * 2.0\n    c = b + 1.0\n"
                     "    if x:\n        d = c\n    return x")
    body, dropped = passes._dce(func.body)
    assert dropped >= 4 and code(emit.source(_with(func, body))).splitlines()[-1].strip() \
        == "return x"
    assert passes._dce(body)[1] == 0


def _with(func, body):
    func.body = body
    return func


@pytest.mark.parametrize("f, args", SQUARES + [(matrix_square, (np.eye(2),))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_an_optimized_function_is_a_fixed_point_of_every_pass(f, args, monkeypatch):
    """The generated code as built, optimized: the rounds report changes until the last,
    which reports none, and one more round over the result changes nothing."""
    rounds = []
    real = passes._round

    def counted(*a):
        rounds.append(real(*a))
        return rounds[-1]
    monkeypatch.setattr(passes, "_round", counted)
    for mode in ("forward", "reverse"):
        rounds.clear()
        func = gast.parse(s2sad.source(f, mode=mode, args=args, optimize=False,
                                       wrt=[f.__code__.co_varnames[0]])).body[0]
        names = {n.id for n in gast.walk(func) if isinstance(n, gast.Name)}
        adjoints = {n for n in names if n.startswith("b_")}
        before = emit.source(func)
        passes.optimize(func, names, adjoints)
        assert rounds[0] > 0 and rounds[-1] == 0 and all(rounds[:-1]), rounds
        assert len(emit.source(func)) < len(before)
        assert real(func, names, adjoints, False) == 0


def test_passes_that_never_settle_are_an_error_not_a_silent_cap(monkeypatch):
    monkeypatch.setattr(passes, "_dce", lambda body: (body, 1))     # "changed", always
    func = _function("def f(x):\n    return x")
    with pytest.raises(passes.NotSettled):                      # the suite's filterwarnings
        passes.optimize(func, {"x"})
    with pytest.warns(passes.NotSettled, match="did not settle on f"):
        passes.optimize(func, {"x"})                            # a user gets a warning


def test_common_subexpressions_report_each_reuse():
    func = _function("def f(x):\n    a = np.sin(x)\n    b = np.sin(x) + np.sin(x)\n"
                     "    return a, b")
    objects = algebra.Objects.of(func, {"x", "a", "b"}, expressions.pure)
    body, replaced = cse.eliminate(func.body, objects)
    assert replaced == 2 and cse.eliminate(body, objects)[1] == 0


# -- one home for the facts and for dotted paths ------------------------------------------

def test_expression_facts_examples_run():
    result = doctest.testmod(expressions, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text, path", [("np", "np"), ("np.linalg.norm", "np.linalg.norm"),
                                        ("x[0].sum", None), ("f(x).y", None), ("1.0", None)])
def test_dotted_path_reads_back_what_dotted_builds(text, path):
    assert nodes.dotted_path(nodes.template(text)) == path
    if path is not None:
        assert nodes.dotted_path(nodes.dotted(path)) == path


def test_the_purity_and_reuse_facts_keep_their_answers():
    pure = expressions.pure
    assert pure(nodes.template("np.linalg.norm(x) + x.sum() + _rt.unbroadcast(x, y)"))
    assert not pure(nodes.template("L.append(x)")) and not pure(nodes.template("g(x)"))
    assert not pure(nodes.template("x[0].sum()"))
    assert not cse._reusable(nodes.template("np.random.normal(x)"))
    assert not cse._reusable(nodes.template("x[0].fill(1.0)"))
    assert cse._reusable(nodes.template("np.sin(x)"))
