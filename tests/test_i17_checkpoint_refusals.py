"""What a checkpointed loop's body may not do: recomputing a step would repeat output,
draw other random numbers, or start from an array changed in place that the snapshots
do not keep. Each is a located ``checkpoint-side-effect`` naming the statement, for a
marked loop and for ``grad(f, checkpoint=s)``; look-alikes are not refused.
"""
import inspect
import logging
import math
import random
import sys

import numpy as np
import pytest
import scipy.special as sp

import s2sad
from tests.fd import fd_grad

RNG = np.random.default_rng(0)
STD = random.Random(1)
LOG = logging.getLogger("s2sad-tests")


def writes(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        sys.stdout.write("step\n")  # refused
    return y


def logs(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        logging.info("step")  # refused
    return y


def saves(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x
        np.savetxt("never-written.txt", [1.0])  # refused
    return y


def numpy_draw(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + np.random.normal()  # refused
    return y


def global_generator(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + RNG.gamma(2.0)  # refused
    return y


def generator_passed_in(x, n, rng):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + rng.standard_t(3.0)  # refused
    return y


def stdlib_draw(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + random.gauss(0.0, 1.0)  # refused
    return y


def stdlib_generator(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + STD.betavariate(2.0, 3.0)  # refused
    return y


def fills(x, n):
    c = np.zeros(1)
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        c.fill(c[0] + 1.0)  # refused
    return y


def copies_into(x, n):
    c = np.zeros(1)
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        np.copyto(c, c + 1.0)  # refused
    return y


def adds_at(x, n):
    c = np.zeros(2)
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        np.add.at(c, 0, 1.0)  # refused
    return y


def writes_out(x, n):
    c = np.ones(1)
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        np.multiply(c, 2.0, out=c)  # refused
    return y


def sorts(x, n):
    c = np.array([3.0, 1.0, 2.0])
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        c.sort()  # refused
    return y


CASES = [(writes, ()), (logs, ()), (saves, ()), (numpy_draw, ()), (global_generator, ()),
         (generator_passed_in, (np.random.default_rng(3),)), (stdlib_draw, ()),
         (stdlib_generator, ()), (fills, ()), (copies_into, ()), (adds_at, ()),
         (writes_out, ()), (sorts, ())]


def _refused_line(f):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, t in enumerate(lines) if "# refused" in t), \
        next(t for t in lines if "# refused" in t).split("#")[0].strip()


@pytest.mark.parametrize("f, extra", CASES, ids=[f.__name__ for f, _ in CASES])
def test_located_refusal_naming_the_statement(f, extra):
    line, statement = _refused_line(f)
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f, wrt="x")(0.5, 3, *extra)
    found = [v for v in info.value.violations if v.code == "checkpoint-side-effect"]
    assert found and found[0].lineno == line, str(info.value)
    assert statement in str(info.value) and "test_i17_checkpoint_refusals.py" in str(info.value)
    assert found[0].suggestion


def option_fills(x, n):
    c = np.zeros(1)
    y = x
    for i in range(n):
        y = y * x + c[0]
        c.fill(c[0] + 1.0)  # refused
    return y


def option_draws(x, n):
    y = x
    for i in range(n):
        y = y * x + RNG.random()  # refused
    return y


@pytest.mark.parametrize("f", [option_fills, option_draws])
def test_the_option_refuses_its_loops_too(f):
    line, _ = _refused_line(f)
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f, checkpoint=2)(0.5, 3)
    found = [v for v in info.value.violations if v.code == "checkpoint-side-effect"]
    assert found and found[0].lineno == line and found[0].suggestion
    assert f is option_fills or "checkpoint=" in found[0].suggestion


def look_alikes(x, n):
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        t = np.array([2.0, 1.0])
        t.sort()                                 # made in this step: not the snapshots'
        t.fill(1.0)
        y = np.power(y, 1.0) * x * t[0] + 0.0 * math.gamma(2.0) + 0.0 * sp.gamma(2.0)
    return y


def look_alikes_plain(x, n):
    y = x
    for i in range(n):
        y = y * x
    return y


def updates_by_index(x, n):
    c = np.zeros(1)
    y = x
    for i in s2sad.checkpointed(range(n), snapshots=2):
        y = y * x + c[0]
        c[0] = c[0] + 1.0                        # kept by the snapshots (a copy each)
    return y


def updates_by_index_plain(x, n):
    c = 0.0
    y = x
    for i in range(n):
        y = y * x + c
        c = c + 1.0
    return y


def test_look_alikes_and_index_updates_are_differentiated():
    assert s2sad.grad(look_alikes)(0.9, 5) == pytest.approx(
        s2sad.grad(look_alikes_plain)(0.9, 5), rel=1e-14)
    g = s2sad.grad(updates_by_index)(0.9, 7)
    assert g == pytest.approx(s2sad.grad(updates_by_index_plain)(0.9, 7), rel=1e-14)
    assert g == pytest.approx(fd_grad(lambda x: updates_by_index(x, 7), (0.9,), 0), rel=1e-7)
