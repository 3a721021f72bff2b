"""s2sad.trace on the fuzzer's random programs (loops, branches, early returns,
break/continue, while loops): its input adjoints must equal what ``grad`` returns
and its output tangent what ``jvp`` returns (both checked against finite
differences by tests/test_fuzz.py), though it differentiates the straight-line
path the call took and they differentiate the program with its control flow."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import s2sad
from tests import fuzz_checks
from tests.fuzz_programs import arguments, programs


def _direction(args, params, wrt):
    """1 for the first wrt argument (ones for an array), 0 for the others."""
    out = []
    for k, name in enumerate(wrt):
        shape = np.shape(args[params.index(name)])
        out.append(np.full(shape, float(k == 0)) if shape else float(k == 0))
    return tuple(out)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(st.data())
def test_trace_agrees_with_grad_and_jvp(data):
    program = data.draw(programs())
    raw = data.draw(arguments(program))
    module = fuzz_checks.load(program.source())
    params = list(program.params)
    args = fuzz_checks.materialize(params, raw)
    try:
        y = fuzz_checks._primal(module.f, args)
    except fuzz_checks.Rejected:
        assume(False)
    wrt = tuple(p for p in params if p != "n")
    try:
        _, jv = s2sad.jvp(module.f, fuzz_checks._copy(args), _direction(args, params, wrt),
                          wrt=wrt)
        gradient = s2sad.grad(module.f, wrt=wrt)(*fuzz_checks._copy(args)) \
            if len(y) == 1 else None
    except Exception:           # noqa: BLE001 - a compiler bug test_fuzz.py reports
        assume(False)
    try:
        trace = s2sad.trace(module.f, *fuzz_checks._copy(args), wrt=wrt)
    except s2sad.UsageError as err:
        assert err.code == "trace-too-long", str(err)
        assume(False)
    inputs = {row.name: row for row in trace.rows[:len(params)]}
    tangent = trace.rows[-1].tangent
    np.testing.assert_allclose(np.ravel(np.asarray(tangent, dtype=float)),
                               np.ravel(np.asarray(jv, dtype=float)), rtol=1e-9, atol=1e-12)
    if gradient is not None and trace.has_adjoints:
        for name, g in zip(wrt, gradient):
            np.testing.assert_allclose(inputs[name].adjoint, g, rtol=1e-9, atol=1e-12,
                                       err_msg=name)
