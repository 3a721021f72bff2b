"""Every NumPy/math rule, in both modes, against central finite differences.

Driven by tests/numpy_table.py: each row, variant and shape set is a case, checked
by reverse mode (vjp with a random seed) and forward mode (jvp with a random
tangent) in float64 and float32 (float32 derivatives for float32 inputs, within
float32 tolerances of a float64 finite difference at the same point), and by
Hessian-vector products of the call summed through np.sin.
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from tests import numpy_programs
from tests.fd import fd_vjp, random_cotangent
from tests.make_numpy_programs import cases

# tolerances: float64 against FD; float32 against a float64 FD at the same point
TOLERANCES = {np.float64: (1e-5, 1e-7), np.float32: (2e-3, 2e-3)}
NUMPY_1 = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def _spaced(rng, shape):
    """Distinct values at least 0.1 apart (no ties for max, sort, norms)."""
    n = int(np.prod(shape))
    values = np.linspace(-1.5, 1.5, n) + rng.uniform(-0.02, 0.02, n)
    return rng.permutation(values).reshape(shape)


def _square_boost(shape, scale):
    if len(shape) < 2:
        return 0.0
    return scale * np.eye(shape[-2], shape[-1])


def _with_zeros(rng, shape):
    """Normal values with exact zeros: 0, 1, 2 and 3 zeros in different slices."""
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    for i in (0, 5, 6, 13, 14, 15):
        if i < flat.size:
            flat[i] = 0.0
    return x


DOMAINS = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "negative": lambda rng, s: rng.uniform(-1.5, -0.5, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),
    "above1": lambda rng, s: rng.uniform(1.2, 3.0, s),
    "away0": lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2.0, s),
    "spaced": _spaced,
    "zeros": _with_zeros,
    "matrix": lambda rng, s: 0.5 * rng.standard_normal(s) + _square_boost(s, 2.0),
    "spd": lambda rng, s: 0.3 * rng.standard_normal(s) + _square_boost(s, 1.5),
    "symmetric": lambda rng, s: 0.2 * rng.standard_normal(s) + np.diag(
        np.arange(s[-1]) * 1.5)[(None,) * (len(s) - 2)],
}


def _in_this_numpy(label):
    """Whether the installed NumPy has the function a row names (``np.trapz`` is NumPy
    1's, ``np.trapezoid`` NumPy 2's)."""
    if not label.startswith("np."):
        return True
    found = np
    for part in label[3:].split("."):
        found = getattr(found, part, None)
    return found is not None


class Case:
    """One row, variant and shape set: the function, its arguments, its loss."""

    def __init__(self, name, row, call, shapes, index):
        self.name, self.row, self.call, self.shapes = name, row, call, shapes
        self.func = getattr(numpy_programs, name)
        self.loss = getattr(numpy_programs, name + "_loss")
        self.seed = index
        self.id = f"{call}|{','.join(map(str, shapes))}"

    def args(self, dtype=np.float64):
        if not _in_this_numpy(self.row.label):
            pytest.skip(f"{self.row.label} is not in NumPy {np.__version__}")
        rng = np.random.default_rng(1000 + self.seed)
        domains = self.row.domain
        out = []
        for i, shape in enumerate(self.shapes):
            domain = domains if isinstance(domains, str) else domains[i]
            value = DOMAINS[domain](rng, () if shape is None else shape)
            out.append(float(value) if shape is None else np.asarray(value, dtype=dtype))
        return tuple(out)

    @property
    def wrt(self):
        return tuple(range(len(self.shapes)))


CASES = [Case(name, row, call, shapes, i)
         for i, (name, row, call, shapes) in enumerate(
             (name, row, call, shapes) for name, row, call in cases() for shapes in row.shape_sets)]
MULTI = [c for c in CASES if len(c.shapes) > 1]
DTYPES = [pytest.param(np.float64, id="f64"), pytest.param(np.float32, id="f32")]
all_cases = pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])


def _skip_float32(case, dtype):
    if dtype is np.float32 and (not case.row.float32 or all(s is None for s in case.shapes)):
        pytest.skip("Python floats only")
    if dtype is np.float32 and NUMPY_1 and all(s == () for s in case.shapes):
        pytest.skip("NumPy 1 makes float64 of float32 scalars times Python floats")


def _as64(args):
    return tuple(np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a
                 for a in args)


def _cast_like(value, like):
    if isinstance(like, (tuple, list)):
        return tuple(_cast_like(v, w) for v, w in zip(value, like))
    if isinstance(like, np.ndarray) and like.shape:
        return np.asarray(value, dtype=like.dtype)
    return float(value)


def _close(actual, expected, dtype, what, case):
    # a call that rounds to float32 (a cast) is checked with a large step, to float32 precision
    rtol, atol = TOLERANCES[np.float32 if case.row.step > 1e-5 else dtype]
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(actual) == expected.shape, f"{what}: shape {np.shape(actual)}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol,
                               atol=atol * scale, err_msg=what)


def _check_dtype(value, like, what):
    """A derivative has its primal's type: a float for a Python float, else its dtype."""
    if isinstance(like, (tuple, list)):
        for v, w in zip(value, like):
            _check_dtype(v, w, what)
    elif isinstance(like, float) and not isinstance(like, np.floating):
        assert isinstance(value, float), f"{what}: {type(value).__name__} for a float"
    else:
        assert np.asarray(value).dtype == np.asarray(like).dtype, (
            f"{what}: dtype {np.asarray(value).dtype}, primal {np.asarray(like).dtype}")


def _fd_jvp(f, args, tangents, rel_step):
    """d/dt f(args + t tangents) at 0, by central differences (float64)."""
    h = rel_step * max([1.0] + [float(np.max(np.abs(a))) for a in args])

    def at(t):
        return f(*(a + t * v for a, v in zip(args, tangents)))

    def diff(p, m):
        if isinstance(p, (tuple, list)):
            return tuple(diff(u, w) for u, w in zip(p, m))
        return (np.asarray(p, dtype=np.float64) - np.asarray(m, dtype=np.float64)) / (2 * h)
    return diff(at(h), at(-h))


def _tangents(args, rng):
    return tuple(rng.standard_normal(np.shape(a)).astype(a.dtype) if isinstance(a, np.ndarray)
                 else float(rng.standard_normal()) for a in args)


@all_cases
@pytest.mark.parametrize("dtype", DTYPES)
def test_reverse_mode_matches_finite_differences(case, dtype):
    _skip_float32(case, dtype)
    args = case.args(dtype)
    y, pullback = s2sad.vjp(case.func, *args, wrt=case.wrt)
    seed = _cast_like(random_cotangent(y, np.random.default_rng(case.seed)), y)
    cotangents = pullback(seed)
    expected = fd_vjp(case.func, _as64(args), case.wrt, _as64(seed) if isinstance(seed, tuple)
                      else seed, rel_step=case.row.step)
    for i, (got, want) in enumerate(zip(cotangents, expected)):
        what = f"{case.call} {case.shapes}, argument {i}"
        _check_dtype(got, args[i], what)
        _close(got, want, dtype, what, case)


@all_cases
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_mode_matches_finite_differences(case, dtype):
    _skip_float32(case, dtype)
    args = case.args(dtype)
    tangents = _tangents(args, np.random.default_rng(case.seed))
    y, ydot = s2sad.jvp(case.func, args, tangents, wrt=case.wrt)
    expected = _fd_jvp(case.func, _as64(args), _as64(tangents), case.row.step)
    parts = (y, ydot, expected) if not case.row.parts else None
    for y_i, got, want in ([parts] if parts else zip(y, ydot, expected)):
        _check_dtype(got, y_i, case.call)
        _close(got, want, dtype, f"{case.call} {case.shapes}", case)


@pytest.mark.parametrize("case", MULTI, ids=[c.id for c in MULTI])
def test_forward_mode_with_one_active_argument(case):
    """Tangents of one operand stretched to the result's shape (the others fixed)."""
    args = case.args()
    tangent = _tangents(args, np.random.default_rng(case.seed))[0]
    y, ydot = s2sad.jvp(case.func, args, (tangent,), wrt=(0,))
    fixed = tuple(np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0 for a in args[1:])
    expected = _fd_jvp(case.func, args, (tangent,) + fixed, case.row.step)
    for got, want in ([(ydot, expected)] if not case.row.parts else zip(ydot, expected)):
        _close(got, want, np.float64, f"{case.call} {case.shapes}", case)


HESSIAN_CASES = [c for c in CASES if c.row.hessian]


@pytest.mark.parametrize("case", HESSIAN_CASES, ids=[c.id for c in HESSIAN_CASES])
def test_hessian_vector_product_matches_finite_differences_of_the_gradient(case):
    args = case.args()
    v = _tangents(args, np.random.default_rng(case.seed + 1))
    wrt = case.wrt if len(args) > 1 else 0
    hv = s2sad.hvp(case.loss, wrt=wrt)(*args, v if len(args) > 1 else v[0])
    gradient = s2sad.grad(case.loss, wrt=case.wrt)
    expected = _fd_jvp(lambda *a: gradient(*a), args, v, 1e-5)
    hv = hv if len(args) > 1 else (hv,)
    for i, (got, want) in enumerate(zip(hv, expected)):
        rtol, atol = 1e-5, 1e-6
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale,
                                   err_msg=f"{case.call} {case.shapes}, argument {i}")


def _pad_maximum(x):
    return np.sum(np.pad(x, 1, mode="maximum") ** 2)


@pytest.mark.parametrize("run", [
    lambda x: s2sad.grad(_pad_maximum)(x),
    lambda x: s2sad.jvp(_pad_maximum, (x,), (np.ones_like(x),)),
    lambda x: s2sad.vjp(_pad_maximum, x)[1](1.0),
], ids=["grad", "jvp", "vjp"])
def test_a_pad_mode_without_a_rule_is_a_usage_error_in_both_modes(run):
    """np.pad's maximum mode does not copy one element: no silent derivative of it."""
    with pytest.raises(s2sad.UsageError, match="mode='maximum'") as info:
        run(np.array([0.5, 2.0, -1.0]))
    assert info.value.code == "unsupported-argument"
