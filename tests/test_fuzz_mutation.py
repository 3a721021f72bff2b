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


#: The classes of issue 12's bugs this fuzzer hits (on main, before their fixes):
#: a failing program that uses the construct of one counts as that bug instead of
#: failing the run. A failure matching none fails the test. Remove an entry once
#: its item is fixed (tests/fuzz_mutation_findings: /work/notes/fuzz_findings.md
#: has a shrunk program for each).
_IDENTITY = r"(?m)= (1\.0 \* \S+|\S+ (\* 1\.0|\+ 0\.0|- 0\.0|/ 1\.0|\*\* 1|\* one|\* 1)|np\.zeros\(3\) \+ \S+)$"
KNOWN_BUGS = [
    ("issue 12 item 7/18: a second derivative of a power at 0 is NaN (x ** 1 at x = 0)",
     r"\*\* 1\b"),
    ("issue 12 item 3: a helper updates its argument in place",
     r"\b(step|step_twice|scale_inplace|set_first|fill_tanh|accumulate)\("),
    ("issue 12 item 1: an algebraic identity turns a fresh array into an alias", _IDENTITY),
    ("issue 12 item 2: an array updated while a container holds it", r"\b(c|lst)\d+ = "),
    ("issue 12 item 16 (and NEW: G[i] = e on a global array crashes in generated code): "
     "a side effect on a global", r"(?m)^\s*(G|GL)\b.*(=|\.append)|HIST"),
    ("NEW: a global array updated in place through an alias (z = G; z += e)",
     r"(?m)= (G|GL\[\d\])$"),
    ("issue 12 item 20: a slice assigned from itself", r"(?m)^\s*(\w+)\[.*\] = \1(\[.*\])?$"),
    ("issue 12 item 14/NEW: an argument (or an alias or view of it or of a global) "
     "updated by an augmented assignment",
     r"(?ms)^\s*(x|p\[[^]\n]*\]) [-+*/]= "
     r"|^\s*(\w+) = (x|G|GL\[\d\]|p\[[^]\n]*\])(\[[^]\n]*\])?$.*^\s*\2 [-+*/]= "),
    ("issue 12 items 15/19: a loop over an array its body updates", r"for .* in .*(x|y\d+)"),
]


#: ... and those told by the failure's message
KNOWN_MESSAGES = [
    ("issue 12 item 12: a pullback called twice answers differently", r"called twice"),
    ("issue 12 (crashes): an error of second derivatives located in generated code",
     r"^hvp: s2sad error not located"),
]


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
