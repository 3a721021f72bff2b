"""Second derivatives (hvp, hessian: forward over reverse) through checkpointed loops:
marked ``while`` and ``for`` loops, ``grad(f, checkpoint=s)`` differentiated again,
and ``s2sad.checkpoint(g)`` helpers.

The generated gradient of a marked ``while`` loop thins its snapshot lists
(``_s_y = _s_y[::2]``): a slice of a list holds the list's items, it is none of them,
so appending to it changes no item (the analysis once took the slice for an item and
refused the second derivative). Oracles: the unmarked loop's second derivatives (the
same arithmetic: equal bit for bit), central differences of the gradient, closed forms
(Newton's square root: d^2 sqrt(a) / da^2 = -a^(-3/2) / 4). The refusals of in-place
updates in user code stay (a slice of a list still holds the caller's array).
"""
import numpy as np
import pytest

import s2sad
from s2sad.errors import CompileError
from tests.test_i17_checkpoint import rnn_marked, rnn_plain, scalar_marked, scalar_plain
from tests.test_i17_checkpoint import simulate_marked, simulate_plain
from tests.test_i17_checkpoint_call import net, net_plain
from tests.test_i17_checkpoint_option import two_loops
from tests.test_i17_while import bisect, bisect_plain, counted, counted_plain, relax, relax_plain
from tests.test_i17_while import newton_sqrt, newton_sqrt_plain
from tests.fd import fd_grad


def fd_of(grad, x, v, h=1e-6):
    """Central difference of a gradient along v (scalars, arrays, dicts of arrays)."""
    if isinstance(x, dict):
        up = grad({k: x[k] + h * v[k] for k in x})
        down = grad({k: x[k] - h * v[k] for k in x})
        return {k: (up[k] - down[k]) / (2 * h) for k in x}
    return (grad(x + h * v) - grad(x - h * v)) / (2 * h)


@pytest.mark.parametrize("n, s", [(0, 2), (1, 1), (2, 2), (3, 1), (7, 2), (13, 3),
                                  (40, 4), (100, 3), (333, 7)])
def test_marked_while_hvp_and_hessian_equal_the_unmarked_loop(n, s):
    hv = s2sad.hvp(counted, wrt="x")(0.4, n, s, 1.0)
    assert hv == s2sad.hvp(counted_plain, wrt="x")(0.4, n, 1.0)
    assert s2sad.hessian(counted, wrt="x")(0.4, n, s) == hv
    g = s2sad.grad(counted_plain, wrt="x")
    assert hv == pytest.approx(fd_of(lambda x: g(x, n), 0.4, 1.0), rel=1e-6, abs=1e-8)
    assert s2sad.hvp(counted, wrt="x")(0.4, n, s, 2.5) == pytest.approx(2.5 * hv, rel=1e-14)


@pytest.mark.parametrize("a", [2.0, 9.0, 0.01])
@pytest.mark.parametrize("s", [1, 3])
def test_newton_iteration_second_derivative_closed_form(a, s):
    h = s2sad.hessian(newton_sqrt, wrt="a")(a, s)
    assert h == s2sad.hessian(newton_sqrt_plain, wrt="a")(a)
    assert h == pytest.approx(-0.25 * a ** -1.5, rel=1e-8)


def test_bisection_second_derivative():
    # p * (lo + hi) + lo^2 with lo, hi piecewise constant in p: the second derivative is 0
    for p in (0.5, 3.0):
        assert s2sad.hessian(bisect, wrt="p")(p, 2) == s2sad.hessian(bisect_plain, wrt="p")(p)
        assert s2sad.hessian(bisect, wrt="p")(p, 2) == 0.0


@pytest.mark.parametrize("n, s", [(0, 1), (1, 1), (6, 2), (9, 3), (50, 4)])
def test_marked_for_loop_hvp(n, s):
    hv = s2sad.hvp(scalar_marked, wrt="x")(0.4, n, s, 1.0)
    assert hv == s2sad.hvp(scalar_plain, wrt="x")(0.4, n, 1.0)
    g = s2sad.grad(scalar_plain, wrt="x")
    assert hv == pytest.approx(fd_of(lambda x: g(x, n), 0.4, 1.0), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("steps, s", [(5, 1), (9, 2), (12, 3)])
def test_rnn_hvp_through_a_marked_loop_with_a_parameter_dict(steps, s):
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(3, 3)) * 0.5, "U": rng.normal(size=3)}
    v = {"W": rng.normal(size=(3, 3)), "U": rng.normal(size=3)}
    xs = rng.normal(size=steps)
    keep = {k: a.copy() for k, a in params.items()}, xs.copy()
    hv = s2sad.hvp(rnn_marked, wrt="params")(params, xs, s, v)
    ref = s2sad.hvp(rnn_plain, wrt="params")(params, xs, v)
    fd = fd_of(lambda p: s2sad.grad(rnn_plain, wrt="params")(p, xs), params, v)
    for k in params:
        np.testing.assert_array_equal(hv[k], ref[k])
        np.testing.assert_allclose(hv[k], fd[k], rtol=1e-5, atol=1e-7)
    assert all(np.array_equal(params[k], keep[0][k]) for k in params)
    np.testing.assert_array_equal(xs, keep[1])


def test_the_checkpoint_option_differentiated_again():
    # hvp has no checkpoint option: jvp of grad(f, checkpoint=s) is forward over reverse
    for n in (0, 4, 9):
        _, hv = s2sad.jvp(lambda x: s2sad.grad(two_loops, checkpoint=2)(x, n), (0.7,), (1.0,))
        assert hv == s2sad.hvp(two_loops, wrt="x")(0.7, n, 1.0)
        g = s2sad.grad(two_loops)
        assert hv == pytest.approx(fd_of(lambda x: g(x, n), 0.7, 1.0), rel=1e-6, abs=1e-8)


def test_a_checkpointed_helper_differentiated_again():
    rng = np.random.default_rng(7)
    x, w, v = rng.normal(size=4), rng.normal(size=(4, 4)) * 0.6, rng.normal(size=4)
    keep = x.copy(), w.copy()
    hv = s2sad.hvp(net, wrt="x")(x, w, v)
    np.testing.assert_array_equal(hv, s2sad.hvp(net_plain, wrt="x")(x, w, v))
    g = s2sad.grad(net_plain, wrt="x")
    np.testing.assert_allclose(hv, fd_of(lambda a: g(a, w), x, v), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(x, keep[0])
    np.testing.assert_array_equal(w, keep[1])


def test_float32_hvp_through_a_marked_while_loop():
    x = np.float32(0.4)
    hv = s2sad.hvp(counted, wrt="x")(x, 9, 2, np.float32(1.0))
    assert hv == s2sad.hvp(counted_plain, wrt="x")(x, 9, np.float32(1.0))
    assert hv == pytest.approx(s2sad.hvp(counted_plain, wrt="x")(0.4, 9, 1.0), rel=1e-4)


IN_PLACE = [(relax, relax_plain, (0.2, 1e-4), [1, 3, 6]),
            (simulate_marked, simulate_plain, (0.2, 5), [None])]


@pytest.mark.parametrize("f, plain, rest, snapshots", IN_PLACE)
def test_arrays_updated_in_place_in_a_marked_loop(f, plain, rest, snapshots):
    """The steps run untaped take views (``v2 = x[1:]``) under names the taped step
    binds anew (``v2 = np.copy(x[1:])``) before it reads them, or reads only their
    shape (``_rt.shape_of(v2)``): no alias when the gradient is differentiated again."""
    u = np.array([1.0, 0.5, -0.3, 2.0])
    keep = u.copy()
    ref = s2sad.hessian(plain, wrt="u")(u, *rest)
    g = s2sad.grad(plain, wrt="u")
    fd = np.array([fd_of(lambda a: g(a, *rest), u, e) for e in np.eye(4)])
    for s in snapshots:
        extra = () if s is None else (s,)
        h = s2sad.hessian(f, wrt="u")(u, *rest, *extra)
        np.testing.assert_array_equal(h, ref)
        np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-7)
        v = np.array([0.3, -1.0, 2.0, 0.5])
        np.testing.assert_allclose(s2sad.hvp(f, wrt="u")(u, *rest, *extra, v), h @ v,
                                   rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(s2sad.grad(f, wrt="u")(u, *rest, *extra), g(u, *rest))
    np.testing.assert_array_equal(u, keep)


def test_the_untaped_steps_keep_their_views():
    text = s2sad.source(relax, wrt="u", args=(np.ones(4), 0.2, 1e-4, 3))
    untaped = text[text.index("    while s2sad"):text.index("    # line", text.index("x[0] = v14"))]
    assert "v2 = x[1:]" in untaped and "np.copy" not in untaped
    # untaped: the primal sweep, 'advance' and 'taking'; taped: 'step' and 'reversing'
    assert text.count("v2 = x[1:]") == 3 and text.count("v2 = np.copy(x[1:])") == 2


# user code: the refusals stay -------------------------------------------------------

def item_of_a_slice(y):
    held = [y, y * 2.0]
    part = held[:]
    z = part[0]                    # the caller's y
    z[0] = 1.0
    return np.sum(y)


def item_of_a_thinned_list(y):
    held = [y, y * 2.0]
    held = held[::2]
    z = held[0]
    z[0] = 1.0
    return np.sum(z)


@pytest.mark.parametrize("f", [item_of_a_slice, item_of_a_thinned_list])
def test_an_item_of_a_slice_of_a_list_is_still_the_callers_array(f):
    y = np.array([1.0, 2.0])
    for mode in (s2sad.grad, s2sad.hessian):
        with pytest.raises(CompileError) as info:
            mode(f)(y)
        assert "[in-place-input]" in str(info.value)
    np.testing.assert_array_equal(y, [1.0, 2.0])


def same_view_name_in_two_loops(x, n):
    x = x.copy()
    for i in range(n):
        v = x[1:]
        x[1:] = v * 0.5
    for j in range(n):
        v = x[:2] * 1.0             # bound anew before each read: not the view above
        x[0] = x[0] + np.sum(v)
    return np.sum(x)


def view_read_before_it_is_bound_anew(x, n):
    x = x.copy()
    for i in range(n):
        v = x[1:]
        x[1:] = v * 0.5
    for j in range(n):
        t = np.sum(v)               # the first step reads the view, after x changed
        v = x[:2] * 1.0
        x[0] = x[0] + np.sum(v) + t
    return np.sum(x)


def view_rebound_in_a_loop_that_may_not_run(x, r):
    x = x.copy()
    v = x[1:]
    w = v + 1.0
    for j in range(r):
        v = x * 2.0
        w = w * np.sum(v)
    x[1:] = w
    return np.sum(v * x)            # r == 0: the view, after x changed


def test_a_view_name_bound_anew_in_another_loop_is_not_an_alias():
    x = np.array([1.0, 2.0, 0.5])
    for n in (0, 1, 3):
        g = s2sad.grad(same_view_name_in_two_loops, wrt="x")(x, n)
        np.testing.assert_allclose(g, fd_grad(lambda a: same_view_name_in_two_loops(a, n),
                                              (x,), 0), rtol=1e-6, atol=1e-8)
        _, jv = s2sad.jvp(lambda a: same_view_name_in_two_loops(a, n), (x,), (np.ones(3),))
        assert jv == pytest.approx(np.sum(g), rel=1e-12)
    np.testing.assert_array_equal(x, [1.0, 2.0, 0.5])


@pytest.mark.parametrize("f", [view_read_before_it_is_bound_anew,
                               view_rebound_in_a_loop_that_may_not_run])
def test_a_view_that_may_be_read_after_its_array_changed_is_still_refused(f):
    with pytest.raises(CompileError) as info:
        s2sad.grad(f, wrt="x")(np.array([1.0, 2.0, 0.5]), 2)
    assert "[in-place-alias]" in str(info.value) and "'v'" in str(info.value)
