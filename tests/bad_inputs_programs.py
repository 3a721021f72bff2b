"""Plain functions for tests/test_bad_inputs.py, one or two per row of bad-inputs.md.

They live in a real file because s2sad reads source with ``inspect.getsource``.
A line that s2sad must report carries the marker ``# <-- error``; a line marked
``# <-- or here`` is an equally good place to report the same problem. The tests
find these markers in the source text, so no line number is written down.
"""
import math

import numpy as np

# --- #10 mutable default argument, only read ----------------------------------------


def mutable_default_read(x, weights=[1.0, 2.0, 3.0]):  # noqa: B006 (the point of the row)
    return weights[0] * x + weights[2] * x * x


# --- #11 *args / **kwargs (specialised on each call's shape) -----------------------------


def star_args(x, *rest):
    return x * x


def star_kwargs(x, **options):
    return x * x


# --- #12 keyword-only arguments with defaults ------------------------------------------


def keyword_only(x, *, scale=2.0):
    return scale * x * x + math.sin(scale)


# --- #13 positional-only arguments -----------------------------------------------------


def positional_only(x, y, /, z):
    return x * y + z * z * x


# --- #19 while loop with a data-dependent trip count -----------------------------------


def while_halving(x):
    y = x
    while y > 1.0:
        y = y * 0.5
    return y * y + math.sin(y) * x


def while_accumulate(x):
    s = 0.0
    t = x
    while t < 10.0:
        s = s + t * x
        t = t + 1.0
    return s


# --- #20 for with break / continue, for ... else ----------------------------------------


def for_break(x, n):
    s = x
    for i in range(n):
        if s > 10.0:
            break
        s = s * x
    return s


def for_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s + math.sin(x * i)
    return s


def for_else(x, n):
    s = x
    for i in range(n):  # <-- error
        s = s * x
    else:  # <-- or here
        s = s + 1.0  # <-- or here
    return s


# --- #21 nested loops over np.arange(i, n) ---------------------------------------------


def nested_arange(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        for j in np.arange(i, n):
            s = s + x[i] * x[j]
    return s


# --- #22 loop-carried read-after-write on scalars --------------------------------------


def loop_carried(x, n):
    a = x
    for i in range(n):
        a = math.sin(a) * x
    return a


# --- #23 accumulation after a max-finding loop (google/tangent #66) --------------------


def logsumexp_loops(a):
    m = a[0]
    for i in range(1, a.shape[0]):
        if a[i] > m:
            m = a[i]
    result = 0.0
    for i in range(a.shape[0]):
        result += np.exp(a[i] - m)
    return m + np.log(result)


# --- #24 recursion ---------------------------------------------------------------------


def recursive_power(x, n):
    return x if n == 0 else recursive_power(x * x, n - 1)


# --- #25 lambdas -------------------------------------------------------------------------

square_lambda = lambda x: x * x  # noqa: E731


def lambda_inside(x):
    sq = lambda t: t * t  # noqa: E731
    return sq(x) + x


def calls_argument(x, fn):
    y = fn(x)
    return y * x


# --- #26 nested def ----------------------------------------------------------------------


def nested_def(x):
    def inner(t):
        return t * t
    return inner(x) + x


def closure_over_active(x):
    def scaled(t):  # <-- error
        return t * x
    chosen = [scaled]       # stored, not only called: it escapes, so it is not lifted
    return chosen[0](2.0)


# --- #27 C functions without a derivative rule -------------------------------------------


def gamma_call(x):
    y = x * 0.5
    z = math.gamma(y)  # <-- error
    return z * x


def cond_call(a):
    b = a * 2.0
    c = np.linalg.cond(b)  # <-- error
    return c * c


def frexp_call(a):
    b = a * 2.0
    d = np.frexp(b)[0]  # <-- error
    return np.sum(d * d)


# --- #28 ndarray method calls -------------------------------------------------------------


def method_dot(w, x):
    y = w.T.dot(x)
    return np.sum(y * y)


def method_sum(x):
    s = x.sum(axis=0)
    return np.sum(np.sin(s) * s)


def method_reshape(x):
    y = x.reshape(2, 6)
    z = y * np.arange(2.0).reshape(2, 1)
    return np.sum(z * x.reshape(2, 6))


# --- #29 builtins ---------------------------------------------------------------------------


def builtin_abs(x):
    return abs(x) * x


def builtin_max(x, y):
    return max(x, y) * y


def builtin_min(x, y):
    return min(x, y) + x * y


def builtin_sum(x):
    return sum([x, x * x, 3.0]) * x


def builtin_float(x):
    return float(x) * x


def int_of(x, y):
    return x * int(y)


def round_of(x, y):
    return x * round(y)


# --- #30 int argument ----------------------------------------------------------------------


def scaled_power(x, n):
    return x ** n


# --- #31 bool / str / None arguments pass through -------------------------------------------


def passthrough(x, mode, flag, nothing):
    if mode == "double":
        y = 2.0 * x * x
    else:
        y = x * x
    if flag:
        y = y + x
    if nothing is None:
        y = y * 3.0
    return y


# --- #32 float32 ---------------------------------------------------------------------------


def f32_poly(x):
    return np.sum(x * x * 3.0 + np.sin(x))


def f32_scalar(x):
    return x * x * 3.0 + np.sin(x)


# --- #34 / #35 powers at zero and negative bases ---------------------------------------------


def square(x):
    return x ** 2


def cube(x):
    return x ** 3


def sum_square(x):
    return np.sum(x ** 2)


def sum_cube(x):
    return np.sum(x ** 3)


def power(x, y):
    return x ** y


# --- #36 sqrt and log at zero ------------------------------------------------------------------


def sum_sqrt(x):
    return np.sum(np.sqrt(x))


def sum_log(x):
    return np.sum(np.log(x))


# --- #37 np.where with an unsafe untaken branch ------------------------------------------------


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


# --- #38 kinks at zero --------------------------------------------------------------------------


def abs_only(x):
    return abs(x)


def relu(x):
    return np.sum(np.maximum(x, 0.0))


def maximum_self(x):
    return np.maximum(x, x)


# --- #39 broadcasting ------------------------------------------------------------------------


def broadcast_outer(a, b):
    return np.sum(np.sin(a + b) * (a * b))


def broadcast_scalar(s, v):
    return np.sum((s + v) ** 2 * v)


# --- #40 reductions with keepdims and several axes ---------------------------------------------


def reduce_keepdims(x):
    s = np.sum(x * x, axis=(1, 2), keepdims=True)
    return np.sum(np.sin(s) * x)


def reduce_mean_keepdims(x):
    m = np.mean(x, axis=1, keepdims=True)
    return np.sum((x - m) ** 2)


def reduce_two_axes(x):
    s = np.sum(x, axis=(1, 2))
    return np.sum(s * s * np.arange(1.0, 3.0))


# --- #41 non-scalar outputs -----------------------------------------------------------------------


def returns_tuple(x):
    return x * 2.0, x + 1.0


def returns_array(x):
    return x * 2.0


# --- #42 output independent of the wrt argument ----------------------------------------------------


def ignores_x(x, y):
    return y * y


# --- #43 the primal does not mutate its inputs ------------------------------------------------------


def reads_only(x, w, offsets):
    y = x * w
    y += w
    for k in range(len(offsets)):
        y = y + offsets[k] * x
    return np.sum(y * y) + np.sum(w.T * 0.5)


# --- #46 del, annotated assignment, walrus, f-strings, match -----------------------------------------


def uses_del(x):
    y = x * x
    z = y * x
    del y  # <-- error
    return z


def annotated(x):
    y: float = x * x
    return y * x


def walrus(x):
    if (y := x * x) > 1.0:  # <-- error
        return y
    return x


def fstring_print(x):
    y = x * x
    print(f"y = {y:.3f}, x = {x!r}")
    return y * x


def uses_match(x, mode):
    match mode:  # <-- error
        case "square":
            return x * x
        case _:
            return x


# --- #47 conditional expressions, and / or as values ------------------------------------------------


def if_expression(x, y):
    z = x * y if x > y else x + y
    return z * x


def and_or(x, y):
    a = x > 1.0 and x * y
    b = y or x
    c = (x < 0.0 and x) or y * y
    return a + b + c


# --- #54 methods -------------------------------------------------------------------------------------


class Scaler:
    def __init__(self, scale):
        self.scale = scale

    def apply(self, x):
        return self.scale * x * x

    @staticmethod
    def square(x):
        return x * x * x


def append_then_stack(x):
    values = []
    for i in range(3):
        values.append(x * i)
    return np.sum(np.stack(values))


def fill_through_a_method(x):
    buf = np.zeros(3)
    np.copyto(buf, x)  # <-- error
    return np.sum(buf * x)


def math_sqrt(x):
    return math.sqrt(x)


def power_half(x):
    return x ** 0.5 + x * x


def math_log(x):
    return math.log(x) * 2.0


def hypot_of_itself(x):
    return -math.hypot(x, x) + math.hypot(x, 2.0 * x) * x
