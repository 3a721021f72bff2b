"""s2sad: source-to-source automatic differentiation for Python and NumPy.

Reads a function's source and writes Python source for its derivatives.
"""
from .api import differentiate, grad, jvp, source, value_and_grad, vjp
from .errors import CompileError, S2SadError, UsageError, Violation
from .custom import defjvp, defvjp
from .higher import hessian, hvp, jacobian
from .rules import covered
from .runtime import stop_gradient

__version__ = "0.1.0"
__all__ = ["CompileError", "S2SadError", "UsageError", "Violation", "covered", "defjvp",
           "defvjp", "differentiate", "grad", "hessian", "hvp", "jacobian", "jvp", "stop_gradient",
           "source", "value_and_grad", "vjp"]
