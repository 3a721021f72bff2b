"""Issue 12, the rest: in-place updates of memory the function does not own (globals,
closure cells, attributes, their views and items, helpers), residuals of split mode
that a later update would change, the plain adjoint of ``x ** c``, user names in
messages, pullbacks whose cotangent is the seed itself, helpers returning functions,
a rules file imported twice. Oracles: central differences, the primal's own effect on
its arguments and globals, the other mode (<J v, w> == <v, J^T w>), closed forms."""
import dataclasses
import functools
import inspect

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

X = np.array([0.3, -0.4, 0.8])
V = np.array([0.7, -1.3, 0.4])
G = np.array([0.5, -1.0, 1.5])
G2 = np.array([[0.5, -1.0, 1.5], [1.0, 2.0, 3.0]])
ARRAYS = [np.array([1.0, 2.0, 3.0])]


class _Holder:
    pass


OBJ = _Holder()
OBJ.w = np.array([1.0, 2.0, 3.0])


@dataclasses.dataclass
class Params:
    w: np.ndarray


def _routes(f, args):
    """grad, value_and_grad, jvp and vjp of ``f`` at fresh copies of ``args``."""
    fresh = lambda: tuple(np.copy(a) for a in args)          # noqa: E731
    return (lambda: s2sad.grad(f)(*fresh()),
            lambda: s2sad.value_and_grad(f)(*fresh()),
            lambda: s2sad.jvp(f, fresh(), tuple(np.ones_like(a) for a in args)),
            lambda: s2sad.vjp(f, *fresh()))


def assert_refused(f, code, args=(X,), at=None):
    """Every route refuses ``f`` with ``code`` at the line marked ``# refused`` (in
    ``at``, the helper that does it, if given), and the globals end as they began."""
    lines, first = inspect.getsourcelines(at or f)
    line = first + next(i for i, text in enumerate(lines) if "# refused" in text)
    before = [G.copy(), G2.copy(), ARRAYS[0].copy(), OBJ.w.copy()]
    for route in _routes(f, args):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        assert code in info.value.codes, str(info.value)
        found = [v for v in info.value.violations if v.code == code]
        assert found[0].filename == __file__ and found[0].lineno == line, str(info.value)
    for old, now in zip(before, [G, G2, ARRAYS[0], OBJ.w]):
        np.testing.assert_array_equal(old, now)
    return found[0]


# --- item 1: memory the function does not own -----------------------------------------

def global_item(x, s):
    G[0] = s  # refused
    return np.sum(G * x)


def global_slice(x):
    G[:] = x  # refused
    return np.sum(G * x)


def global_augmented_through_copy(x):
    y1 = G
    y1 += x  # refused
    return np.sum(y1 * x)


def global_view_method(x):
    v = G.reshape(3)
    v[0] = x[1]  # refused
    return np.sum(x * v)


def global_slice_view(x):
    v = G[0:2]
    v *= 2.0  # refused
    return np.sum(x)


def global_row(x):
    row = G2[0]
    row += x  # refused
    return np.sum(row * x)


def global_container_item(x):
    a = ARRAYS[0]
    a *= 2.0  # refused
    return np.sum(a * x)


def global_in_tuple(x):
    keep = (G, 1.0)
    y = keep[0]
    y[2] = x[1]  # refused
    return np.sum(y * x)


def attribute_array(x):
    w = OBJ.w
    w[0] = x[0]  # refused
    return np.sum(w * x)


def _writes_global(a):
    G[1] = a  # refused
    return a * 2.0


def calls_helper_writing_global(x):
    t = _writes_global(x[0])
    return t * x[1]


def _make_closure_writer():
    cell = np.array([1.0, 2.0, 3.0])

    def writes_cell(x):
        cell[0] = 2.0  # refused
        return np.sum(cell * x)
    return writes_cell


@pytest.mark.parametrize("f", [global_item, global_slice, global_augmented_through_copy,
                               global_view_method, global_slice_view, global_row,
                               global_container_item, global_in_tuple, attribute_array,
                               calls_helper_writing_global, _make_closure_writer()],
                         ids=lambda f: f.__name__)
def test_update_of_memory_the_function_does_not_own_is_refused(f):
    args = (X, 2.0) if f is global_item else (X,)
    at = _writes_global if f is calls_helper_writing_global else None
    found = assert_refused(f, "in-place-global", args, at)
    assert "does not own" in found.message and "np.copy(" in found.suggestion
    assert "<function" not in found.suggestion and "_1" not in found.message


def attribute_of_argument(x, p):
    w = p.w
    w[0] = 2.0  # refused
    return np.sum(w * x)


def default_argument(x, d=np.array([1.0, 2.0, 3.0])):
    d += 1.0  # refused
    return np.sum(d * x)


def test_update_of_an_arguments_attribute_or_default_is_refused():
    found = assert_refused(attribute_of_argument, "in-place-input", (X, Params(np.ones(3))))
    assert "'p'" in found.message
    for route in (lambda: s2sad.grad(default_argument)(X.copy()),
                  lambda: s2sad.vjp(default_argument, X.copy())):
        with pytest.raises(s2sad.CompileError) as info:       # jvp: d is a wrt argument
            route()
        assert info.value.codes == ("in-place-input",)


def reads_global_number_item(x):
    a = G[0]
    a += 1.0                      # a number: G is not changed
    return a * x[0] + np.sum(G * x)


def works_on_a_copy_of_a_global(x):
    w = np.array(G)
    w[0] = x[1]
    v = OBJ.w.copy()
    v += x
    return np.sum(w * x) + np.sum(v * v)


@pytest.mark.parametrize("f", [reads_global_number_item, works_on_a_copy_of_a_global])
def test_reading_globals_and_updating_copies_still_differentiates(f):
    before = (G.copy(), OBJ.w.copy())
    expected = fd_grad(lambda a: f(a.copy()), (X.copy(),), 0)
    np.testing.assert_allclose(s2sad.grad(f)(X.copy()), expected, rtol=1e-6, atol=1e-8)
    y, dy = s2sad.jvp(f, (X.copy(),), (V,))
    np.testing.assert_allclose(dy, expected @ V, rtol=1e-6, atol=1e-8)
    _, back = s2sad.vjp(f, X.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(G, before[0])
    np.testing.assert_array_equal(OBJ.w, before[1])


# --- item 4: names in messages are the user's ------------------------------------------

def _step(v, a):
    v += a
    return v


def ssa_copy_augmented(x):
    y1 = x * 2.0
    y1 = y1 + 1.0
    z = y1
    z += 1.0  # refused
    return np.sum(z * y1)


def ssa_view_updated(x):
    y1 = x * 2.0
    y1 = y1 + 1.0
    z = y1[0:2]
    y1[0] = 3.0  # refused
    return np.sum(z) * x[0]


def ssa_helper_argument(x):
    v0 = x * 2.0
    v0 = v0 * x
    v1 = _step(v0, x)  # refused
    return np.sum(v1 * v0)


def ssa_argument_view(x):
    y = x
    y = y[0:2]
    y[0] = 1.0  # refused
    return np.sum(y)


@pytest.mark.parametrize("f, code, name", [
    (ssa_copy_augmented, "in-place-alias", "y1"),
    (ssa_view_updated, "in-place-alias", "y1"),
    (ssa_helper_argument, "in-place-input", "v0"),
    (ssa_argument_view, "in-place-input", "y"),
])
def test_messages_name_what_the_user_wrote(f, code, name):
    found = assert_refused(f, code)
    assert f"'{name}'" in found.message
    assert f"'{name}_1'" not in found.message and "_1" not in found.suggestion


def fills_from_a_temporary(x):
    y = np.zeros(3)
    y.fill(x[0])  # refused
    return np.sum(y * x)


def test_a_side_effect_message_names_no_temporary():
    found = assert_refused(fills_from_a_temporary, "unsupported-syntax")
    assert "v1" not in found.message


# --- item 3: the adjoint of x ** c for a nonzero constant c reads as written -------------

def square_sum(x):
    return np.sum(x ** 2)


def cube_sum(x):
    return np.sum(x ** 3)


def power_float(x):
    return np.sum(np.power(x, 2.0) * x ** 0.5)


def power_one(x):
    return np.sum(x ** 1)


def power_zero(x):
    return np.sum(x ** 0 * x)


def power_variable(x, y):
    return np.sum(x ** y)


@pytest.mark.parametrize("f, plain, forward", [
    (square_sum, "(2 * x)", "2 * x * d_x"),
    (cube_sum, "(3 * x ** 2)", "3 * x ** 2 * d_x"),
])
def test_constant_power_adjoint_is_plain(f, plain, forward):
    assert plain in s2sad.source(f) and "pow_dx" not in s2sad.source(f)
    assert forward in s2sad.source(f, mode="forward")
    assert "pow_dx" not in s2sad.source(power_float) + s2sad.source(power_one)
    assert "pow_dx" in s2sad.source(power_zero) and "pow_dx" in s2sad.source(power_variable)


@pytest.mark.parametrize("f", [square_sum, cube_sum, power_float, power_one, power_zero])
def test_constant_power_derivatives_match_differences(f):
    x = np.array([0.7, 1.3, 2.1])
    expected = fd_grad(f, (x,), 0)
    np.testing.assert_allclose(s2sad.grad(f)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(s2sad.jvp(f, (x,), (V,))[1], expected @ V, rtol=1e-6)


def scalar_square(x):
    return x ** 2


def scalar_first_power(x):
    return x ** 1


def scalar_zeroth_power(x):
    return x ** 0


@pytest.mark.parametrize("f, exact", [(scalar_square, 2.0), (scalar_first_power, 0.0),
                                      (scalar_zeroth_power, 0.0)])
def test_hessian_of_a_constant_power_at_zero_is_exact(f, exact):
    assert s2sad.hessian(f)(0.0) == exact
    assert s2sad.hessian(f)(np.float64(0.0)) == exact
    assert np.all(s2sad.hessian(lambda_free_sum(f))(np.zeros(2)) == exact * np.eye(2))


def lambda_free_sum(f):
    return {scalar_square: square_sum, scalar_first_power: power_one,
            scalar_zeroth_power: power_zero_only}[f]


def power_zero_only(x):
    return np.sum(x ** 0)


# --- item 5: a derivative that is the seed itself is returned as a fresh array ----------

def adds_zero(x):
    y = x + 0.0
    return y


def identity(x):
    return x


def times_one(x):
    return x * 1.0


@pytest.mark.parametrize("f", [adds_zero, identity, times_one])
def test_pullback_and_jvp_results_do_not_share_the_seed(f):
    x = np.array([1.0, 2.0])
    _, back = s2sad.vjp(f, x.copy())
    seed = np.array([3.0, 4.0])
    (first,) = back(seed)
    first[0] = 100.0                         # the caller's own array now
    np.testing.assert_array_equal(seed, [3.0, 4.0])
    (second,) = back(seed)                   # the pullback, called again, is unchanged
    np.testing.assert_array_equal(second, [3.0, 4.0])
    tangent = np.array([0.5, -0.5])
    _, dy = s2sad.jvp(f, (x.copy(),), (tangent,))
    dy[1] = 7.0
    np.testing.assert_array_equal(tangent, [0.5, -0.5])


# --- item 2: split mode saves no residual that a later update changes ------------------

def held_by_tuple(x):
    y = x.copy()
    keep = (y, 1.0)
    s2 = np.sum(keep[0] * x)
    y[0] = 5.0
    return s2 + np.sum(y * x)


def copied_name(x):
    y = x * 2.0
    z = y
    s2 = np.sum(z * x)
    y[1] = 5.0
    return s2 + np.sum(y * x)


def transposed(x):
    y = x * 2.0
    v = y.T
    s2 = np.sum(v * x)
    y[1] = 5.0
    return s2 + np.sum(y * x)


def reshaped(x):
    y = x * 2.0
    v = y.reshape(3)
    s2 = np.sum(np.sin(v) * x)
    y[2] = x[0]
    return s2 + np.sum(y * x)


def unpacked_list(x):
    y = x * 2.0
    keep = [y, x]
    a, b = keep
    s2 = np.sum(a * b)
    y[0] = 5.0
    return s2 + np.sum(y * x)


def nested_tuple(x):
    y = x * 2.0
    keep = ((y, 1.0), 2.0)
    inner = keep[0]
    v = inner[0]
    s2 = np.sum(v * x)
    y[0] = 5.0
    return s2 + np.sum(y * x)


@pytest.mark.parametrize("f", [held_by_tuple, copied_name, transposed, reshaped,
                               unpacked_list, nested_tuple])
def test_split_mode_reads_the_values_the_primal_read(f):
    value = f(X.copy())
    expected = fd_grad(lambda a: f(a.copy()), (X.copy(),), 0)
    mine = X.copy()
    np.testing.assert_allclose(s2sad.grad(f)(mine), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(mine, X)
    y, back = s2sad.vjp(f, mine)
    np.testing.assert_allclose(y, value, rtol=1e-12)
    for _ in range(2):                                   # the pullback is pure
        np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(mine, X)
    y, dy = s2sad.jvp(f, (mine,), (V,))
    np.testing.assert_allclose([y, dy], [value, expected @ V], rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(mine, X)


# --- item 7: rules registered by a file that is imported (again) -------------------------

RULES_FILE = '''
import numpy as np
import s2sad

def doubled(x):
    return 2.0 * x

def helper_jvp(d, ans, x):          # named as s2sad would name helper's derivative
    return 2.0 * d

def helper_vjp(g, ans, x):
    return 2.0 * g

s2sad.defjvp(doubled, helper_jvp)
s2sad.defvjp(doubled, helper_vjp)

def helper(x):
    return np.sin(x) * 3.0

def f(x):
    return np.sum(doubled(x) * helper(x))
'''


def _load(path, name):
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_a_rule_named_like_a_derivative_link_and_a_file_imported_twice(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "rules_twice.py"
    path.write_text(RULES_FILE)
    x = np.array([0.4, 1.1])
    expected = 6.0 * (np.sin(x) + x * np.cos(x))          # d/dx sum(2x * 3 sin x)
    loaded = []
    for _ in range(2):
        module = _load(path, "i12_tail_rules_twice")
        loaded.append(module)
        np.testing.assert_allclose(s2sad.grad(module.f)(x), expected, rtol=1e-12)
        np.testing.assert_allclose(s2sad.jvp(module.f, (x,), (V[:2],))[1], expected @ V[:2],
                                   rtol=1e-12)
        (cotangent,) = s2sad.vjp(module.f, x)[1](1.0)
        np.testing.assert_allclose(cotangent, expected, rtol=1e-12)
    result = subprocess.run([sys.executable, "-m", "s2sad", "check", f"{path}:f", "--at",
                             "[0.4, 1.1]"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "PASS" in result.stdout, result.stderr
    sys.modules.pop("i12_tail_rules_twice")
    for module in loaded:
        s2sad.custom.forget(module.doubled)


# --- item 6: a helper returning a tuple that holds a function ---------------------------

def _unflatten_global(v):
    return v.reshape(2, 2)


def _flat_global(x):
    return np.ravel(x), _unflatten_global


def _flat_nested(x):
    def unflatten(v):
        return v.reshape(2, 2)
    return np.ravel(x), unflatten


def _flat_partial(x):
    return np.ravel(x), functools.partial(np.reshape, shape=(2, 2))


def ignores_unflatten_global(x):
    v, _ = _flat_global(x)
    return np.sum(v * v * x[0, 1])


def ignores_unflatten_nested(x):
    v, _ = _flat_nested(x)
    return np.sum(np.sin(v))


def ignores_unflatten_partial(x):
    v, _ = _flat_partial(x)
    return np.sum(v ** 3)


def indexes_the_pair(x):
    t = _flat_nested(x)
    return np.sum(t[0] ** 2)


@pytest.mark.parametrize("f", [ignores_unflatten_global, ignores_unflatten_nested,
                               ignores_unflatten_partial, indexes_the_pair])
def test_a_returned_function_has_no_derivative_and_breaks_nothing(f):
    x = np.array([[1.0, 2.0], [3.0, -0.5]])
    tangent = np.array([[0.3, -0.2], [0.1, 0.7]])
    expected = fd_grad(f, (x,), 0)
    np.testing.assert_allclose(s2sad.grad(f)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(s2sad.value_and_grad(f)(x)[1], expected, rtol=1e-6)
    np.testing.assert_allclose(s2sad.jvp(f, (x,), (tangent,))[1], np.sum(expected * tangent),
                               rtol=1e-6)
    _, back = s2sad.vjp(f, x)
    for _ in range(2):
        np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6)


def calls_unflatten(x):
    v, unflatten = _flat_global(x)
    m = unflatten(v * 2.0)
    return np.sum(m * x)


def test_calling_a_returned_function_is_differentiated():
    """The function a helper returns is called as a value (its derivative is made for
    the object found when the call runs): 2 sum(x ** 2), gradient 4 x."""
    x = np.array([[1.0, 2.0], [3.0, -0.5]])
    expected = fd_grad(calls_unflatten, (x,), 0)
    np.testing.assert_allclose(expected, 4 * x, rtol=1e-6)
    np.testing.assert_allclose(s2sad.grad(calls_unflatten)(x.copy()), expected, rtol=1e-6)
    y, back = s2sad.vjp(calls_unflatten, x.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6)
    tangent = np.array([[0.3, -0.2], [0.1, 0.7]])
    np.testing.assert_allclose(s2sad.jvp(calls_unflatten, (x.copy(),), (tangent,))[1],
                               np.sum(expected * tangent), rtol=1e-6)
