"""Issue 12: in-place updates that other names see (containers, helpers, SSA-like user
names, loops over views, a slot assigned from its own array), and the refusals that
were false. Oracles: central differences and the primal's own effect on its inputs."""
import inspect

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

X = np.array([2.0, 3.0])
V = np.array([0.7, -1.3])


def _primal(f, x):
    mine = x.copy()
    return f(mine), mine


def assert_all_modes_right(f, x=X):
    """grad, jvp and vjp agree with central differences and the primal's value, and
    leave the caller's array as the primal leaves it."""
    value, after = _primal(f, x)
    expected = fd_grad(lambda a: f(a.copy()), (x.copy(),), 0)
    mine = x.copy()
    np.testing.assert_allclose(s2sad.grad(f)(mine), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(mine, after)
    mine = x.copy()
    y, dy = s2sad.jvp(f, (mine,), (V,))
    np.testing.assert_allclose([y, dy], [value, expected @ V], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(mine, after)
    mine = x.copy()
    y, back = s2sad.vjp(f, mine)
    (cotangent,) = back(1.0)
    np.testing.assert_allclose(y, value, rtol=1e-12)
    np.testing.assert_allclose(cotangent, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(mine, after)


def assert_refused(f, code, x=X):
    """Every mode refuses ``f`` with ``code``, located at the line marked ``# refused``
    in the user's file."""
    lines, first = inspect.getsourcelines(f)
    line = first + next(i for i, text in enumerate(lines) if "# refused" in text)
    routes = (lambda: s2sad.grad(f)(x.copy()), lambda: s2sad.jvp(f, (x.copy(),), (V,)),
              lambda: s2sad.vjp(f, x.copy()))
    for route in routes:
        with pytest.raises(s2sad.CompileError) as info:
            route()
        assert code in info.value.codes
        found = [v for v in info.value.violations if v.code == code]
        assert found[0].filename == __file__ and found[0].lineno == line, str(info.value)
    return found[0]


# --- item 2: an array updated while a tuple or list holds it ----------------------------

def tuple_holds(x):
    y = x.copy()
    keep = (y, 1.0)
    y[1] = 2.0 * y[0]  # refused
    return np.sum(keep[0] * x)


def list_holds(x):
    y = x.copy()
    keep = [y]
    y[0] = 0.0  # refused
    return np.sum(keep[0] * x)


def unpacked_from_holder(x):
    y = x.copy()
    keep = (y, 2.0)
    a, b = keep
    y[0] = 3.0  # refused
    return np.sum(a * x) * b


def nested_holder(x):
    y = x * 1.0 + 0.5
    keep = ((y, 1.0), 2.0)
    y += x  # refused
    inner = keep[0]
    return np.sum(inner[0] * x)


def taken_out_then_holder_dropped(x):
    y = x * 2.0
    keep = (y,)
    z = keep[0]
    y[0] = 5.0  # refused
    return np.sum(z * x)


def appended_accumulator(x):
    acc = np.zeros_like(x)
    out = []
    for k in range(3):
        acc += x * k  # refused
        out.append(acc)
    return np.sum(out[0] * x) + np.sum(out[1])


def appended_then_scaled(x):
    acc = x * 1.0 + 1.0
    out = []
    for _ in range(2):
        out.append(acc)
        acc *= x  # refused
    return np.sum(out[0])


def stored_into_list(x):
    y = x * 2.0
    lst = [0.0]
    lst[0] = y
    y[1] = 1.0  # refused
    return np.sum(lst[0] * x)


@pytest.mark.parametrize("f", [tuple_holds, list_holds, unpacked_from_holder, nested_holder,
                               taken_out_then_holder_dropped, appended_accumulator,
                               appended_then_scaled, stored_into_list])
def test_update_of_an_array_a_container_holds_is_refused(f):
    assert_refused(f, "in-place-alias")


def fresh_rows_appended(x):
    out = []
    for i in range(3):
        r = x * (i + 1.0)
        r[0] = 1.0
        out.append(r)
    return np.sum(np.stack(out) * x)


def holder_used_up_before_update(x):
    y = x * 2.0
    keep = (y, 1.0)
    s = np.sum(keep[0]) * keep[1]
    y[0] = 5.0
    return s + np.sum(y * x)


def list_recurrence(x):
    lst = [x * 1.5]
    for _ in range(3):
        last = lst[-1]
        lst.append(last * x)
    return np.sum(lst[-1])


def number_taken_from_tuple(x):
    y = x * 2.0
    keep = (y, 2.0)
    b = keep[1]
    b += 1.0
    return np.sum(keep[0] * x) * b


def rebuilt_accumulator_appended(x):
    acc = np.zeros_like(x)
    out = []
    for k in range(3):
        acc = acc + x * k
        out.append(acc)
    return np.sum(out[0] * x) + np.sum(out[2] * x)


@pytest.mark.parametrize("f", [fresh_rows_appended, list_recurrence, number_taken_from_tuple,
                               rebuilt_accumulator_appended])
def test_containers_that_see_no_update_are_differentiated(f):
    assert_all_modes_right(f)


def test_holder_read_only_before_the_update_is_no_alias():
    for route in (lambda f: s2sad.grad(f)(X.copy()), lambda f: s2sad.jvp(f, (X.copy(),), (V,))):
        route(holder_used_up_before_update)                  # not refused
    expected = fd_grad(holder_used_up_before_update, (X.copy(),), 0)
    np.testing.assert_allclose(s2sad.grad(holder_used_up_before_update)(X.copy()), expected,
                               rtol=1e-6)


# --- item 3: a helper that changes its argument ----------------------------------------

def step(v, a):
    v += a
    return v


def calls_step(x):
    v0 = x * 1.5
    v1 = step(v0, x)  # refused
    return np.sum(v0 * v1)


def fill(v, a):
    v[0] = a[1]


def calls_fill_for_nothing(x):
    v = x * 2.0
    _ = fill(v, x)  # refused
    return np.sum(v * x)


def grow(lst, a):
    lst.append(a * 2.0)
    return 0.0


def calls_grow(x):
    lst = [x]
    r = grow(lst, x)  # refused
    return np.sum(lst[-1] * x) + r


def scale_all(v, a):
    for i in range(2):
        v[i] *= a[i]
    return v[0]


def calls_scale_all(x):
    v = x * 1.0 + 1.0
    s = scale_all(v, x)  # refused
    return np.sum(v * x) + s


def step_through_a_copy(v, a):
    w = v
    w += a
    return w


def calls_step_through_a_copy(x):
    v0 = x * 1.5
    v1 = step_through_a_copy(v0, x)  # refused
    return np.sum(v0 * v1)


def hands_on(v, a):
    return step(v, a) * 2.0


def calls_hands_on(x):
    v0 = x + 1.0
    v1 = hands_on(v0, x)  # refused
    return np.sum(v0 * v1)


def calls_step_on_the_argument(x):
    v1 = step(x, x * 0.5)  # refused
    return np.sum(v1 * v1)


@pytest.mark.parametrize("f", [calls_step, calls_fill_for_nothing, calls_grow,
                               calls_scale_all, calls_step_through_a_copy, calls_hands_on,
                               calls_step_on_the_argument])
def test_call_of_a_helper_that_changes_its_argument_is_refused_at_the_call(f):
    found = assert_refused(f, "in-place-input")
    assert "updates its argument" in found.message and found.suggestion


def step_rewritten(v, a):
    v = v + a
    return v


def calls_step_rewritten(x):
    v0 = x * 1.5
    v1 = step_rewritten(v0, x)
    return np.sum(v0 * v1)


def fill_rewritten(v, a):
    v = v.copy()
    v[0] = a[1]
    return v


def calls_fill_rewritten(x):
    v = x * 2.0
    v = fill_rewritten(v, x)
    return np.sum(v * x)


@pytest.mark.parametrize("f", [calls_step_rewritten, calls_fill_rewritten])
def test_the_suggested_rewrite_of_the_helper_is_differentiated(f):
    assert_all_modes_right(f)


def test_hessian_of_a_call_of_a_helper_that_changes_its_argument_is_refused():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.hessian(calls_step)(X.copy())
    assert "in-place-input" in info.value.codes


def augments_argument(x, a):
    x += a  # refused
    return np.sum(x * x)


def test_augmented_assignment_to_an_array_argument_is_refused():
    for route in (lambda: s2sad.grad(augments_argument)(X.copy(), V.copy()),
                  lambda: s2sad.vjp(augments_argument, X.copy(), V.copy())):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        assert info.value.codes == ("in-place-input",)


def augments_argument_after_rebinding(x):
    if x[0] > 0.0:
        x = x * 2.0
    else:
        x = x * 3.0
    x += 1.0
    return np.sum(x * x)


def test_augmented_assignment_after_every_branch_rebinds_the_argument():
    assert_all_modes_right(augments_argument_after_rebinding)


# --- item 14: a user's name that looks like an SSA version --------------------------------

def divides_copy_y1(x):
    y1 = x
    y1 /= 1.2  # refused
    return np.sum(y1 * x)


def divides_copy_t1(x):
    t1 = x * 2.0
    t2 = t1
    t2 /= 1.2  # refused
    return np.sum(t1 * x)


def adds_copy_acc2(x):
    acc2 = x * 3.0
    z1 = acc2
    z1 += 1.0  # refused
    return np.sum(acc2 * x)


def multiplies_copy_buf_3(x):
    buf_3 = x * 3.0
    b_1 = buf_3
    b_1 *= x  # refused
    return np.sum(buf_3 * x)


def test_copy_of_an_argument_divided_in_place_is_refused_whatever_its_name():
    assert_refused(divides_copy_y1, "in-place-input")


@pytest.mark.parametrize("f", [divides_copy_t1, adds_copy_acc2, multiplies_copy_buf_3])
def test_copy_updated_in_place_is_refused_whatever_its_name(f):
    assert_refused(f, "in-place-alias")


def own_array_named_y1(x):
    y1 = x * 2.0
    y1 /= 1.2
    y1 += x
    return np.sum(y1 * x)


def test_own_array_with_a_digit_in_its_name_is_differentiated():
    assert_all_modes_right(own_array_named_y1)


# --- item 15: a loop over a view of the array it updates ----------------------------------

def loop_over_a_row_updates_the_matrix(x):
    y = np.outer(x, x)
    for e in y[0]:
        y *= e  # refused
    return np.sum(y)


def loop_over_a_column_of_the_transpose(x):
    y = np.outer(x, x) + 1.0
    t = y.T
    for e in t[1]:
        y[0] = y[0] * e  # refused
    return np.sum(y)


@pytest.mark.parametrize("f", [loop_over_a_row_updates_the_matrix,
                               loop_over_a_column_of_the_transpose])
def test_loop_over_a_view_of_an_array_its_body_updates_is_refused(f):
    assert_refused(f, "in-place-alias")


# --- item 20: a slot assigned from its own array ------------------------------------------

def slice_from_itself(x):
    y = x.copy()
    y[:] = y
    return np.sum(y * y * x)


def reversed_from_itself(x):
    y = x * np.array([1.0, 5.0])
    y[::-1] = y
    return np.sum(y * x)


def slice_from_itself_in_a_loop(x):
    y = x * 3.0
    for _ in range(2):
        y[:] = y
        y = y * x
    return np.sum(y)


def item_from_itself(x):
    y = x.copy()
    y[0] = y[0]
    return np.sum(y * y * x)


@pytest.mark.parametrize("f", [slice_from_itself, reversed_from_itself,
                               slice_from_itself_in_a_loop, item_from_itself])
def test_slot_assigned_from_its_own_array(f):
    assert_all_modes_right(f)


# --- false refusals -----------------------------------------------------------------------

def sums_items_then_updates(x):
    y = x * 2.0
    s = 0.0
    for e in y:
        s = s + e
    y[0] = s
    return np.sum(y * x)


def comprehension_then_updates(x):
    y = x * 2.0
    s = sum([t * t for t in y])
    y[0] = 1.0
    return np.sum(y * x) + s


@pytest.mark.parametrize("f", [sums_items_then_updates, comprehension_then_updates])
def test_items_read_only_inside_the_loop_are_no_alias(f):
    assert_all_modes_right(f)


def rows_kept_then_matrix_updated(x):
    y = np.outer(x, x)
    rows = [r for r in y]
    y[0] = x  # refused
    return np.sum(rows[0] * x)


def test_rows_a_list_keeps_are_views_of_the_matrix():
    assert_refused(rows_kept_then_matrix_updated, "in-place-alias")


def view_of_a_view_outlives_it(x):
    y = x * 2.0
    t = y[:]
    v = t[1:]
    y[1] = 5.0  # refused
    return np.sum(v * x[1:])


def test_view_of_a_view_sees_the_update_of_the_base():
    assert_refused(view_of_a_view_outlives_it, "in-place-alias")
