"""How generated code lives in the user's program: globals, closures, tracebacks, threads."""
import linecache
import math
import threading
import traceback

import pytest

import s2sad
from tests import programs


def test_rebound_global_is_seen_on_the_next_call():
    grad = s2sad.grad(programs.scaled)
    assert grad(3.0) == pytest.approx(2 * 2.0 * 3.0)
    programs.SCALE = 5.0
    try:
        assert grad(3.0) == pytest.approx(2 * 5.0 * 3.0)
        assert s2sad.grad(programs.scaled)(3.0) == pytest.approx(2 * 5.0 * 3.0)
    finally:
        programs.SCALE = 2.0


def test_closure_cell_that_changes_between_calls():
    closed, set_c = programs.make_closure(2.0)
    grad = s2sad.grad(closed)
    assert grad(0.5) == pytest.approx(2.0 * math.cos(0.5))
    set_c(-3.0)
    assert grad(0.5) == pytest.approx(-3.0 * math.cos(0.5))


def test_traceback_shows_the_generated_line():
    with pytest.raises(ValueError) as info:
        s2sad.grad(programs.log_of)(-1.0)
    frames = traceback.extract_tb(info.tb)
    generated = [fr for fr in frames if fr.filename.startswith("<s2sad")]
    assert generated, "the error must be raised inside generated code"
    line = linecache.getline(generated[-1].filename, generated[-1].lineno)
    assert "math.log(x)" in line


def test_source_is_what_runs_and_is_deterministic():
    text = s2sad.source(programs.loop_sum)
    assert text == s2sad.source(programs.loop_sum)
    grad = s2sad.grad(programs.loop_sum)
    grad(0.3, 4)
    registered = [k for k in linecache.cache if "programs.loop_sum_grad" in k]
    assert len(registered) == 1
    # the compiled text is the shown text inside a scope function's def and return lines
    lines = linecache.cache[registered[0]][2]
    assert "".join(line[4:] for line in lines[1:-1]) == text


def test_first_call_from_many_threads_agrees():
    grad = s2sad.grad(programs.loop_sum)
    results, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(grad(0.7, 5))
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = sum(i * math.cos(0.7 * i) for i in range(5))
    assert len(results) == 8 and all(r == pytest.approx(expected) for r in results)


def test_decorated_function_keeps_name_doc_and_signature():
    @s2sad.differentiate
    def documented(x, y=2.0):
        """Doc."""
        return x * y
    import inspect
    assert documented.__name__ == "documented" and documented.__doc__ == "Doc."
    assert list(inspect.signature(documented).parameters) == ["x", "y"]
    assert documented(3.0) == 6.0
    assert documented.grad(3.0) == 2.0


def test_a_method_reading_a_private_attribute_is_differentiated():
    model = programs.PrivateWeights(0.7)
    x, h = 0.4, 1e-6
    expected = (model.loss(x + h) - model.loss(x - h)) / (2 * h)
    assert s2sad.grad(model.loss)(x) == pytest.approx(expected, rel=1e-7)
    assert s2sad.jvp(model.loss, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-7)
