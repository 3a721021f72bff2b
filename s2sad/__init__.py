"""s2sad: source-to-source automatic differentiation for Python and NumPy.

Reads a function's source and writes Python source for its derivatives.
"""
import sys as _sys

from .oracles import dual, numerical
from .api import batched_jvp, batched_vjp, differentiate, elementwise_grad, grad, hessian, hvp, jacobian, \
    jvp, linearize, source, value_and_grad, vjp
from .check import check_grad
from .api import checkpoint, checkpointed
from .errors import CompileError, GradientCheckError, S2SadError, UsageError, Violation
from .custom import defjvp, defvjp
from .driver.diskcache import CacheWarning, set_cache_dir
from .driver.diskcache import clear as clear_cache
from .driver.diskcache import info as cache_info
from .rules import covered
from .runtime import stop_gradient
from .inspection.trace_table import Trace
from .inspection.tracing import graph, trace

__version__ = "0.1.0"
__all__ = ["batched_jvp", "batched_vjp", "checkpoint", "checkpointed", "CacheWarning", "CompileError", "GradientCheckError", "S2SadError", "Trace",
           "UsageError", "Violation", "cache_info", "check_grad", "clear_cache", "covered",
           "defjvp", "defvjp", "differentiate", "dual", "elementwise_grad", "grad", "graph", "hessian", "hvp",
           "jacobian", "jvp", "linearize", "numerical", "set_cache_dir", "source", "stop_gradient", "trace",
           "value_and_grad", "vjp"]

# The oracles live in s2sad/oracles/; they stay importable by their public names.
_sys.modules[__name__ + ".dual"] = dual
_sys.modules[__name__ + ".numerical"] = numerical
