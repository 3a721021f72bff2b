"""Generated source as a reader sees it: line comments naming the user's source, and
the highlighted renderings (Jupyter HTML, ANSI for a terminal)."""
import importlib.util
import io
import re
import subprocess
import sys

import numpy as np
import pytest

import s2sad
from s2sad.driver.compile import CACHE

from .fd import fd_grads
from .test_cli import BAYDIN, run_cli

USER = '''\
import numpy as np


def f(x, w):
    y = np.sin(x) * w
    z = y * y + np.exp(w) * x
    for i in range(3):
        z = z * 0.5 + np.cos(z) * x
    return z


def long_line(x):
    return np.sin(x) * np.cos(x) + np.exp(x) * np.log(x + 3.0) + np.tanh(x) * np.sqrt(x * x + 1.0)


def branchy(x):
    y = x * 2.0 if x > 0 else -x
    return y * x


def summed(x, w):
    return np.sum(np.sin(x) * w) + w * w


def multiline(x):
    y = (np.sin(x) *
         np.cos(x))
    return y + x
'''

_COMMENT = re.compile(r"^\s*# line (\d+): (.*)$")


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "render_user.py"
    path.write_text(USER)
    spec = importlib.util.spec_from_file_location("render_user", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _line_comments(text):
    return [(int(m.group(1)), m.group(2)) for m in map(_COMMENT.match, text.splitlines()) if m]


def _sections(text):
    """The text before and after ``# adjoint sweep``."""
    primal, _, adjoint = text.partition("# adjoint sweep")
    return primal, adjoint


@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_comments_quote_the_user_line(user, mode, optimize):
    """The oracle is the user's file itself: each comment's text is that line."""
    text = s2sad.source(user.f, mode=mode, wrt=("x", "w"), optimize=optimize)
    comments = _line_comments(text)
    assert comments, text
    file_lines = USER.splitlines()
    for number, quoted in comments:
        assert quoted == file_lines[number - 1].strip()


def test_primal_in_order_adjoint_reversed(user):
    text = s2sad.source(user.f, wrt=("x", "w"), optimize=False)
    primal, adjoint = _sections(text)
    forward_lines = [n for n, _ in _line_comments(primal)]
    backward_lines = [n for n, _ in _line_comments(adjoint)]
    assert forward_lines == [5, 6, 7, 8]
    assert backward_lines == [7, 8, 6, 5]         # the loop, its body, then the lines above


def test_tangent_in_order(user):
    text = s2sad.source(user.f, mode="forward")
    assert [n for n, _ in _line_comments(text)] == [5, 6, 7, 8]


@pytest.mark.parametrize("name", ["f", "long_line", "branchy"])
@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("mode,motion", [("reverse", "joint"), ("reverse", "split"),
                                         ("forward", "joint")])
def test_no_orphaned_or_doubled_comments(user, name, optimize, mode, motion):
    """Every comment sits right above code (at its indentation, or the body of the
    compound statement it names), never above another comment or nothing."""
    text = s2sad.source(getattr(user, name), mode=mode, motion=motion, optimize=optimize)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not _COMMENT.match(line):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        above_another = _COMMENT.match(following)   # a statement made from several lines
        if above_another and above_another.group(1) != _COMMENT.match(line).group(1):
            continue
        assert following.strip() and not following.strip().startswith("#"), text
        indent = len(line) - len(line.lstrip())
        assert len(following) - len(following.lstrip()) == indent, text
    compile(text, "<generated>", "exec")


def test_one_comment_per_line_per_sweep(user):
    """Temporaries of one line share its comment: no line is named twice in a row."""
    text = s2sad.source(user.f, wrt=("x", "w"), optimize=False)
    for section in _sections(text):
        numbers = [n for n, _ in _line_comments(section)]
        assert all(a != b for a, b in zip(numbers, numbers[1:])), section
    assert len(re.findall(r"# line 6:", _sections(text)[0])) == 1


def test_long_line_is_cut_with_an_ellipsis(user):
    text = s2sad.source(user.long_line, optimize=False)
    (number, quoted), = set(_line_comments(text))
    assert number == 13
    assert quoted.endswith("...") and len(quoted) <= 70
    assert USER.splitlines()[12].strip().startswith(quoted[:-3])


def test_statement_over_several_lines_is_named_by_its_first(user):
    text = s2sad.source(user.multiline, optimize=False)
    primal, adjoint = _sections(text)
    assert _line_comments(primal) == [(26, "y = (np.sin(x) * ..."), (28, "return y + x")]
    assert [n for n, _ in _line_comments(adjoint)] == [28, 26]


def test_emit_drops_empty_sections_keeps_notes():
    """Section headers over nothing go; a header over a line comment stays; a
    multi-line note is written whole; a line comment over nothing goes."""
    from s2sad.tree import emit
    from s2sad.tree import nodes
    body = [emit.comment("primal sweep"), emit.comment("adjoint sweep"),
            emit.line_comment("line 3: y = x * x"), nodes.assign("y", nodes.name("x")),
            emit.comment("first\nsecond"), nodes.assign("z", nodes.name("y")),
            emit.line_comment("line 4: orphan"), nodes.ret(nodes.name("z")),
            emit.comment("nothing follows"), emit.line_comment("line 5: nor here")]
    text = emit.source(nodes.function("f", ["x"], body))
    assert text == ("def f(x):\n    # adjoint sweep\n    # line 3: y = x * x\n    y = x\n"
                    "    # first\n    # second\n    z = y\n    # line 4: orphan\n"
                    "    return z\n")


def test_conditional_expression_shares_its_line(user):
    text = s2sad.source(user.branchy, optimize=False)
    primal, _ = _sections(text)
    assert [n for n, _ in _line_comments(primal)] == [17, 18]


def test_deterministic(user):
    first = s2sad.source(user.f, wrt=("x", "w"), optimize=False)
    CACHE.clear()
    assert s2sad.source(user.f, wrt=("x", "w"), optimize=False) == first


def test_commented_code_still_differentiates(user):
    """The comments change nothing that runs: gradient against finite differences."""
    x, w = 0.7, 1.3
    got = s2sad.grad(user.f, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(got, fd_grads(user.f, (x, w), (0, 1)), rtol=1e-6)


def test_split_motion_keeps_both_lines_of_its_note(user):
    """A two-line explanatory comment is kept whole (it once lost its first line)."""
    text = s2sad.source(user.f, motion="split", wrt=("x", "w"))
    assert "# the adjoint sweep pops lists: it works on its own copies" in text
    assert "# pullback can run again" in text


# highlighting ------------------------------------------------------------------------

def test_source_is_a_str_that_renders_in_jupyter(user):
    text = s2sad.source(user.f, optimize=False)
    assert isinstance(text, str)
    rendered = text._repr_html_()
    assert rendered.startswith("<pre style=") and rendered.endswith("</pre>")
    assert "<style" not in rendered and "class=" not in rendered     # inline styles only
    unescaped = re.sub(r"<[^>]+>", "", rendered)
    import html
    assert html.unescape(unescaped) == text                          # nothing lost
    assert re.search(r'<span style="[^"]*">def</span>', rendered)
    assert re.search(r'<span style="[^"]*"># line 5: y = np.sin\(x\) \* w</span>', rendered)
    assert re.search(r'<span style="[^"]*">np</span>', rendered)


def test_tokens_cover_the_text_and_name_their_kinds():
    from s2sad.inspection.highlight import tokens
    text = 'def f_grad(x, s="a # b"):\n    # note\n    return np.sin(x) * 2.5, _rt.add(x)\n'
    pieces = tokens(text)
    assert "".join(piece for _, piece in pieces) == text
    kinds = {piece: kind for kind, piece in pieces if kind}
    assert kinds == {"def": "keyword", "f_grad": "function", '"a # b"': "string",
                     "# note": "comment", "return": "keyword", "np": "runtime",
                     "2.5": "number", "_rt": "runtime"}


def test_tokens_of_broken_text_stay_plain():
    from s2sad.inspection.highlight import tokens
    text = 'x = "unterminated\n  y = (\n'
    assert "".join(piece for _, piece in tokens(text)) == text


def test_ansi_colours_and_strips_back_to_the_text(user):
    text = s2sad.source(user.f)
    coloured = text.ansi()
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text


# the command line: colours and -o ------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("no_color,coloured", [(None, True), ("1", False)])
def test_cli_colours_a_terminal_only(monkeypatch, no_color, coloured):
    from s2sad import cli
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    screen = _Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    assert cli.main(["adjoint", f"{BAYDIN}:f", "--no-optimize"]) == 0
    assert ("\x1b[" in screen.getvalue()) is coloured
    assert "def f_grad" in re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())


def test_cli_pipe_is_plain():
    result = run_cli("adjoint", f"{BAYDIN}:f")
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout


CALLER = '''\
import numpy as np

SCALE = 3.0


def helper(a, b):
    return np.sin(a) * b + SCALE * a


def f(x, w):
    y = helper(x, w) * x
    z = helper(y, 2.0)
    return z * w + np.exp(x)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def make():
    c = 2.0

    def scaled(x):
        return np.sin(x) * c
    return scaled


closure = make()


def weighted(x, w):
    return np.sum(helper(x, w) * w)
'''


def _run_module(directory, code):
    """Import the written module in a fresh interpreter (no s2sad compiler involved
    beyond its runtime) and return what ``code`` prints."""
    result = subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture()
def caller_file(tmp_path):
    path = tmp_path / "caller_mod.py"
    path.write_text(CALLER)
    return path


def _fd_of_caller(tmp_path, func, args, wrt):
    spec = importlib.util.spec_from_file_location("caller_mod_fd", tmp_path / "caller_mod.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return fd_grads(getattr(module, func), args, wrt)


def test_output_module_with_callees_matches_finite_differences(tmp_path, caller_file):
    out = tmp_path / "f_grad_mod.py"
    result = run_cli("adjoint", f"{caller_file}:f", "--wrt", "x,w", "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "from caller_mod import SCALE" in text
    assert "def helper_vjp" in text and "def _helper_forward" in text
    got = _run_module(tmp_path, "import f_grad_mod; print(*f_grad_mod.f_grad(0.7, 1.3))\n"
                      "from s2sad.driver.compile import CACHE; print(len(CACHE.entries))")
    *values, compiled = got.split()
    assert compiled == "0"                      # nothing was transformed at run time
    np.testing.assert_allclose([float(v) for v in values],
                               _fd_of_caller(tmp_path, "f", (0.7, 1.3), (0, 1)), rtol=1e-6)


def test_output_tangent_module_matches_finite_differences(tmp_path, caller_file):
    out = tmp_path / "f_jvp_mod.py"
    result = run_cli("tangent", f"{caller_file}:f", "-o", out)
    assert result.returncode == 0, result.stderr
    got = _run_module(tmp_path, "import f_jvp_mod\n"
                      "print(f_jvp_mod.f_jvp(0.7, 1.3, d_x=1.0, d_w=0.0)[1],"
                      " f_jvp_mod.f_jvp(0.7, 1.3, d_x=0.0, d_w=1.0)[1])")
    np.testing.assert_allclose([float(v) for v in got.split()],
                               _fd_of_caller(tmp_path, "f", (0.7, 1.3), (0, 1)), rtol=1e-6)


def test_output_module_of_a_recursive_function(tmp_path, caller_file):
    """Only the default kinds (floats) are known to the CLI: the int n is a float here,
    and the recursion still ends (n == 0.0)."""
    out = tmp_path / "power_grad_mod.py"
    result = run_cli("adjoint", f"{caller_file}:power", "-o", out)
    assert result.returncode == 0, result.stderr
    got = _run_module(tmp_path, "import power_grad_mod; print(power_grad_mod.power_grad(1.5, 3))")
    assert float(got) == pytest.approx(3 * 1.5 ** 2, rel=1e-12)


def test_output_module_for_array_arguments_given_with_at(tmp_path, caller_file):
    """--at picks the kinds the module is generated for: here an array w."""
    out = tmp_path / "f_grad_array_mod.py"
    result = run_cli("adjoint", f"{caller_file}:weighted", "--wrt", "w", "--at",
                     "0.7, [1.3, -0.4]", "-o", out)
    assert result.returncode == 0, result.stderr
    got = _run_module(tmp_path, "import numpy as np, f_grad_array_mod\n"
                      "print(*f_grad_array_mod.weighted_grad(0.7, np.array([1.3, -0.4])))")
    expected = _fd_of_caller(tmp_path, "weighted", (0.7, np.array([1.3, -0.4])), (1,))[0]
    np.testing.assert_allclose([float(v) for v in got.split()], expected, rtol=1e-6)


def test_output_module_of_a_closure_is_refused(tmp_path, caller_file):
    out = tmp_path / "closure_mod.py"
    result = run_cli("adjoint", f"{caller_file}:closure", "-o", out)
    assert result.returncode == 2
    assert "closure cell" in result.stderr and "'c'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_standalone_from_python(user):
    text = s2sad.source(user.f, wrt=("x", "w"), standalone=True)
    assert text.startswith('"""Gradient of render_user.f with respect to x, w')
    assert "import numpy as np" in text
    namespace = {}
    exec(compile(text, "<module>", "exec"), namespace)
    np.testing.assert_allclose(namespace["f_grad"](0.7, 1.3),
                               fd_grads(user.f, (0.7, 1.3), (0, 1)), rtol=1e-6)


def test_output_module_refuses_other_shapes(user):
    """A module made for floats, given an array, raises instead of running code that
    may skip a broadcast sum; made for arrays, it agrees with finite differences."""
    from s2sad.runtime import ShapeMismatch
    namespace = {}
    exec(s2sad.source(user.summed, wrt=("x", "w"), standalone=True), namespace)
    with pytest.raises(ShapeMismatch, match="generated for x with 0 dimensions"):
        namespace["summed_grad"](np.ones(3), 1.3)
    x = np.array([0.2, -0.4, 0.9])
    text = s2sad.source(user.summed, wrt=("x", "w"), standalone=True, args=(x, 1.3))
    assert "x: 1-d float array, w: float" in text
    exec(text, namespace)
    got = namespace["summed_grad"](x, 1.3)
    want = fd_grads(user.summed, (x, 1.3), (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
