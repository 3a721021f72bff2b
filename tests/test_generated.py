"""generated/ must be what the compiler writes now for examples/ (`make generated`)."""
import sys

import pytest

from tools import generate


@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="generated/ is written by Python 3.11+; 3.10's unparser differs")
@pytest.mark.parametrize("name, module", list(generate.example_modules()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_generated_is_current(name, module):
    path = generate.ROOT / "generated" / f"{name}.py"
    expected = generate.render(name, module)
    assert path.exists(), f"generated/{name}.py is missing: run make generated"
    current = path.read_text()
    # the header names the Python that wrote it; the code below it must match
    assert current.split('"""', 2)[2] == expected.split('"""', 2)[2], \
        f"generated/{name}.py is stale: run make generated and read its diff"


def test_generated_code_is_valid_python():
    for path in sorted((generate.ROOT / "generated").glob("*.py")):
        compile(path.read_text(), str(path), "exec")


def test_rules_doc_is_current():
    path = generate.ROOT / "docs" / "rules.md"
    if f"Generated with {generate.libraries()}:" not in path.read_text():
        pytest.skip("docs/rules.md was written on other NumPy/SciPy versions (NumPy 1 has "
                    "np.trapz, not np.trapezoid; SciPy's functions vary): it is compared there")
    assert path.read_text() == generate.rules_table(), "docs/rules.md is stale: make generated"
