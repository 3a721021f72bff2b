"""``*args`` and ``**kwargs`` (issue 14, item 5): a def with them is differentiated as
the def it is for each call's shape (how many values land in ``*args``, which keywords
in ``**kwargs``), with explicit parameters; ``wrt`` counts the positional arguments as
passed. A helper with them called inside a differentiated function is specialised on
the call site's shape; ``f(*pair)`` and ``f(**opts)`` of a length known before the call
are written out. Every mode is checked against central differences, the modes against
each other (the dot-product test), second order against differences of the gradient."""
import inspect

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad, fd_grads

# --- the catalog: programs in the styles users write them ------------------------------


def net(x, *layers):                       # an MLP, one weight matrix per layer
    for W in layers:
        x = np.tanh(W @ x)
    return np.sum(x ** 2)


def loss(w, *data):                        # a loss over the data passed after the params
    x, y = data
    pred = w[0] * x + w[1] * np.sin(x)
    return np.mean((pred - y) ** 2)


def combine(*terms):
    return sum(t * t for t in terms)


def uses_combine(a, b, c):                 # a helper called with two shapes
    return combine(a, np.sin(b), a * c) + combine(b, c) * a


def model(x, **hyper):
    return hyper["lr"] * np.sum(x ** 2) + hyper.get("decay", 0.1) * np.sum(np.sin(x))


def product(u, v):
    return u * v + u ** 2


def pair_caller(a, b):                     # f(*pair), pair a tuple display
    pair = (a, np.cos(b))
    return product(*pair) + product(*(b, a))


def affine(x, scale=1.0, shift=0.0):
    return scale * x + shift * x * x


def opts_caller(x, s):                     # helper(**opts), opts a dict display
    opts = {"scale": s, "shift": np.sin(s)}
    return np.sum(affine(x, **opts)) + np.sum(affine(x, **{"scale": x}))


def scaled(x, **kw):
    return x * kw["scale"] + kw.get("shift", 0.0)


def kw_caller(x, s):                       # a helper with **kwargs, two keyword shapes
    return np.sum(scaled(x, scale=s) * scaled(x, scale=x, shift=s))


def passthrough(*args):                    # *args passed on as it came
    return combine(*args) * args[0]


def mixed(a, *rest, scale=2.0, **extra):
    total = 0.0
    for r in rest:
        total = total + r * a
    return scale * total + extra.get("bias", 0.0) * a * a


RNG = np.random.default_rng(14)
X3 = np.array([0.3, -0.5, 0.8])
CATALOG = {
    "net": (net, (X3, 0.5 * RNG.standard_normal((4, 3)), 0.5 * RNG.standard_normal((2, 4))), {}),
    "net one layer": (net, (X3, 0.5 * RNG.standard_normal((2, 3))), {}),
    "loss": (loss, (np.array([0.7, -0.2]), np.linspace(-1.0, 1.0, 5), np.linspace(0.0, 1.0, 5)),
             {}),
    "combine": (uses_combine, (0.7, -1.3, 0.4), {}),
    "model": (model, (X3,), {"lr": 0.3}),
    "model with decay": (model, (X3,), {"decay": 0.7, "lr": 0.3}),
    "f(*pair)": (pair_caller, (0.7, 1.1), {}),
    "helper(**opts)": (opts_caller, (X3, 0.6), {}),
    "helper(**kw)": (kw_caller, (X3, 0.6), {}),
    "passthrough": (passthrough, (0.7, -1.3, 0.4), {}),
    "mixed": (mixed, (0.7, 1.5, -0.5), {"scale": 3.0, "bias": 0.25}),
    "mixed alone": (mixed, (0.7,), {}),
}
IDS = list(CATALOG)


def _at(f, kwargs):
    return lambda *a: f(*a, **kwargs)


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _unchanged(args, before):
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def _close(actual, expected, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(np.asarray(actual, dtype=float),
                               np.asarray(expected, dtype=float), rtol=rtol, atol=atol)


def _random_like(a, rng):
    return rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())


def _dot(a, b):
    return sum(float(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(a, b))


@pytest.mark.parametrize("name", IDS)
def test_grad_each_wrt_and_all_against_differences(name):
    f, args, kwargs = CATALOG[name]
    before = _copies(args)
    expected = fd_grads(_at(f, kwargs), args, range(len(args)))
    for i in range(len(args)):
        _close(s2sad.grad(f, wrt=i)(*args, **kwargs), expected[i])
    every = tuple(range(len(args)))
    for got, want in zip(s2sad.grad(f, wrt=every)(*args, **kwargs), expected):
        _close(got, want)
    value, grads = s2sad.value_and_grad(f, wrt=every)(*args, **kwargs)
    assert value == pytest.approx(f(*args, **kwargs))
    for got, want in zip(grads, expected):
        _close(got, want)
    _unchanged(args, before)


@pytest.mark.parametrize("name", IDS)
def test_vjp_and_jvp_against_differences_and_each_other(name):
    f, args, kwargs = CATALOG[name]
    before = _copies(args)
    rng = np.random.default_rng(5)
    expected = fd_grads(_at(f, kwargs), args, range(len(args)))
    y, pullback = s2sad.vjp(f, *args, **kwargs)
    assert y == pytest.approx(f(*args, **kwargs))
    w = float(rng.standard_normal())
    cotangents = pullback(w)
    for got, want in zip(cotangents, expected):
        _close(got, w * np.asarray(want))
    if kwargs:                               # jvp takes the primals by position
        return
    tangents = tuple(_random_like(a, rng) for a in args)
    y2, ydot = s2sad.jvp(f, args, tangents)
    assert y2 == pytest.approx(y)
    assert float(ydot) == pytest.approx(_dot(expected, tangents), rel=1e-5, abs=1e-7)
    # <J v, w> == <v, J^T w>
    assert float(ydot) * w == pytest.approx(_dot(tangents, cotangents), rel=1e-9, abs=1e-12)
    _unchanged(args, before)


@pytest.mark.parametrize("name", [n for n in IDS if not CATALOG[n][2]])
def test_hvp_and_hessian_against_differences_of_the_gradient(name):
    f, args, _ = CATALOG[name]
    before = _copies(args)
    rng = np.random.default_rng(9)
    for i in range(len(args)):
        v = _random_like(args[i], rng)
        h = 1e-5
        plus = args[:i] + (args[i] + h * v,) + args[i + 1:]
        minus = args[:i] + (args[i] - h * v,) + args[i + 1:]
        grad = s2sad.grad(f, wrt=i)
        expected = (np.asarray(grad(*plus)) - np.asarray(grad(*minus))) / (2 * h)
        _close(s2sad.hvp(f, wrt=i)(*args, v), expected, rtol=1e-4, atol=1e-6)
        hess = np.asarray(s2sad.hessian(f, wrt=i)(*args))
        n = int(np.size(args[i]))
        _close(hess.reshape(n, n) @ np.ravel(v), np.ravel(expected), rtol=1e-4, atol=1e-6)
    _unchanged(args, before)


@pytest.mark.parametrize("name", [n for n in IDS if CATALOG[n][2]])
def test_second_order_with_keywords_against_differences(name):
    f, args, kwargs = CATALOG[name]
    x = args[0]
    hess = np.atleast_2d(s2sad.jacobian(s2sad.grad(f))(*args, **kwargs))
    grad = s2sad.grad(f)
    for j in range(np.size(x)):
        e = np.zeros(np.shape(x))
        e.flat[j] = 1e-5
        column = (np.asarray(grad(x + e, *args[1:], **kwargs))
                  - np.asarray(grad(x - e, *args[1:], **kwargs))) / 2e-5
        _close(np.reshape(hess, (np.size(x), -1))[:, j], np.ravel(column), rtol=1e-4, atol=1e-6)


def test_grad_of_grad_of_a_scalar_star_function():
    def g(*args):
        return args[0] ** 3 * args[1]
    assert s2sad.grad(s2sad.grad(g))(2.0, 3.0) == pytest.approx(6 * 2.0 * 3.0)
    assert s2sad.grad(s2sad.grad(g), wrt=1)(2.0, 3.0) == pytest.approx(3 * 2.0 ** 2)


def test_wrt_counts_the_values_as_passed_and_names_a_keyword_of_kwargs():
    x, W1, W2 = CATALOG["net"][1]
    g1, g2 = s2sad.grad(net, wrt=(1, 2))(x, W1, W2)
    _close(g1, fd_grad(net, (x, W1, W2), 1))
    _close(g2, fd_grad(net, (x, W1, W2), 2))
    got = s2sad.grad(model, wrt="lr")(X3, lr=0.3)
    assert got == pytest.approx(fd_grad(lambda lr: model(X3, lr=lr), (0.3,), 0), rel=1e-6)
    gx, glr = s2sad.grad(model, wrt=(0, "lr"))(X3, lr=0.3, decay=0.2)
    assert glr == pytest.approx(np.sum(X3 ** 2))
    _close(gx, 2 * 0.3 * X3 + 0.2 * np.cos(X3))
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(net, wrt=3)(x, W1, W2)
    assert info.value.code == "bad-wrt"


def test_float32_layers_keep_their_dtype():
    x, W1, W2 = (a.astype(np.float32) for a in CATALOG["net"][1])
    g = s2sad.grad(net, wrt=(1, 2))(x, W1, W2)
    assert all(gi.dtype == np.float32 for gi in g)
    _close(g[0], fd_grad(net, tuple(a.astype(float) for a in (x, W1, W2)), 1),
           rtol=1e-3, atol=1e-4)


def test_the_decorator_and_a_differentiated_def_of_each_shape():
    wrapped = s2sad.differentiate(net)
    x, W1, W2 = CATALOG["net"][1]
    _close(wrapped.grad(x, W1, W2), fd_grad(net, (x, W1, W2), 0))
    _close(wrapped.grad(x, W1), fd_grad(net, (x, W1), 0))   # another shape, its own code


def test_source_shows_the_explicit_parameters():
    x, W1, W2 = CATALOG["net"][1]
    text = s2sad.source(net, wrt=(1, 2), args=(x, W1, W2))
    assert "def net_grad(x, layers_0, layers_1):" in text
    assert "layers = (layers_0, layers_1)" in text
    text = s2sad.source(model, args=(X3,), kwargs={"lr": 0.3})
    assert "def model_grad(x, *, hyper_lr):" in text
    text = s2sad.source(pair_caller, wrt=(0, 1))
    assert "*" not in text.split("\n")[0]
    forward = s2sad.source(net, mode="forward", args=(x, W1))
    assert "def net_jvp(x, layers_0, *, d_x, d_layers_0):" in forward
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.source(net)
    assert info.value.code == "bad-arguments" and "args=" in str(info.value)


def test_a_call_that_does_not_bind_is_a_usage_error():
    def two(a, b, *rest):
        return a * b
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(two)(1.0)
    assert info.value.code == "bad-arguments"


def test_a_star_tuple_reassigned_inside_is_ordinary_tuple_code():
    def grows(*args):
        args = args + (args[0] * args[1],)
        return args[2] * args[0]
    got = s2sad.grad(grows, wrt=(0, 1))(2.0, 3.0)
    assert got == pytest.approx((2 * 2.0 * 3.0, 2.0 ** 2))


# --- what stays refused: located, with a rewrite that works ---------------------------


def splat_parameter(a, pair):
    return product(*pair) * a                 # refused


def splat_parameter_rewritten(a, pair):
    return product(pair[0], pair[1]) * a


def splat_dict_parameter(a, opts):
    return np.sum(affine(a, **opts))          # refused


def splat_dict_parameter_rewritten(a, opts):
    return np.sum(affine(a, scale=opts["scale"]))


def splat_grown_list(a, b):
    xs = [a, b]
    xs.append(a)
    return combine(*xs)                       # refused


def splat_grown_list_rewritten(a, b):
    xs = (a, b, a)
    return combine(*xs)


REFUSED = [
    (splat_parameter, splat_parameter_rewritten, (0.7, (0.5, 1.5)), "unsupported-syntax"),
    (splat_dict_parameter, splat_dict_parameter_rewritten, (X3, {"scale": 0.5}), "no-rule"),
    (splat_grown_list, splat_grown_list_rewritten, (0.7, 1.5), "unsupported-syntax"),
]


def _marked_line(f):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, t in enumerate(lines) if "# refused" in t)


@pytest.mark.parametrize("bad, good, args, code", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_refusals_are_located_and_the_rewrite_differentiates(bad, good, args, code):
    line = _marked_line(bad)
    for route in (lambda: s2sad.grad(bad)(*args), lambda: s2sad.vjp(bad, *args, wrt=0),
                  lambda: s2sad.jvp(bad, args, (1.0 if np.ndim(args[0]) == 0
                                                else np.ones(3),), wrt=0)):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        found = info.value.violations[0]
        assert found.code == code and found.lineno == line, str(info.value)
        assert found.suggestion
    _close(s2sad.grad(good)(*args), fd_grad(_at(good, {}), args, 0))


class Layers:
    def apply(self, x, *ws):
        return sum(w * np.sin(x) for w in ws)


LAYERS = Layers()


def calls_a_method(x):
    return LAYERS.apply(x, x, 2.0) * x


def scaled_total(s, x, *ws):
    return s * sum(w * x * x for w in ws)


def test_methods_partials_and_check_grad():
    got = s2sad.grad(LAYERS.apply, wrt=(0, 1, 2))(0.7, 1.5, -0.5)
    for i, g in enumerate(got):
        assert g == pytest.approx(fd_grad(LAYERS.apply, (0.7, 1.5, -0.5), i), rel=1e-6)
    assert s2sad.grad(calls_a_method)(0.7) == pytest.approx(
        fd_grad(calls_a_method, (0.7,), 0), rel=1e-6)
    bound = __import__("functools").partial(scaled_total, 2.0)
    assert s2sad.grad(bound, wrt=2)(0.7, 1.5, -0.5) == pytest.approx(2.0 * 0.7 ** 2)
    report = s2sad.check_grad(scaled_total, 2.0, 0.7, 1.5, -0.5)
    assert [a.name for a in report.arguments] == ["s", "x", "ws_0", "ws_1"]


CHECKPOINTED = s2sad.checkpoint(combine)


def calls_a_checkpointed_star_helper(a, b):
    return CHECKPOINTED(a, b * a) * b


def test_a_checkpointed_star_helper_and_a_star_lambda():
    f = calls_a_checkpointed_star_helper
    for i in (0, 1):
        assert s2sad.grad(f, wrt=i)(0.7, 1.3) == pytest.approx(fd_grad(f, (0.7, 1.3), i),
                                                               rel=1e-6)
    primal, adjoint = s2sad.source(f, wrt=(0, 1)).split("# adjoint sweep")
    assert "CHECKPOINTED(a, v1)" in primal and "back_" not in primal   # run, not taped
    assert "combine_vjp(a, v1)" in adjoint                             # recomputed there
    star_lambda = lambda *a: a[0] * a[1] ** 2                    # noqa: E731
    assert s2sad.grad(star_lambda, wrt=1)(0.5, 2.0) == pytest.approx(2.0)


def test_a_call_with_fewer_or_more_values_reuses_nothing_it_should_not():
    grad = s2sad.grad(combine, wrt=0)
    assert grad(2.0) == pytest.approx(4.0)
    assert grad(2.0, 3.0, 4.0) == pytest.approx(4.0)
    assert s2sad.grad(combine, wrt=2)(2.0, 3.0, 4.0) == pytest.approx(8.0)


def first_times_second(*xs):
    return xs[0] * xs[1]


def first_plus_square(*xs):
    return xs[0] + xs[1] ** 2


STAR_HELPER = first_times_second


def calls_a_global_star_helper(a, b):
    return STAR_HELPER(a, b)


def test_a_star_helper_rebound_is_differentiated_anew():
    global STAR_HELPER
    f = calls_a_global_star_helper
    grad = s2sad.grad(f, wrt=(0, 1))
    try:
        assert grad(2.0, 3.0) == pytest.approx((3.0, 2.0))
        STAR_HELPER = first_plus_square
        assert grad(2.0, 3.0) == pytest.approx((1.0, 6.0))
        hess = s2sad.hessian(f, wrt=(0, 1))(2.0, 3.0)
        assert np.allclose(np.array(hess, dtype=float), [[0.0, 0.0], [0.0, 2.0]])
    finally:
        STAR_HELPER = first_times_second


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_standalone_module_carries_the_specialised_helpers(mode):
    args = (X3, 0.6)
    text = s2sad.source(kw_caller, mode=mode, wrt=(0, 1), args=args, standalone=True,
                        module=__name__)
    scope = {}
    exec(compile(text, "standalone", "exec"), scope)
    expected = fd_grads(kw_caller, args, (0, 1))
    if mode == "reverse":
        got = scope["kw_caller_grad"](*args)
        for g, e in zip(got, expected):
            _close(g, e)
    else:
        v = (np.array([0.2, -0.1, 0.4]), 0.3)
        _, ydot = scope["kw_caller_jvp"](*args, d_x=v[0], d_s=v[1])
        assert float(ydot) == pytest.approx(_dot(expected, v), rel=1e-5)


def test_trace_and_batched_jvp_specialise_too():
    table = s2sad.trace(uses_combine, 0.7, -1.3, 0.4)
    assert table is not None
    x, W1 = CATALOG["net one layer"][1]
    k = 2
    tangents = (np.stack([np.ones(3), np.zeros(3)]), np.stack([np.zeros((2, 3))] * k))
    _, ydots = s2sad.batched_jvp(net, (x, W1), tangents)
    assert float(ydots[0]) == pytest.approx(float(np.sum(fd_grad(net, (x, W1), 0))), rel=1e-5)
    assert float(ydots[1]) == pytest.approx(0.0, abs=1e-12)


def nested_star(x, c):
    def inner(*a, **kw):
        return a[0] * a[1] * c + kw.get("shift", 0.0) * a[0]
    return inner(x, x) + inner(x, np.sin(x), shift=c)


def star_activation(*z):
    return np.tanh(z[0]) * z[-1]


def kw_activation(x, **kw):
    return x * kw["s"]


def calls_a_value(w, act, act2):
    return act(w * 2.0, w) + act2(w, s=w * w)


GRAD_OF_COMBINE = s2sad.grad(combine, wrt=1)


def calls_a_star_gradient(a, b):
    return GRAD_OF_COMBINE(a, b) * a


def test_nested_defs_function_values_and_a_star_gradient_inside():
    for i in (0, 1):
        got = s2sad.grad(nested_star, wrt=i)(0.7, 2.0)
        assert got == pytest.approx(fd_grad(nested_star, (0.7, 2.0), i), rel=1e-6)
    hess = s2sad.hessian(nested_star)(0.7, 2.0)
    assert hess == pytest.approx(fd_grad(lambda x: s2sad.grad(nested_star)(x, 2.0), (0.7,), 0),
                                 rel=1e-5)
    f = _at(calls_a_value, {})
    args = (0.5, star_activation, kw_activation)
    want = fd_grad(lambda w: calls_a_value(w, *args[1:]), (0.5,), 0)
    assert s2sad.grad(calls_a_value)(*args) == pytest.approx(want, rel=1e-6)
    assert float(s2sad.jvp(calls_a_value, args, (1.0,), wrt=0)[1]) == pytest.approx(want,
                                                                                   rel=1e-6)
    assert f(*args) == pytest.approx(calls_a_value(*args))
    for i in (0, 1):                          # 2 a^2 b: the gradient, differentiated again
        got = s2sad.grad(calls_a_star_gradient, wrt=i)(2.0, 3.0)
        assert got == pytest.approx(fd_grad(calls_a_star_gradient, (2.0, 3.0), i), rel=1e-6)


def _make_scaled(k):
    def scaled_by(x, *more, **kw):          # a closure: not inlined, its pullback tangent
        return x * kw["s"] * k + sum(m * x for m in more)
    return scaled_by


SCALED_BY = _make_scaled(2.0)


def calls_a_closure_star_helper(x, y):
    return SCALED_BY(x, y, s=x * y) * x


def test_second_order_through_a_star_helper_that_is_not_inlined():
    f = calls_a_closure_star_helper
    args = (0.7, -0.4)
    hess = s2sad.hessian(f, wrt=(0, 1))(*args)
    for i in (0, 1):
        column = fd_grads(lambda *a: s2sad.grad(f, wrt=i)(*a), args, (0, 1))
        for j in (0, 1):
            assert hess[i][j] == pytest.approx(column[j], rel=1e-5, abs=1e-8)


def unzips_a_display(a, b):
    return np.sum(np.stack(list(zip(*[(a, b), (a * b, b)]))[1]))


def test_zip_of_a_splatted_display_stays_the_lowered_unzip():
    a, b = np.array([2.0, -1.0]), np.array([3.0, 0.5])
    got = s2sad.grad(unzips_a_display, wrt=(0, 1))(a, b)
    for i in (0, 1):
        _close(got[i], fd_grad(unzips_a_display, (a, b), i))
