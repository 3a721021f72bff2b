"""What a newcomer meets first (issue 14, items 9-10): jvp/vjp differentiate the
primals passed; the command line traces every float argument of ``--at``, names
``--wrt`` when a default cannot be differentiated, explains error codes from text
shipped with the package (``s2sad explain CODE``), has ``--version``, refuses an
unknown rules section; derivatives have their argument's float type; the wheel holds
only the package (and the explanations); the README's Python blocks run.

Oracles: central differences (tests/fd.py), closed forms, and the other mode."""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import s2sad
from s2sad import explain
from tests.fd import fd_grad

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "errors.md"


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "s2sad", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def load(tmp_path, source, name="newcomer_program"):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


PROGRAM = """
    import numpy as np

    def repeated_sin(x, n=5):
        for _ in range(n):
            x = np.sin(x)
        return x

    def damped(x, steps=3, rate=0.5):
        # a simulation: a state array updated in place, a defaulted count and rate
        state = x.copy()
        for _ in range(steps):
            state[1:] = state[1:] - rate * np.tanh(state[:-1])
        return np.sum(state ** 2)

    def energy(x):
        return np.sum(np.tanh(x) ** 2 * x)

    def survey(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    def looped(x, n):
        y = x
        for _ in range(n):
            y = y * np.cos(y)
        return y
"""


@pytest.fixture
def program(tmp_path):
    module, path = load(tmp_path, PROGRAM)
    yield module, path
    sys.modules.pop("newcomer_program", None)


def repeated_sin_prime(x, n=5):
    d = 1.0
    for _ in range(n):
        d, x = d * np.cos(x), np.sin(x)
    return d


# ---- item 10: jvp and vjp differentiate the primals passed ------------------------

def test_jvp_and_vjp_leave_a_defaulted_int_alone(program):
    m, _ = program
    y, ydot = s2sad.jvp(m.repeated_sin, (0.7,), (1.0,))
    assert y == pytest.approx(m.repeated_sin(0.7))
    assert ydot == pytest.approx(repeated_sin_prime(0.7), rel=1e-12)
    y, pullback = s2sad.vjp(m.repeated_sin, 0.7)
    (xbar,) = pullback(1.0)
    assert xbar == pytest.approx(fd_grad(m.repeated_sin, (0.7,), 0), rel=1e-7)
    assert xbar == pytest.approx(ydot, rel=1e-12)


def test_jvp_and_vjp_of_a_simulation_with_defaults(program):
    m, _ = program
    x = np.array([0.3, -1.2, 0.8, 0.1])
    before = x.copy()
    v, w = np.array([1.0, -0.5, 0.25, 2.0]), 1.0
    y, jv = s2sad.jvp(m.damped, (x,), (v,))
    _, pullback = s2sad.vjp(m.damped, x)
    (jtw,) = pullback(w)
    np.testing.assert_allclose(jtw, fd_grad(m.damped, (x,), 0), rtol=1e-6, atol=1e-9)
    assert jv * w == pytest.approx(np.dot(v, jtw), rel=1e-12)     # <J v, w> = <v, J^T w>
    np.testing.assert_array_equal(x, before)
    # a default passed is a primal: differentiated, and it must be a float
    _, pullback = s2sad.vjp(m.damped, x, 3, 0.5, wrt=(0, 2))
    _, rate_bar = pullback(1.0)
    assert rate_bar == pytest.approx(fd_grad(lambda r: m.damped(x, 3, r), (0.5,), 0),
                                     rel=1e-6)


def test_every_passed_primal_is_still_the_default(program):
    m, _ = program
    _, pullback = s2sad.vjp(m.survey, 2.0, 5.0)
    assert pullback(1.0) == pytest.approx((5.5, 2.0 - np.cos(5.0)))
    _, ydot = s2sad.jvp(m.survey, (2.0, 5.0), (0.0, 1.0))
    assert ydot == pytest.approx(2.0 - np.cos(5.0))
    with pytest.raises(s2sad.UsageError) as info:      # an int primal passed: named
        s2sad.vjp(m.looped, 0.5, 3)
    assert info.value.code == "bad-wrt" and "wrt=" in str(info.value)


# ---- item 9: the command line traces every float argument -------------------------

def test_trace_of_an_undecorated_function_shows_both_adjoints(program):
    _, path = program
    result = run_cli("trace", f"{path}:survey", "--at", "2,5")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1]: line.split() for line in result.stdout.splitlines()
            if line.startswith("v_-1") or line.startswith("v_0 ")}
    assert rows["x1"][-1] == "5.5" and rows["x2"][-1] == "1.716"   # the survey's Table 3
    assert "x1: 1, x2: 0" in result.stdout


def test_trace_keeps_an_int_the_function_needs_as_an_int(program):
    _, path = program
    result = run_cli("trace", f"{path}:looped", "--at", "0.5,3")
    assert result.returncode == 0, result.stderr
    assert "tangents in the direction x: 1\n" in result.stdout
    result = run_cli("check", f"{path}:survey", "--at", "2,5")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^x2 ", result.stdout, re.M) and "PASS" in result.stdout


def test_tangent_names_wrt_when_a_default_is_an_int(program):
    _, path = program
    result = run_cli("tangent", f"{path}:repeated_sin")
    assert result.returncode == 2
    assert "int-wrt" in result.stderr and "--wrt x" in result.stderr
    result = run_cli("tangent", f"{path}:repeated_sin", "--wrt", "x")
    assert result.returncode == 0, result.stderr
    assert "def repeated_sin_jvp" in result.stdout


# ---- s2sad explain: the error catalogue ships with the package --------------------

def test_the_shipped_catalogue_is_docs_errors_md():
    assert explain.catalogue() == DOCS.read_text(encoding="utf-8")


def test_explain_prints_a_section_and_lists_codes():
    result = run_cli("explain", "no-rule")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("### no-rule\n") and "Fix:" in result.stdout
    assert "### " not in result.stdout[4:] and "<!--" not in result.stdout
    assert result.stdout == explain.explain("no-rule")
    unknown = run_cli("explain", "no-such-code")
    assert unknown.returncode == 2 and "no-rule" in unknown.stderr and "bad-wrt" in unknown.stderr
    listing = run_cli("explain")
    assert listing.returncode == 0 and "int-wrt" in listing.stdout.split()


def test_every_code_has_an_explanation_with_its_fix():
    headings = re.findall(r"^### ([\w-]+)$", DOCS.read_text(encoding="utf-8"), re.M)
    assert list(explain.codes()) == headings
    for code in headings:
        assert explain.explain(code).startswith(f"### {code}\n")


def test_an_error_names_the_command_that_explains_it(program):
    m, _ = program
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(m.survey, wrt="z")(2.0, 5.0)
    assert str(info.value).endswith("(run `s2sad explain bad-wrt`)")
    assert "docs/errors.md" not in str(info.value)


# ---- --version and rules ----------------------------------------------------------

def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    tomllib = pytest.importorskip("tomllib")          # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert s2sad.__version__ == project["version"]
    assert result.stdout.startswith(f"s2sad {s2sad.__version__} ")


def test_rules_of_an_unknown_section_is_an_error_listing_the_sections():
    result = run_cli("rules", "nosuchcat")
    assert result.returncode == 2 and result.stdout == ""
    for section in s2sad.covered():
        assert section in result.stderr
    assert run_cli("rules", "linear").stdout.startswith("# NumPy linear algebra")


# ---- a derivative has its argument's float type -----------------------------------

def survey_closed(x1, x2):
    return (x2 + 1.0 / x1, x1 - np.cos(x2))


def test_gradients_of_floats_are_floats(program):
    m, _ = program
    for _ in range(2):                                   # the first call, the fast path
        out = s2sad.grad(m.survey, wrt=(0, 1))(2.0, 5.0)
        assert [type(t) for t in out] == [float, float]
        assert out == pytest.approx(survey_closed(2.0, 5.0), rel=1e-14)
        single = s2sad.grad(m.survey, wrt=1)(2.0, 5.0)
        assert type(single) is float and single == pytest.approx(2.0 - np.cos(5.0))
    _, (a, b) = s2sad.value_and_grad(m.survey, wrt=(0, 1))(2.0, 5.0)
    assert type(a) is type(b) is float
    _, pullback = s2sad.vjp(m.survey, 2.0, 5.0)
    assert [type(t) for t in pullback(1.0)] == [float, float]
    assert type(s2sad.hessian(m.survey)(2.0, 5.0)) is float


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_scalars_and_arrays_keep_their_dtype(program, dtype):
    m, _ = program
    x1, x2 = dtype(2.0), dtype(5.0)
    for _ in range(2):
        out = s2sad.grad(m.survey, wrt=(0, 1))(x1, x2)
        assert [type(t) for t in out] == [dtype, dtype]
        assert type(s2sad.grad(m.survey, wrt=1)(x1, x2)) is dtype
    tol = {np.float16: 1e-2, np.float32: 1e-5, np.float64: 1e-13}[dtype]
    assert np.allclose(out, survey_closed(2.0, 5.0), rtol=tol)
    x = np.array([0.3, -1.2, 0.8], dtype=dtype)
    ones = np.ones(3, dtype=dtype)
    assert s2sad.grad(m.damped)(x).dtype == dtype
    _, jv = s2sad.jvp(m.damped, (x,), (ones,))
    assert np.asarray(jv).dtype == dtype
    _, pullback = s2sad.vjp(m.damped, x)
    assert pullback(dtype(1.0))[0].dtype == dtype
    assert s2sad.hessian(m.energy)(x).dtype == dtype
    assert s2sad.hvp(m.energy)(x, ones).dtype == dtype
    expected = fd_grad(m.damped, (x.astype(np.float64),), 0)
    np.testing.assert_allclose(s2sad.grad(m.damped)(x), expected, rtol=max(tol, 1e-6) * 10,
                               atol=max(tol, 1e-8) * 10)


# ---- packaging: the wheel holds the package and its explanations only --------------

def test_the_wheel_holds_only_the_package_and_the_catalogue(tmp_path):
    pytest.importorskip("wheel")             # the test extra has it; the build is offline
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "s2sad", source / "s2sad",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tools", source / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "-w",
                            str(tmp_path / "w"), "--no-deps", "--no-build-isolation", "-q"],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "w").glob("s2sad-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"s2sad", f"s2sad-{s2sad.__version__}.dist-info"}
    assert not any("tools" in n or "generate" in n for n in names)
    shipped = zipfile.ZipFile(wheel).read("s2sad/errors.md").decode("utf-8")
    assert shipped == DOCS.read_text(encoding="utf-8")


# ---- the README's Python blocks run ----------------------------------------------

def readme_blocks() -> list:
    """The README's ```python blocks, but those after a ``<!-- not run: why -->``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"(<!-- not run[^>]*-->\n)?```python\n(.*?)```", text, re.S):
        if not match.group(1):
            blocks.append(match.group(2))
    return blocks


def test_the_readme_python_blocks_run(tmp_path, capsys):
    blocks = readme_blocks()
    assert len(blocks) >= 3
    # one module, the blocks in order, as a reader would paste them
    load(tmp_path, "\n".join(blocks), name="readme_blocks")
    sys.modules.pop("readme_blocks", None)
    assert "check_grad(loss)" in capsys.readouterr().out


def test_no_reference_to_a_design_document():
    for folder in ("s2sad", "tests", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path.name == Path(__file__).name:
                continue
            assert not re.search(r"design(\.md| doc)", text, re.I), path


def test_the_numpy_floor_is_stated_once_and_tested():
    """pyproject.toml's ``numpy>=FLOOR`` is the version `make test-numpy-floor` installs
    (the Makefile reads it from there) and CI runs; the README states the same."""
    tomllib = pytest.importorskip("tomllib")          # Python 3.11+
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (floor,) = [d.split(">=")[1] for d in dependencies["dependencies"]
                if d.startswith("numpy>=")]
    assert re.fullmatch(r"\d+\.\d+\.\d+", floor), floor
    assert f"NumPy {floor} or newer" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test-numpy-floor" in (ROOT / ".ci" / "run").read_text()
    assert "numpy==$(NUMPY_FLOOR)" in (ROOT / "Makefile").read_text()
