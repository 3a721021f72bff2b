"""The programs of tests/user_corpus.py, differentiated as their users would call s2sad
(``grad`` of a lambda over the training data, of a partial, of a closure a factory
returns, with parameter lists of (W, b) tuples and dicts), each gradient against
central differences leaf by leaf, and the training loops run to a lower loss."""
import functools

import numpy as np
import numpy.random as npr
import pytest

import s2sad
from tests import user_corpus as U


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for key in tree:
            yield from _leaves(tree[key], path + (key,))
    elif isinstance(tree, (list, tuple)):
        for i, item in enumerate(tree):
            yield from _leaves(item, path + (i,))
    else:
        yield path, tree


def _get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _put(tree, path, value):
    if not path:
        return value
    if isinstance(tree, dict):
        return {**tree, path[0]: _put(tree[path[0]], path[1:], value)}
    items = list(tree)
    items[path[0]] = _put(tree[path[0]], path[1:], value)
    return tuple(items) if isinstance(tree, tuple) else items


def assert_gradient_matches_differences(f, params, gradient, rel=1e-6):
    """Central differences of ``f`` in each element of each leaf of ``params``."""
    for path, leaf in _leaves(params):
        leaf = np.asarray(leaf, dtype=float)
        expected = np.zeros_like(leaf)
        for idx in np.ndindex(leaf.shape):
            h = rel * max(1.0, abs(float(leaf[idx])))
            up, down = leaf.copy(), leaf.copy()
            up[idx] += h
            down[idx] -= h
            lift = (lambda a: a) if leaf.shape else float
            expected[idx] = (f(_put(params, path, lift(up))) -
                             f(_put(params, path, lift(down)))) / (2 * h)
        np.testing.assert_allclose(np.asarray(_get(gradient, path)), expected,
                                   rtol=1e-5, atol=1e-7, err_msg=str(path))


RS = npr.RandomState(1)
X_NN, T_NN = RS.randn(6, 4), np.eye(3)[RS.randint(0, 3, 6)]
RNN_IN, RNN_T = RS.randn(5, 2, 3), RS.randn(5, 2, 3)
GP_X = np.linspace(-2, 2, 7).reshape(-1, 1)
MODEL = U.MLP([U.Dense(), U.Dense(np.sin)])
MODEL_PARAMS = [(RS.randn(3, 4) * .5, RS.randn(4) * .1), (RS.randn(4, 2) * .5, RS.randn(2) * .1)]
MODEL_X, MODEL_Y = RS.randn(5, 3), RS.randn(5, 2)
DICT_PARAMS = {"W1": RS.randn(3, 4) * .5, "b1": np.zeros(4), "W2": RS.randn(4, 1) * .5,
               "b2": np.zeros(1)}
BATCH = (RS.randn(8, 3), RS.randn(8, 1))
_, GP_LML = U.make_gp_funs(U.rbf_covariance, num_cov_params=2)
BBVI, _ = U.black_box_variational_inference(U.log_density, 2, 50)


def _rnn_objective(p):
    return -U.rnn_log_likelihood(p, RNN_IN, RNN_T)


CASES = {
    "neural_net": (lambda params: -U.log_posterior(params, X_NN, T_NN, 0.1),
                   U.init_random_params(0.1, [4, 5, 3])),
    "logistic_regression": (U.training_loss, np.array([0.1, -0.2, 0.3])),
    "rnn": (_rnn_objective, U.create_rnn_params(3, 4, 3)),
    "gaussian_process": (lambda params: -GP_LML(params, GP_X, np.sin(GP_X[:, 0])),
                         np.array([0.1, -1.0, 0.2, 0.3])),
    "model_object_partial": (U.make_loss(MODEL, MODEL_X, MODEL_Y), MODEL_PARAMS),
    "heat_equation": (lambda u: U.heat(u, 0.2), np.sin(np.linspace(0, 3, 8))),
    "nbody": (lambda p: U.nbody_energy(p, np.full((3, 2), 0.1)), RS.randn(3, 2)),
    "bbvi": (lambda q: BBVI(q, 3), np.array([-1.0, -1.0, -5.0, -5.0])),
    "dict_params": (lambda p: U.loss_fn(p, BATCH), DICT_PARAMS),
    "integrate_a_lambda": (U.smooth_abs_integral, 0.5),
    "compose": (U.compose(np.sin, np.exp, lambda x: x * 2.0), 0.3),
    "newton_sqrt": (U.newton_sqrt, 2.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_gradient_matches_central_differences(name):
    f, params = CASES[name]
    before = [np.array(leaf, copy=True) for _, leaf in _leaves(params)]
    gradient = s2sad.grad(f)(params)
    assert_gradient_matches_differences(f, params, gradient)
    for (_, leaf), kept in zip(_leaves(params), before):
        np.testing.assert_array_equal(leaf, kept)      # the caller's arrays as they were


@pytest.mark.parametrize("name", ["logistic_regression", "heat_equation", "integrate_a_lambda",
                                  "newton_sqrt", "compose"])
def test_jvp_and_vjp_agree_with_the_gradient(name):
    f, x = CASES[name]
    gradient = np.asarray(s2sad.grad(f)(x))
    v = np.linspace(1.0, -0.5, np.size(x)).reshape(np.shape(x)) if np.ndim(x) else 0.7
    _, tangent = s2sad.jvp(f, (x,), (v,))
    assert tangent == pytest.approx(float(np.sum(gradient * v)), rel=1e-10)
    _, back = s2sad.vjp(f, x)
    np.testing.assert_allclose(back(2.0)[0], 2.0 * gradient, rtol=1e-12)


def test_the_logistic_regression_trains():
    gradient = s2sad.grad(U.training_loss)
    weights = np.zeros(3)
    start = U.training_loss(weights)
    for _ in range(100):
        weights -= gradient(weights) * 0.01
    assert U.training_loss(weights) < 0.5 * start


def test_adam_on_a_parameter_dict_trains():
    gradient = s2sad.grad(U.loss_fn)
    params = dict(DICT_PARAMS)
    state = ({k: np.zeros_like(v) for k, v in params.items()},
             {k: np.zeros_like(v) for k, v in params.items()}, 0)
    start = U.loss_fn(params, BATCH)
    for _ in range(50):
        params, state = U.adam_step(gradient, params, BATCH, state)
    assert U.loss_fn(params, BATCH) < 0.5 * start


def test_second_derivatives_of_the_passed_functions():
    h = 1e-5
    for f, x in (CASES["newton_sqrt"], CASES["integrate_a_lambda"], CASES["compose"]):
        grad = s2sad.grad(f)
        expected = (grad(x + h) - grad(x - h)) / (2 * h)
        assert s2sad.hessian(f)(x) == pytest.approx(expected, rel=1e-6)


def test_a_partial_counts_the_remaining_parameters():
    loss = functools.partial(U.mse, MODEL, MODEL_PARAMS)
    gx = s2sad.grad(loss)(MODEL_X, MODEL_Y)
    assert_gradient_matches_differences(lambda x: loss(x, MODEL_Y), MODEL_X, gx)
