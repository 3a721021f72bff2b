"""Cross-checks against a peer: the programs of tests/user_corpus.py (written as
autograd's users write them) differentiated by s2sad and by autograd, the same
source with autograd's NumPy imported in place of NumPy. Skipped where autograd is
not installed (the test extra installs it). The in-place simulations (heat, nbody)
are not here: autograd cannot assign into an array."""
import pathlib
import types

import numpy as np
import pytest

import s2sad
from tests import user_corpus as U
from tests.test_i14_user_corpus import (BATCH, DICT_PARAMS, GP_X, MODEL_PARAMS, MODEL_X,
                                        MODEL_Y, RNN_IN, RNN_T, T_NN, X_NN, _leaves)

autograd = pytest.importorskip("autograd")

IMPORTS = {
    "import numpy as np\n": "import autograd.numpy as np\n",
    "import numpy.random as npr\n": "import autograd.numpy.random as npr\n",
    "from scipy.special import logsumexp\n": "from autograd.scipy.special import logsumexp\n",
    "from scipy.stats import multivariate_normal as mvn, norm\n":
        "from autograd.scipy.stats import multivariate_normal as mvn, norm\n",
}


def _autograd_corpus():
    """tests/user_corpus.py with only its imports changed, as a module of its own."""
    path = pathlib.Path(U.__file__)
    text = path.read_text()
    for numpy_line, autograd_line in IMPORTS.items():
        assert numpy_line in text, numpy_line
        text = text.replace(numpy_line, autograd_line)
    module = types.ModuleType("user_corpus_on_autograd")
    exec(compile(text, str(path), "exec"), module.__dict__)
    return module


A = _autograd_corpus()


def _cases(M):
    """The programs of test_i14_user_corpus.CASES, built from corpus module M."""
    _, gp_lml = M.make_gp_funs(M.rbf_covariance, num_cov_params=2)
    bbvi, _ = M.black_box_variational_inference(M.log_density, 2, 50)
    model = M.MLP([M.Dense(), M.Dense(M.np.sin)])
    return {
        "neural_net": (lambda p: -M.log_posterior(p, X_NN, T_NN, 0.1),
                       U.init_random_params(0.1, [4, 5, 3])),
        "logistic_regression": (M.training_loss, np.array([0.1, -0.2, 0.3])),
        "rnn": (lambda p: -M.rnn_log_likelihood(p, RNN_IN, RNN_T),
                U.create_rnn_params(3, 4, 3)),
        "gaussian_process": (lambda p: -gp_lml(p, GP_X, np.sin(GP_X[:, 0])),
                             np.array([0.1, -1.0, 0.2, 0.3])),
        "model_object_partial": (M.make_loss(model, MODEL_X, MODEL_Y), MODEL_PARAMS),
        "bbvi": (lambda q: bbvi(q, 3), np.array([-1.0, -1.0, -5.0, -5.0])),
        "dict_params": (lambda p: M.loss_fn(p, BATCH), DICT_PARAMS),
        "integrate_a_lambda": (M.smooth_abs_integral, 0.5),
        "compose": (M.compose(M.np.sin, M.np.exp, lambda x: x * 2.0), 0.3),
        "newton_sqrt": (M.newton_sqrt, 2.0),
    }


OURS, THEIRS = _cases(U), _cases(A)


@pytest.mark.parametrize("name", sorted(OURS))
def test_the_gradient_equals_autograds(name):
    (f, params), (g, _) = OURS[name], THEIRS[name]
    assert f(params) == pytest.approx(g(params), rel=1e-12)     # the same program
    ours, theirs = s2sad.grad(f)(params), autograd.grad(g)(params)
    for (path, a), (_, b) in zip(_leaves(ours), _leaves(theirs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} {path}")


@pytest.mark.parametrize("name", ["newton_sqrt", "integrate_a_lambda", "compose",
                                  "logistic_regression"])
def test_second_derivatives_equal_autograds(name):
    (f, x), (g, _) = OURS[name], THEIRS[name]
    if np.ndim(x):
        ours, theirs = s2sad.hessian(f)(x), autograd.hessian(g)(x)
    else:
        ours, theirs = s2sad.grad(s2sad.grad(f))(x), autograd.grad(autograd.grad(g))(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)
