"""Errors: unsupported constructs, functions without source or rules, bad API use.

A CompileError names the user's file and the line of the offending construct;
the expected line is found in the source text of tests/bad_functions.py (the
``# <-- error`` marker), never written down as a number.
"""
from __future__ import annotations

import inspect
import linecache
import math
import os

import numpy as np
import pytest

import s2sad
from tests import bad_functions as bad
from tests.fd import assert_close_to_fd, fd_grad

ERROR = "# <-- error"
OR_HERE = "# <-- or here"

SYMMETRIC = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 3.0]])


def marked_lines(func, marker):
    """Absolute line numbers of the lines of ``func``'s source that carry ``marker``."""
    lines, first = inspect.getsourcelines(func)
    return [first + k for k, text in enumerate(lines) if marker in text]


def build_and_call(func, args, wrt=None):
    """Build the gradient and call it once: a compile error must surface by then."""
    return s2sad.grad(func, wrt=wrt)(*args)


def _check_violation(v, accepted_lines, words):
    assert os.path.basename(v.filename) == "bad_functions.py", v.filename
    assert v.lineno in accepted_lines, (v.lineno, accepted_lines)
    line = linecache.getline(bad.__file__, v.lineno)
    assert v.source_line.strip() == line.strip()
    indent = len(line) - len(line.lstrip())
    assert indent <= v.col < len(line.rstrip()), "the column points into the code of the line"
    assert any(w in v.message.lower() for w in words), (v.message, words)
    assert isinstance(v.code, str) and v.code
    assert v.suggestion, "a violation suggests a rewrite"


# (function, arguments, words one of which the message must contain)
SINGLE_PROBLEM = [
    pytest.param(bad.generator, (1.5,), ("yield", "generator"), id="yield"),
    pytest.param(bad.coroutine, (1.5,), ("async", "coroutine"), id="async_def"),
    pytest.param(bad.try_except, (1.5,), ("try", "except"), id="try_except"),
    pytest.param(bad.with_statement, (1.5,), ("with", "context manager"), id="with"),
    pytest.param(bad.global_write, (1.5,), ("global",), id="global_write"),
    pytest.param(bad.nonlocal_write, (1.5,), ("nonlocal",), id="nonlocal_write"),
    pytest.param(bad.gamma_call, (2.5,), ("gamma",), id="math.gamma_no_rule"),
    pytest.param(bad.cond_call, (SYMMETRIC,), ("cond",), id="np.linalg.cond_no_rule"),
    pytest.param(bad.augmented_view, (np.array([1.0, 2.0]),), ("shares memory",),
                 id="augmented_assignment_to_a_view"),
    pytest.param(bad.augmented_copy_of_name, (np.array([1.0, 2.0]),), ("shares memory",),
                 id="augmented_assignment_to_a_second_name"),
    pytest.param(bad.row_of_matrix_updated, (np.array([1.0, 2.0]),), ("shares memory",),
                 id="update_of_a_row_of_a_matrix"),
    pytest.param(bad.view_made_in_a_branch_read_after_an_update, (np.array([0.5, 1.0, 2.0]),),
                 ("shares memory",), id="view_made_in_a_branch_read_after_an_update"),
]


@pytest.mark.parametrize("func, args, words", SINGLE_PROBLEM)
def test_unsupported_construct_is_a_compile_error(func, args, words):
    (line,) = marked_lines(func, ERROR)
    accepted = [line] + marked_lines(func, OR_HERE)

    with pytest.raises(s2sad.CompileError) as info:
        build_and_call(func, args)
    err = info.value

    assert isinstance(err, s2sad.S2SadError)
    assert isinstance(err.code, str) and err.code
    v = err.violations[0]
    if len(accepted) == 1:
        assert len(err.violations) == 1, [str(v) for v in err.violations]
        assert v.lineno == line
    for each in err.violations:
        _check_violation(each, accepted, words)
    text = str(err)
    assert "bad_functions.py" in text
    assert f"bad_functions.py:{v.lineno}:" in text


@pytest.mark.parametrize("func, args, words", SINGLE_PROBLEM)
@pytest.mark.parametrize("entry", ["value_and_grad", "vjp"])
def test_other_entry_points_raise_compile_error(func, args, words, entry):
    with pytest.raises(s2sad.CompileError) as info:
        if entry == "value_and_grad":
            s2sad.value_and_grad(func)(*args)
        else:
            s2sad.vjp(func, *args, wrt=0)[1](1.0)
    assert info.value.violations[0].lineno in (
        marked_lines(func, ERROR) + marked_lines(func, OR_HERE))


def test_two_problems_give_two_violations():
    lines = marked_lines(bad.two_problems, ERROR)
    assert len(lines) == 2
    with pytest.raises(s2sad.CompileError) as info:
        build_and_call(bad.two_problems, (1.5,))
    err = info.value
    assert len(err.violations) == 2, [str(v) for v in err.violations]
    assert sorted(v.lineno for v in err.violations) == lines
    for v in err.violations:
        assert os.path.basename(v.filename) == "bad_functions.py"
        assert f"bad_functions.py:{v.lineno}:" in str(err)


def augmented_own_arrays(x):
    acc = np.zeros(2)
    for k in range(3):
        acc += x * k
        acc *= x
    x2 = x.copy()
    x2 -= 1.0
    return np.sum(acc * x2)


def augmented_then_rebound(x, y):
    y = y * 1.5
    y += x                       # y's memory is its own here; the copy below comes later
    if x[0] < 0.0:
        z = y * 2.0
        y = z
    return np.sum(y * x)


def test_sharing_made_after_an_augmented_assignment_is_not_an_alias():
    """Found by the fuzzer: a later ``y = z`` made ``y += x`` look like an aliased write."""
    x, y = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    gradient = s2sad.grad(augmented_then_rebound, wrt=(0, 1))(x, y.copy())
    for i in range(2):
        expected = fd_grad(lambda a, b: augmented_then_rebound(a.copy(), b.copy()), (x, y), i)
        assert_close_to_fd(gradient[i], expected)


def swapped_then_augmented(x, y, a):
    x, y = y, x
    if y > 10.0:
        x = np.dot(a, np.cos(a * 0.5))
    x += 0.5
    return x * y


def test_augmented_assignment_to_a_float_copied_from_another_is_differentiated():
    """Found by the fuzzer: x's kind joins a float and an array; it holds a float here."""
    args = (0.3, 1.7, (0.1, 0.2))
    gradient = s2sad.grad(swapped_then_augmented, wrt=(0, 1))(*args)
    for i in range(2):
        assert_close_to_fd(gradient[i], fd_grad(swapped_then_augmented, args, i))


def view_made_in_a_branch_used_up_before_an_update(x):
    z = x * 1.0
    if x[0] > 0:
        w = z[:2]
    else:
        w = z[1:]
    s = np.sum(w * x[:2])
    z[0] = 5.0
    return s + np.sum(z)


def test_a_view_made_in_a_branch_and_used_up_before_the_update_is_fine():
    x = np.array([0.5, 1.0, 2.0])
    got = s2sad.grad(view_made_in_a_branch_used_up_before_an_update)(x)
    assert_close_to_fd(got, fd_grad(view_made_in_a_branch_used_up_before_an_update, (x,), 0))


def test_augmented_assignment_to_arrays_of_their_own_is_differentiated():
    x = np.array([0.7, -1.3])
    assert_close_to_fd(s2sad.grad(augmented_own_arrays)(x), fd_grad(augmented_own_arrays, (x,), 0))


# --- functions without source -----------------------------------------------------

EXEC_SOURCES = {
    "lambda": "square = lambda x: x * x\n",
    "def": "def square(x):\n    return x * x\n",
}


@pytest.mark.parametrize("kind", list(EXEC_SOURCES))
def test_function_defined_by_exec_names_string(kind):
    namespace = {"np": np}
    exec(EXEC_SOURCES[kind], namespace)
    with pytest.raises(s2sad.S2SadError) as info:
        build_and_call(namespace["square"], (1.5,))
    assert "<string>" in str(info.value)


def test_builtin_without_source_is_an_error():
    # a builtin with a rule is differentiated (tests/test_i14_api.py); one without is not
    with pytest.raises(s2sad.S2SadError):
        build_and_call(math.lgamma, (0.5,))


# --- no derivative rule: an error or a right answer, never a silent zero -----------

def lgamma_call(x):
    return math.lgamma(x) * x


def det_call(a):
    return np.linalg.det(a) * np.sum(a)


def inv_call(a):
    return np.sum(np.linalg.inv(a))


def solve_call(a):
    return np.sum(np.linalg.solve(a, np.array([1.0, 2.0, 3.0])))


def cbrt_call(x):
    return np.sum(np.cbrt(x) * x)


NO_RULE = [
    (bad.gamma_call, (2.5,)),
    (lgamma_call, (1.7,)),
    (det_call, (SYMMETRIC,)),
    (inv_call, (SYMMETRIC,)),
    (solve_call, (SYMMETRIC,)),
    (cbrt_call, (np.array([0.5, 1.5, 2.0]),)),
]


@pytest.mark.parametrize("func, args", NO_RULE, ids=[f.__name__ for f, _ in NO_RULE])
def test_missing_rule_is_never_a_silent_zero(func, args):
    try:
        g = build_and_call(func, args)
    except s2sad.S2SadError:
        return
    expected = fd_grad(func, args, 0)
    assert np.any(np.asarray(expected) != 0.0)
    assert_close_to_fd(g, expected, func.__name__)


# --- usage errors -----------------------------------------------------------------

def returns_array(x):
    return x * 2.0


def returns_tuple(x):
    return x * 2.0, x + 1.0


def scaled_power(x, n):
    return x ** n


def two_args(x, y):
    return x * y


@pytest.mark.parametrize("func", [returns_array, returns_tuple])
@pytest.mark.parametrize("entry", ["grad", "value_and_grad"])
def test_grad_of_non_scalar_output_is_a_usage_error(func, entry):
    with pytest.raises(s2sad.UsageError) as info:
        getattr(s2sad, entry)(func)(np.array([1.0, 2.0, 3.0]))
    assert "scalar" in str(info.value).lower()


def test_wrt_an_int_argument_is_an_error():
    with pytest.raises(s2sad.S2SadError) as info:
        build_and_call(scaled_power, (2.0, 3), wrt=1)
    assert "int" in str(info.value).lower()
    with pytest.raises(s2sad.S2SadError):
        build_and_call(scaled_power, (2.0, 3), wrt="n")


def test_vjp_of_all_arguments_with_an_int_among_them_says_to_pass_wrt():
    with pytest.raises(s2sad.S2SadError) as info:
        s2sad.vjp(scaled_power, 2.0, 3)[1](1.0)
    assert "wrt" in str(info.value)


@pytest.mark.parametrize("wrt", ["z", ("x", "nope"), 5, (0, 7)], ids=["z", "x,nope", "5", "0,7"])
def test_wrt_naming_a_missing_argument_is_a_usage_error(wrt):
    with pytest.raises(s2sad.UsageError) as info:
        build_and_call(two_args, (1.0, 2.0), wrt=wrt)
    missing = [w for w in (wrt if isinstance(wrt, tuple) else (wrt,)) if w not in ("x", "y", 0, 1)]
    assert str(missing[0]) in str(info.value)


def test_error_classes():
    assert issubclass(s2sad.CompileError, s2sad.S2SadError)
    assert issubclass(s2sad.UsageError, s2sad.S2SadError)
    assert issubclass(s2sad.S2SadError, Exception)


# --- raise inside a branch --------------------------------------------------------

class Diverged(ArithmeticError):
    """A user exception type: the derivative must re-raise exactly this one."""


def sqrt_checked(x):
    if x < 0.0:
        raise ValueError("x must be non-negative")
    return math.sqrt(x) * x


def grow_checked(x, n):
    for i in range(n):
        x = x * x + 0.5
        if x > 1e6:
            raise Diverged("iteration diverged")
    return x


def test_raise_in_untaken_branch_is_differentiated():
    assert_close_to_fd(build_and_call(sqrt_checked, (2.0,)), fd_grad(sqrt_checked, (2.0,), 0))
    assert_close_to_fd(build_and_call(grow_checked, (0.7, 3), wrt=0),
                       fd_grad(grow_checked, (0.7, 3), 0))
    y, pullback = s2sad.vjp(sqrt_checked, 2.0)
    assert y == sqrt_checked(2.0)
    assert_close_to_fd(pullback(1.0)[0], fd_grad(sqrt_checked, (2.0,), 0))


@pytest.mark.parametrize("func, args, exc", [
    (sqrt_checked, (-1.0,), ValueError),
    (grow_checked, (3.0, 10), Diverged),
], ids=["ValueError", "user-exception"])
def test_raise_in_taken_branch_is_reraised(func, args, exc):
    with pytest.raises(exc) as info:
        func(*args)
    message = str(info.value)
    with pytest.raises(exc) as info:
        build_and_call(func, args, wrt=0)
    assert type(info.value) is exc and str(info.value) == message
    with pytest.raises(exc):
        s2sad.value_and_grad(func, wrt=0)(*args)
    with pytest.raises(exc):
        s2sad.vjp(func, *args, wrt=0)


def test_problems_found_by_different_analyses_are_reported_together():
    with pytest.raises(s2sad.CompileError) as info:
        build_and_call(bad.two_analyses, (np.ones(2), 1.5), wrt=(0, 1))
    assert info.value.codes == ("in-place-input", "no-rule")          # in line order
    assert [v.lineno for v in info.value.violations] == marked_lines(bad.two_analyses, ERROR)


def over_a_generator(x):
    s = 0.0
    for t in (x * k for k in range(3)):
        s = s + t
    return s


def test_a_loop_over_a_generator_expression_is_differentiated():
    assert s2sad.grad(over_a_generator)(1.5) == pytest.approx(3.0)
    assert s2sad.jvp(over_a_generator, (1.5,), (1.0,)) == pytest.approx((4.5, 3.0))


def _rebound_view_updated(x):
    y1 = x * 1.0
    y1 = y1[1:]
    y1 += 1.0
    return np.sum(y1)


def test_a_name_sharing_memory_with_its_own_earlier_value_is_said_so():
    """Not "'y1' shares memory with 'y1'": the other holder is y1's earlier value."""
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(_rebound_view_updated)(np.ones(3))
    message = info.value.violations[0].message
    assert "an earlier value of 'y1'" in message and "with 'y1'" not in message
