"""A function whose file changed on disk after import is refused (``stale-source``),
never differentiated from the new text; methods, closures, decorated functions and
notebook-style redefinitions are not false alarms."""
import importlib.util
import linecache
import math
import os
import sys
import textwrap
import uuid

import pytest

import s2sad
from s2sad.front.parse import parse
from tests.fd import fd_grad

ORIGINAL = textwrap.dedent("""\
    import math

    import numpy as np


    def f(x):
        y = np.sin(x) * x
        return y * 2.0
    """)
# same number of lines, another body (and another size)
EDITED = ORIGINAL.replace("np.sin(x) * x", "np.cos(x) + x * x * x")


def _import(path):
    name = f"_stale_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _rewrite(path, text):
    path.write_text(text)
    stat = os.stat(path)            # a later mtime, whatever the clock's resolution
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))


def test_edited_file_is_refused(tmp_path):
    path = tmp_path / "edited.py"
    path.write_text(ORIGINAL)
    module = _import(path)
    _rewrite(path, EDITED)
    with pytest.raises(s2sad.S2SadError) as info:
        s2sad.grad(module.f)(0.7)
    assert info.value.code == "stale-source"
    assert str(path) in str(info.value) and "reload" in str(info.value)


def test_reimported_module_gives_the_new_derivative(tmp_path):
    path = tmp_path / "reimported.py"
    path.write_text(ORIGINAL)
    old = _import(path)
    old_grad = s2sad.grad(old.f)                   # read before the edit: still right
    _rewrite(path, EDITED)
    new = _import(path)
    x = 0.7
    assert s2sad.grad(new.f)(x) == pytest.approx(fd_grad(new.f, (x,), 0), rel=1e-6)
    assert old_grad(x) == pytest.approx(fd_grad(old.f, (x,), 0), rel=1e-6)
    assert s2sad.grad(new.f)(x) == pytest.approx(2.0 * (-math.sin(x) + 3 * x * x))


SHAPES = textwrap.dedent('''\
    from __future__ import annotations

    import functools
    import math

    import numpy as np
    import s2sad


    def traced(func):
        @functools.wraps(func)
        def inner(*args):
            return func(*args)
        return inner


    @s2sad.differentiate(wrt="x")
    def decorated(x, a=2.0):
        """A docstring."""
        return np.sin(x) * a


    @traced
    def wrapped(x):
        return math.exp(x) * x


    def recursive(x, n):
        if n == 0:
            return x
        return x * recursive(x, n - 1)


    def make_closure(c):
        def closed(x: float) -> float:
            return c * math.sin(x)
        return closed


    class Base:
        def scale(self, x):
            return 2.0 * x


    class __Model(Base):
        def __init__(self):
            self.__w = 3.0
            self.w = 3.0

        def loss(self, x):
            return self.w * np.tanh(x)

        def private(self, x):
            return self.__w * np.tanh(x)

        def scaled(self, x):
            return super().scale(x) * x

        @staticmethod
        def helper(x):
            return x * x * x


    Model = __Model
    ''')


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "shapes.py"
    path.write_text(SHAPES)
    return _import(path)


@pytest.mark.parametrize("get", [
    lambda m: m.decorated, lambda m: m.wrapped, lambda m: m.make_closure(1.5),
    lambda m: m.Model().loss, lambda m: m.Model.helper,
    lambda m: m.recursive,
], ids=["decorated", "functools-wraps", "closure", "method",
        "staticmethod", "recursive"])
def test_fresh_functions_are_not_refused(shapes, get):
    func = get(shapes)
    args = (0.4, 3) if func is shapes.recursive else (0.4,)
    gradient = s2sad.grad(func)(*args)
    assert gradient == pytest.approx(fd_grad(func, args, 0), rel=1e-6)


def test_private_names_and_super_compile_as_in_the_class(shapes):
    parse(shapes.Model.private)         # ``self.__w`` is ``self._Model__w`` in bytecode
    parse(shapes.Model.scaled)          # ``super()`` reads a ``__class__`` cell


def test_examples_tests_and_cli_loaded_functions_are_not_refused():
    from examples import baydin
    from tests import catalog, programs
    for func in (baydin.f, programs.make_closure(2.0)[0], programs.loop_sum,
                 catalog.recursive_power_of):
        parse(func)


def _cell(text, filename):
    """What a notebook does with a cell: register its text in linecache, then run it."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def test_notebook_cells_redefining_a_function():
    first = _cell("import math\n\ndef g(x):\n    return math.sin(x) * x\n", "<cell-1>")
    second = _cell("import math\n\ndef g(x):\n    return math.cos(x) * x * x\n", "<cell-2>")
    third = _cell("import math\n\n\ndef g(x):\n    return x ** 4\n", "<cell-3>")
    x = 0.3
    for ns in (second, first, third):
        g = ns["g"]
        assert s2sad.grad(g)(x) == pytest.approx(fd_grad(g, (x,), 0), rel=1e-6)


def test_a_cell_rerun_under_the_same_name_refuses_the_old_function():
    name = f"<cell-{uuid.uuid4().hex}>"
    old = _cell("def h(x):\n    return x * x\n", name)["h"]
    new = _cell("def h(x):\n    return x * x * x\n", name)["h"]
    assert s2sad.grad(new)(2.0) == pytest.approx(12.0)
    with pytest.raises(s2sad.S2SadError) as info:
        s2sad.grad(old)
    assert info.value.code == "stale-source"
