"""Four ways to a derivative, side by side on one function (Baydin et al., 2018, §2).

The function is the survey's own example of expression swell: n steps of the
logistic map, l_1 = x, l_{k+1} = 4 l_k (1 - l_k).

1. manual: the chain rule worked out by hand;
2. numerical: finite differences, whose error first falls with the step h
   (truncation) and then rises again (round-off), so they never reach machine
   precision; the error against h is plotted to four_ways.png when matplotlib
   is installed;
3. symbolic: the derivative as an expression, which swells with n (with sympy,
   when installed);
4. automatic: s2sad's forward and reverse modes, exact to rounding, and dual
   numbers (s2sad.dual), forward mode by operator overloading.

Run: python examples/four_ways.py
"""
import math
import pathlib

import numpy as np

import s2sad
from s2sad import dual, numerical

X, N = 0.3, 4


@s2sad.differentiate(wrt="x")
def logistic(x, n=N):
    """n steps of the logistic map from x."""
    l = x
    for _ in range(n):
        l = 4.0 * l * (1.0 - l)
    return l


EXAMPLE_ARGS = {"logistic": (X,)}        # the arguments generated/four_ways.py is written for


def logistic_derivative_by_hand(x, n=N):
    """d l_n / dx by the chain rule, on paper: l' <- 4 (1 - 2 l) l' at each step."""
    l, dl = x, 1.0
    for _ in range(n):
        l, dl = 4.0 * l * (1.0 - l), 4.0 * (1.0 - 2.0 * l) * dl
    return dl


def finite_difference_errors(exact, steps):
    """|forward difference - exact| and |central difference - exact| at each step h."""
    forward = [abs(numerical.forward(logistic, X, step=h) - exact) for h in steps]
    central = [abs(numerical.central(logistic, X, step=h) - exact) for h in steps]
    return forward, central


def show_finite_differences(exact):
    steps = [10.0 ** -k for k in range(1, 16)]
    forward, central = finite_difference_errors(exact, steps)
    print("2. Finite differences: the error against the step h")
    print(f"   {'h':>7}  {'forward':>9}  {'central':>9}")
    for h, f_err, c_err in zip(steps, forward, central):
        print(f"   {h:7.0e}  {f_err:9.1e}  {c_err:9.1e}")
    best = min(central)
    print(f"   best central difference: error {best:.1e} at h = "
          f"{steps[central.index(best)]:.0e}; smaller steps lose digits to round-off")
    print(f"   Richardson extrapolation: error "
          f"{abs(numerical.richardson(logistic, X) - exact):.1e}\n")
    plot_errors(steps, forward, central, abs(logistic.grad(X, N) - exact))


def plot_errors(steps, forward, central, ad_error, path=pathlib.Path("four_ways.png")):
    """Save the log-log plot of error against h, if matplotlib is installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("   (matplotlib is not installed: no plot)\n")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(steps, forward, "o-", label="forward difference, O(h) + eps/h")
    ax.loglog(steps, central, "s-", label="central difference, O(h^2) + eps/h")
    ax.axhline(max(ad_error, 1e-17), color="k", linestyle="--", label="s2sad reverse mode")
    ax.set_xlabel("step h")
    ax.set_ylabel("absolute error")
    ax.set_title(f"Finite differences of the logistic map (n = {N}) at x = {X}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"   plot saved to {path}\n")


def show_expression_swell(largest=6):
    """Sizes of l_n and dl_n/dx as expressions, as in the survey's Table 1."""
    print("3. Symbolic differentiation: expression swell")
    try:
        import sympy
    except ImportError:
        print("   (sympy is not installed: skipped)\n")
        return
    x = sympy.Symbol("x")
    l = x
    print(f"   {'n':>2}  {'ops in l_n':>10}  {'ops in dl_n/dx':>14}  {'simplified':>10}")
    for n in range(1, largest + 1):
        l = 4 * l * (1 - l)
        derivative = sympy.diff(l, x)
        simplified = sympy.simplify(derivative) if n <= 4 else None
        size = sympy.count_ops(simplified) if simplified is not None else "-"
        print(f"   {n:>2}  {sympy.count_ops(l):>10}  {sympy.count_ops(derivative):>14}  "
              f"{size:>10}")
    print("   AD never builds this expression: it carries numbers through the program.\n")


def show_automatic(exact):
    print("4. Automatic differentiation, exact to rounding")
    forward = s2sad.jvp(logistic, (X, N), (1.0,), wrt=0)[1]
    rows = [("s2sad forward mode (jvp)", forward),
            ("s2sad reverse mode (grad)", logistic.grad(X, N)),
            ("dual numbers (s2sad.dual)", dual.derivative(lambda x: logistic(x, N), X)),
            ("complex step (numerical)", numerical.complex_step(logistic, X, N))]
    for label, value in rows:
        print(f"   {label:27} {value!r:>22}  error {abs(value - exact):.1e}")
    print()
    print(s2sad.check_grad(logistic, X, N))


def main():
    exact = logistic_derivative_by_hand(X)
    print(f"f(x) = logistic map, {N} steps;  f({X}) = {logistic(X)!r}\n")
    print(f"1. By hand (chain rule):        f'({X}) = {exact!r}\n")
    show_finite_differences(exact)
    show_expression_swell()
    show_automatic(exact)
    assert math.isclose(logistic.grad(X, N), exact, rel_tol=1e-13)
    assert np.isfinite(exact)


if __name__ == "__main__":
    main()
