"""The command line interface, run as ``python -m s2sad`` in a subprocess."""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAYDIN = ROOT / "examples" / "baydin.py"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "s2sad", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_help():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "adjoint" in result.stdout


def test_adjoint_of_baydin():
    result = run_cli("adjoint", f"{BAYDIN}:f", "--wrt", "x1,x2")
    assert result.returncode == 0, result.stderr
    assert "def " in result.stdout
    assert "x1 - np.cos(x2)" in result.stdout      # optimized: the closed form's terms
    compile(result.stdout, "<adjoint>", "exec")
    unoptimized = run_cli("adjoint", f"{BAYDIN}:f", "--wrt", "x1,x2", "--no-optimize")
    assert "b_x1" in unoptimized.stdout


@pytest.mark.parametrize("flags", [["--no-optimize"], ["--split"], ["--wrt", "0"]])
def test_adjoint_options(flags):
    result = run_cli("adjoint", f"{BAYDIN}:f", *flags)
    assert result.returncode == 0, result.stderr
    compile(result.stdout, "<adjoint>", "exec")


def test_parse_wrt():
    from s2sad.cliargs import parse_wrt as _parse_wrt

    assert _parse_wrt(None) is None
    assert _parse_wrt("x1") == "x1"
    assert _parse_wrt("0") == 0
    assert _parse_wrt("x1, 1") == ("x1", 1)


def test_missing_function():
    result = run_cli("adjoint", f"{BAYDIN}:no_such_function")
    assert result.returncode == 2
    assert "no_such_function" in result.stderr


@pytest.mark.parametrize("target", ["no_colon.py", "missing_file.py:f", ":f"])
def test_bad_target(target):
    result = run_cli("adjoint", target)
    assert result.returncode == 2
    assert "s2sad: error:" in result.stderr


def test_generator_is_a_located_error(tmp_path):
    source = tmp_path / "gen_user.py"
    source.write_text(textwrap.dedent("""\
        import numpy as np


        def g(x):
            for i in range(3):
                yield x * i
        """))
    result = run_cli("adjoint", f"{source}:g")
    assert result.returncode == 2
    assert result.stderr.startswith("s2sad: error: ")
    assert re.search(r"gen_user\.py:6\b", result.stderr), result.stderr  # the yield


def test_tangent_of_baydin():
    result = run_cli("tangent", f"{BAYDIN}:f", "--wrt", "x1,x2")
    assert result.returncode == 0, result.stderr
    assert "def f_jvp(x1, x2, *, d_x1, d_x2):" in result.stdout
    assert "d_v2 = d_x1 * x2 + x1 * d_x2" in result.stdout
    compile(result.stdout, "<tangent>", "exec")


def test_rules_lists_covered_functions_by_section():
    result = run_cli("rules")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "# NumPy linear algebra (" in "\n".join(lines)
    for name in ("np.linalg.eigh", "np.cumprod", "np.einsum", "math.sin", "x.prod()"):
        assert name in lines, name
    assert "np.absolute (np.abs)" in lines            # aliases in parentheses
    assert "np.linalg.cond" not in result.stdout      # not covered
    headers = [line for line in lines if line.startswith("# ")]
    assert headers[-1].startswith("# no derivative")


def test_rules_of_one_section():
    result = run_cli("rules", "reductions")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# NumPy reductions (")
    assert "np.var" in result.stdout.splitlines()
    assert "np.sin" not in result.stdout.splitlines()
