"""Every docstring example in the package runs as a test: the modules are found by walking
s2sad/, so a new module's examples run without being listed here. Each pass and core
transform shows a tiny input and its exact output; those modules must have one."""
import doctest
import importlib
import pkgutil

import pytest

import s2sad

MODULES = sorted(info.name for info in pkgutil.walk_packages(s2sad.__path__, "s2sad.")
                 if not info.name.endswith(".__main__"))    # __main__ runs the CLI

MUST_SHOW_AN_EXAMPLE = {
    "s2sad.front.normalize", "s2sad.front.jumps", "s2sad.front.ssa", "s2sad.front.sourcemap",
    "s2sad.analysis.analyze", "s2sad.analysis.aliasing", "s2sad.analysis.kinds",
    "s2sad.analysis.tbr", "s2sad.analysis.objects",
    "s2sad.transform.forward", "s2sad.transform.reverse", "s2sad.transform.motion",
    "s2sad.transform.adjoints",
    "s2sad.optimize.passes", "s2sad.optimize.algebra", "s2sad.optimize.cse",
    "s2sad.tree.emit", "s2sad.tree.nodes", "s2sad.tree.wrap", "s2sad.inspection.highlight",
    "s2sad.driver.cachekey", "s2sad.driver.inline",
    "s2sad.oracles.dual", "s2sad.oracles.numerical",
}


def test_the_walk_finds_the_package():
    assert MUST_SHOW_AN_EXAMPLE <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    if name in MUST_SHOW_AN_EXAMPLE:
        assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0
