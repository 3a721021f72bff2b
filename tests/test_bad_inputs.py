"""The rows of /work/shared/bad-inputs.md that are in scope for reverse mode.

Each derivative is checked against an independent oracle: central finite
differences (tests/fd.py) or a closed form written out here, never against an
earlier output of s2sad. Each error case checks the exception class and, for a
CompileError, the line it names, found from the ``# <-- error`` marker in
tests/bad_inputs_programs.py (a line marked ``# <-- or here`` is accepted too).

Rows not here: #4 is in test_errors.py; #56 and #57 need higher-order AD.
"""
from __future__ import annotations

import inspect
import math
import os
import threading

import numpy as np
import pytest

import s2sad
from tests import bad_inputs_programs as P
from tests.fd import assert_close_to_fd, fd_grad, fd_grads

ERROR = "# <-- error"
OR_HERE = "# <-- or here"
PROGRAMS = "bad_inputs_programs.py"

RNG = np.random.default_rng(20240601)


def marked_lines(func, marker):
    """Absolute line numbers of the lines of ``func``'s source that carry ``marker``."""
    lines, first = inspect.getsourcelines(func)
    return [first + k for k, text in enumerate(lines) if marker in text]


def grad_at(func, args, wrt=None, **kwargs):
    """Build the gradient and call it once: a compile error must surface by then."""
    return s2sad.grad(func, wrt=wrt)(*args, **kwargs)


def assert_compile_error(func, args, words, wrt=None):
    """``grad`` raises a CompileError whose first violation is at the marked line
    and whose message contains one of ``words``; returns the error."""
    (line,) = marked_lines(func, ERROR)
    accepted = [line] + marked_lines(func, OR_HERE)
    with pytest.raises(s2sad.CompileError) as info:
        grad_at(func, args, wrt)
    err = info.value
    v = err.violations[0]
    assert os.path.basename(v.filename) == PROGRAMS, v.filename
    if len(accepted) == 1:
        assert v.lineno == line, (v.lineno, line, str(err))
    else:
        assert v.lineno in accepted, (v.lineno, accepted, str(err))
    assert f"{PROGRAMS}:{v.lineno}:" in str(err)
    assert any(w in str(err).lower() for w in words), (str(err), words)
    return err


def finishes(action, seconds=30.0):
    """Run ``action`` in a thread; return ("ok", value) or ("raised", exc), or fail
    the test if it has not finished within ``seconds`` (a hang)."""
    box = {}

    def target():
        try:
            box["result"] = ("ok", action())
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            box["result"] = ("raised", exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    return box["result"]


# --- #10 mutable default argument, only read ---------------------------------------------


def test_10_mutable_default_only_read():
    assert grad_at(P.mutable_default_read, (1.5,)) == pytest.approx(1.0 + 2 * 3.0 * 1.5)
    assert_close_to_fd(grad_at(P.mutable_default_read, (1.5,)),
                       fd_grad(P.mutable_default_read, (1.5,), 0))


# --- #11 *args / **kwargs in the signature ---------------------------------------------------


@pytest.mark.parametrize("func, kwargs", [(P.star_args, {}), (P.star_kwargs, {"k": 2.0})],
                         ids=["*args", "**kwargs"])
@pytest.mark.parametrize("args", [(1.5,), (1.5, 2.0, 3.0)], ids=["alone", "with more"])
def test_11_star_parameters_are_specialised_on_the_call(func, kwargs, args):
    if func is P.star_kwargs:
        args = args[:1]
    assert grad_at(func, args, **kwargs) == pytest.approx(2 * 1.5)
    assert_close_to_fd(grad_at(func, args, **kwargs),
                       fd_grad(lambda x: func(x, *args[1:], **kwargs), args[:1], 0))


# --- #12 keyword-only arguments with defaults --------------------------------------------------


def test_12_keyword_only_passed_explicitly():
    f = P.keyword_only
    assert grad_at(f, (1.5,), scale=3.0) == pytest.approx(2 * 3.0 * 1.5)
    assert_close_to_fd(grad_at(f, (1.5,), scale=3.0),
                       fd_grad(lambda x: f(x, scale=3.0), (1.5,), 0))


def test_12_wrt_a_keyword_only_argument():
    f = P.keyword_only
    expected = 1.5 * 1.5 + math.cos(3.0)
    assert grad_at(f, (1.5,), wrt="scale", scale=3.0) == pytest.approx(expected)
    assert_close_to_fd(grad_at(f, (1.5,), wrt="scale", scale=3.0),
                       fd_grad(lambda s: f(1.5, scale=s), (3.0,), 0))
    gx, gs = grad_at(f, (1.5,), wrt=("x", "scale"), scale=3.0)
    assert gx == pytest.approx(2 * 3.0 * 1.5)
    assert gs == pytest.approx(expected)


def test_12_keyword_only_default_is_used():
    f = P.keyword_only
    assert grad_at(f, (1.5,)) == pytest.approx(2 * 2.0 * 1.5)
    assert grad_at(f, (1.5,), wrt="scale") == pytest.approx(1.5 * 1.5 + math.cos(2.0))


# --- #13 positional-only arguments --------------------------------------------------------------


def test_13_positional_only():
    args = (1.5, -0.7, 2.0)
    got = grad_at(P.positional_only, args, wrt=(0, 1, 2))
    for g, e in zip(got, fd_grads(P.positional_only, args, (0, 1, 2))):
        assert_close_to_fd(g, e)
    assert got[2] == pytest.approx(2 * 2.0 * 1.5)


# --- #19 while loop with a data-dependent trip count ------------------------------------------


@pytest.mark.parametrize("x", [0.5, 1.7, 5.0, 37.0])
def test_19_while_with_data_dependent_trip_count(x):
    assert_close_to_fd(grad_at(P.while_halving, (x,)), fd_grad(P.while_halving, (x,), 0))


@pytest.mark.parametrize("x", [0.3, 4.5, 12.0])
def test_19_while_accumulating(x):
    assert_close_to_fd(grad_at(P.while_accumulate, (x,)),
                       fd_grad(P.while_accumulate, (x,), 0))


# --- #20 break / continue / for-else ----------------------------------------------------------


@pytest.mark.parametrize("x, n", [(1.3, 20), (1.3, 3), (0.9, 10)], ids=["breaks", "no-break",
                                                                          "never-breaks"])
def test_20_for_with_break(x, n):
    assert_close_to_fd(grad_at(P.for_break, (x, n), wrt=0), fd_grad(P.for_break, (x, n), 0))


def test_20_for_with_continue():
    expected = sum(i * math.cos(0.4 * i) for i in range(7) if i % 2 == 1)
    assert grad_at(P.for_continue, (0.4, 7), wrt=0) == pytest.approx(expected)
    assert_close_to_fd(grad_at(P.for_continue, (0.4, 7), wrt=0),
                       fd_grad(P.for_continue, (0.4, 7), 0))


def test_20_for_else_is_a_compile_error():
    assert_compile_error(P.for_else, (1.5, 3), ("else",), wrt=0)


# --- #21 nested loops over np.arange(i, n) -------------------------------------------------------


def test_21_nested_loops_over_arange():
    x = RNG.standard_normal(5)
    got = grad_at(P.nested_arange, (x,))
    # s = sum_{i <= j} x_i x_j = (sum(x)^2 + sum(x^2)) / 2
    np.testing.assert_allclose(got, np.sum(x) + x, rtol=1e-12)
    assert_close_to_fd(got, fd_grad(P.nested_arange, (x,), 0))


# --- #22 loop-carried read-after-write on scalars -------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 6])
def test_22_loop_carried_read_after_write(n):
    assert_close_to_fd(grad_at(P.loop_carried, (0.8, n), wrt=0),
                       fd_grad(P.loop_carried, (0.8, n), 0))


# --- #23 accumulation after a max-finding loop ----------------------------------------------------


def test_23_accumulation_after_max_loop():
    a = np.array([0.3, 2.0, -1.0, 1.5])
    got = grad_at(P.logsumexp_loops, (a,))
    softmax = np.exp(a - a.max()) / np.sum(np.exp(a - a.max()))
    np.testing.assert_allclose(got, softmax, rtol=1e-12)
    assert np.all(got != 0.0)
    assert_close_to_fd(got, fd_grad(P.logsumexp_loops, (a,), 0))


# --- #24 recursion ----------------------------------------------------------------------------------


def test_24_recursion_is_correct_and_never_hangs():
    # recursive_power(x, n) = x ** (2 ** n): each level calls the derivative of the next
    outcome, value = finishes(lambda: grad_at(P.recursive_power, (1.1, 3), wrt=0))
    assert outcome == "ok", f"expected a gradient, got {value!r}"
    assert value == pytest.approx(8 * 1.1 ** 7, rel=1e-13)
    outcome, value = finishes(lambda: s2sad.jvp(P.recursive_power, (1.1, 3), (1.0,), wrt=0))
    assert outcome == "ok" and value[1] == pytest.approx(8 * 1.1 ** 7, rel=1e-13)


# --- #25 lambdas ------------------------------------------------------------------------------------


def test_25_lambda_passed_to_grad_is_differentiated_from_its_file():
    # issue 14: a lambda whose source is in a file is read from it (tests/test_i14_functions.py)
    assert grad_at(P.square_lambda, (1.5,)) == pytest.approx(3.0, rel=1e-14)


def test_25_lambda_defined_inside_is_differentiated():
    # a lambda inside the function is a nested def (s2sad/front/lambdas.py)
    assert grad_at(P.lambda_inside, (1.5,)) == pytest.approx(2 * 1.5 + 1.0, rel=1e-14)


def test_25_lambda_passed_as_an_argument_and_called_is_differentiated():
    assert grad_at(P.calls_argument, (1.5, lambda t: t * t), wrt=0) == \
        pytest.approx(3 * 1.5 ** 2, rel=1e-14)


# --- #26 nested def -----------------------------------------------------------------------------------


def test_26_nested_def_called_inside_is_correct_in_both_modes():
    assert grad_at(P.nested_def, (1.5,)) == pytest.approx(2 * 1.5 + 1, rel=1e-14)
    assert s2sad.jvp(P.nested_def, (1.5,), (1.0,))[1] == pytest.approx(4.0, rel=1e-14)


def test_26_nested_def_reading_a_differentiated_variable_is_a_located_error():
    assert_compile_error(P.closure_over_active, (1.5,), ("scaled", "enclosing"))


# --- #27 C functions without a derivative rule --------------------------------------------------------

SYMMETRIC = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 3.0]])


@pytest.mark.parametrize("func, args, name", [
    (P.gamma_call, (2.5,), "gamma"),
    (P.cond_call, (SYMMETRIC,), "cond"),
    (P.frexp_call, (SYMMETRIC,), "frexp"),
], ids=["math.gamma", "np.linalg.cond", "np.frexp"])
def test_27_c_function_without_rule_is_a_compile_error_naming_it(func, args, name):
    err = assert_compile_error(func, args, (name,))
    assert name in err.violations[0].message


# --- #28 ndarray method calls ----------------------------------------------------------------------------


def test_28_transpose_dot_method():
    w, x = RNG.standard_normal((3, 2)), RNG.standard_normal(3)
    gw, gx = grad_at(P.method_dot, (w, x), wrt=(0, 1))
    y = w.T @ x
    np.testing.assert_allclose(gw, 2 * np.outer(x, y), rtol=1e-12)
    np.testing.assert_allclose(gx, 2 * w @ y, rtol=1e-12)
    assert_close_to_fd(gw, fd_grad(P.method_dot, (w, x), 0))
    assert_close_to_fd(gx, fd_grad(P.method_dot, (w, x), 1))


def test_28_sum_method_with_axis():
    x = RNG.standard_normal((3, 4))
    got = grad_at(P.method_sum, (x,))
    assert got.shape == (3, 4)
    assert_close_to_fd(got, fd_grad(P.method_sum, (x,), 0))


def test_28_reshape_method():
    x = RNG.standard_normal((3, 4))
    got = grad_at(P.method_reshape, (x,))
    assert got.shape == (3, 4)
    assert_close_to_fd(got, fd_grad(P.method_reshape, (x,), 0))


# --- #29 builtins ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("func, args", [
    (P.builtin_abs, (-1.5,)),
    (P.builtin_abs, (0.7,)),
    (P.builtin_max, (1.5, 0.5)),
    (P.builtin_max, (0.5, 1.5)),
    (P.builtin_min, (1.5, 0.5)),
    (P.builtin_min, (0.5, 1.5)),
    (P.builtin_sum, (1.3,)),
    (P.builtin_float, (1.3,)),
], ids=["abs-neg", "abs-pos", "max-x", "max-y", "min-y", "min-x", "sum", "float"])
def test_29_builtins_away_from_kinks(func, args):
    wrt = tuple(range(len(args)))
    got = grad_at(func, args, wrt=wrt)
    for g, e in zip(got, fd_grads(func, args, wrt)):
        assert_close_to_fd(g, e)


@pytest.mark.parametrize("func", [P.int_of, P.round_of], ids=["int", "round"])
def test_29_int_and_round_have_zero_derivative(func):
    gx, gy = grad_at(func, (1.5, 2.3), wrt=(0, 1))
    assert gy == 0.0
    assert gx == pytest.approx(2.0)
    assert_close_to_fd(gy, fd_grad(func, (1.5, 2.3), 1))


# --- #30 wrt an int argument ---------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", [1, "n"])
def test_30_wrt_an_int_argument_is_a_usage_error(wrt):
    with pytest.raises(s2sad.UsageError) as info:
        grad_at(P.scaled_power, (2.0, 3), wrt=wrt)
    assert "int" in str(info.value).lower()


# --- #31 bool / str / None arguments not in wrt ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["double", "single"])
@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("nothing", [None, "something"])
def test_31_non_float_arguments_pass_through(mode, flag, nothing):
    args = (1.3, mode, flag, nothing)
    expected = ((4.0 if mode == "double" else 2.0) * 1.3 + (1.0 if flag else 0.0)) \
        * (3.0 if nothing is None else 1.0)
    got = grad_at(P.passthrough, args)
    assert got == pytest.approx(expected)
    assert_close_to_fd(got, fd_grad(P.passthrough, args, 0))


# --- #32 float32 ---------------------------------------------------------------------------------------------


def test_32_float32_array_gives_float32_gradient():
    x = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    got = grad_at(P.f32_poly, (x,))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 6.0 * x.astype(np.float64) + np.cos(x.astype(np.float64)),
                               rtol=2e-3)


def test_32_float32_scalar_gives_float32_gradient():
    x = np.float32(0.75)
    got = grad_at(P.f32_scalar, (x,))
    assert np.asarray(got).dtype == np.float32
    assert float(got) == pytest.approx(6.0 * 0.75 + math.cos(0.75), rel=2e-3)


# --- #34 integer powers at zero -------------------------------------------------------------------------------


@pytest.mark.parametrize("func, x", [
    (P.square, 0.0),
    (P.cube, 0.0),
    (P.sum_square, np.array([0.0, -0.0])),
    (P.sum_cube, np.array([0.0, -0.0])),
], ids=["x**2", "x**3", "array-x**2", "array-x**3"])
def test_34_integer_power_at_zero(func, x):
    got = grad_at(func, (x,))
    assert np.shape(got) == np.shape(x)
    assert np.all(np.isfinite(got))
    assert np.all(np.asarray(got) == 0.0)


# --- #35 x ** y at x = 0 and x < 0 ---------------------------------------------------------------------------


def test_35_power_wrt_exponent_at_zero_base():
    got = grad_at(P.power, (0.0, 1.5), wrt=1)
    assert not math.isnan(got)
    assert got == 0.0


def test_35_power_wrt_base_at_zero_with_unit_exponent():
    got = grad_at(P.power, (0.0, 1.0), wrt=0)
    assert got == 1.0


def test_35_power_negative_base_integer_exponent():
    got = grad_at(P.power, (-2.0, 3.0), wrt=0)
    assert not math.isnan(got)
    assert got == pytest.approx(12.0)
    assert_close_to_fd(got, fd_grad(P.power, (-2.0, 3.0), 0))


# --- #36 sqrt and log at zero ------------------------------------------------------------------------------------


def test_36_sqrt_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        got = grad_at(P.sum_sqrt, (np.array([0.0, 4.0]),))
    assert got[0] == np.inf
    assert got[1] == pytest.approx(0.25)


def test_36_log_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        got = grad_at(P.sum_log, (np.array([0.0, 4.0]),))
    assert got[0] == np.inf
    assert got[1] == pytest.approx(0.25)


# --- #37 np.where with NaN in the untaken branch -------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason=(
    "gives NaN at the negative entries: np.where sends an exact 0 to the untaken side, "
    "but the sqrt adjoint then computes 0 / (2 * sqrt(x)) = 0 / NaN = NaN "
    "(jax #1052; docs/conventions.md only promises no leak 'through the where itself')"))
def test_37_where_untaken_sqrt_of_negative_gives_zero():
    x = np.array([-1.0, 4.0, -0.25, 1.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        got = grad_at(P.where_sqrt, (x,))
    np.testing.assert_array_equal(got, [0.0, 0.25, 0.0, 0.5])


# --- #38 kinks at zero ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -0.0], ids=["+0.0", "-0.0"])
def test_38_abs_at_signed_zero(x):
    assert grad_at(P.abs_only, (x,)) == 0.0


def test_38_relu_at_zero():
    got = grad_at(P.relu, (np.array([0.0, -0.0, 1.0, -1.0]),))
    np.testing.assert_array_equal(got, [0.0, 0.0, 1.0, 0.0])


def test_38_maximum_of_x_and_x():
    assert grad_at(P.maximum_self, (0.7,)) == 1.0
    assert grad_at(P.maximum_self, (0.0,)) == 1.0


# --- #39 broadcasting -------------------------------------------------------------------------------------------


def test_39_broadcast_column_and_row():
    a, b = RNG.standard_normal((3, 1)), RNG.standard_normal((1, 4))
    ga, gb = grad_at(P.broadcast_outer, (a, b), wrt=(0, 1))
    assert ga.shape == (3, 1) and gb.shape == (1, 4)
    assert_close_to_fd(ga, fd_grad(P.broadcast_outer, (a, b), 0))
    assert_close_to_fd(gb, fd_grad(P.broadcast_outer, (a, b), 1))


def test_39_broadcast_scalar_and_vector():
    s, v = 0.6, RNG.standard_normal(5)
    gs, gv = grad_at(P.broadcast_scalar, (s, v), wrt=(0, 1))
    assert np.shape(gs) == () and gv.shape == (5,)
    assert gs == pytest.approx(float(np.sum(2 * (s + v) * v)))
    assert_close_to_fd(gs, fd_grad(P.broadcast_scalar, (s, v), 0))
    assert_close_to_fd(gv, fd_grad(P.broadcast_scalar, (s, v), 1))


# --- #40 reductions with keepdims and several axes -----------------------------------------------------------


@pytest.mark.parametrize("func, shape", [
    (P.reduce_keepdims, (2, 3, 4)),
    (P.reduce_mean_keepdims, (3, 4)),
    (P.reduce_two_axes, (2, 3, 4)),
], ids=["sum-axis12-keepdims", "mean-keepdims", "sum-axis12"])
def test_40_reductions(func, shape):
    x = RNG.standard_normal(shape) * 0.5
    got = grad_at(func, (x,))
    assert got.shape == shape
    assert_close_to_fd(got, fd_grad(func, (x,), 0))


# --- #41 non-scalar output ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("func, arg", [
    (P.returns_tuple, 1.5),
    (P.returns_array, np.array([1.0, 2.0])),
], ids=["tuple", "array"])
def test_41_grad_of_non_scalar_output_is_a_usage_error(func, arg):
    with pytest.raises(s2sad.UsageError) as info:
        grad_at(func, (arg,))
    assert "scalar" in str(info.value).lower()


# --- #42 output independent of the wrt argument ---------------------------------------------------------------------


def test_42_independent_float_gives_float_zero():
    got = grad_at(P.ignores_x, (1.5, 2.0))
    assert isinstance(got, float) and got == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_42_independent_array_gives_zeros_of_its_shape_and_dtype(dtype):
    x = np.ones((2, 3), dtype=dtype)
    got = grad_at(P.ignores_x, (x, 2.0))
    assert isinstance(got, np.ndarray)
    assert got.shape == (2, 3) and got.dtype == dtype
    assert np.all(got == 0.0)


# --- #43 inputs are left unchanged ------------------------------------------------------------------------------------


def test_43_grad_leaves_inputs_unchanged():
    x, w = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    offsets = [0.5, -1.0]
    copies = (x.copy(), w.copy(), list(offsets))
    gx, gw = grad_at(P.reads_only, (x, w, offsets), wrt=(0, 1))
    assert np.array_equal(x, copies[0])
    assert np.array_equal(w, copies[1])
    assert offsets == copies[2]
    assert_close_to_fd(gx, fd_grad(P.reads_only, (x, w, offsets), 0))
    assert_close_to_fd(gw, fd_grad(P.reads_only, (x, w, offsets), 1))
    s2sad.value_and_grad(P.reads_only, wrt=(0, 1))(x, w, offsets)
    assert np.array_equal(x, copies[0]) and np.array_equal(w, copies[1])


# --- #46 del, annotated assignment, walrus, f-strings, match ---------------------------------------------------------


def test_46_del_is_a_compile_error():
    assert_compile_error(P.uses_del, (1.5,), ("del",))


def test_46_annotated_assignment():
    assert grad_at(P.annotated, (1.5,)) == pytest.approx(3 * 1.5 ** 2)


def test_46_walrus_is_a_compile_error():
    assert_compile_error(P.walrus, (1.5,), (":=", "walrus", "named"))


def test_46_fstring_in_print(capsys):
    assert grad_at(P.fstring_print, (1.5,)) == pytest.approx(3 * 1.5 ** 2)
    assert "y = 2.250" in capsys.readouterr().out


def test_46_match_is_a_compile_error():
    assert_compile_error(P.uses_match, (1.5, "square"), ("match",), wrt=0)


# --- #47 conditional expressions, and / or as values -------------------------------------------------------------------


@pytest.mark.parametrize("args", [(2.0, 0.5), (0.5, 2.0)], ids=["x>y", "x<y"])
def test_47_conditional_expression(args):
    got = grad_at(P.if_expression, args, wrt=(0, 1))
    for g, e in zip(got, fd_grads(P.if_expression, args, (0, 1))):
        assert_close_to_fd(g, e)


def test_47_and_or_as_values():
    gx, gy = grad_at(P.and_or, (2.0, 0.5), wrt=(0, 1))
    # f = x*y + y + y*y at x > 1, y != 0
    assert gx == pytest.approx(0.5)
    assert gy == pytest.approx(2.0 + 1.0 + 2 * 0.5)
    assert_close_to_fd(gx, fd_grad(P.and_or, (2.0, 0.5), 0))
    assert_close_to_fd(gy, fd_grad(P.and_or, (2.0, 0.5), 1))


# --- #49 function defined by exec ------------------------------------------------------------------------------------


def test_49_exec_defined_function_names_string():
    namespace = {"math": math}
    exec("def cubed_sine(x):\n    return math.sin(x) ** 3\n", namespace)
    with pytest.raises(s2sad.S2SadError) as info:
        grad_at(namespace["cubed_sine"], (0.5,))
    assert "<string>" in str(info.value)


# --- #54 methods ------------------------------------------------------------------------------------------------------


def test_54_staticmethod():
    got = grad_at(P.Scaler.square, (1.5,))
    assert got == pytest.approx(3 * 1.5 ** 2)


def test_54_method_through_the_class_with_self_not_differentiated():
    obj = P.Scaler(2.5)
    got = grad_at(P.Scaler.apply, (obj, 1.5), wrt="x")
    assert got == pytest.approx(2 * 2.5 * 1.5)
    assert obj.scale == 2.5


@pytest.mark.parametrize("wrt", [None, "x", 0], ids=["default-wrt", "wrt=x", "wrt=0"])
def test_54_bound_method_with_self_not_differentiated(wrt):
    obj = P.Scaler(2.5)
    got = grad_at(obj.apply, (1.5,), wrt=wrt)      # position 0 is x: self is bound
    assert got == pytest.approx(2 * 2.5 * 1.5)


# --- #18 list.append of a differentiated value, and other calls made for their effect -------------------------


def test_18_append_in_a_loop_then_stack_is_correct_in_both_modes():
    # sum of x * i for i in 0..2: derivative 3
    assert grad_at(P.append_then_stack, (0.7,)) == pytest.approx(3.0, rel=1e-14)
    assert s2sad.jvp(P.append_then_stack, (0.7,), (1.0,))[1] == pytest.approx(3.0, rel=1e-14)


def test_side_effect_call_on_active_value_is_an_error_never_a_zero():
    assert_compile_error(P.fill_through_a_method, (np.array([0.5, 1.0, 2.0]),), ["side effect"])


# --- derivatives that are infinite on Python floats give inf, as on arrays ----------------


def test_infinite_derivatives_on_python_floats_are_inf_not_an_exception():
    assert s2sad.grad(P.math_sqrt)(0.0) == float("inf")
    assert s2sad.grad(P.power_half)(0.0) == float("inf")
    assert s2sad.jvp(P.math_sqrt, (0.0,), (1.0,))[1] == float("inf")
    assert s2sad.grad(P.math_sqrt)(4.0) == pytest.approx(0.25)
    with pytest.raises(ValueError):          # the primal's own domain error stays
        s2sad.grad(P.math_sqrt)(-1.0)
    assert s2sad.vjp(P.math_sqrt, 0.0)[1](1.0) == (float("inf"),)


def test_math_log_at_zero_gives_the_values_numpy_gives_not_a_domain_error():
    """At the edge of the domain: log 0 = -inf, log' 0 = inf, as np.log does."""
    inf = float("inf")
    assert s2sad.grad(P.math_log)(0.0) == inf
    assert s2sad.value_and_grad(P.math_log)(0.0) == (-inf, inf)
    assert s2sad.jvp(P.math_log, (0.0,), (1.0,)) == (-inf, inf)
    y, pullback = s2sad.vjp(P.math_log, 0.0)
    assert y == -inf and pullback(1.0) == (inf,)
    with pytest.raises(ValueError):                  # outside it, the primal's error
        s2sad.jvp(P.math_log, (-1.0,), (1.0,))


def test_38_hypot_at_the_origin_has_derivative_zero_in_both_modes():
    """Found by the fuzzer: x / hypot(x, y) is 0 / 0 at the origin; the convention is 0,
    as for abs (docs/conventions.md)."""
    assert s2sad.grad(P.hypot_of_itself)(0.0) == 0.0
    assert s2sad.jvp(P.hypot_of_itself, (0.0,), (1.0,)) == (0.0, 0.0)
    x = 0.3
    expected = -math.sqrt(2.0) + 2.0 * math.sqrt(5.0) * x
    assert s2sad.grad(P.hypot_of_itself)(x) == pytest.approx(expected, rel=1e-12)
