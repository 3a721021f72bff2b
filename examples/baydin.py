"""Baydin et al., "Automatic differentiation in machine learning: a survey" (2018).

f(x1, x2) = ln(x1) + x1*x2 - sin(x2), at (2, 5): the survey's evaluation-trace
example. Run: python examples/baydin.py
"""
import numpy as np

import s2sad


@s2sad.differentiate(wrt=("x1", "x2"))
def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


EXAMPLE_ARGS = {"f": (2.0, 5.0)}         # the arguments generated/baydin.py is written for


if __name__ == "__main__":
    print("f(2, 5)      =", f(2.0, 5.0))
    print("grad f(2, 5) =", f.grad(2.0, 5.0))
    print()
    print("# the adjoint s2sad generated, before optimization:")
    print(s2sad.source(f, optimize=False))
    print("# and what grad runs:")
    print(s2sad.source(f))
