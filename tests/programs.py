"""Functions for tests of how generated code sees the user's world."""
import math

SCALE = 2.0


def scaled(x):
    return SCALE * x * x


def make_closure(c):
    def closed(x):
        return c * math.sin(x)

    def set_c(value):
        nonlocal c
        c = value
    return closed, set_c


def log_of(x):
    return math.log(x) * x


def loop_sum(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
    return s


class PrivateWeights:
    """A method reading a private attribute (``self.__w`` is stored as ``_PrivateWeights__w``)."""

    def __init__(self, w):
        self.__w = w

    def loss(self, x):
        return math.tanh(self.__w * x) ** 2 + self.__w * x


def square(t):
    return t * t


def calls_square_twice(x):
    a = square(x)
    return square(a)
