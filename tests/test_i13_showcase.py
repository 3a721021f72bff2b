"""generated/ shows code that runs: each section, compiled from the file's own text, run at
the example's sample arguments (EXAMPLE_ARGS) agrees with central differences; an int
argument (a trip count) gets no tangent parameter; every line fits in 100 characters."""
import inspect
import re

import numpy as np
import pytest

import s2sad.runtime
from tests.fd import fd_grad
from tools import generate

SECTION = re.compile(r"^# (\w+): (gradient, as built|gradient, optimized|"
                     r"tangent \(forward mode\), optimized) \((.*)\)$", re.M)


def sections():
    for name, module in generate.example_modules():
        text = (generate.ROOT / "generated" / f"{name}.py").read_text()
        heads = list(SECTION.finditer(text))
        for head, after in zip(heads, heads[1:] + [None]):
            body = text[head.end():after.start() if after else len(text)]
            yield pytest.param(module, head.group(1), head.group(2), body,
                               id=f"{name}.{head.group(1)}: {head.group(2)}")


def _compiled(module, body):
    scope = dict(vars(module), np=np, _rt=s2sad.runtime)
    exec(compile(body, "<generated>", "exec"), scope)
    return scope


def _float_params(func, args):
    bound = inspect.signature(func).bind(*args)
    bound.apply_defaults()
    return [p for p, v in bound.arguments.items()
            if isinstance(v, (float, np.ndarray)) and np.asarray(v).dtype.kind == "f"]


def _copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("module, attr, what, body", list(sections()))
def test_generated_section_runs_and_agrees_with_finite_differences(module, attr, what, body):
    func = getattr(module, attr)
    args = module.EXAMPLE_ARGS[attr]
    params = list(inspect.signature(func).parameters)
    wrt = getattr(func, "__s2sad_wrt__", None) or (params[0],)
    wrt = (wrt,) if isinstance(wrt, str) else wrt
    kept = _copies(args)
    if what.startswith("gradient"):
        got = _compiled(module, body)[f"{attr}_grad"](*args)
        got = got if len(wrt) > 1 else (got,)
        for name, value in zip(wrt, got):
            expected = fd_grad(func, args, params.index(name))
            np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
    else:
        jvp = _compiled(module, body)[f"{attr}_jvp"]
        tangent_params = list(inspect.signature(jvp).parameters)[len(params):]
        floats = [p for p in _float_params(func, args) if p in wrt or
                  getattr(func, "__s2sad_wrt__", None) is None]
        assert tangent_params == [f"d_{p}" for p in floats], "a tangent for a non-float"
        rng = np.random.default_rng(1)
        seeds = {p: rng.standard_normal(np.shape(args[params.index(p)])) for p in floats}
        seeds = {p: float(v) if np.ndim(v) == 0 else v for p, v in seeds.items()}
        value, tangent = jvp(*args, **{f"d_{p}": v for p, v in seeds.items()})
        expected = sum(np.sum(fd_grad(func, args, params.index(p)) * v)
                       for p, v in seeds.items())
        np.testing.assert_allclose(value, func(*args))
        np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)
    assert _same(args, kept), "the generated code changed the caller's arguments"


def test_int_trip_count_gets_no_tangent():
    text = (generate.ROOT / "generated" / "loops.py").read_text()
    assert "def g_jvp(x, n, *, d_x):" in text
    assert "d_n" not in text


def test_generated_lines_fit():
    for path in sorted((generate.ROOT / "generated").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert len(line) <= 100, f"{path.name}:{number} has {len(line)} characters"


USER = '''import numpy as np


def f(x, w):
    y = np.sin(x) * w
    z = y * y + np.exp(w) * x
    return z


def g(W, x):
    h = np.tanh(x @ W)
    out = h @ W
    return np.sum(out * out)
'''


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    import importlib.util
    path = tmp_path_factory.mktemp("user") / "merged_lines.py"
    path.write_text(USER)
    spec = importlib.util.spec_from_file_location("merged_lines", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _named_above(lines, index):
    """The line numbers the ``# line N`` comments right above the run holding
    ``lines[index]`` name."""
    k = index
    while k > 0 and not lines[k - 1].lstrip().startswith("#"):
        k -= 1
    named = []
    while k > 0 and (match := re.match(r"\s*# line (\d+)", lines[k - 1])):
        named.append(int(match.group(1)))
        k -= 1
    return set(named)


def _check_marks(text, marks):
    lines = text.splitlines()
    seen = set()
    for index, line in enumerate(lines):
        for mark, source_line in marks.items():
            if mark in line and not line.lstrip().startswith("#"):
                seen.add(mark)
                assert source_line in _named_above(lines, index), (mark, text)
    assert seen == set(marks), text


@pytest.mark.parametrize("motion", ["joint", "split"])
def test_a_moved_expression_keeps_naming_its_line(user, motion):
    """Each adjoint, wherever the optimizer substitutes it, sits under a comment naming
    the line it differentiates (np.cos: sin's line 5; np.exp: line 6)."""
    text = s2sad.source(user.f, wrt=("x", "w"), motion=motion)
    _check_marks(text, {"np.cos(": 5, "np.exp(": 6} if motion == "joint" else {"np.cos(": 5})


def test_matmul_adjoint_names_its_line(user):
    W, x = np.ones((3, 3)) * 0.1, np.arange(6.0).reshape(2, 3)
    text = s2sad.source(user.g, args=(W, x))
    _check_marks(text, {"matmul_vjp_x(": 12, "1.0 - h * h": 11})
    mlp = (generate.ROOT / "generated" / "mlp.py").read_text()
    optimized = mlp[mlp.index("# loss: gradient, optimized"):mlp.index("# loss: tangent")]
    _check_marks(optimized, {"matmul_vjp_x(": 12, "1.0 - h * h": 11})
