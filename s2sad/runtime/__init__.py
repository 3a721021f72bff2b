"""Helpers that generated derivative code calls; imports nothing of s2sad.

They undo what broadcasting, reductions and indexing did to shapes, so that
an adjoint always has its primal's shape. Each keeps Python floats as floats
and works on any array that follows NumPy's protocols. Generated code calls them
as ``_rt.<name>``: this module gathers the areas' helpers under one name, and
:data:`HELPERS` is the set of them, for code that asks whether a callable is one.
"""
import types

from . import calculus, checkpoint, checks, complexes, core, elementwise, fft, ivp, linalg, \
    numpy_more, odes, products, reductions, scipy_helpers, scipy_linalg, scipy_signal, shapes, \
    spectral, trees
from .calculus import *      # noqa: F401,F403
from .checkpoint import *    # noqa: F401,F403
from .checks import *        # noqa: F401,F403
from .complexes import *     # noqa: F401,F403
from .core import *          # noqa: F401,F403
from .elementwise import *   # noqa: F401,F403
from .fft import *          # noqa: F401,F403
from .ivp import *          # noqa: F401,F403
from .linalg import *        # noqa: F401,F403
from .odes import *          # noqa: F401,F403
from .numpy_more import *    # noqa: F401,F403
from .products import *      # noqa: F401,F403
from .reductions import *    # noqa: F401,F403
from .scipy_helpers import *  # noqa: F401,F403
from .scipy_linalg import *  # noqa: F401,F403
from .scipy_signal import *  # noqa: F401,F403
from .shapes import *        # noqa: F401,F403
from .spectral import *      # noqa: F401,F403
from .trees import *         # noqa: F401,F403
from .containers import *    # noqa: F401,F403  (primitives: not HELPERS)

AREAS = (core, checks, checkpoint, complexes, elementwise, reductions, shapes, linalg, products,
         fft, scipy_helpers, spectral, trees, odes, ivp, scipy_linalg, scipy_signal, numpy_more,
         calculus)

# The functions generated code may call as ``_rt.<name>``, known by identity (a rule
# table, the forward transform and the listings ask ``key in HELPERS``).
HELPERS = frozenset(getattr(area, name) for area in AREAS for name in area.__all__
                    if isinstance(getattr(area, name), types.FunctionType))


def __getattr__(name):
    """``_rt.special`` and ``_rt.stats``: SciPy's modules, for the SciPy rules' templates
    (imported on first use: SciPy is optional)."""
    if name in scipy_helpers.LIBRARIES:
        return scipy_helpers.library(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
