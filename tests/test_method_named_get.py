"""``x.get(...)`` is read as a dict's get (its key carries no derivative). A method
named get of another object, called through an attribute (``self.parser.get(w,
"p")``), was a silently zero gradient (autograd's convnet example: its WeightsParser);
now a located refusal where its first argument is differentiated, a UsageError where
only its second is, and the class-call rewrite is differentiated (central
differences as the oracle). A dict's get keeps its derivative."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

W, X = np.array([0.1, 0.2]), np.array([1.0, 2.0])


class Parser:
    def get(self, v, name):
        return v * 1.0 if name == "p" else v * 2.0


class OneArgument:
    def get(self, v):
        return v * 3.0


class Scaled:
    def get(self, name, scale):
        return scale * 2.0


class Layer:
    def __init__(self):
        self.parser, self.one, self.scaled = Parser(), OneArgument(), Scaled()

    def through_attribute(self, x, w):
        return np.sin(x * self.parser.get(w, "p"))

    def one_argument(self, x, w):
        return np.sin(x * self.one.get(w))

    def through_class(self, x, w):
        return np.sin(x * Parser.get(self.parser, w, "p"))

    def differentiated_default(self, x, w):
        return np.sin(x * self.scaled.get("p", w))


LAYER = Layer()


def attribute_get(w, x):
    return np.sum(LAYER.through_attribute(x, w))


def one_argument_get(w, x):
    return np.sum(LAYER.one_argument(x, w))


def class_call(w, x):
    return np.sum(LAYER.through_class(x, w))


def default_get(w, x):
    return np.sum(LAYER.differentiated_default(x, w))


def dict_get(w, x):
    p = {"w": w}
    return np.sum(np.sin(x * p.get("w", 0.0))) + np.sum(p.get("b", w) ** 2)


@pytest.mark.parametrize("f", [attribute_get, one_argument_get], ids=lambda f: f.__name__)
def test_a_method_named_get_with_a_differentiated_first_argument_is_refused(f):
    for route in (lambda: s2sad.grad(f)(W, X), lambda: s2sad.jvp(f, (W, X), (W,), wrt=0),
                  lambda: s2sad.vjp(f, W, X, wrt=0)):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        assert "[no-rule]" in str(info.value) and "method named get" in str(info.value)


def test_a_method_named_get_with_a_differentiated_second_argument_is_an_error():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.grad(default_get)(W, X)
    assert "Scaled" in str(info.value)


@pytest.mark.parametrize("f", [class_call, dict_get], ids=lambda f: f.__name__)
def test_the_rewrite_and_a_dicts_get_are_differentiated(f):
    expected = fd_grad(f, (W, X), 0)
    np.testing.assert_allclose(s2sad.grad(f)(W, X), expected, rtol=1e-7)
    v = np.array([0.3, -0.5])
    np.testing.assert_allclose(s2sad.jvp(f, (W, X), (v,), wrt=0)[1], expected @ v, rtol=1e-7)
