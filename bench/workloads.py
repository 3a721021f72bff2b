"""Benchmark workloads: a plain NumPy/Python primal and a hand-written gradient of
the same algorithm for each, plus the arguments to run them on.

Each primal is what a person writes without thinking of derivatives; each
hand-written gradient is what a careful person writes from it: the adjoint
(or, for ``while_loop``, the tangent) of the very same steps, not a closed
form that the algorithm approximates. ``tests/test_bench_workloads.py`` checks
every hand-written gradient against central finite differences.

A workload's primals keep to what s2sad differentiates (docs/rules.md): the
GMM builds its triangular factors with constant 0/1 matrices instead of
``np.tril``/index assignment, and takes its log-sum-exps by hand.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Workload:
    name: str
    description: str
    primal: Callable                 # f(*args) -> float
    hand: Callable                   # hand(*args) -> gradient, structured like wrt
    make_args: Callable              # make_args(scale) -> tuple of arguments
    wrt: tuple                       # positions of the differentiated arguments
    sizes: dict = field(default_factory=dict)  # scale name -> keyword arguments


# --------------------------------------------------------------------------
# baydin: f(x1, x2) = ln x1 + x1 x2 - sin x2 (Baydin et al., the survey's example)

def baydin(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def baydin_hand(x1, x2):
    return 1.0 / x1 + x2, x1 - np.cos(x2)


def baydin_args(**_):
    return (2.0, 5.0)


# --------------------------------------------------------------------------
# scalar_loop: explicit Euler for a damped pendulum whose damping is stronger
# moving forward than backward (the branch), loss on the final state;
# gradient w.r.t. the stiffness k and the damping c.

def scalar_loop(k, c, x0, v0, dt, n):
    x = x0
    v = v0
    for i in range(n):
        if v > 0.0:
            f = c * v
        else:
            f = 0.5 * c * v
        a = -k * math.sin(x) - f
        x = x + dt * v
        v = v + dt * a
    return (x - 0.3) ** 2 + v * v


def scalar_loop_hand(k, c, x0, v0, dt, n):
    # primal sweep, saving the state that the adjoint sweep needs
    xs = []
    vs = []
    x = x0
    v = v0
    for i in range(n):
        xs.append(x)
        vs.append(v)
        if v > 0.0:
            f = c * v
        else:
            f = 0.5 * c * v
        a = -k * math.sin(x) - f
        x = x + dt * v
        v = v + dt * a
    # adjoint sweep
    b_x = 2.0 * (x - 0.3)
    b_v = 2.0 * v
    b_k = 0.0
    b_c = 0.0
    for i in range(n - 1, -1, -1):
        x = xs[i]
        v = vs[i]
        b_a = dt * b_v
        s = 1.0 if v > 0.0 else 0.5
        b_k -= b_a * math.sin(x)
        b_c -= b_a * s * v
        b_v = b_v + dt * b_x - b_a * s * c
        b_x = b_x - b_a * k * math.cos(x)
    return b_k, b_c


def scalar_loop_args(n=1000, **_):
    return (2.0, 0.8, 1.0, 0.0, 0.01, n)


# --------------------------------------------------------------------------
# mlp: 784-256-10 tanh MLP, softmax cross-entropy averaged over the batch

def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return -np.sum(Y * (z - lse)) / X.shape[0]


def mlp_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    p = e / np.sum(e, axis=1, keepdims=True)
    b_z = (p * np.sum(Y, axis=1, keepdims=True) - Y) / X.shape[0]
    b_W2 = h.T @ b_z
    b_b2 = np.sum(b_z, axis=0)
    b_a = (b_z @ W2.T) * (1.0 - h * h)
    b_W1 = X.T @ b_a
    b_b1 = np.sum(b_a, axis=0)
    return b_W1, b_b1, b_W2, b_b2


def mlp_args(batch=128, n_in=784, n_hidden=256, n_out=10, seed=0, **_):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_in, n_hidden))
    b1 = rng.normal(0.0, 0.1, n_hidden)
    W2 = rng.normal(0.0, 1.0 / math.sqrt(n_hidden), (n_hidden, n_out))
    b2 = rng.normal(0.0, 0.1, n_out)
    X = rng.normal(0.0, 1.0, (batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    return (W1, b1, W2, b2, X, Y)


# --------------------------------------------------------------------------
# gmm: the Gaussian mixture objective of ADBench (Srajer, Kukelova and
# Fitzgibbon 2018) with the Wishart prior. icf[k] holds the log diagonal of
# the lower-triangular inverse-covariance factor Q_k, then its strictly lower
# entries column by column. D and T are constant 0/1 matrices that place the
# diagonal and the strictly lower entries into Q_k (flattened row-major).

def gmm(alphas, means, icf, x, wishart_gamma, wishart_m, D, T):
    n = x.shape[0]
    d = x.shape[1]
    k = alphas.shape[0]
    qs = icf[:, :d]
    ls = icf[:, d:]
    Qdiag = np.exp(qs)
    sum_qs = np.sum(qs, axis=1)
    Q = np.reshape(Qdiag @ D + ls @ T, (k, d, d))
    xc = x[None, :, :] - means[:, None, :]
    Qxc = xc @ np.transpose(Q, (0, 2, 1))
    sq = np.sum(Qxc * Qxc, axis=2)
    inner = alphas[:, None] + sum_qs[:, None] - 0.5 * sq
    mx = np.max(inner, axis=0, keepdims=True)
    lse = mx[0] + np.log(np.sum(np.exp(inner - mx), axis=0))
    ma = np.max(alphas)
    lse_alphas = ma + np.log(np.sum(np.exp(alphas - ma)))
    const = -n * d * 0.5 * math.log(2.0 * math.pi)
    # Wishart prior
    p = d + wishart_m + 1
    prior = np.sum(0.5 * wishart_gamma * wishart_gamma
                   * (np.sum(Qdiag * Qdiag, axis=1) + np.sum(ls * ls, axis=1))
                   - wishart_m * sum_qs)
    lg = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(d):
        lg = lg + math.lgamma(0.5 * p - 0.5 * j)
    C = p * d * (math.log(wishart_gamma) - 0.5 * math.log(2.0)) - lg
    return const + np.sum(lse) - n * lse_alphas + prior - k * C


def gmm_hand(alphas, means, icf, x, wishart_gamma, wishart_m, D, T):
    n = x.shape[0]
    d = x.shape[1]
    k = alphas.shape[0]
    # primal sweep
    qs = icf[:, :d]
    ls = icf[:, d:]
    Qdiag = np.exp(qs)
    Q = np.reshape(Qdiag @ D + ls @ T, (k, d, d))
    xc = x[None, :, :] - means[:, None, :]
    Qxc = xc @ np.transpose(Q, (0, 2, 1))
    inner = alphas[:, None] + np.sum(qs, axis=1)[:, None] - 0.5 * np.sum(Qxc * Qxc, axis=2)
    mx = np.max(inner, axis=0, keepdims=True)
    e = np.exp(inner - mx)
    w = e / np.sum(e, axis=0)                       # (k, n): d sum(lse) / d inner
    ea = np.exp(alphas - np.max(alphas))
    # adjoint sweep
    b_sum_qs = np.sum(w, axis=1) - wishart_m        # log-sum-exps, then the prior
    b_alphas = np.sum(w, axis=1) - n * ea / np.sum(ea)
    G = -w[:, :, None] * Qxc                         # d/dQxc of -0.5 |Qxc|^2 terms
    b_xc = G @ Q
    b_means = -np.sum(b_xc, axis=1)
    b_Q = np.reshape(np.swapaxes(G, 1, 2) @ xc, (k, d * d))
    g2 = wishart_gamma * wishart_gamma
    b_Qdiag = b_Q @ D.T + g2 * Qdiag
    b_ls = b_Q @ T.T + g2 * ls
    b_qs = b_Qdiag * Qdiag + b_sum_qs[:, None]
    return b_alphas, b_means, np.concatenate((b_qs, b_ls), axis=1)


def gmm_placement(d):
    """The constant 0/1 matrices: D (d, d*d) for the diagonal, T (d(d-1)/2, d*d)
    for the strictly lower entries in ADBench's column-major order."""
    D = np.zeros((d, d * d))
    for i in range(d):
        D[i, i * d + i] = 1.0
    T = np.zeros((d * (d - 1) // 2, d * d))
    j = 0
    for col in range(d):
        for row in range(col + 1, d):
            T[j, row * d + col] = 1.0
            j += 1
    return D, T


def gmm_args(d=10, k=25, n=1000, seed=0, **_):
    rng = np.random.default_rng(seed)
    alphas = rng.normal(0.0, 1.0, k)
    means = rng.uniform(0.0, 1.0, (k, d))
    icf = rng.normal(0.0, 0.3, (k, d * (d + 1) // 2))
    x = rng.uniform(0.0, 1.0, (n, d))
    D, T = gmm_placement(d)
    return (alphas, means, icf, x, 1.0, 0, D, T)


# --------------------------------------------------------------------------
# rnn: a tanh RNN over a Python loop; loss = squared norm of the last state

def rnn(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def rnn_hand(Wx, Wh, b, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    b_h = 2.0 * h
    b_Wx = np.zeros_like(Wx)
    b_Wh = np.zeros_like(Wh)
    b_b = np.zeros_like(b)
    for t in range(xs.shape[0] - 1, -1, -1):
        h = hs[t + 1]
        b_a = b_h * (1.0 - h * h)
        b_Wx += xs[t].T @ b_a
        b_Wh += hs[t].T @ b_a
        b_b += np.sum(b_a, axis=0)
        b_h = b_a @ Wh.T
    return b_Wx, b_Wh, b_b


def rnn_args(steps=50, hidden=128, n_in=64, batch=32, seed=0, **_):
    rng = np.random.default_rng(seed)
    Wx = rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_in, hidden))
    Wh = rng.normal(0.0, 1.0 / math.sqrt(hidden), (hidden, hidden))
    b = rng.normal(0.0, 0.1, hidden)
    xs = rng.normal(0.0, 1.0, (steps, batch, n_in))
    h0 = np.zeros((batch, hidden))
    return (Wx, Wh, b, xs, h0)


# --------------------------------------------------------------------------
# while_loop: Newton's iteration for sqrt(a) until |x^2 - a| <= 1e-12 a

def while_loop(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def while_loop_hand(a):
    # the tangent of each iteration, carried beside x (da = 1)
    x = a
    d_x = 1.0
    while abs(x * x - a) > 1e-12 * a:
        d_x = 0.5 * (d_x + 1.0 / x - a * d_x / (x * x))
        x = 0.5 * (x + a / x)
    return d_x


def while_loop_args(a=12345.678, **_):
    return (a,)


# --------------------------------------------------------------------------

WORKLOADS = {
    w.name: w for w in [
        Workload("baydin", "ln x1 + x1 x2 - sin x2 on floats; d/d(x1, x2)",
                 baydin, baydin_hand, baydin_args, (0, 1)),
        Workload("scalar_loop", "explicit Euler, damped pendulum, 1000 float steps with a branch; d/d(k, c)",
                 scalar_loop, scalar_loop_hand, scalar_loop_args, (0, 1),
                 {"tiny": {"n": 20}}),
        Workload("mlp", "784-256-10 tanh MLP, softmax cross-entropy, batch 128; d/d(W1, b1, W2, b2)",
                 mlp, mlp_hand, mlp_args, (0, 1, 2, 3),
                 {"tiny": {"batch": 4, "n_in": 6, "n_hidden": 5, "n_out": 3}}),
        Workload("gmm", "ADBench GMM objective with Wishart prior, d=10, k=25, n=1000; d/d(alphas, means, icf)",
                 gmm, gmm_hand, gmm_args, (0, 1, 2),
                 {"tiny": {"d": 3, "k": 4, "n": 7}}),
        Workload("rnn", "tanh RNN, 50-step Python loop, hidden 128, input 64, batch 32; d/d(Wx, Wh, b)",
                 rnn, rnn_hand, rnn_args, (0, 1, 2),
                 {"tiny": {"steps": 4, "hidden": 5, "n_in": 3, "batch": 2}}),
        Workload("while_loop", "Newton's iteration for sqrt(a) to 1e-12, d/da (hand-written: the tangent carried through the iterations)",
                 while_loop, while_loop_hand, while_loop_args, (0,)),
    ]
}


def arguments(workload: Workload, scale: str = "full"):
    """The workload's arguments at ``scale`` ('full' or 'tiny')."""
    return workload.make_args(**workload.sizes.get(scale, {}))
