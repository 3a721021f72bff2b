"""The in-memory cache tells apart functions with equal code: closures of one factory,
instances of a nested def, the same file imported twice, a reloaded module; and a
derivative that calls a helper follows the helper when its name is rebound."""
import importlib
import importlib.util
import linecache
import math
import os
import sys
import textwrap
import uuid

import pytest

import s2sad
from s2sad.driver import diskcache
from s2sad.driver import pipeline
from tests.fd import fd_grad


@pytest.fixture(autouse=True)
def memory_only():
    before = diskcache._state["configured"]
    s2sad.set_cache_dir(None)
    yield
    diskcache._state["configured"] = before


def _load(path, name=None):
    name = name or f"_mc_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FACTORY = textwrap.dedent("""\
    import math

    SCALE = 1.0


    def make(c):
        def closed(x):
            return c * math.sin(x) * SCALE
        return closed


    def helper(x):
        return math.sin(x)


    def f(x):
        return helper(x) * x * SCALE


    def nested(x, y, n):
        scale = 1.0 / n

        def smooth(t, power=2):
            return scale * t ** power + math.sin(t)

        total = 0.0
        for i in range(n):
            total = total + smooth(x * i + y)
        return total + smooth(y, power=3)
    """)


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "factory.py"
    path.write_text(FACTORY)
    return _load(path)


def test_closures_of_one_factory_read_their_own_cells(module):
    for c in (2.0, 5.0, -1.0):
        assert s2sad.grad(module.make(c))(0.5) == pytest.approx(c * math.cos(0.5))
        assert s2sad.jvp(module.make(c), (0.5,), (1.0,))[1] == pytest.approx(c * math.cos(0.5))


def test_a_nested_def_is_transformed_once_and_reads_each_calls_cells(module, monkeypatch):
    grad = s2sad.grad(module.nested, wrt=(0, 1))
    grad(0.4, 0.9, 3)
    calls = []
    original = pipeline.adjoint
    monkeypatch.setattr(pipeline, "adjoint",
                        lambda *a, **k: calls.append(a[0].parsed.name) or original(*a, **k))
    for n in (5, 2, 3, 7):
        got = grad(0.4, 0.9, n)
        for i in (0, 1):
            assert got[i] == pytest.approx(fd_grad(module.nested, (0.4, 0.9, n), i), rel=1e-6)
    assert calls == []


def test_one_file_imported_twice_reads_each_modules_globals(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text(FACTORY)
    first, second = _load(path), _load(path)
    second.SCALE = 3.0
    x = 0.5
    for m in (first, second):
        assert s2sad.grad(m.f)(x) == pytest.approx(fd_grad(m.f, (x,), 0), rel=1e-6)
        assert s2sad.grad(m.make(2.0))(x) == pytest.approx(2.0 * m.SCALE * math.cos(x))


def test_a_reloaded_module_with_an_edited_callee(tmp_path):
    path = tmp_path / f"reloaded_{uuid.uuid4().hex[:8]}.py"
    path.write_text(FACTORY)
    sys.path.insert(0, str(tmp_path))
    try:
        m = importlib.import_module(path.stem)
        x = 0.5
        assert s2sad.grad(m.f)(x) == pytest.approx(fd_grad(m.f, (x,), 0), rel=1e-6)
        path.write_text(FACTORY.replace("return math.sin(x)", "return math.cos(x) * 2.0"))
        stat = os.stat(path)
        os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))
        importlib.invalidate_caches()
        m = importlib.reload(m)
        assert s2sad.grad(m.f)(x) == pytest.approx(fd_grad(m.f, (x,), 0), rel=1e-6)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_rebound_callee_is_differentiated_not_the_old_one(module):
    x = 0.5
    grad, value_grad = s2sad.grad(module.f), s2sad.value_and_grad(module.f)
    assert grad(x) == pytest.approx(math.cos(x) * x + math.sin(x))
    module.helper = _load_text("def helper(x):\n    return x ** 3\n")
    assert grad(x) == pytest.approx(4 * x ** 3)                 # d/dx x**3 * x
    assert value_grad(x)[1] == pytest.approx(4 * x ** 3)
    assert s2sad.jvp(module.f, (x,), (1.0,))[1] == pytest.approx(4 * x ** 3)


def test_a_callee_rebound_to_another_signature_is_built_again(module):
    x = 0.5
    grad = s2sad.grad(module.f)
    grad(x)
    module.helper = _load_text("def helper(y, scale=2.0):\n    return scale * y * y\n")
    assert grad(x) == pytest.approx(6 * x * x)                  # d/dx 2 x**2 * x
    assert s2sad.grad(module.f)(x) == pytest.approx(6 * x * x)
    assert s2sad.jvp(module.f, (x,), (1.0,))[1] == pytest.approx(6 * x * x)
    module.helper = _load_text("def helper(y, b=1.0, c=0.0):\n    return b * y * y + c\n")
    assert s2sad.vjp(module.f, x)[1](1.0)[0] == pytest.approx(3 * x * x)


def _load_text(text):
    """``helper`` from a notebook-like cell."""
    namespace = {}
    name = f"<memory-cache-{uuid.uuid4().hex}>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    exec(compile(text, name, "exec"), namespace)
    return namespace["helper"]
