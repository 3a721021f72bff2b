"""Functions that tests/test_trace.py traces: loops, branches, arrays, user calls."""
import numpy as np


def baydin(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def square_plus_one(a):
    return a * a + 1.0


def calls_user_function(x, y):
    u = square_plus_one(x * y)
    return np.sqrt(u) + square_plus_one(u)


def branch(x):
    if x > 1.0:
        return x * np.exp(x)
    y = x
    for i in range(3):
        y = y * x + i
    return np.sin(y)


def power_loop(x, n):
    for i in range(n):
        if x > 0:
            x = x * x
        else:
            x = -x
    return x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def over_items(x, w):
    s = 0.0
    for c in [0.5, 2.0]:
        x = np.sin(x * c)
    for a, b in zip(x, w):
        s = s + a * b
    return s


def layer(w, x):
    h = np.tanh(w @ x)
    return np.sum(h ** 2)


def in_place(x):
    y = np.zeros(3)
    y[0] = x
    return np.sum(y)


def over_a_generator(x):
    s = 0.0
    for t in (x * k for k in range(3)):
        s = s + t
    return s


def with_try(x):
    try:
        y = x * x
    except ValueError:
        y = 0.0
    return y


def random_noise(x):
    return x + np.random.rand()


def returns_array(x):
    return np.sin(x) * 2.0



def g(x, n):
    for i in range(n):
        x = x * x
    return x


def unused_argument(x, y):
    return x * 2.0


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


def appends(x):
    vals = []
    for i in range(4):
        vals.append(x ** i)
    return vals[1] * vals[3] + sum(vals)


def comprehensions(w, x):
    s = sum(w[i] * x[i] for i in range(3) if i != 1)
    return s + sum([a * a for a in x])


def with_defaults(x, scale=2.0, *, shift=1.0):
    return np.sin(x * scale) + shift
