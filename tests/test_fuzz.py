"""Generated-program fuzzing: random programs through every mode, against finite
differences, dual numbers and each other (tests/fuzz_programs.py writes them,
tests/fuzz_checks.py checks them).

``make test`` runs a few hundred programs, the same ones every time
(``derandomize``); ``make fuzz`` runs thousands (``S2SAD_FUZZ_EXAMPLES``), and
``S2SAD_FUZZ_SEED=<int>`` draws a different set. The programs the fuzzer found
failing are kept below, shrunk, as regression tests.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, note, seed, settings
from hypothesis import strategies as st

import s2sad
from tests import fuzz_checks
from tests.fuzz_checks import KnownBug, Rejected, check, load
from tests.fuzz_programs import arguments, features, programs

EXAMPLES = int(os.environ.get("S2SAD_FUZZ_EXAMPLES", "200"))
SEED = os.environ.get("S2SAD_FUZZ_SEED")


@st.composite
def programs_and_arguments(draw):
    program = draw(programs())
    return program, draw(arguments(program))


def _fuzz(test):
    test = settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None,
                    database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])(test)
    return seed(int(SEED))(test) if SEED is not None else test


@_fuzz
@given(programs_and_arguments())
def test_generated_programs(case):
    program, raw = case
    source = program.source()
    note(f"{source}at {dict(zip(program.params, raw))}")
    try:
        result = check(source, program.params, raw, traced=program.source(True, "f_traced"))
    except Rejected:
        event("rejected: not finite or too large at the sample point")
        assume(False)
    except KnownBug as bug:
        event(f"known bug: {bug}")
        return
    event(f"finite differences checked {result['fd']} of {result['elements'] + 1}")
    for name in features(program):
        event(f"uses {name}")


# ---------------------------------------------------------------------------
# The harness itself: it must catch a wrong derivative and see a kink
# ---------------------------------------------------------------------------

KINK = """def f(x, y):
    if x > 0.5:
        return x * y
    return x + y
"""
KINK_TRACED = KINK.replace("def f(", "def f_traced(").replace("x > 0.5", "_br(x > 0.5)")


def test_the_harness_rejects_a_wrong_gradient():
    module = load(KINK, KINK_TRACED)
    args, w, v = (0.9, 2.0), (1.0,), (1.0, 0.0)
    right = (np.asarray(2.0), np.asarray(0.9))
    assert fuzz_checks._fd_test(module.f_traced, module.PATH, args, (0, 1), w, v, right,
                                np.array([2.0]), ("x", "y")) == 3
    wrong = (np.asarray(2.0), np.asarray(0.9 + 1e-4))
    with pytest.raises(AssertionError, match="reverse mode against finite differences"):
        fuzz_checks._fd_test(module.f_traced, module.PATH, args, (0, 1), w, v, wrong,
                             np.array([2.0]), ("x", "y"))
    with pytest.raises(AssertionError, match="forward mode"):
        fuzz_checks._fd_test(module.f_traced, module.PATH, args, (0, 1), w, v, right,
                             np.array([2.1]), ("x", "y"))


def test_the_harness_skips_differences_across_a_branch():
    module = load(KINK, KINK_TRACED)
    at_the_kink = (0.5 + 1e-5, 2.0)
    checked = fuzz_checks._fd_test(module.f_traced, module.PATH, at_the_kink, (0, 1), (1.0,),
                                   (1.0, 0.0), (np.asarray(2.0), np.asarray(0.5 + 1e-5)),
                                   np.array([2.0]), ("x", "y"))
    assert checked == 1                 # only y: the steps in x cross x == 0.5


# ---------------------------------------------------------------------------
# Programs the fuzzer found failing, shrunk by hypothesis and then by hand
# ---------------------------------------------------------------------------

def _regression(source, params, raw):
    """Run a kept program through every check, failing on any error (a known bug
    included: these tests are the record of the known bugs)."""
    check(source, params, raw)


NEGATIVE_BASE = """import numpy as np

def f(x):
    return x * (-2.0) ** 2
"""


def test_negative_constant_base_of_a_power():
    f = _module(NEGATIVE_BASE).f
    assert f(1.5) == 6.0
    assert s2sad.jvp(f, (1.5,), (1.0,)) == (6.0, 4.0)
    assert s2sad.grad(f)(1.5) == 4.0


def test_negative_constant_base_of_a_power_as_the_fuzzer_found_it():
    _regression("def f(x, y):\n    u1 = 0.5\n    return 0.5, (-1.5) ** 2\n", ("x", "y"),
                (0.0, 0.0))


ABS_OF_NUMPY_FLOAT = """import numpy as np

def f(x):
    return abs(np.sin(x))
"""


def test_abs_of_a_numpy_float():
    f = _module(ABS_OF_NUMPY_FLOAT).f
    assert s2sad.grad(f)(0.5) == pytest.approx(np.cos(0.5), rel=1e-15)
    assert s2sad.jvp(f, (0.5,), (1.0,))[1] == pytest.approx(np.cos(0.5), rel=1e-15)


HYPOT = """import math

def f(x):
    return math.hypot(x, x)
"""


def test_hypot_at_the_origin_is_zero_not_an_exception():
    """The convention at the kink, as for abs (docs/conventions.md); it was NaN (0 / 0),
    which the fuzzer's grad-against-vjp comparison could not tell from a bug."""
    f = _module(HYPOT).f
    assert s2sad.grad(f)(0.0) == 0.0
    assert s2sad.jvp(f, (0.0,), (1.0,))[1] == 0.0


OVERWRITTEN_IN_A_BRANCH = """def f(x, y):
    if y > 1.0:
        y = x * 3.0
        x = 1.0
    x = x + y
    return x
"""


def test_adjoint_of_a_name_overwritten_in_a_branch_not_taken():
    f = _module(OVERWRITTEN_IN_A_BRANCH).f
    assert s2sad.grad(f, wrt=(0, 1))(0.5, 2.0) == (3.0, 0.0)       # branch taken: fine
    assert s2sad.grad(f, wrt=(0, 1))(0.5, 0.3) == (1.0, 1.0)       # not taken


def test_adjoint_of_a_name_overwritten_in_a_loop_that_never_runs_as_found():
    _regression("def f(x, y, n):\n    k1 = 0\n    while k1 < 2 and (0.25 > -1.0 and y > y):\n"
                "        k1 += 1\n        for i2 in range(1, 4):\n"
                "            y = np.log(2.0 + np.cos(x))\n            x = ((1.0) ** 2) ** 2\n"
                "    x += y\n    u3 = -1.5\n    return x\n", ("x", "y", "n"), (-1.83, -1.22, 3))


REBOUND_ITERABLE = """def f(a):
    s = 0.0
    for e in a:
        a = a * 2.0
        s = s + e
    return s
"""


def test_for_loop_over_an_array_the_body_rebinds():
    f = _module(REBOUND_ITERABLE).f
    a = np.array([1.0, 2.0, 3.0])
    assert f(a) == 6.0
    assert s2sad.vjp(f, a)[0] == 6.0
    np.testing.assert_array_equal(s2sad.grad(f)(a), [1.0, 1.0, 1.0])
    assert s2sad.jvp(f, (a,), (np.ones(3),)) == (6.0, 3.0)


def _module(source):
    return load(source)


def test_helpers_called_on_constants_or_ints_where_the_caller_differentiates():
    """Found by the fuzzer once it called helpers: a call with no active argument has
    no derivative to link (its callee's vjp had an empty wrt), and a name the caller
    differentiates may hold an int (int-wrt errors from the callee's derivative)."""
    _regression("def f(x, y):\n    if 0.5 > 0.0:\n        x = helper_poly(0.5, 0.5)\n"
                "        return 0.5, 0.5\n    return 0.5, x\n", ("x", "y"), (0.0, 0.0))
    _regression("def f(x, y):\n    if x > 0.0:\n        x = helper_poly(0.5, y)\n"
                "    x = helper_branch(0.75)\n    return x * y\n", ("x", "y"), (0.3, 2.0))
    _regression("def f(x, y, n):\n    x = n\n    return helper_loop(x)\n", ("x", "y", "n"),
                (0.0, 0.0, 0))
    _regression("def f(x, y, n):\n    if x < 0.0:\n        x = n\n"
                "    return helper_poly(x, y) * y\n", ("x", "y", "n"), (-0.4, 1.5, 2))


def test_an_item_of_a_tuple_of_floats_augmented_is_not_an_aliased_array():
    """Found by the fuzzer: ``x = a[0]; x += 0.5`` with a tuple a was refused as an
    in-place write to a row of a."""
    _regression("def f(x, y, a):\n    x = a[0]\n    x += 0.5\n    return x * y\n",
                ("x", "y", "a"), (0.3, 1.2, (0.5, -1.0, 2.0)))
    _regression("def f(x, y, a):\n    x = a[0]\n    x += (0.5 if 0.5 < 0.0 else x)\n"
                "    return x * y\n", ("x", "y", "a"), (0.3, 1.2, (0.5, -1.0, 2.0)))
    _regression("def f(x, y, a):\n    x = np.dot(a, a)\n    x += -(0.5 if 0.5 < 0.0 else x)\n"
                "    return x * y\n", ("x", "y", "a"), (0.3, 1.2, (0.5, -1.0, 2.0)))
