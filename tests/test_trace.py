"""s2sad.trace and s2sad.graph: the survey's tables, and tangents and adjoints
checked against finite differences."""
import dataclasses
import re

import numpy as np
import pytest

import s2sad
from tests import trace_programs as tp
from tests.fd import fd_grad

# Baydin et al. (2018), Tables 2 and 3, for f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at
# (2, 5): each trace variable's value, its tangent for x1' = 1, x2' = 0, its adjoint.
SURVEY = [
    ("v_-1", "x1", "2", "1", "5.5"),
    ("v_0", "x2", "5", "0", "1.716"),
    ("v_1", "np.log(v_-1)", "0.693", "0.5", "1"),
    ("v_2", "v_-1 * v_0", "10", "5", "1"),
    ("v_3", "v_1 + v_2", "10.693", "5.5", "1"),
    ("v_4", "np.sin(v_0)", "-0.959", "0", "-1"),
    ("v_5", "v_3 - v_4", "11.652", "5.5", "1"),
    ("y", "v_5", "11.652", "5.5", "1"),
]


def printed(value):
    """A number as the survey prints it: three decimals, trailing zeros dropped."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def test_survey_tables():
    trace = s2sad.trace(tp.baydin, 2.0, 5.0, wrt=("x1", "x2"))
    got = [(r.variable, r.operation, printed(r.value), printed(r.tangent), printed(r.adjoint))
           for r in trace.rows]
    assert got == SURVEY


def test_survey_adjoint_sweep():
    """Table 3's adjoint trace: the accumulations of x̄2 (v̄_0) and x̄1 (v̄_-1)."""
    trace = s2sad.trace(tp.baydin, 2.0, 5.0)
    steps = [(s.variable, printed(s.value)) for s in trace.adjoint_steps]
    assert steps[0] == ("v̄_5", "1")
    assert [v for name, v in steps if name == "v̄_0"] == ["-0.284", "1.716"]
    assert [v for name, v in steps if name == "v̄_-1"] == ["5", "5.5"]
    assert ("v̄_4", "-1") in steps


def test_survey_text_table():
    text = str(s2sad.trace(tp.baydin, 2.0, 5.0))
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("v_1 "))
    assert row.split() == ["v_1", "v1", "np.log(v_-1)", "0.693", "v̇_1", "=", "v̇_-1", "/",
                           "v_-1", "0.5", "1"]
    y = next(line for line in lines if line.startswith("y "))
    assert y.split() == ["y", "v_5", "11.652", "5.5", "1"]
    assert "v̄_-1 = v̄_-1 + v̄_1 / v_-1" in text
    header = lines[1]
    assert header.index("value") == row.index("0.693")          # aligned columns


def test_tangent_rules_are_the_forward_code():
    trace = s2sad.trace(tp.baydin, 2.0, 5.0)
    rules = {r.variable: r.tangent_rule for r in trace.rows}
    assert rules["v_1"] == "v̇_1 = v̇_-1 / v_-1"
    assert rules["v_4"] == "v̇_4 = np.cos(v_0) * v̇_0"
    adjoint_rules = {r.variable: r.adjoint_rule for r in trace.rows}
    assert adjoint_rules["v_4"] == "v̄_0 = v̄_4 * np.cos(v_0)"


def test_single_wrt_seeds_one_and_leaves_the_rest_uncomputed():
    trace = s2sad.trace(tp.baydin, 2.0, 5.0, wrt="x1")
    rows = {r.variable: r for r in trace.rows}
    assert rows["v_-1"].tangent == 1.0
    assert rows["y"].tangent == pytest.approx(5.5)
    assert rows["v_4"].tangent is None and rows["v_4"].adjoint is None   # inactive
    assert rows["v_-1"].adjoint == pytest.approx(5.5)


def test_rows_are_frozen_plain_data():
    trace = s2sad.trace(tp.baydin, 2.0, 5.0)
    assert isinstance(trace.rows, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.rows[0].value = 3.0
    assert dataclasses.asdict(trace.rows[2])["operation"] == "np.log(v_-1)"


def test_html():
    html = s2sad.trace(tp.baydin, 2.0, 5.0)._repr_html_()
    assert html.startswith("<table>") and html.endswith("</table>")
    trace_table, sweep = html.split("</table>")[:2]
    assert trace_table.count("<tr>") == 1 + 8 and sweep.count("<tr>") == 1 + 9
    assert "<code>np.log(v_-1)</code>" in trace_table
    assert "<td><code>v̄_0 = v̄_0 + v̄_2 * v_-1</code></td><td><code>1.716</code>" in sweep


CASES = [
    (tp.baydin, (2.0, 5.0)),
    (tp.calls_user_function, (0.7, 1.3)),
    (tp.branch, (0.6,)),
    (tp.branch, (1.4,)),
    (tp.power_loop, (1.1, 3)),
    (tp.power_loop, (-0.8, 2)),
    (tp.newton_sqrt, (2.0,)),
    (tp.over_items, (np.array([0.3, -0.4, 1.2]), np.array([1.0, 2.0, -0.5]))),
    (tp.layer, (np.array([[0.1, -0.3], [0.4, 0.2]]), np.array([0.5, -1.5]))),
    (tp.unused_argument, (0.3, 0.4)),
    (tp.recursive_power, (1.3, 3)),
    (tp.appends, (0.7,)),
    (tp.comprehensions, (np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.2, -0.7]))),
]


def _floats(args):
    return [i for i, a in enumerate(args) if not isinstance(a, int)]


@pytest.mark.parametrize("f, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_input_adjoints_are_the_gradient(f, args):
    trace = s2sad.trace(f, *args)
    for i in _floats(args):
        np.testing.assert_allclose(trace.rows[i].adjoint, fd_grad(f, args, i),
                                   rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_every_tangent_is_the_derivative_of_its_value(f, args):
    """The tangent of each row is d(row's value)/d(first float argument), by central
    differences of the row values of traces at shifted arguments (same path)."""
    first = _floats(args)[0]
    h = 1e-6

    def shifted(step):
        moved = list(args)
        moved[first] = args[first] + step
        return s2sad.trace(f, *moved)

    trace, plus, minus = s2sad.trace(f, *args), shifted(h), shifted(-h)
    assert [r.operation for r in plus.rows] == [r.operation for r in trace.rows]
    assert [r.operation for r in minus.rows] == [r.operation for r in trace.rows]
    checked = 0
    for row, up, down in zip(trace.rows, plus.rows, minus.rows):
        if row.tangent is None:
            continue
        expected = (np.asarray(up.value) - np.asarray(down.value)) / (2 * h)
        np.testing.assert_allclose(row.tangent, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{row.variable} = {row.operation}")
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize("f, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_adjoints_and_tangents_meet_at_the_inputs(f, args):
    """<x̄, ẋ> = ẏ: the two modes agree on the seed direction."""
    trace = s2sad.trace(f, *args)
    total = sum(float(np.sum(np.asarray(trace.rows[i].adjoint) * trace.rows[i].tangent))
                for i in _floats(args))
    assert total == pytest.approx(float(trace.rows[-1].tangent), rel=1e-10, abs=1e-12)


def test_an_input_that_does_not_matter_has_adjoint_zero():
    trace = s2sad.trace(tp.unused_argument, 0.3, 0.4)
    assert trace.rows[1].adjoint == 0.0


def test_a_loop_repeats_its_rows():
    trace = s2sad.trace(tp.power_loop, 1.1, 3)
    squares = [r for r in trace.rows[2:] if r.name == "x"]
    assert len(squares) == 3
    assert [r.variable for r in squares] == ["v_2", "v_4", "v_6"]
    assert squares[1].operation == "v_2 * v_2"            # reads the previous iteration's
    assert squares[-1].value == pytest.approx(1.1 ** 8)
    assert squares[-1].tangent == pytest.approx(8 * 1.1 ** 7)


def test_only_the_branch_taken():
    small, large = s2sad.trace(tp.branch, 0.6), s2sad.trace(tp.branch, 1.4)
    assert not any("exp" in r.operation for r in small.rows)
    assert any("np.exp(v_0)" in r.operation for r in large.rows)
    assert len(large.rows) < len(small.rows)


def test_arrays_by_shape_and_a_few_values():
    w = np.arange(12.0).reshape(3, 4) / 10
    text = s2sad.trace(tp.layer, w, np.ones(4)).table("reverse")
    assert "float64[3, 4] [0, 0.1, 0.2, 0.3, …]" in text


def test_non_scalar_output_has_tangents_only():
    trace = s2sad.trace(tp.returns_array, np.array([1.0, 2.0]))
    np.testing.assert_allclose(trace.rows[-1].tangent, 2.0 * np.cos([1.0, 2.0]))
    assert trace.rows[-1].adjoint is None and trace.adjoint_steps == ()
    assert "no adjoints: the output is not a scalar" in trace.table("reverse")


def test_seed_picks_the_direction():
    trace = s2sad.trace(tp.baydin, 2.0, 5.0, seed=(0.0, 1.0))
    assert trace.rows[-1].tangent == pytest.approx(2.0 - np.cos(5.0))


def test_in_place_update_is_refused_with_its_line():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.trace(tp.in_place, 1.0)
    assert err.value.code == "trace-unsupported"
    assert "trace_programs.py" in str(err.value) and "y[0] = x" in str(err.value)


def test_randomness_is_refused():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.trace(tp.random_noise, 1.0)
    assert err.value.code == "trace-unsupported"


def test_what_the_compiler_refuses_is_refused():
    with pytest.raises(s2sad.CompileError) as err:
        s2sad.trace(tp.with_try, 1.0)
    assert err.value.code == "unsupported-syntax"


def test_a_loop_over_a_generator_is_traced():
    """It was refused as an aliased list (the list's appends came before the loop)."""
    trace = s2sad.trace(tp.over_a_generator, 1.5)
    assert trace.rows[-1].value == pytest.approx(4.5)
    assert trace.rows[-1].tangent == pytest.approx(3.0)
    assert trace.rows[0].adjoint == pytest.approx(3.0)


def test_int_wrt_is_refused():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.trace(tp.power_loop, 1.1, 3, wrt="n")
    assert err.value.code == "int-wrt"


# graphs -----------------------------------------------------------------------------

BAYDIN_EDGES = {("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_1", "v_3"),
                ("v_2", "v_3"), ("v_0", "v_4"), ("v_3", "v_5"), ("v_4", "v_5"), ("v_5", "y")}


def edges(dot):
    return set(re.findall(r'"([^"]+)" -> "([^"]+)";', dot))


def node_labels(dot):
    return dict(re.findall(r'^\s*"([^"]+)" \[label="([^"]*)"', dot, re.MULTILINE))


def test_static_graph_of_baydin():
    dot = s2sad.graph(tp.baydin)
    assert dot.startswith('digraph "baydin" {')
    assert edges(dot) == BAYDIN_EDGES
    labels = node_labels(dot)
    assert labels["v_1"] == "v_1 = np.log(v_-1)"
    assert labels["v_-1"] == "v_-1 = x1"
    assert re.search(r'"y" \[.*shape=doublecircle', dot)


def test_graph_at_arguments_carries_values_and_adjoints():
    dot = s2sad.graph(tp.baydin, 2.0, 5.0)
    assert edges(dot) == BAYDIN_EDGES
    labels = node_labels(dot)
    assert labels["v_1"] == r"v_1 = np.log(v_-1)\nvalue 0.693\nadjoint 1"
    assert labels["v_-1"] == r"v_-1 = x1\nvalue 2\nadjoint 5.5"


def test_graph_of_a_loop_needs_arguments():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.graph(tp.power_loop)
    assert err.value.code == "trace-needs-arguments"
    unrolled = edges(s2sad.graph(tp.power_loop, 1.1, 2))
    assert {("v_-1", "v_2"), ("v_2", "v_4"), ("v_4", "y")} <= unrolled


def test_trace_path_docstring_example():
    """trace_path's docstring shows the straight-line program of g(1.5, 2): exactly."""
    import textwrap

    from s2sad.tree import emit
    from s2sad.inspection import trace_path
    from s2sad.inspection import tracing
    from s2sad.driver.target import Target as _Target

    shown = textwrap.dedent(trace_path.__doc__.split("::\n\n", 1)[1]).strip()
    path, _ = tracing._run_path(_Target(tp.g).front, (1.5, 2))
    assert emit.source(path.program()).strip() == shown


def test_a_long_trace_is_refused():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.trace(tp.power_loop, 1.0, 1000)
    assert err.value.code == "trace-too-long"


def test_table_mode_is_checked():
    with pytest.raises(s2sad.UsageError) as err:
        s2sad.trace(tp.baydin, 2.0, 5.0).table("sideways")
    assert err.value.code == "bad-mode"


def test_defaults_are_inputs_but_not_differentiated():
    trace = s2sad.trace(tp.with_defaults, 0.5)
    rows = {r.name: r for r in trace.rows[:3]}
    assert [r.variable for r in trace.rows[:3]] == ["v_-2", "v_-1", "v_0"]
    assert rows["scale"].value == 2.0 and rows["scale"].adjoint is None
    assert rows["x"].adjoint == pytest.approx(2.0 * np.cos(1.0))
    assert trace.rows[-1].tangent == pytest.approx(2.0 * np.cos(1.0))


def _walks_number_constants(x):
    for i1 in (0.5, -1.25, 2.0):
        x += 0.5
        x = i1
    return x * x + x


def test_a_loop_over_number_constants_rebinding_its_variable_traces():
    """``x += 0.5`` on an item of ``(0.5, -1.25, 2.0)`` rebinds a number: it was a false
    in-place-alias in the trace (the trace fuzzer found it), though grad took it."""
    t = s2sad.trace(_walks_number_constants, 1.0)
    assert t.rows[-1].value == pytest.approx(6.0)
    assert s2sad.grad(_walks_number_constants)(1.0) == 0.0
