"""Loops and branches: the reverse sweep replays control flow backwards.

g is design.md's example: a loop with a branch inside, whose body overwrites
x. newton_sqrt runs a while loop until convergence: its trip count depends on
the data, which JAX's reverse mode cannot differentiate.
Run: python examples/loops.py
"""
import s2sad


@s2sad.differentiate
def g(x, n):
    for i in range(n):
        if x > 0:
            x = x * x
        else:
            x = -x
    return x


@s2sad.differentiate
def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


# the arguments generated/loops.py is written for: n is an int (a trip count, no tangent)
EXAMPLE_ARGS = {"g": (1.1, 3), "newton_sqrt": (2.0,)}


if __name__ == "__main__":
    print("g(1.1, 3)            =", g(1.1, 3), "  dg/dx =", g.grad(1.1, 3),
          "  (closed form 8 x^7 =", 8 * 1.1 ** 7, ")")
    print("newton_sqrt(2.0)     =", newton_sqrt(2.0), "  d/da =", newton_sqrt.grad(2.0),
          "  (closed form 1/(2 sqrt a) =", 0.5 / 2.0 ** 0.5, ")")
    print()
    print(s2sad.source(g))
