"""``s2sad trace``, ``s2sad graph`` and ``s2sad check``, run in a subprocess."""
import os
import re
import textwrap

import pytest

from tests.test_cli import BAYDIN, ROOT, run_cli

LOOPS = ROOT / "examples" / "loops.py"


def test_trace_of_baydin_prints_the_survey_tables():
    result = run_cli("trace", f"{BAYDIN}:f", "--at", "2,5")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
    assert rows["v_1"][:4] == ["v_1", "v1", "np.log(v_-1)", "0.693"]
    assert re.search(r"^v_3\s+v3\s+v_1 \+ v_2\s+10\.693\s", result.stdout, re.MULTILINE)
    assert re.search(r"^v_4\s+v4\s+np\.sin\(v_0\)\s+-0\.959\s", result.stdout, re.MULTILINE)
    assert rows["y"] == ["y", "v_5", "11.652", "5.5", "1"]
    assert rows["v_-1"][-1] == "5.5" and rows["v_0"][-1] == "1.716"      # x̄1, x̄2
    assert "v̄_0 = v̄_0 + v̄_2 * v_-1" in result.stdout


def test_trace_modes_and_wrt():
    forward = run_cli("trace", f"{BAYDIN}:f", "--at", "2, 5", "--mode", "forward",
                      "--wrt", "x1")
    assert forward.returncode == 0, forward.stderr
    assert "tangent rule" in forward.stdout and "adjoint" not in forward.stdout
    assert re.search(r"^y\s+v_5\s+11\.652\s+5\.5$", forward.stdout, re.MULTILINE)
    reverse = run_cli("trace", f"{BAYDIN}:f", "--at", "2, 5", "--mode", "reverse")
    assert "tangent" not in reverse.stdout and "adjoint sweep" in reverse.stdout


def test_trace_of_a_loop_with_an_int_argument():
    result = run_cli("trace", f"{LOOPS}:g", "--at", "1.1, 3")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^y\s+v_6\s+2\.144\s+15\.59\s+1$", result.stdout, re.MULTILINE)


def test_trace_needs_at():
    result = run_cli("trace", f"{BAYDIN}:f")
    assert result.returncode == 2
    assert "--at" in result.stderr


@pytest.mark.parametrize("at", ["2,", "x1", "[1, 'a']", "2, 5, 7"])
def test_bad_at(at):
    result = run_cli("trace", f"{BAYDIN}:f", "--at", at)
    assert result.returncode == 2
    assert result.stderr.startswith("s2sad: error:"), result.stderr
    assert "Traceback" not in result.stderr


def test_graph_dot():
    result = run_cli("graph", f"{BAYDIN}:f")
    assert result.returncode == 0, result.stderr
    assert '"v_-1" -> "v_2";' in result.stdout and '"v_5" -> "y";' in result.stdout
    valued = run_cli("graph", f"{BAYDIN}:f", "--at", "2,5")
    assert r'v_4 = np.sin(v_0)\nvalue -0.959\nadjoint -1' in valued.stdout


def test_graph_to_a_file(tmp_path):
    out = tmp_path / "f.dot"
    result = run_cli("graph", f"{BAYDIN}:f", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text().startswith('digraph "f" {')


def test_graph_of_a_loop_without_at_is_an_error():
    result = run_cli("graph", f"{LOOPS}:g")
    assert result.returncode == 2
    assert "--at" in result.stderr


def test_svg_without_graphviz(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))          # no dot program there
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "s2sad", "graph", f"{BAYDIN}:f",
                             "--format", "svg"], cwd=ROOT, capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2
    assert "Graphviz" in result.stderr and "--format dot" in result.stderr


def test_check_passes():
    result = run_cli("check", f"{BAYDIN}:f", "--at", "2,5")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^x1\s.*\sok$", result.stdout, re.MULTILINE)
    assert re.search(r"^x2\s.*\sok$", result.stdout, re.MULTILINE)
    assert result.stdout.rstrip().endswith("PASS")


def test_check_fails_where_finite_differences_disagree(tmp_path):
    """A jump: the derivative of each branch is 1, the difference quotient across
    the jump is huge; the check must say so and exit 1."""
    source = tmp_path / "jump.py"
    source.write_text(textwrap.dedent("""\
        def f(x):
            if x > 1.0:
                return x
            return x + 10.0
        """))
    result = run_cli("check", f"{source}:f", "--at", "1.0")
    assert result.returncode == 1, result.stderr
    assert "MISMATCH" in result.stdout and result.stdout.rstrip().endswith("FAIL: the "
                                                                           "derivatives disagree")


def test_located_compile_error_shows_the_line_and_a_caret(tmp_path):
    source = tmp_path / "gamma_user.py"
    source.write_text(textwrap.dedent("""\
        import math


        def f(x):
            return math.gamma(x) * x
        """))
    result = run_cli("trace", f"{source}:f", "--at", "2.0")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert re.search(r"gamma_user\.py:5:\d+: \[no-rule\]", result.stderr), result.stderr
    code = next(i for i, line in enumerate(lines) if "return math.gamma(x) * x" in line)
    caret = lines[code + 1]
    assert caret.strip() == "^"
    assert lines[code][caret.index("^"):].startswith("math.gamma")


def test_an_exception_in_the_function_is_reported(tmp_path):
    source = tmp_path / "fails.py"
    source.write_text("def f(x):\n    return x / 0.0\n")
    result = run_cli("trace", f"{source}:f", "--at", "2.0")
    assert result.returncode == 2
    assert "ZeroDivisionError" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["trace", "graph", "check"])
def test_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "--at" in result.stdout and "FILE.py:FUNC" in result.stdout


def test_readme_shows_what_trace_prints():
    readme = (ROOT / "README.md").read_text()
    command = "$ s2sad trace examples/baydin.py:f --at 2,5\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    result = run_cli("trace", "examples/baydin.py:f", "--at", "2,5")
    assert result.stdout == shown


def test_a_reader_that_goes_away_is_not_an_error():
    """``s2sad trace ... | head -1``: no traceback when the pipe closes."""
    import subprocess
    import sys
    reader = subprocess.Popen([sys.executable, "-m", "s2sad", "trace", f"{BAYDIN}:f",
                               "--at", "2,5"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    reader.stdout.close()                       # before anything is written
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
