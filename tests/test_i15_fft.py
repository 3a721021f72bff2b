"""Issue 15, ``np.fft``: every transform and keyword variant (``n``/``s`` shorter and
longer than the input, ``axis``/``axes``, each ``norm``), on real and complex inputs,
in both modes, against central finite differences: grad of real losses, vjp and jvp
of the transform itself, the dot-product test between them
(``Re<J v, w> == Re<v, J^T w>``), Hessian-vector products against differences of the
gradient, float32 within float32 tolerances. Complex arguments follow JAX's
convention (docs/conventions.md): the gradient of a real ``f(x + iy)`` is
``df/dx - i df/dy``."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import s2sad
from s2sad import rules
from tests.fd import fd_grad

ROOT = pathlib.Path(__file__).resolve().parent.parent
NORMS = ("backward", "ortho", "forward")
M = (3, 6)                       # one-axis transforms run along an axis of a matrix
T = (2, 3, 4)                    # the n-dimensional ones on a 3-d array
NUMPY_1 = np.lib.NumpyVersion(np.__version__) < "2.0.0"   # no -1 in s, rfft of complex works


def one_axis(transform, n=None, axis=-1, norm=None):
    """The programs of a one-axis transform (``fft``, ``rfft``, ...) with these keywords."""
    def power(x, w):
        return np.sum(np.abs(transform(x * w, n=n, axis=axis, norm=norm)) ** 2)

    def linear(x, c):
        return np.sum(np.real(transform(x, n=n, axis=axis, norm=norm) * c))

    def call(x):
        return transform(x, n=n, axis=axis, norm=norm)
    return power, linear, call


def many_axes(transform, s=None, axes=None, norm=None):
    """The programs of an n-dimensional transform (``fft2``, ``rfftn``, ...)."""
    def power(x, w):
        return np.sum(np.abs(transform(x * w, s=s, axes=axes, norm=norm)) ** 2)

    def linear(x, c):
        return np.sum(np.real(transform(x, s=s, axes=axes, norm=norm) * c))

    def call(x):
        return transform(x, s=s, axes=axes, norm=norm)
    return power, linear, call


def shift(transform, axes=None):
    def power(x, w):
        return np.sum(np.abs(np.fft.fft(transform(x * w, axes=axes))) ** 2)

    def linear(x, c):
        return np.sum(np.real(transform(x, axes=axes) * c))

    def call(x):
        return transform(x, axes=axes)
    return power, linear, call


# the calls as users write them, keywords left to their defaults
def fft2_default(x, w):
    return np.sum(np.abs(np.fft.fft2(x * w)) ** 2)


def rfft2_default(x, w):
    return np.sum(np.abs(np.fft.rfft2(x * w)) ** 2)


def irfft2_default(x, w):
    return np.sum(np.fft.irfft2(x * w) ** 2)


def irfftn_default(x, w):
    return np.sum(np.fft.irfftn(x * w) ** 2)


def irfft_positional(x, w):
    return np.sum(np.fft.irfft(x * w, 7, 0, "ortho") ** 2)


class Case:
    def __init__(self, label, programs, shape, complex_input, real_input=True):
        self.label, self.shape = label, shape
        self.power, self.linear, self.call = programs
        self.kinds = (["real"] if real_input else []) + (["complex"] if complex_input else [])

    def x(self, kind, dtype=np.float64, seed=0):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(self.shape)
        if kind == "complex":
            x = x + 1j * rng.standard_normal(self.shape)
        return x.astype(dtype if kind == "real" else np.result_type(dtype, 1j))

    def weights(self):
        return np.random.default_rng(7).uniform(0.5, 1.5, self.shape)

    def cotangent(self, x):
        out = np.asarray(self.call(x))
        rng = np.random.default_rng(3)
        w = rng.standard_normal(out.shape)
        return w + 1j * rng.standard_normal(out.shape) if np.iscomplexobj(out) else w


def _one_axis_cases(name, lengths, complex_input, real_input=True, shape=M):
    transform = getattr(np.fft, name)
    variants = [("", {})] + [(f"n={n}", {"n": n}) for n in lengths] + \
        [("axis=0", {"axis": 0}), ("axis=0, n=4", {"axis": 0, "n": 4})] + \
        [(f"norm={v!r}", {"norm": v}) for v in NORMS] + \
        [(f"n={lengths[-1]}, norm='ortho'", {"n": lengths[-1], "norm": "ortho"})]
    where = "" if shape == M else f" on {shape}"
    return [Case(f"{name}({text}){where}", one_axis(transform, **kw), shape, complex_input,
                 real_input)
            for text, kw in variants]


def _many_axes_cases(name, variants, complex_input, real_input=True):
    transform = getattr(np.fft, name)
    return [Case(f"{name}({text})", many_axes(transform, **kw), T, complex_input, real_input)
            for text, kw in variants]


TWO = [("axes=(-2, -1)", {"axes": (-2, -1)}), ("axes=(0, 2)", {"axes": (0, 2)}),
       ("axes=(2, 0)", {"axes": (2, 0)}),
       ("s=(4, 5), axes=(-2, -1)", {"s": (4, 5), "axes": (-2, -1)}),
       ("s=(2, 3), axes=(1, 2)", {"s": (2, 3), "axes": (1, 2)}),
       ("axes=(0, 1), norm='ortho'", {"axes": (0, 1), "norm": "ortho"}),
       ("axes=(-2, -1), norm='forward'", {"axes": (-2, -1), "norm": "forward"})]
MANY = [("", {}), ("axes=(0, -1)", {"axes": (0, -1)}), ("axes=(2, 0, 1)", {"axes": (2, 0, 1)}),
        ("s=(3, 2, 5), axes=(0, 1, 2)", {"s": (3, 2, 5), "axes": (0, 1, 2)}),
        ("s=(5, 3), axes=(1, 2)", {"s": (5, 3), "axes": (1, 2)}),
        *([("s=(-1, 7), axes=(0, 2)", {"s": (-1, 7), "axes": (0, 2)})] if not NUMPY_1 else []),
        ("axes=(1,)", {"axes": (1,)}), ("norm='ortho'", {"norm": "ortho"}),
        ("s=(5, 3), axes=(1, 1)", {"s": (5, 3), "axes": (1, 1)}),     # one axis twice
        ("norm='forward'", {"norm": "forward"})]
IRFFT_TWO = TWO + [("s=(3, 7), axes=(-2, -1)", {"s": (3, 7), "axes": (-2, -1)})]

CASES = [
    *_one_axis_cases("fft", (4, 9), complex_input=True),
    *_one_axis_cases("ifft", (4, 9), complex_input=True),
    *_one_axis_cases("rfft", (4, 5, 9, 10), complex_input=False),
    # irfft: n even and odd, reading fewer bins than given (n=7: 4 of 6) and more (14, 11)
    *_one_axis_cases("irfft", (7, 8, 11, 14), complex_input=True),
    *_one_axis_cases("irfft", (5, 6, 9), complex_input=True, shape=(3, 5)),
    *_one_axis_cases("hfft", (7, 8, 14), complex_input=True),
    *_one_axis_cases("ihfft", (4, 5, 9), complex_input=False),
    *_many_axes_cases("fft2", TWO, complex_input=True),
    *_many_axes_cases("ifft2", TWO, complex_input=True),
    *_many_axes_cases("rfft2", TWO, complex_input=False),
    *_many_axes_cases("irfft2", IRFFT_TWO, complex_input=True),
    *_many_axes_cases("fftn", MANY, complex_input=True),
    *_many_axes_cases("ifftn", MANY, complex_input=True),
    *_many_axes_cases("rfftn", MANY, complex_input=False),
    *_many_axes_cases("irfftn", MANY, complex_input=True),
    *[Case(f"{f.__name__}(axes={a})", shift(f, a), T, True)
      for f in (np.fft.fftshift, np.fft.ifftshift) for a in (None, 1, (0, 2))],
]
KINDED = [pytest.param(c, k, id=f"{c.label}-{k}") for c in CASES for k in c.kinds]
REAL = [pytest.param(c, id=c.label) for c in CASES if "real" in c.kinds]


def _fd_complex(f, z):
    """df/dx - i df/dy by central differences in each element's two directions."""
    z = np.asarray(z, dtype=complex)
    out = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        parts = []
        for step in (1e-6, 1e-6j):
            plus, minus = z.copy(), z.copy()
            plus[idx] += step
            minus[idx] -= step
            parts.append((f(plus) - f(minus)) / 2e-6)
        out[idx] = parts[0] - 1j * parts[1]
    return out


def _fd(f, x):
    return _fd_complex(f, x) if np.iscomplexobj(x) else fd_grad(f, (x,), 0)


def _close(got, want, rtol=1e-6, atol=1e-7, what=""):
    assert np.shape(got) == np.shape(want), what
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, err_msg=what)


@pytest.mark.parametrize("case, kind", KINDED)
def test_grad_of_real_losses_matches_finite_differences(case, kind):
    x, w = case.x(kind), case.weights()
    c = case.cotangent(x)
    kept = x.copy()
    for loss, other in ((case.power, w), (case.linear, c)):
        got = s2sad.grad(loss)(x, other)
        assert np.iscomplexobj(got) == (kind == "complex")
        _close(got, _fd(lambda t: loss(t, other), x), what=f"{case.label} {loss.__name__}")
    value, got = s2sad.value_and_grad(case.power)(x, w)
    assert value == pytest.approx(case.power(x, w), rel=1e-12)
    np.testing.assert_array_equal(x, kept)


@pytest.mark.parametrize("case, kind", KINDED)
def test_vjp_of_the_transform_matches_finite_differences(case, kind):
    """The pullback of a complex cotangent ``w``: the gradient of ``Re(sum(f(x) w))``."""
    x = case.x(kind)
    w = case.cotangent(x)
    y, pullback = s2sad.vjp(case.call, x)
    np.testing.assert_allclose(y, case.call(x), rtol=1e-12, atol=1e-12)
    (u,) = pullback(w)
    want = _fd(lambda t: np.sum(np.real(case.call(t) * w)), x)
    _close(u, want, what=case.label)
    (again,) = pullback(w)                          # a pullback may be called again
    np.testing.assert_array_equal(again, u)


@pytest.mark.parametrize("case, kind", KINDED)
def test_jvp_matches_finite_differences_and_the_vjp(case, kind):
    x = case.x(kind)
    v = case.x(kind, seed=1)
    kept = x.copy()
    y, jv = s2sad.jvp(case.call, (x,), (v,))
    h = 1e-6
    _close(jv, (case.call(x + h * v) - case.call(x - h * v)) / (2 * h), what=case.label)
    w = case.cotangent(x)
    (u,) = s2sad.vjp(case.call, x)[1](w)
    # the dot-product test in the real pairing: Re<J v, w> == Re<v, J^T w>
    assert np.real(np.sum(jv * w)) == pytest.approx(np.real(np.sum(v * u)), rel=1e-10)
    np.testing.assert_array_equal(x, kept)


HVP = [pytest.param(c, id=c.label) for c in CASES
       if "real" in c.kinds and (c.label.startswith(("fft(", "rfft(", "irfft(", "hfft("))
                                 or "norm" in c.label or "s=" in c.label)]


@pytest.mark.parametrize("case", HVP)
def test_hvp_matches_differences_of_the_gradient(case):
    x, w = case.x("real"), case.weights()
    v = case.x("real", seed=2)
    gradient = s2sad.grad(case.power)
    got = s2sad.hvp(case.power, wrt=0)(x, w, v)
    h = 1e-5
    want = (gradient(x + h * v, w) - gradient(x - h * v, w)) / (2 * h)
    _close(got, want, rtol=1e-6, atol=1e-6, what=case.label)


@pytest.mark.parametrize("case", REAL[::3])
def test_float32_in_float32_out_within_float32_tolerance(case):
    x, w = case.x("real", np.float32), case.weights().astype(np.float32)
    got = s2sad.grad(case.power)(x, w)
    assert got.dtype == np.float32
    want = fd_grad(case.power, (x.astype(np.float64), w.astype(np.float64)), 0)
    _close(got, want, rtol=2e-3, atol=2e-3, what=case.label)
    v = case.x("real", np.float32, seed=1)
    _, jv = s2sad.jvp(case.call, (x,), (v,))
    assert jv.dtype == np.asarray(case.call(x)).dtype
    _close(jv, case.call(v.astype(np.float64)), rtol=2e-3, atol=2e-3, what=case.label)


@pytest.mark.parametrize("loss, shape, complex_input", [
    (fft2_default, T, True), (rfft2_default, T, False), (irfft2_default, T, True),
    (irfftn_default, T, True), (irfft_positional, M, True)])
def test_calls_with_default_keywords(loss, shape, complex_input):
    """``fft2`` and its kin transform the last two axes unless told (not all of them)."""
    case = Case(loss.__name__, (loss, None, None), shape, complex_input)
    w = case.weights()
    for kind in case.kinds:
        x = case.x(kind)
        _close(s2sad.grad(loss)(x, w), _fd(lambda t: loss(t, w), x), what=f"{case.label} {kind}")
    x = case.x("real")
    v = case.x("real", seed=1)
    h = 1e-6
    want = (loss(x + h * v, w) - loss(x - h * v, w)) / (2 * h)
    assert s2sad.jvp(loss, (x, w), (v,), wrt=0)[1] == pytest.approx(want, rel=1e-6)
    gradient = s2sad.grad(loss)
    hv = (gradient(x + 1e-5 * v, w) - gradient(x - 1e-5 * v, w)) / 2e-5
    _close(s2sad.hvp(loss, wrt=0)(x, w, v), hv, atol=1e-6, what=case.label)


def test_parseval_closed_form():
    """``sum |fft(x, norm='ortho')|^2 == sum x^2``: the gradient is ``2 x``, the Hessian 2 I."""
    def energy(x):
        return np.sum(np.abs(np.fft.fft(x, norm="ortho")) ** 2)
    x = np.random.default_rng(0).standard_normal(5)
    np.testing.assert_allclose(s2sad.grad(energy)(x), 2 * x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s2sad.hessian(energy)(x), 2 * np.eye(5), atol=1e-12)


def test_out_keyword_is_a_located_error():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(_with_out)(np.ones(4))
    assert info.value.code == "no-rule"
    assert "unsupported call form" in str(info.value) and "np.fft.fft" in str(info.value)
    assert info.value.violations[0].lineno == _with_out.__code__.co_firstlineno + 2


def _with_out(x):
    buffer = np.zeros(4, dtype=complex)
    y = np.fft.fft(x, out=buffer)
    return np.sum(np.abs(y))


def test_rules_are_listed_in_both_modes():
    listed = rules.covered()["NumPy FFT"]
    names = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
             "fftn", "ifftn", "rfftn", "irfftn", "fftshift", "ifftshift")
    assert [entry.split(" ")[0] for entry in listed] == [f"np.fft.{n}" for n in names]
    result = subprocess.run([sys.executable, "-m", "s2sad", "rules", "fft"], capture_output=True,
                            text=True, check=True, cwd=ROOT, timeout=120)
    assert result.stdout.startswith("# NumPy FFT (16)")
    assert result.stdout.splitlines()[1:] == [f"np.fft.{n}" for n in names]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_one_name_tuple_wrt_gives_a_real_gradient_of_the_input_type(dtype):
    """``wrt=(0,)`` returns a tuple; its entry is real, of the argument's type, as for
    ``wrt=0`` (the imaginary part a complex intermediate leaves means nothing)."""
    case = CASES[0]
    x, w = case.x("real", dtype), case.weights().astype(dtype)
    (got,) = s2sad.grad(case.linear, wrt=(0,))(x, case.cotangent(x))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, s2sad.grad(case.linear)(x, case.cotangent(x)))
    (got,) = s2sad.grad(case.power, wrt=(0,))(x, w)
    assert got.dtype == dtype


def dask_loss(x):
    return np.sum(np.abs(np.fft.rfft(x, n=9)) ** 2) + \
        np.sum(np.fft.irfft(x * (1.0 + 0.5j), n=7) ** 2)


def test_dask_arrays_get_the_real_gradient():
    """A Dask array argument's gradient through complex intermediates is real and lazy."""
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(0).standard_normal((4, 6))
    got = s2sad.grad(dask_loss)(da.from_array(x, chunks=(2, 6)))
    assert isinstance(got, da.Array) and got.dtype == np.float64
    _close(got.compute(), fd_grad(dask_loss, (x,), 0), what="dask")
    (u,) = s2sad.vjp(dask_loss, da.from_array(x, chunks=(2, 6)))[1](1.0)
    assert u.dtype == np.float64
    _close(u.compute(), fd_grad(dask_loss, (x,), 0), what="dask vjp")
