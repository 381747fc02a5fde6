"""One lumped thermal node, ``C dT/dt = P - Q - UA (T - T_env)``: closed form and integrated.

The building block of `twin.solve.transient`'s ride-through model, kept apart
as the reference it is checked against: with constant P and Q the closed form
[REFERENCE 6] and `solve_ivp` must agree (`tests/solve/test_transient.py`).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["integrate_node", "node_temperature"]


def node_temperature(t_s, c_kj_k, p_kw, q_kw, ua_kw_k=0.0, t_env_c=20.0, t0_c=20.0):
    """Closed form of ``C dT/dt = P - Q - UA (T - T_env)`` with constant P, Q [REFERENCE 6]."""
    t_s = np.asarray(t_s, float)
    if ua_kw_k == 0:
        return t0_c + (p_kw - q_kw) / c_kj_k * t_s
    t_inf = t_env_c + (p_kw - q_kw) / ua_kw_k
    return t_inf + (t0_c - t_inf) * np.exp(-t_s * ua_kw_k / c_kj_k)


def integrate_node(t_end_s, c_kj_k, p_kw, q_kw, ua_kw_k=0.0, t_env_c=20.0, t0_c=20.0, n=200):
    """The same single node integrated with solve_ivp (checks the integrator against the closed form)."""
    sol = solve_ivp(
        lambda t, y: (p_kw - q_kw - ua_kw_k * (y - t_env_c)) / c_kj_k,
        (0.0, t_end_s),
        [t0_c],
        t_eval=np.linspace(0.0, t_end_s, n),
        rtol=1e-9,
        atol=1e-9,
    )
    return sol.t, sol.y[0]
