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


@pytest.mark.xfail(strict=True, reason="compiler bug: a negative constant as the base of ** "
                   "is emitted without parentheses: (-2.0) ** 2 becomes -2.0 ** 2 == -4.0, so "
                   "grad, jvp and vjp return wrong values and wrong derivatives")
def test_negative_constant_base_of_a_power():
    f = _module(NEGATIVE_BASE).f
    assert f(1.5) == 6.0
    assert s2sad.jvp(f, (1.5,), (1.0,)) == (6.0, 4.0)
    assert s2sad.grad(f)(1.5) == 4.0


@pytest.mark.xfail(strict=True, reason="compiler bug: (-2.0) ** 2 emitted as -2.0 ** 2")
def test_negative_constant_base_of_a_power_as_the_fuzzer_found_it():
    _regression("def f(x, y):\n    u1 = 0.5\n    return 0.5, (-1.5) ** 2\n", ("x", "y"),
                (0.0, 0.0))


ABS_OF_NUMPY_FLOAT = """import numpy as np

def f(x):
    return abs(np.sin(x))
"""


@pytest.mark.xfail(strict=True, reason="runtime bug: _rt.sign(np.float64) subtracts two numpy "
                   "bools and raises TypeError, so abs of a NumPy float fails in every mode")
def test_abs_of_a_numpy_float():
    f = _module(ABS_OF_NUMPY_FLOAT).f
    assert s2sad.grad(f)(0.5) == pytest.approx(np.cos(0.5), rel=1e-15)
    assert s2sad.jvp(f, (0.5,), (1.0,))[1] == pytest.approx(np.cos(0.5), rel=1e-15)


HYPOT = """import math

def f(x):
    return math.hypot(x, x)
"""


def test_hypot_at_the_origin_is_nan_not_an_exception():
    f = _module(HYPOT).f
    assert np.isnan(s2sad.grad(f)(0.0))
    assert np.isnan(s2sad.jvp(f, (0.0,), (1.0,))[1])


def _module(source):
    return load(source)
