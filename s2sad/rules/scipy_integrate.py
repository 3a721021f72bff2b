"""``scipy.integrate.odeint`` and ``solve_ivp``, in both modes (added once
``scipy.integrate`` is imported: see ``Table.later``), and the fields ``.y`` and ``.t``
of solve_ivp's result.

Reverse: the adjoint method, one backward solve shared by the parameters' templates;
forward: the forward sensitivity equations, one solve per differentiated parameter
(``runtime/odes.py`` has the mathematics). The right-hand side is the user's function,
differentiated by s2sad when the derivative runs, in y0, the float items of ``args`` and
the times (odeint's ``t``; solve_ivp's ``t_span`` and ``t_eval``). A right-hand side
that itself carries a derivative (a closure over a differentiated value) is refused:
pass such values through ``args``. Options with no rule (a Jacobian, full output,
events, dense output, vectorized) are located errors.
"""
from .. import runtime as _rt
from .names import LABELS
from .table import LINEAR

ODEINT = ("func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, "
          "rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, "
          "mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False")
ODEINT_REST = ("ans, func, y0, t, args, Dfun, full_output, rtol, atol, tfirst, tcrit=tcrit, "
               "h0=h0, hmax=hmax, hmin=hmin, mxstep=mxstep, mxordn=mxordn, mxords=mxords")
ODEINT_HELPER = ("ans_, func, y0, t, args, Dfun, full_output, rtol, atol, tfirst, tcrit, h0, "
                 "hmax, hmin, mxstep, mxordn, mxords")
ODEINT_REFUSED = ("Dfun", "col_deriv", "full_output", "ml", "mu")
IVP = ("fun, t_span, y0, method='RK45', t_eval=None, dense_output=False, events=None, "
       "vectorized=False, args=None, rtol=0.001, atol=1e-06, max_step=np.inf, "
       "first_step=None, min_step=0.0")
IVP_REST = ("ans, fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args, "
            "rtol, atol, max_step, first_step, min_step")
IVP_REFUSED = ("dense_output", "events", "vectorized")


def _integrate():
    integrate = _rt.library("integrate")
    LABELS.update({integrate.odeint: "scipy.integrate.odeint",
                   integrate.solve_ivp: "scipy.integrate.solve_ivp"})
    return integrate


def reverse(R):
    si = _integrate()
    R.section("scipy.integrate")
    vjp = f"_rt.odeint_vjp(g, {ODEINT_REST})"
    R.add(si.odeint, ODEINT, None, f"{vjp}[0]", f"{vjp}[1]", f"{vjp}[2]", result="array",
          undefined=("func",), refused=ODEINT_REFUSED)
    vjp = f"_rt.ivp_vjp(g, {IVP_REST})"
    R.add(si.solve_ivp, IVP, None, f"{vjp}[0]", f"{vjp}[1]", None, f"{vjp}[2]", None, None,
          None, f"{vjp}[3]", result="other", undefined=("fun",), refused=IVP_REFUSED)


def forward(F):
    si = _integrate()
    F.section("scipy.integrate")
    F.add(si.odeint, ODEINT, None, f"_rt.odeint_jvp(d, None, None, {ODEINT_REST})",
          f"_rt.odeint_jvp(None, d, None, {ODEINT_REST})",
          f"_rt.odeint_jvp(None, None, d, {ODEINT_REST})", result="array",
          undefined=("func",), refused=ODEINT_REFUSED)
    F.add(si.solve_ivp, IVP, None, f"_rt.ivp_jvp(d, None, None, None, {IVP_REST})",
          f"_rt.ivp_jvp(None, d, None, None, {IVP_REST})", None,
          f"_rt.ivp_jvp(None, None, d, None, {IVP_REST})", None, None, None,
          f"_rt.ivp_jvp(None, None, None, d, {IVP_REST})", result="other",
          undefined=("fun",), refused=IVP_REFUSED)


def helpers(H):
    """The adjoints' tangents: the fields' are linear; the backward solves have none
    (a second derivative through an ODE solve is a located error)."""
    H.add(_rt.field_vjp, "g, x, name", LINEAR, result="other")
    H.add(_rt.field_jvp, "t, x, name", LINEAR, result="other")
    H.add(_rt.odeint_vjp, f"g, {ODEINT_HELPER}", undefined=("g", "ans_", "y0", "t", "args"))
    H.add(_rt.ivp_vjp, "g, ans_" + IVP_REST[3:],
          undefined=("g", "ans_", "t_span", "y0", "t_eval", "args"))
    H.add(_rt.odeint_jvp, f"d_y0, d_t, d_args, {ODEINT_HELPER}",
          undefined=("d_y0", "d_t", "d_args", "ans_", "y0", "t", "args"))
    H.add(_rt.ivp_jvp, "d_span, d_y0, d_eval, d_args, ans_" + IVP_REST[3:],
          undefined=("d_span", "d_y0", "d_eval", "d_args", "ans_", "t_span", "y0", "t_eval",
                     "args"))
