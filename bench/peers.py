"""Peer AD tools on the same workloads: autograd, JAX (eager and jit), PyTorch eager.

Each ``build_<tool>(workload, args)`` returns ``(run, to_numpy)`` or raises
``Unavailable`` when the library is not installed: ``run()`` computes the
gradient with the arguments already converted to the tool's own types (the
conversion is not timed), ``to_numpy(result)`` turns its result into NumPy
values structured like the hand-written gradient, for the check before timing.

autograd and JAX eager run the workload's own primal source with ``np`` and
``math`` rebound to the library's NumPy (the same algorithm, line for line).
``jax.jit`` needs structured control flow where the loop branches on traced
values: ``scalar_loop`` becomes ``lax.fori_loop`` with ``jnp.where``, and
``while_loop`` becomes ``lax.while_loop``, which JAX can only differentiate in
forward mode (``jax.jacfwd``). PyTorch gets the same algorithms written with
``torch`` functions.

Thread counts and x64 must be set before these libraries are imported:
``bench.run`` does that.
"""
from __future__ import annotations

import math
import types

import numpy as np


class Unavailable(Exception):
    """The tool is not installed (or cannot run this workload); the reason is the message."""


def rebind(func, **names):
    """``func`` with some of its global names rebound (same code object)."""
    env = dict(func.__globals__)
    env.update(names)
    return types.FunctionType(func.__code__, env, func.__name__, func.__defaults__,
                              func.__closure__)


def math_shim(xnp):
    """The ``math`` module with its differentiable functions taken from ``xnp``."""
    shim = types.SimpleNamespace(**{k: getattr(math, k) for k in dir(math)
                                    if not k.startswith("_")})
    for k in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh"):
        setattr(shim, k, getattr(xnp, k))
    return shim


def _structured(workload, values):
    """A single ``wrt`` gives a bare value, several a tuple (as the hand-written ones)."""
    values = tuple(values)
    return values[0] if len(workload.wrt) == 1 else values


def _to_numpy(x):
    a = np.asarray(x, dtype=np.float64)
    return float(a) if a.ndim == 0 else a


# --------------------------------------------------------------------------
# autograd

def build_autograd(workload, args):
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError as exc:
        raise Unavailable(f"autograd not installed ({exc})") from None
    f = rebind(workload.primal, np=anp, math=math_shim(anp))
    wrt = workload.wrt
    g = autograd.grad(f, argnum=wrt if len(wrt) > 1 else wrt[0])

    def run():
        return g(*args)

    def to_numpy(out):
        out = out if len(wrt) > 1 else (out,)
        return _structured(workload, (_to_numpy(o) for o in out))
    return run, to_numpy


# --------------------------------------------------------------------------
# JAX

def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        raise Unavailable(f"jax not installed ({exc})") from None
    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)
    return jax, jnp


def _jax_args(jnp, args):
    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def build_jax_eager(workload, args):
    jax, jnp = _jax()
    f = rebind(workload.primal, np=jnp, math=math_shim(jnp))
    wrt = workload.wrt
    g = jax.grad(f, argnums=wrt if len(wrt) > 1 else wrt[0])
    jargs = _jax_args(jnp, args)

    def run():
        return jax.block_until_ready(g(*jargs))

    def to_numpy(out):
        out = out if len(wrt) > 1 else (out,)
        return _structured(workload, (_to_numpy(o) for o in out))
    return run, to_numpy


def scalar_loop_jax_jit(k, c, x0, v0, dt, n):
    import jax.numpy as jnp
    from jax import lax

    def step(i, state):
        x, v = state
        f = jnp.where(v > 0.0, c * v, 0.5 * c * v)
        a = -k * jnp.sin(x) - f
        return x + dt * v, v + dt * a
    x, v = lax.fori_loop(0, n, step, (jnp.float64(x0), jnp.float64(v0)))
    return (x - 0.3) ** 2 + v * v


def while_loop_jax_jit(a):
    import jax.numpy as jnp
    from jax import lax
    a = jnp.asarray(a, dtype=jnp.float64)
    return lax.while_loop(lambda x: jnp.abs(x * x - a) > 1e-12 * a,
                          lambda x: 0.5 * (x + a / x), a)


JAX_JIT_NOTES = {
    "scalar_loop": "lax.fori_loop + jnp.where",
    "while_loop": "lax.while_loop, forward mode (jax.jacfwd): no reverse mode through it",
}


def build_jax_jit(workload, args):
    jax, jnp = _jax()
    wrt = workload.wrt
    if workload.name == "scalar_loop":
        f = scalar_loop_jax_jit
    elif workload.name == "while_loop":
        f = while_loop_jax_jit
    else:
        f = rebind(workload.primal, np=jnp, math=math_shim(jnp))
    # arguments that are not arrays and not differentiated are static (sizes, constants)
    static = tuple(i for i, a in enumerate(args)
                   if i not in wrt and not isinstance(a, np.ndarray))
    if workload.name == "while_loop":
        g = jax.jit(jax.jacfwd(f))
    else:
        g = jax.jit(jax.grad(f, argnums=wrt if len(wrt) > 1 else wrt[0]),
                    static_argnums=static)
    jargs = _jax_args(jnp, args)

    def run():
        return jax.block_until_ready(g(*jargs))

    def to_numpy(out):
        out = out if len(wrt) > 1 else (out,)
        return _structured(workload, (_to_numpy(o) for o in out))
    return run, to_numpy


# --------------------------------------------------------------------------
# PyTorch eager

def _torch():
    try:
        import torch
    except ImportError as exc:
        raise Unavailable(f"torch not installed ({exc})") from None
    return torch


def _torch_versions(torch):
    def baydin(x1, x2):
        return torch.log(x1) + x1 * x2 - torch.sin(x2)

    def scalar_loop(k, c, x0, v0, dt, n):
        x = torch.as_tensor(x0, dtype=torch.float64)
        v = torch.as_tensor(v0, dtype=torch.float64)
        for i in range(n):
            if v > 0.0:
                f = c * v
            else:
                f = 0.5 * c * v
            a = -k * torch.sin(x) - f
            x = x + dt * v
            v = v + dt * a
        return (x - 0.3) ** 2 + v * v

    def mlp(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        m = torch.amax(z, dim=1, keepdim=True)
        lse = m + torch.log(torch.sum(torch.exp(z - m), dim=1, keepdim=True))
        return -torch.sum(Y * (z - lse)) / X.shape[0]

    def gmm(alphas, means, icf, x, wishart_gamma, wishart_m, D, T):
        n = x.shape[0]
        d = x.shape[1]
        k = alphas.shape[0]
        qs = icf[:, :d]
        ls = icf[:, d:]
        Qdiag = torch.exp(qs)
        sum_qs = torch.sum(qs, dim=1)
        Q = torch.reshape(Qdiag @ D + ls @ T, (k, d, d))
        xc = x[None, :, :] - means[:, None, :]
        Qxc = xc @ torch.transpose(Q, 1, 2)
        sq = torch.sum(Qxc * Qxc, dim=2)
        inner = alphas[:, None] + sum_qs[:, None] - 0.5 * sq
        mx = torch.amax(inner, dim=0, keepdim=True)
        lse = mx[0] + torch.log(torch.sum(torch.exp(inner - mx), dim=0))
        ma = torch.amax(alphas)
        lse_alphas = ma + torch.log(torch.sum(torch.exp(alphas - ma)))
        const = -n * d * 0.5 * math.log(2.0 * math.pi)
        p = d + wishart_m + 1
        prior = torch.sum(0.5 * wishart_gamma * wishart_gamma
                          * (torch.sum(Qdiag * Qdiag, dim=1) + torch.sum(ls * ls, dim=1))
                          - wishart_m * sum_qs)
        lg = 0.25 * d * (d - 1) * math.log(math.pi)
        for j in range(d):
            lg = lg + math.lgamma(0.5 * p - 0.5 * j)
        C = p * d * (math.log(wishart_gamma) - 0.5 * math.log(2.0)) - lg
        return const + torch.sum(lse) - n * lse_alphas + prior - k * C

    def rnn(Wx, Wh, b, xs, h0):
        h = h0
        for t in range(xs.shape[0]):
            h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
        return torch.sum(h * h)

    def while_loop(a):
        x = a
        while torch.abs(x * x - a) > 1e-12 * a:
            x = 0.5 * (x + a / x)
        return x

    return {"baydin": baydin, "scalar_loop": scalar_loop, "mlp": mlp, "gmm": gmm,
            "rnn": rnn, "while_loop": while_loop}


def build_torch(workload, args):
    torch = _torch()
    f = _torch_versions(torch)[workload.name]
    wrt = workload.wrt
    targs = []
    for i, a in enumerate(args):
        if i in wrt:
            targs.append(torch.tensor(a, dtype=torch.float64, requires_grad=True))
        elif isinstance(a, np.ndarray):
            targs.append(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)))
        else:
            targs.append(a)
    inputs = [targs[i] for i in wrt]

    def run():
        return torch.autograd.grad(f(*targs), inputs)

    def to_numpy(out):
        return _structured(workload, (_to_numpy(o.detach().numpy()) for o in out))
    return run, to_numpy


PEERS = {
    "autograd": build_autograd,
    "JAX eager": build_jax_eager,
    "jax.jit": build_jax_jit,
    "PyTorch eager": build_torch,
}
