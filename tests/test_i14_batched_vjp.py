"""Issue 14 item 8, issue 16 item 2: batched reverse mode.

``s2sad.batched_vjp`` pulls k cotangents back through one primal sweep and one
adjoint sweep. Each case is checked against k separate ``s2sad.vjp`` pullbacks,
against central finite differences of ``<w, f(x)>``, and with the dot-product test
against ``batched_jvp`` (``<J v, w> == <v, J^T w>`` row by row); the reverse-mode
Jacobian against finite differences; pytrees as arguments, outputs and blocks.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import s2sad
from s2sad.driver import blocks, derivatives, reverse_batching
from tests.fd import RTOL

RNG = np.random.default_rng(14)
W = RNG.standard_normal((4, 3))
A = RNG.standard_normal((3, 3))
Params = collections.namedtuple("Params", "w b")


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: float


def elementwise(x, y):
    return np.sin(x) * np.exp(y) + x ** 2 / (1.0 + y ** 2)


def matvec(x):
    return np.tanh(W @ x)


def matmat(a, b):
    return a @ b + a.T @ (a @ b)


def vecmat(x, a):
    return x @ a


def reductions(x):
    return np.sum(x ** 2, axis=0) + np.mean(np.sin(x), axis=1).sum() + np.max(x, axis=0)


def broadcasting(x, y, s):
    return x[:, None] * y[None, :] + s * np.cos(x)[:, None]


def indexing(x):
    return x[1:3] * x[np.array([0, 2, 2])][:2] + x[::-1][0]


def loop(w, x):
    acc = x * 1.0
    for _ in range(3):
        acc = np.tanh(acc * w) + x
    return acc


def helper(a, b):
    return np.sin(a) * b + a


def calls_helper(x, y):
    return helper(x, y) * helper(y, x)


def countdown(x, n):
    if n == 0:
        return x
    return countdown(np.sin(x) * 1.5, n - 1)


def recursive(x):
    return countdown(x, 3)


def tuple_out(x, s):
    return np.exp(x) * s, np.sum(x) * s ** 2


def scalar_out(x, s):
    return np.sum(np.tanh(x * s)) + s ** 3


def dict_in(p, x):
    return p["w"] * np.tanh(x) + p["b"] ** 2


def namedtuple_in(p, x):
    return {"y": np.tanh(p.w * x) + p.b, "norm": np.sum(p.w ** 2)}


def dataclass_in(layer, x):
    return np.sin(layer.w) * layer.b * x


def list_in(xs):
    return xs[0] * xs[1] + np.sum(xs[1])


V3 = np.array([0.3, -0.7, 1.1])
V3B = np.array([0.5, 0.2, -0.4])
CATALOG = [
    ("elementwise", elementwise, (V3, V3B)),
    ("matvec", matvec, (V3,)),
    ("matmat", matmat, (A, RNG.standard_normal((3, 2)))),
    ("vecmat", vecmat, (V3, A)),
    ("reductions", reductions, (RNG.standard_normal((3, 4)),)),
    ("broadcasting", broadcasting, (V3, np.array([0.4, -0.9]), 1.3)),
    ("indexing", indexing, (np.array([0.3, -0.7, 1.1, 0.6]),)),
    ("loop", loop, (V3B, V3)),
    ("helper", calls_helper, (V3, V3B)),
    ("recursive", recursive, (V3,)),
    ("tuple_out", tuple_out, (V3, 0.8)),
    ("scalar_out", scalar_out, (V3, 0.8)),
    ("dict_in", dict_in, ({"w": V3B, "b": 0.6}, V3)),
    ("namedtuple_in", namedtuple_in, (Params(w=V3B, b=0.6), V3)),
    ("dataclass_in", dataclass_in, (Layer(w=V3B, b=0.6), V3)),
    ("list_in", list_in, ([V3, V3B],)),
]
IDS = [c[0] for c in CATALOG]


# trees: the test's own walk, independent of the package's --------------------------

def _parts(tree):
    if isinstance(tree, dict):
        return list(tree.keys()), list(tree.values())
    if isinstance(tree, (tuple, list)):
        return list(range(len(tree))), list(tree)
    if dataclasses.is_dataclass(tree):
        names = [f.name for f in dataclasses.fields(tree)]
        return names, [getattr(tree, n) for n in names]
    return None


def _leaves(tree):
    parts = _parts(tree)
    return [leaf for v in parts[1] for leaf in _leaves(v)] if parts else [tree]


def _rebuild(like, items):
    if isinstance(like, dict):
        return dict(zip(like, items))
    if hasattr(like, "_fields"):
        return type(like)(*items)
    if isinstance(like, (tuple, list)):
        return type(like)(items)
    return dataclasses.replace(like, **dict(zip(_parts(like)[0], items)))


def _map(fn, tree, *others):
    parts = _parts(tree)
    if parts is None:
        return fn(tree, *others)
    pick = [(lambda o, key: getattr(o, key)) if dataclasses.is_dataclass(o) else
            (lambda o, key: o[key]) for o in others]
    return _rebuild(tree, [_map(fn, v, *(p(o, key) for p, o in zip(pick, others)))
                           for key, v in zip(*parts)])


def _inner(a, b) -> float:
    return sum(float(np.sum(np.asarray(u, float) * np.asarray(v, float)))
               for u, v in zip(_leaves(a), _leaves(b)))


def _random_block(value, k):
    return _map(lambda v: RNG.standard_normal((k,) + np.shape(v)), value)


def _row(block, i):
    return _map(lambda b: b[i], block)


def _copies(tree):
    return _map(lambda v: np.array(v) if isinstance(v, np.ndarray) else v, tree)


def _fd_vjp(f, args, seed, h=1e-6):
    """J^T seed for each argument (a tree like it), by central differences of
    ``<seed, f(args)>`` along each element of each leaf."""
    out = []
    for i, arg in enumerate(args):
        leaves = [np.array(leaf, dtype=float) for leaf in _leaves(arg)]
        grads = []
        for j, leaf in enumerate(leaves):
            grad = np.zeros(np.shape(leaf))
            for index in np.ndindex(np.shape(leaf)):
                step = h * max(1.0, abs(float(leaf[index])))
                values = []
                for sign in (1.0, -1.0):
                    moved = [x.copy() for x in leaves]
                    moved[j][index] += sign * step
                    it = iter([m if np.ndim(arg_leaf) else float(m) for m, arg_leaf
                               in zip(moved, _leaves(arg))])
                    tree = _map(lambda _: next(it), arg)
                    values.append(_inner(seed, f(*args[:i], tree, *args[i + 1:])))
                grad[index] = (values[0] - values[1]) / (2 * step)
            grads.append(grad)
        it = iter(grads)
        out.append(_map(lambda _: next(it), arg))
    return tuple(out)


def _assert_trees_close(got, want, rtol, atol=0.0):
    for g, w in zip(_leaves(got), _leaves(want), strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g, float), np.asarray(w, float), rtol=rtol,
                                   atol=atol)


# batched_vjp against k pullbacks and against finite differences ------------------------

@pytest.mark.parametrize("name,f,args", CATALOG, ids=IDS)
def test_batched_vjp_matches_pullbacks_and_differences(name, f, args):
    k = 4
    y = f(*args)
    block = _random_block(y, k)
    saved_args, saved_block = _copies(args), _copies(block)
    y_b, got = s2sad.batched_vjp(f, args, block)
    _assert_trees_close(y_b, y, rtol=1e-14)
    assert isinstance(got, tuple) and len(got) == len(args)
    _, pullback = s2sad.vjp(f, *args)
    for i in range(k):
        one = pullback(_row(block, i))
        rows = tuple(_map(lambda b: b[i], g) for g in got)
        _assert_trees_close(rows, one, rtol=1e-12, atol=1e-14)
        fd = _fd_vjp(f, args, _row(block, i))
        scale = max(1.0, max(float(np.max(np.abs(leaf))) for leaf in _leaves(fd)))
        _assert_trees_close(rows, fd, rtol=RTOL, atol=1e-8 * scale)
    # the block's structure is the argument's: the same tree, the batch axis leading
    for g, a in zip(got, args):
        assert type(g) is (type(a) if _parts(a) is not None else np.ndarray)
        for gl, al in zip(_leaves(g), _leaves(a)):
            assert np.shape(gl) == (k,) + np.shape(al)
    _assert_trees_close(args, saved_args, rtol=0)       # the caller's values as they were
    _assert_trees_close(block, saved_block, rtol=0)


@pytest.mark.parametrize("name,f,args", CATALOG, ids=IDS)
def test_dot_product_with_batched_jvp(name, f, args):
    """<batched_jvp V, W> == <V, batched_vjp W>, row by row: the two modes agree."""
    k = 3
    tangents = tuple(_random_block(a, k) for a in args)
    y, dots = s2sad.batched_jvp(f, args, tangents)
    seeds = _random_block(y, k)
    _, cotangents = s2sad.batched_vjp(f, args, seeds)
    for i in range(k):
        forward = _inner(_row(seeds, i), _row(dots, i))
        backward = sum(_inner(_row(t, i), _row(c, i)) for t, c in zip(tangents, cotangents))
        assert forward == pytest.approx(backward, rel=1e-11, abs=1e-12)


def test_the_catalog_runs_batched():
    """Every function of the catalog pulls its block back in one batched sweep."""
    modes = {}
    for name, f, args in CATALOG:
        report = {}
        reverse_batching.Sweep(f, args).pull(_random_block(f(*args), 3), report)
        modes[name] = report["mode"]
    assert set(modes.values()) == {"batched"}, modes


def _count_sweeps(monkeypatch):
    """Counts of primal sweeps, batched adjoint sweeps and one-cotangent pullbacks."""
    counts = collections.Counter()
    primal_sweep, batched_runtime = derivatives.primal_sweep, \
        reverse_batching.with_batched_runtime
    pullback_of = derivatives.pullback_of

    def counted_primal(*a, **kw):
        counts["primal"] += 1
        return primal_sweep(*a, **kw)

    def counted_batched(fn, *rest):
        run = batched_runtime(fn, *rest)

        def sweep(*a):
            counts["batched adjoint"] += 1
            return run(*a)
        return sweep

    def counted_pullback(*a):
        pullback = pullback_of(*a)

        def one(seed):
            counts["pullback"] += 1
            return pullback(seed)
        return one
    monkeypatch.setattr(derivatives, "primal_sweep", counted_primal)
    monkeypatch.setattr(reverse_batching, "with_batched_runtime", counted_batched)
    monkeypatch.setattr(derivatives, "pullback_of", counted_pullback)
    return counts


def test_one_primal_sweep_and_one_adjoint_sweep(monkeypatch):
    counts = _count_sweeps(monkeypatch)
    block = RNG.standard_normal((7, 4))
    _, (got,) = s2sad.batched_vjp(matvec, (V3,), block)
    assert counts == {"primal": 1, "batched adjoint": 1}, counts
    _, pullback = s2sad.vjp(matvec, V3)
    np.testing.assert_allclose(got, [pullback(b)[0] for b in block], rtol=1e-12)


def narrow(x):                 # R^1000 -> R^10
    return np.tanh(TALL @ x)


TALL = RNG.standard_normal((10, 1000)) / 30.0


def test_jacobian_reverse_r1000_to_r10_is_one_sweep(monkeypatch):
    counts = _count_sweeps(monkeypatch)
    x = np.linspace(-1.0, 1.0, 1000)
    saved = x.copy()
    jac = s2sad.jacobian(narrow, mode="reverse")
    got = jac(x)
    assert counts == {"primal": 1, "batched adjoint": 1}, counts
    assert jac.__s2sad_batching__ == {"direction": "reverse", "mode": "batched", "sweeps": 1,
                                      "block": 10}
    closed = (1.0 - np.tanh(TALL @ x) ** 2)[:, None] * TALL
    np.testing.assert_allclose(got, closed, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(x, saved)
    auto = s2sad.jacobian(narrow)                  # fewer outputs than inputs: reverse
    np.testing.assert_allclose(auto(x), closed, rtol=1e-12, atol=1e-15)
    assert auto.__s2sad_batching__["direction"] == "reverse"
    assert auto.__s2sad_batching__["mode"] == "batched"


def test_blocks_are_cut_by_memory(monkeypatch):
    counts = _count_sweeps(monkeypatch)
    monkeypatch.setattr(s2sad.driver.batching, "BUDGET", 8 * 1000 * 3)
    x = np.linspace(-1.0, 1.0, 1000)
    jac = s2sad.jacobian(narrow, mode="reverse")
    got = jac(x)
    assert jac.__s2sad_batching__ == {"direction": "reverse", "mode": "batched", "sweeps": 4,
                                      "block": 3}
    assert counts == {"primal": 1, "batched adjoint": 4}, counts
    closed = (1.0 - np.tanh(TALL @ x) ** 2)[:, None] * TALL
    np.testing.assert_allclose(got, closed, rtol=1e-12, atol=1e-15)


def cumulative(x):
    return np.cumsum(x) * x


def crossed(a, x):
    return np.cross(a, x)


def test_no_batched_form_falls_back_to_one_pullback_per_cotangent(monkeypatch):
    counts = _count_sweeps(monkeypatch)
    a, x = np.array([0.3, -0.7, 1.1]), np.array([1.0, 2.0, -0.5])
    block = RNG.standard_normal((5, 3))
    report = {}
    got_a, got_x = reverse_batching.Sweep(crossed, (a, x)).pull(block, report)
    assert report["mode"] == "rows" and "np.cross" in report["reason"], report
    assert report["sweeps"] == 5
    assert counts == {"primal": 1, "batched adjoint": 1, "pullback": 5}, counts
    np.testing.assert_allclose(got_a, [np.cross(x, w) for w in block], rtol=1e-13)
    np.testing.assert_allclose(got_x, [np.cross(w, a) for w in block], rtol=1e-13)
    jac = s2sad.jacobian(crossed, wrt=(0, 1), mode="reverse")
    ja, jx = jac(a, x)
    assert jac.__s2sad_batching__["mode"] == "rows"
    np.testing.assert_allclose(ja, -np.cross(np.eye(3), x), atol=1e-15)
    np.testing.assert_allclose(jx, np.cross(np.eye(3), a), atol=1e-15)


# the reverse-mode Jacobian against finite differences ---------------------------------

def _fd_jacobian(f, x, h=1e-6):
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h * max(1.0, abs(float(x.flat[j])))
        cols.append((np.asarray(f(x + e.reshape(x.shape)), float) -
                     np.asarray(f(x - e.reshape(x.shape)), float)) / (2 * e[j]))
    return np.stack(cols, axis=-1).reshape(np.shape(cols[0]) + x.shape)


@pytest.mark.parametrize("f", [matvec, indexing, reductions, lambda x: loop(V3B, x[:3]),
                               lambda x: calls_helper(x, x[::-1]), recursive, cumulative],
                         ids=["matvec", "indexing", "reductions", "loop", "helper",
                              "recursive", "cumulative"])
def test_jacobian_reverse_matches_differences_and_forward(f):
    x = RNG.standard_normal((3, 4)) if f is reductions else \
        np.array([0.3, -0.7, 1.1, 0.6])[:3 if f in (matvec, recursive) else 4]
    saved = x.copy()
    jac = s2sad.jacobian(f, mode="reverse")
    got = jac(x)
    assert jac.__s2sad_batching__["direction"] == "reverse"
    assert jac.__s2sad_batching__["mode"] in ("batched", "rows")
    fd = _fd_jacobian(f, x)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, s2sad.jacobian(f, mode="forward")(x), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_array_equal(x, saved)


def test_jacobian_reverse_of_trees():
    """A dict argument and a dict-and-tuple output: one block per (output leaf, input leaf)."""
    def f(p, s):
        return {"a": np.sin(p["w"]) * s, "b": (np.sum(p["w"][:2] * p["v"]), p["v"][0] * s)}
    p = {"w": np.array([0.1, 0.5, -0.4]), "v": np.array([1.0, 2.0])}
    s = 1.7
    jac = s2sad.jacobian(f, wrt=(0, 1), mode="reverse")
    got = jac(p, s)
    assert jac.__s2sad_batching__["mode"] == "batched"
    forward = s2sad.jacobian(f, wrt=(0, 1), mode="forward")
    want = forward(p, s)
    # the forward Jacobian's columns of a dict argument: one batched sweep per leaf
    assert forward.__s2sad_batching__ == {"mode": "batched", "sweeps": 3, "block": 1}
    _assert_trees_close(got, want, rtol=1e-13)
    np.testing.assert_allclose(got["a"][0]["w"], np.diag(np.cos(p["w"]) * s), atol=1e-15)
    np.testing.assert_allclose(got["b"][1][1], p["v"][0], rtol=1e-15)     # d(v[0] s)/ds
    np.testing.assert_allclose(got["b"][0][0]["v"], p["w"][:2], rtol=1e-15)
    np.testing.assert_allclose(got["b"][0][0]["w"], [p["v"][0], p["v"][1], 0.0], rtol=1e-15)


# float32 -------------------------------------------------------------------------------

def test_float32_blocks_stay_float32():
    x = np.array([0.3, -0.7, 1.1], dtype=np.float32)
    block = RNG.standard_normal((4, 4)).astype(np.float32)
    _, (got,) = s2sad.batched_vjp(matvec, (x,), block)
    assert got.dtype == np.float32
    _, pullback = s2sad.vjp(matvec, x)
    for i in range(4):
        one = pullback(block[i])[0]
        assert one.dtype == np.float32
        np.testing.assert_allclose(got[i], one, rtol=1e-6)
    fd = _fd_vjp(matvec, (x.astype(float),), block[0].astype(float))[0]
    np.testing.assert_allclose(got[0], fd, rtol=1e-4, atol=1e-5)
    jac = s2sad.jacobian(matvec, mode="reverse")(x)
    assert jac.dtype == np.float32
    np.testing.assert_allclose(jac, _fd_jacobian(matvec, x.astype(float)), rtol=1e-4,
                               atol=1e-5)


def test_python_float_arguments_give_float64_blocks():
    _, (gx, gs) = s2sad.batched_vjp(scalar_out, (V3, 0.8), np.array([1.0, -2.0]))
    assert gs.dtype == np.float64 and gs.shape == (2,) and gx.shape == (2, 3)
    _, pullback = s2sad.vjp(scalar_out, V3, 0.8)
    assert gs[1] == pytest.approx(pullback(-2.0)[1], rel=1e-14)


# pytree blocks and errors --------------------------------------------------------------

def test_dataclass_and_namedtuple_blocks_come_back_as_their_types():
    _, (gp, gx) = s2sad.batched_vjp(namedtuple_in, (Params(w=V3B, b=0.6), V3),
                                    {"y": np.ones((2, 3)), "norm": np.zeros(2)})
    assert isinstance(gp, Params) and gp.w.shape == (2, 3) and gp.b.shape == (2,)
    np.testing.assert_allclose(gp.b, [3.0, 3.0], rtol=1e-15)
    _, (gl, _) = s2sad.batched_vjp(dataclass_in, (Layer(w=V3B, b=0.6), V3),
                                   np.eye(3)[:2])
    assert isinstance(gl, Layer) and gl.w.shape == (2, 3)
    np.testing.assert_allclose(gl.w[1], [0.0, np.cos(V3B[1]) * 0.6 * V3[1], 0.0], atol=1e-15)


def test_wrt_picks_the_arguments():
    _, (gs,) = s2sad.batched_vjp(tuple_out, (V3, 0.8), (np.ones((2, 3)), np.ones(2)), wrt=1)
    _, pullback = s2sad.vjp(tuple_out, V3, 0.8, wrt=1)
    assert gs[0] == pytest.approx(pullback((np.ones(3), 1.0))[0], rel=1e-14)


@pytest.mark.parametrize("block", [np.ones((2, 5)), np.ones(4), {"y": np.ones((2, 4))},
                                   (np.ones((2, 4)), np.ones(3))],
                         ids=["shape", "no-axis", "dict-for-array", "tuple-for-array"])
def test_a_block_unlike_the_output_is_refused(block):
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.batched_vjp(matvec, (V3,), block)
    assert info.value.code == "bad-cotangent"


def test_blocks_of_two_lengths_are_refused():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.batched_vjp(tuple_out, (V3, 0.8), (np.ones((2, 3)), np.ones(3)))
    assert info.value.code == "bad-cotangent" and "leading lengths" in str(info.value)


# helpers run row by row inside the one sweep; NumPy functions' batched forms -----------

def traced(a):
    return np.trace(a) * a[0]


def test_a_helper_without_a_batched_form_runs_row_by_row_inside_the_sweep(monkeypatch):
    counts = _count_sweeps(monkeypatch)
    a = RNG.standard_normal((3, 3))
    block = RNG.standard_normal((5, 3))
    report = {}
    (got,) = reverse_batching.Sweep(traced, (a,)).pull(block, report)
    assert report["mode"] == "batched" and report["sweeps"] == 1, report
    assert report["rowwise"] == ["untrace"], report
    assert counts == {"primal": 1, "batched adjoint": 1}, counts
    _, pullback = s2sad.vjp(traced, a)
    for i in range(5):
        np.testing.assert_allclose(got[i], pullback(block[i])[0], rtol=1e-13)
        closed = np.eye(3) * (block[i] @ a[0])
        closed[0] += np.trace(a) * block[i]
        np.testing.assert_allclose(got[i], closed, rtol=1e-13)


def test_rowwise_helpers_write_into_no_parameter():
    """The helpers run row by row must build their results: a write into a parameter
    (``g[i] = ...``, ``g += ...``, ``g.append``, ``np.add.at(g, ...)``) would make k rows
    write into one array."""
    import ast
    import inspect
    import textwrap
    from s2sad.driver import rowwise
    mutating = {"append", "pop", "extend", "update", "insert", "clear", "sort", "fill",
                "setdefault", "remove", "put", "resize", "at"}
    for name in sorted(rowwise.ROWWISE):
        fn = getattr(s2sad.runtime, name)
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
        params = {a.arg for a in tree.args.args + tree.args.kwonlyargs}
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AugAssign) else []
            for t in targets:
                base = t
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                written = base is not t or isinstance(node, ast.AugAssign)
                assert not (written and isinstance(base, ast.Name) and base.id in params), \
                    f"{name} writes into its parameter: {ast.unparse(t)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in mutating:
                owner = node.func.value
                assert not (isinstance(owner, ast.Name) and owner.id in params), \
                    f"{name} changes its parameter: {ast.unparse(node)}"
                assert node.func.attr != "at", f"{name} scatters: {ast.unparse(node)}"


OPS = [
    ("where", lambda v: np.where(np.arange(4)[None, :] % 2 == 0, v, -2.0 * np.ones((3, 1)))),
    ("where-plain-first", lambda v: np.where(np.array([True, False, True, True]), 1.5, v)),
    ("moveaxis", lambda v: np.moveaxis(v, 0, -1)), ("flip", lambda v: np.flip(v)),
    ("flip-axis", lambda v: np.flip(v, axis=-1)), ("fliplr", np.fliplr), ("flipud", np.flipud),
    ("ravel", np.ravel), ("concatenate", lambda v: np.concatenate([v, np.ones((1, 4))])),
    ("concatenate-none", lambda v: np.concatenate([np.ones(2), v], axis=None)),
    ("concatenate-axis", lambda v: np.concatenate([v, v[:, :1]], axis=1)),
    ("take", lambda v: np.take(v, [2, 0, 2], axis=1)), ("take-flat", lambda v: np.take(v, [5, 1])),
    ("tensordot-left", lambda v: np.tensordot(v, RNG2.standard_normal((4, 2)), axes=1)),
    ("tensordot-right", lambda v: np.tensordot(RNG2.standard_normal((2, 3)), v, axes=1)),
    ("tensordot-pairs", lambda v: np.tensordot(RNG2.standard_normal((4, 3)), v,
                                               axes=([0, 1], [1, 0]))),
    ("diagonal", lambda v: np.diagonal(v, 1)), ("roll", lambda v: np.roll(v, 2)),
    ("roll-axis", lambda v: np.roll(v, -1, axis=0)), ("rot90", lambda v: np.rot90(v)),
    ("pad", lambda v: np.pad(v, 1)), ("pad-pairs", lambda v: np.pad(v, ((0, 1), (2, 0)))),
    ("pad-reflect", lambda v: np.pad(v, 2, mode="reflect")),
    ("tril", lambda v: np.tril(v, -1)), ("triu", np.triu), ("real", np.real),
    ("imag", np.imag), ("iscomplexobj", lambda v: np.full(1, np.iscomplexobj(v)) + v[0]),
    ("solve-matrix", lambda v: np.linalg.solve(A + 3.0 * np.eye(3), v)),
    ("solve-vector", lambda v: np.linalg.solve(A + 3.0 * np.eye(3), v[:, 1])),
    ("fftshift", np.fft.fftshift), ("ifftshift-axis", lambda v: np.fft.ifftshift(v, axes=1)),
]
RNG2 = np.random.default_rng(5)


@pytest.mark.parametrize("name,op", OPS, ids=[o[0] for o in OPS])
def test_batched_numpy_forms_are_the_rows_stacked(name, op):
    from s2sad.runtime.batched import Batched
    block = RNG.standard_normal((3, 3, 4))      # k == 3 == the rows: an axis mixed up shows
    state = RNG2.bit_generator.state
    got = op(Batched(block))
    want = []
    for row in block:
        RNG2.bit_generator.state = state            # the same constants for each row
        want.append(op(row))
    assert isinstance(got, Batched)
    np.testing.assert_allclose(got.a, np.stack(want), rtol=1e-14, atol=1e-15)


def test_no_batched_form_where_numpy_would_read_the_rows_as_an_axis():
    from s2sad.runtime.batched import Batched, Unbatchable
    vector = Batched(np.ones((5, 3)))
    for op in (np.tril, np.triu, np.fliplr, np.rot90, np.diagonal,
               lambda v: np.where(v, 1.0, 0.0),                # a batched condition
               lambda v: np.pad(v, 1, constant_values=(1, 2))):
        with pytest.raises((Unbatchable, TypeError)):
            op(vector)


# the NumPy rules' catalog: batched reverse sweeps against the pullbacks ---------------

def _catalog():
    from tests.test_numpy_rules import CASES
    return CASES[::2]


@pytest.mark.parametrize("case", _catalog(), ids=[c.id for c in _catalog()])
def test_catalog_batched_reverse_matches_pullbacks(case):
    args = case.args()
    try:
        sweep = reverse_batching.Sweep(case.func, args)
    except s2sad.S2SadError:
        pytest.skip("no reverse mode for this case")
    block = _random_block(sweep.y, 3)
    report = {}
    got = sweep.pull(block, report)
    assert report["mode"] in ("batched", "rows")
    for i in range(3):
        one = sweep.pullback(_row(block, i))
        rows = tuple(_map(lambda b: b[i], g) for g in got)
        _assert_trees_close(rows, one, rtol=1e-10, atol=1e-12)


def test_catalog_mostly_batched():
    modes = collections.Counter()
    for case in _catalog()[::4]:
        try:
            args = case.args()
            sweep = reverse_batching.Sweep(case.func, args)
        except BaseException:          # noqa: BLE001 -- skipped here: not counted
            continue
        report = {}
        sweep.pull(_random_block(sweep.y, 2), report)
        modes[report["mode"]] += 1
    assert modes["batched"] > 0.85 * sum(modes.values()), modes


# building a namedtuple or dataclass inside the function: refused, located, a rewrite that works

def builds_params(w, b):
    p = Params(w=w * 2, b=b)
    return np.sum(p.w * p.b)


def builds_layer(w, b):
    layer = Layer(w * 2, b)
    return np.sum(layer.w ** 2) * layer.b


def builds_a_dict(w, b):                     # the rewrite the refusal suggests
    p = {"w": w * 2, "b": b}
    return np.sum(p["w"] * p["b"])


@pytest.mark.parametrize("f,kind", [(builds_params, "namedtuple"), (builds_layer, "dataclass")])
@pytest.mark.parametrize("how", ["grad", "jvp", "batched_vjp"])
def test_building_a_tree_inside_is_refused_where_it_is_built(f, kind, how):
    w = np.array([0.5, -1.0])
    run = {"grad": lambda: s2sad.grad(f, wrt=(0, 1))(w, 1.5),
           "jvp": lambda: s2sad.jvp(f, (w, 1.5), (np.ones(2), 1.0)),
           "batched_vjp": lambda: s2sad.batched_vjp(f, (w, 1.5), np.ones(2))}[how]
    with pytest.raises(s2sad.CompileError) as info:
        run()
    (violation,) = info.value.violations
    assert violation.code == "no-rule"
    assert f"building the {kind}" in violation.message
    assert violation.lineno == f.__code__.co_firstlineno + 1
    assert violation.filename == __file__
    assert "p = {'w': ..., 'b': ...}" in violation.suggestion


def test_the_suggested_dict_rewrite_works():
    w, b = np.array([0.5, -1.0]), 1.5
    gw, gb = s2sad.grad(builds_a_dict, wrt=(0, 1))(w, b)
    np.testing.assert_allclose(gw, _fd_vjp(builds_a_dict, (w, b), 1.0)[0], rtol=1e-6)
    assert gb == pytest.approx(_fd_vjp(builds_a_dict, (w, b), 1.0)[1], rel=1e-6)
    assert s2sad.jvp(builds_a_dict, (w, b), (np.ones(2), 1.0))[1] == pytest.approx(
        np.sum(gw) + gb, rel=1e-12)
    _, (bw, bb) = s2sad.batched_vjp(builds_a_dict, (w, b), np.array([1.0, -2.0]))
    np.testing.assert_allclose(bw, [gw, -2 * gw], rtol=1e-14)


def sin_squared(x):
    return np.sum(np.sin(x) ** 2)


def test_a_primitive_and_a_derivative_s2sad_made():
    """np.sin (a rule, no source) batches; grad(f) (differentiated again) takes one
    pullback (jvp) per row: both against closed forms."""
    x = np.array([0.3, -0.7, 1.1])
    block = RNG.standard_normal((4, 3))
    _, (got,) = s2sad.batched_vjp(np.sin, (x,), block)
    np.testing.assert_allclose(got, block * np.cos(x), rtol=1e-14)
    _, dots = s2sad.batched_jvp(np.sin, (x,), (block,))
    np.testing.assert_allclose(dots, block * np.cos(x), rtol=1e-14)
    hessian = np.diag(2.0 * np.cos(2.0 * x))          # of sum(sin(x)^2)
    y, (got,) = s2sad.batched_vjp(s2sad.grad(sin_squared), (x,), block)
    np.testing.assert_allclose(y, np.sin(2.0 * x), rtol=1e-14)
    np.testing.assert_allclose(got, block @ hessian, rtol=1e-13)
    _, dots = s2sad.batched_jvp(s2sad.grad(sin_squared), (x,), (block,))
    np.testing.assert_allclose(dots, block @ hessian, rtol=1e-13)
