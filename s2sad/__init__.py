"""s2sad: source-to-source automatic differentiation for Python and NumPy.

Reads a function's source and writes Python source for its derivatives.
"""
from . import dual, numerical
from .api import differentiate, grad, jvp, source, value_and_grad, vjp
from .check import check_grad
from .errors import CompileError, GradientCheckError, S2SadError, UsageError, Violation
from .higher import hessian, hvp, jacobian

__version__ = "0.1.0"
__all__ = ["CompileError", "GradientCheckError", "S2SadError", "UsageError", "Violation",
           "check_grad", "differentiate", "dual", "grad", "hessian", "hvp", "jacobian", "jvp",
           "numerical", "source", "value_and_grad", "vjp"]
