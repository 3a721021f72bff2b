"""Mutation fuzzing: random programs that update arrays in place, through aliases,
views, containers and helpers (tests/fuzz_mutation_programs.py writes them,
tests/fuzz_mutation_checks.py checks every route against finite differences, the
other mode, and the primal's effect on the caller's arrays and the globals).

``make test`` runs a few hundred programs, the same ones every time
(``derandomize``); ``S2SAD_FUZZ_MUTATION_EXAMPLES=<n>`` runs more, and
``S2SAD_FUZZ_SEED=<int>`` draws a different set.
"""
from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, Phase, assume, event, given, note, seed, settings
from hypothesis import strategies as st

from tests.fuzz_checks import Rejected
from tests.fuzz_mutation_checks import check
from tests.fuzz_mutation_programs import arguments, programs

EXAMPLES = int(os.environ.get("S2SAD_FUZZ_MUTATION_EXAMPLES", "200"))
SEED = os.environ.get("S2SAD_FUZZ_SEED")


#: Bug classes this fuzzer is known to hit, as (description, regex over the program's
#: source): a failing program matching one counts as that bug instead of failing the
#: run. Empty: every class issue 12's run found is fixed; a failure fails the test.
KNOWN_BUGS: list = []


#: ... and those told by the failure's message, (description, regex over it)
KNOWN_MESSAGES: list = []


def _known_bug(source, message=""):
    found = [name for name, pattern in KNOWN_MESSAGES if re.search(pattern, message)]
    found += [name for name, pattern in KNOWN_BUGS if re.search(pattern, source)]
    return found[0] if found else None


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
def test_mutation_programs(case):
    program, raw = case
    note(f"{program.source()}at {raw}")
    try:
        report = check(program, raw)
    except Rejected as why:
        event(f"rejected: {why}")
        assume(False)
    except AssertionError as failure:     # a Failure, or a number off (fuzz_checks._close)
        known = _known_bug(program.source(), str(failure))
        if known is None:
            raise
        event(f"known bug: {known}")
        return
    for route, code, _ in report["refused"]:
        event(f"refused [{code}] ({route})")
    event(f"finite differences compared: {min(report['fd'], 10)}+")
