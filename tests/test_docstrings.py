"""Each pass's docstring shows a tiny input and its exact output; run them as tests."""
import doctest
import importlib

import pytest

MODULES = ["s2sad.front.normalize", "s2sad.front.jumps", "s2sad.front.ssa", "s2sad.optimize.passes", "s2sad.optimize.algebra",
           "s2sad.optimize.cse", "s2sad.tree.emit", "s2sad.tree.nodes", "s2sad.transform.adjoints", "s2sad.analysis.tbr", "s2sad.analysis.kinds",
           "s2sad.front.sourcemap", "s2sad.inspection.highlight", "s2sad.driver.cachekey", "s2sad.analysis.objects"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0
