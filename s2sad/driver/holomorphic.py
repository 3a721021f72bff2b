"""``grad(f, holomorphic=True)``: the complex derivative of a holomorphic function
``f: C^n -> C``, as JAX's ``grad(f, holomorphic=True)`` gives it. s2sad's cotangents are
transposes, not conjugate transposes (docs/conventions.md), so the pullback of the
seed 1 is the derivative itself: ``f'(z)`` for one argument, the partials
``df/dz_k`` for an array.

>>> import numpy as np, s2sad
>>> def cube(z):
...     return z ** 3
>>> complex(s2sad.grad(cube, holomorphic=True)(1.0 + 1.0j))    # 3 z**2 = 6j
6j
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import UsageError
from .derivatives import vjp


def gradient(f, wrt, with_value: bool):
    """The function ``grad`` (``value_and_grad``) returns for ``holomorphic=True``."""
    single = wrt is None or isinstance(wrt, (int, str))
    slots = (0,) if wrt is None else (wrt,) if single else tuple(wrt)
    name = getattr(f, "__name__", "f")

    @functools.wraps(f)
    def holomorphic_gradient(*args, **kwargs):
        for slot in slots:
            value = args[slot] if isinstance(slot, int) and slot < len(args) else None
            if value is not None and not np.iscomplexobj(value):
                raise UsageError(f"grad(holomorphic=True) of {name!r}: argument {slot} is "
                                 "real; pass it as a complex number (x + 0j)",
                                 "bad-wrt-type")
        y, pullback = vjp(f, *args, wrt=slots, **kwargs)
        if np.ndim(y) != 0 or not np.iscomplexobj(y):
            raise UsageError(f"grad(holomorphic=True) of {name!r}: the output must be one "
                             f"complex number, not {type(y).__name__} of shape "
                             f"{np.shape(y)}; for a real output drop holomorphic=True",
                             "bad-arguments")
        cotangents = pullback(np.complex128(1.0))
        out = cotangents[0] if single else tuple(cotangents)
        return (y, out) if with_value else out
    return holomorphic_gradient
