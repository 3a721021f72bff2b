"""Issue 13, the driver: s2sad's derivative makers are known by identity, not by how
the user spells them, and a disk-cache hit is compiled by the pipeline (the one
producer of generated functions), not by the cache."""
import importlib.util
import sys
import textwrap
import uuid

import numpy as np
import pytest

import s2sad
from s2sad.driver import diskcache, pipeline
from s2sad.driver.compile import CACHE
from tests.fd import fd_grad

NESTED_MAKERS = textwrap.dedent("""\
    import numpy as np
    import s2sad
    import s2sad as ad
    from s2sad import hessian, jacobian
    from s2sad import hvp as hessian_times


    def inner(x):
        return np.sin(x) * x


    def by_name(x):
        h = hessian(inner)
        return h(x) * x


    def by_alias(x):
        h = ad.jacobian(inner)
        return h(x) * x


    def by_renamed(x):
        h = hessian_times(inner)
        return h(x, 1.0) * x


    def by_dotted(x):
        h = s2sad.hessian(inner)
        return h(x) * x


    def by_imported_jacobian(x):
        h = jacobian(inner)
        return h(x) + x
    """)

GRADIENT_INSIDE = textwrap.dedent("""\
    import numpy as np
    import s2sad as ad
    from s2sad import grad as G


    def energy(x, y):
        return np.sin(x) * y * y + x * x * y


    def force_renamed(x, y):
        g = G(energy, wrt=0)
        return g(x, y) * y


    def force_aliased(x, y):
        g = ad.grad(energy, wrt=1)
        return g(x, y) * x
    """)


def _module(tmp_path, text):
    path = tmp_path / f"mod_{uuid.uuid4().hex[:8]}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["by_name", "by_alias", "by_renamed", "by_dotted",
                                  "by_imported_jacobian"])
@pytest.mark.parametrize("mode", ["grad", "jvp", "vjp"])
def test_a_derivative_made_inside_is_refused_as_nested_differentiation(tmp_path, name, mode):
    f = getattr(_module(tmp_path, NESTED_MAKERS), name)
    with pytest.raises(s2sad.S2SadError, match="nested differentiation") as info:
        if mode == "grad":
            s2sad.grad(f)(0.3)
        elif mode == "jvp":
            s2sad.jvp(f, (0.3,), (1.0,))
        else:
            s2sad.vjp(f, 0.3)
    assert f.__code__.co_filename in str(info.value)      # located in the user's file


@pytest.mark.parametrize("name", ["force_renamed", "force_aliased"])
def test_grad_inside_under_any_spelling_is_differentiated(tmp_path, name):
    m = _module(tmp_path, GRADIENT_INSIDE)
    f = getattr(m, name)
    args = (0.7, np.array(1.3))
    kept = [np.copy(a) for a in args]
    expected = [fd_grad(f, (0.7, 1.3), i) for i in (0, 1)]
    got = s2sad.grad(f, wrt=(0, 1))(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    y, pullback = s2sad.vjp(f, 0.7, 1.3)
    np.testing.assert_allclose(pullback(1.0), expected, rtol=1e-5)
    for v in ((1.0, 0.0), (0.0, 1.0), (0.4, -2.0)):
        _, ydot = s2sad.jvp(f, (0.7, 1.3), v)
        assert ydot == pytest.approx(np.dot(expected, v), rel=1e-5)
    for a, b in zip(args, kept):
        np.testing.assert_array_equal(a, b)


def test_a_disk_hit_is_compiled_by_the_pipeline(tmp_path, monkeypatch):
    m = _module(tmp_path, GRADIENT_INSIDE)
    before = diskcache._state["configured"]
    s2sad.set_cache_dir(tmp_path / "cache")
    CACHE.clear()
    try:
        fresh = s2sad.grad(m.energy, wrt=(0, 1))(0.7, 1.3)
        fresh_tangent = s2sad.jvp(m.energy, (0.7, 1.3), (1.0, 0.5))
        CACHE.clear()
        assembled, transformed = [], []
        original = pipeline.assemble
        monkeypatch.setattr(pipeline, "assemble",
                            lambda *a, **k: assembled.append(a[0].name) or original(*a, **k))
        for stage in ("adjoint", "tangent"):
            monkeypatch.setattr(pipeline, stage, lambda *a, **k: transformed.append(a))
        again = s2sad.grad(m.energy, wrt=(0, 1))(0.7, 1.3)
        again_tangent = s2sad.jvp(m.energy, (0.7, 1.3), (1.0, 0.5))
    finally:
        diskcache._state["configured"] = before
        CACHE.clear()
    assert transformed == [] and assembled == ["energy", "energy"]
    assert again == fresh and again_tangent == fresh_tangent
    expected = [fd_grad(m.energy, (0.7, 1.3), i) for i in (0, 1)]
    np.testing.assert_allclose(again, expected, rtol=1e-5)
