"""Functions s2sad must refuse, one unsupported construct each.

The offending line carries the marker ``# <-- error``; test_errors.py finds it
in the source text to know which line the error must name. A line marked
``# <-- or here`` is an equally good place to report the same problem (a
``global`` declaration and the write it allows, for instance).
"""
import math

import numpy as np


class _Resource:
    """A context manager s2sad knows nothing about."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def generator(x):
    y = x * x
    yield y * x  # <-- error


async def coroutine(x):  # <-- error
    return x * x


def try_except(x):
    try:  # <-- error
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y * x


def with_statement(x):
    y = x * 2.0
    with _Resource():  # <-- error
        y = y * x
    return y


_LAST_INPUT = 0.0


def global_write(x):
    global _LAST_INPUT  # <-- or here
    _LAST_INPUT = x  # <-- error
    return x * x


def _make_accumulator():
    total = 0.0

    def accumulate(x):
        nonlocal total  # <-- or here
        total = total + x  # <-- error
        return total * x

    return accumulate


nonlocal_write = _make_accumulator()


def gamma_call(x):
    y = x * 0.5
    z = math.gamma(y)  # <-- error
    return z * x


def cond_call(a):
    b = a * 2.0
    c = np.linalg.cond(b)  # <-- error
    return c * c


def two_problems(x):
    y = x * x
    with _Resource():  # <-- error
        y = y + x
    try:  # <-- error
        z = math.log(y)
    except ValueError:
        z = 0.0
    return z


def augmented_view(x):
    z = np.zeros(3)
    w = z[:2]
    w += x  # <-- error
    return np.sum(z * z)


def augmented_copy_of_name(x):
    z = x * 2.0
    w = z
    w *= x  # <-- error
    return np.sum(z * x)


def row_of_matrix_updated(x):
    z = np.zeros((3, 2))
    row = z[1]
    row[0] = x[0]  # <-- error
    return np.sum(z * z)


def two_analyses(w, x):
    w[0] = 0.0  # <-- error
    return math.gamma(x) * w[1]  # <-- error


def view_made_in_a_branch_read_after_an_update(x):
    z = x * 1.0
    if x[0] > 0:
        w = z[:2]
    else:
        w = z[1:]
    z[0] = 5.0  # <-- error
    return np.sum(w * x[:2])
