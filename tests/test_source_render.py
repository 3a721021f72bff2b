"""Generated source as a reader sees it: line comments naming the user's source, and
the highlighted renderings (Jupyter HTML, ANSI for a terminal)."""
import importlib.util
import re

import numpy as np
import pytest

import s2sad
from s2sad.compile import CACHE

from .fd import fd_grads

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
