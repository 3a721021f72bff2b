"""A polynomial by Horner's rule, its coefficients an array the loop walks.

The loop ``for c in coeffs`` reads one coefficient per step; the adjoint loop
runs backwards and puts each step's adjoint into its slot of the coefficients'.
Run: python examples/horner.py
"""
import numpy as np

import s2sad


@s2sad.differentiate
def horner(coeffs, x):
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


# generated/ shows the code for these argument kinds: a 1-d array and a float
EXAMPLE_ARGS = {"horner": (np.array([1.0, -2.0, 3.0]), 0.5)}


if __name__ == "__main__":
    coeffs, x = EXAMPLE_ARGS["horner"]
    d_coeffs, d_x = s2sad.grad(horner, wrt=(0, 1))(coeffs, x)
    print("horner(coeffs, 0.5) =", horner(coeffs, x))
    print("d/dcoeffs           =", d_coeffs,
          "  (closed form x**[2, 1, 0] =", x ** np.arange(2, -1, -1), ")")
    print("d/dx                =", d_x,
          "  (closed form 2 c0 x + c1 =", 2 * coeffs[0] * x + coeffs[1], ")")
    print()
    print(s2sad.source(horner, args=(coeffs, x)))
