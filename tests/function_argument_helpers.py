"""A helper in a module of its own, for tests/test_i14_function_arguments.py: a
function passed to it from another module is called as a value."""
import numpy as np


def integrate_elsewhere(f, a, b, n=40):
    xs = np.linspace(a, b, n)
    ys = f(xs)
    return np.sum((ys[1:] + ys[:-1]) * np.diff(xs)) / 2.0


def integrate_passing(f, a, b, k, n=40):
    xs = np.linspace(a, b, n)
    ys = f(xs, k)
    return np.sum((ys[1:] + ys[:-1]) * np.diff(xs)) / 2.0
