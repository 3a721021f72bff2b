"""Programs written the way autograd's and JAX's users write them, not shaped for s2sad:
autograd's example programs (neural_net, rnn, gaussian_process, black_box_svi, the README's
logistic regression) as their users would write them with NumPy imports, a model
object with methods handed to functools.partial, simulations with in-place updates,
a training loop with a parameter dict and a hand-written Adam, functions passed around.
tests/test_i14_user_corpus.py differentiates them."""
import functools
import numpy as np
import numpy.random as npr
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn, norm


# --- autograd's neural_net.py -------------------------------------------------------
def init_random_params(scale, layer_sizes, rs=npr.RandomState(0)):
    return [(scale * rs.randn(m, n), scale * rs.randn(n))
            for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    return sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


# --- autograd's README: logistic regression ------------------------------------------
def sigmoid(x):
    return 0.5 * (np.tanh(x / 2.) + 1)


def logistic_predictions(weights, inputs):
    return sigmoid(np.dot(inputs, weights))


LR_INPUTS = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15],
                      [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
LR_TARGETS = np.array([True, True, False, True])


def training_loss(weights):
    preds = logistic_predictions(weights, LR_INPUTS)
    label_probabilities = preds * LR_TARGETS + (1 - preds) * (1 - LR_TARGETS)
    return -np.sum(np.log(label_probabilities))


# --- autograd's rnn.py -----------------------------------------------------------------
def create_rnn_params(input_size, state_size, output_size, param_scale=0.1,
                      rs=npr.RandomState(0)):
    return {'init hiddens': rs.randn(1, state_size) * param_scale,
            'change': rs.randn(input_size + state_size + 1, state_size) * param_scale,
            'predict': rs.randn(state_size + 1, output_size) * param_scale}


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params['change'], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params['predict'], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params['init hiddens'], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


# --- autograd's gaussian_process.py ----------------------------------------------------
def make_gp_funs(cov_func, num_cov_params):
    def unpack_kernel_params(params):
        mean = params[0]
        cov_params = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def log_marginal_likelihood(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        return mvn.logpdf(y, prior_mean, cov_y_y)

    return num_cov_params + 2, log_marginal_likelihood


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


# --- a model object with methods, handed around ----------------------------------------
class Dense:
    def __init__(self, activation=np.tanh):
        self.activation = activation

    def forward(self, params, x):
        W, b = params
        return self.activation(x @ W + b)


class MLP:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, params, x):
        for layer, p in zip(self.layers, params):
            x = layer.forward(p, x)
        return x


def mse(model, params, x, y):
    return np.mean((model(params, x) - y) ** 2)


def make_loss(model, x, y):
    return functools.partial(mse, model, x=x, y=y)


# --- a simulation with in-place updates --------------------------------------------------
def heat(u0, alpha, steps=20):
    u = u0.copy()
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
        u += alpha * lap
    return np.sum(u ** 2)


def nbody_energy(pos, vel, dt=0.01, steps=10):
    pos = pos.copy()
    vel = vel.copy()
    n = pos.shape[0]
    for _ in range(steps):
        acc = np.zeros_like(pos)
        for i in range(n):
            for j in range(n):
                if i != j:
                    d = pos[j] - pos[i]
                    acc[i] += d / (np.sum(d ** 2) + 0.1) ** 1.5
        vel += dt * acc
        pos += dt * vel
    return 0.5 * np.sum(vel ** 2)


# --- black-box variational inference, noise drawn inside ---------------------------------
def black_box_variational_inference(logprob, D, num_samples):
    def unpack_params(params):
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    def variational_objective(params, t):
        rs = npr.RandomState(t)
        mean, log_std = unpack_params(params)
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
        return -lower_bound

    return variational_objective, unpack_params


def log_density(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


# --- a training loop with a parameter dict and a hand-written Adam ------------------------
def predict(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def loss_fn(params, batch):
    x, y = batch
    err = predict(params, x) - y
    return np.mean(err ** 2) + 1e-3 * sum(np.sum(v ** 2) for k, v in params.items()
                                            if k.startswith("W"))


def adam_step(grad_fn, params, batch, state, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    g = grad_fn(params, batch)
    m, v, t = state
    t = t + 1
    new = {}
    for k in params:
        m[k] = b1 * m[k] + (1 - b1) * g[k]
        v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
        mhat = m[k] / (1 - b1 ** t)
        vhat = v[k] / (1 - b2 ** t)
        new[k] = params[k] - lr * mhat / (np.sqrt(vhat) + eps)
    return new, (m, v, t)


# --- code passed around as functions ---------------------------------------------------
def integrate(f, a, b, n=50):
    xs = np.linspace(a, b, n)
    ys = f(xs)
    return np.sum((ys[1:] + ys[:-1]) * np.diff(xs)) / 2.0


def smooth_abs_integral(k):
    return integrate(lambda x: np.sqrt(x ** 2 + k ** 2), -1.0, 1.0)


def compose(*fs):
    def composed(x):
        for f in reversed(fs):
            x = f(x)
        return x
    return composed


def newton_sqrt(a, tol=1e-12):
    x = a
    while abs(x * x - a) > tol:
        x = 0.5 * (x + a / x)
    return x


def integrate_with(f, a, b, k, n=50):
    xs = np.linspace(a, b, n)
    ys = f(xs, k)
    return np.sum((ys[1:] + ys[:-1]) * np.diff(xs)) / 2.0
