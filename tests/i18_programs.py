"""The NumPy functions issue 18's tests differentiate on Dask and on CuPy arrays."""
import numpy as np


def lstsq(w, X, y):
    r = X @ w - y
    return np.sum(r ** 2) / y.shape[0]


def residuals(w, X, y):
    return np.tanh(X @ w) - y
