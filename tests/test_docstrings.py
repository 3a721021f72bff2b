"""Each pass's docstring shows a tiny input and its exact output; run them as tests."""
import doctest
import importlib

import pytest

MODULES = ["s2sad.normalize", "s2sad.jumps", "s2sad.ssa", "s2sad.optimize", "s2sad.algebra",
           "s2sad.cse", "s2sad.emit", "s2sad.nodes", "s2sad.adjoints", "s2sad.tbr", "s2sad.kinds",
           "s2sad.sourcemap", "s2sad.highlight", "s2sad.cachekey", "s2sad.objects"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0
