"""Functions for the custom-rule tests."""
import math

import numpy as np

import s2sad


def digamma(x, h=1e-6):
    """A numerical digamma, good enough as the derivative of lgamma in these tests."""
    return (math.lgamma(x + h) - math.lgamma(x - h)) / (2 * h)


def uses_lgamma(x, y):
    return math.lgamma(x) * y + math.lgamma(y * y)


def soft_clip(x):
    """Treated as a primitive through a registered rule (its body has a kink)."""
    return np.minimum(np.maximum(x, -1.0), 1.0)


def uses_soft_clip(x):
    return np.sum(soft_clip(x) ** 2)


def uses_stop_gradient(x, y):
    return x * y + s2sad.stop_gradient(x * x) * y


def uses_erfcx(x):
    return math.erfc(x) * math.exp(x * x) * x


def sin_sum(x):
    return np.sum(np.sin(x) * 2.0)


def arctan2_sum(x, y):
    return np.sum(np.arctan2(x, y))
