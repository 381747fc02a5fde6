"""DX CRAC compressor power against outdoor air: COP falls as the condenser gets hotter.

A DX CRAC rejects its heat through an air-cooled condenser outdoors. Its COP is a
fixed fraction of the Carnot COP between evaporating and condensing temperature
(the "Carnot-fraction" model of a vapour-compression cycle, e.g. ASHRAE Handbook
Fundamentals 2017 ch. 2, ideal cycle COP = T_evap / (T_cond - T_evap)):

    COP(T_sup, T_amb) = eta * T_evap / (T_cond - T_evap),
    T_evap = T_sup - `CRAC_EVAP_BELOW_SUPPLY_K`,  T_cond = max(T_amb + `CONDENSER_APPROACH_K`,
    `MIN_CONDENSING_C`)

eta is set so that at the rated outdoor air `RATED_AMBIENT_C` (AHRI 1360 / ASHRAE 127
standard rating of air-cooled computer-room units: 95 F = 35 C entering the condenser)
the COP equals the legacy CRAC curve ``crac_cop(T_sup)`` (REFERENCE 1) the air model
uses, so at the rated ambient every number is unchanged and elsewhere

    COP(T_sup, T_amb) = crac_cop(T_sup) * (T_cond,rated - T_evap) / (T_cond - T_evap).

Above the unit's ``t_ambient_max_c`` (layout field; default `MAX_AMBIENT_C`) the condenser
cannot reject the heat (the high-pressure switch stops the compressor): the unit removes
nothing, its whole load stays in the hall and an 'uncooled' violation names the outdoor
temperature and the limit; no COP is reported.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from twin.solve.airflow import CRAC_EVAP_BELOW_SUPPLY_K, crac_cop
from twin.solve.results import violation

RATED_AMBIENT_C = 35.0
"""Outdoor air entering the condenser at the standard rating, 95 F (AHRI 1360 / ASHRAE 127
rating conditions for air-cooled computer-room air conditioners) [src]."""
CONDENSER_APPROACH_K = 13.0
"""Condensing temperature above the air entering an air-cooled condenser: 11-15 K is the
usual selection (refrigeration practice, e.g. frioclimatizado 'Air-cooled condensers';
ASHRAE Handbook Refrigeration ch. 15 gives similar design TDs); the middle [est]."""
MIN_CONDENSING_C = 30.0
"""Lowest condensing temperature: head-pressure control (condenser fan speed, flooded
receiver) holds the condensing pressure up in cold weather so the expansion valve feeds;
~27-32 C is usual [est]. The COP stops rising below ambient MIN_CONDENSING_C - approach."""
MAX_AMBIENT_C = 51.7
"""Highest outdoor air a DX unit's condenser runs in: 125 F (51.7 C), the maximum outdoor
operating temperature in cooling of standard air-cooled condensing units (Carrier 38YZA
product data: 'Maximum outdoor operating air temperature for cooling mode is 125 F'); data
centre condensers are sold for 46 C (115 F) standard to ~52 C high-ambient [src]."""
C_TO_K = 273.15


def _evap_cond_c(t_supply_c, t_ambient_c):
    """(evaporating, condensing) temperature, C, of the model's cycle."""
    t_e = np.asarray(t_supply_c, float) - CRAC_EVAP_BELOW_SUPPLY_K
    t_c = np.maximum(np.asarray(t_ambient_c, float) + CONDENSER_APPROACH_K, MIN_CONDENSING_C)
    return t_e, t_c


def carnot_ratio(t_supply_c, t_ambient_c):
    """COP at `t_ambient_c` over COP at the rated ambient (same supply setpoint), >= 0."""
    t_e, t_c = _evap_cond_c(t_supply_c, t_ambient_c)
    t_c_rated = max(RATED_AMBIENT_C + CONDENSER_APPROACH_K, MIN_CONDENSING_C)
    return (t_c_rated - t_e) / (t_c - t_e)


def dx_cop(t_supply_c, t_ambient_c, t_ambient_max_c=MAX_AMBIENT_C):
    """COP of a DX CRAC at supply setpoint and outdoor dry bulb (C); NaN above its limit."""
    t_amb = np.asarray(t_ambient_c, float)
    cop = crac_cop(t_supply_c) * carnot_ratio(t_supply_c, t_amb)
    return np.where(t_amb > t_ambient_max_c, np.nan, cop)


def carnot_efficiency(t_supply_c, t_ambient_c):
    """eta = COP / COP_Carnot of the model (the same at every ambient for one setpoint)."""
    t_e, t_c = _evap_cond_c(t_supply_c, t_ambient_c)
    return dx_cop(t_supply_c, t_ambient_c) * (t_c - t_e) / (t_e + C_TO_K)


def ambient_limits_c(crahs: pd.DataFrame) -> np.ndarray:
    """Each unit's `t_ambient_max_c`, `MAX_AMBIENT_C` where the layout leaves it out."""
    if "t_ambient_max_c" not in crahs:
        return np.full(len(crahs), MAX_AMBIENT_C)
    given = pd.to_numeric(crahs["t_ambient_max_c"], errors="coerce").to_numpy(float)
    return np.where(np.isfinite(given), given, MAX_AMBIENT_C)


def dx_at_ambient(twin, air, t_db_c: float):
    """The air result with each running DX CRAC's compressor at outdoor dry bulb `t_db_c`.

    `air` comes from `twin.solve.coupled_checks.dx_at_capacity`, whose compressor power is
    at the rated ambient; here it is divided by `carnot_ratio`. A unit whose limit
    (`t_ambient_max_c`, default `MAX_AMBIENT_C`) is below `t_db_c` stops its compressor and
    its heat is unremoved (one 'uncooled' violation per unit). Returns (air, violations).
    """
    crahs = twin.crahs
    if not len(crahs):
        return air, []
    rc = air.res_crahs
    dx = (crahs["type"] == "crac").to_numpy() & rc["running"].to_numpy(bool)
    if not dx.any():
        return air, []
    limit = ambient_limits_c(crahs)
    trip = dx & (t_db_c > limit)
    t_set = crahs["t_supply_c"].to_numpy(float)
    comp_old = rc["compressor_kw"].to_numpy(float)
    removed = rc["removed_kw"].to_numpy(float)  # set by dx_at_capacity
    stuck = np.where(trip, removed, 0.0)
    comp = np.where(dx & ~trip, comp_old / carnot_ratio(t_set, t_db_c), comp_old)
    comp = np.where(trip, 0.0, comp)
    rc = rc.copy()
    rc["compressor_kw"] = comp
    rc["removed_kw"] = removed - stuck
    rc["unremoved_kw"] = rc["unremoved_kw"].to_numpy(float) + stuck
    viol = [
        violation(
            crahs.index[i],
            "uncooled",
            stuck[i],
            0.0,
            "kW",
            f"outdoor air {t_db_c:.1f} C is above the {limit[i]:.1f} C its DX condenser runs "
            f"in: the compressor stops and {stuck[i]:.0f} kW stays in hall "
            f"{crahs['hall'].iat[i]} (no steady state; inlet temperatures shown are a lower bound)",
        )
        for i in np.flatnonzero(trip)
    ]
    out = replace(
        air,
        res_crahs=rc,
        electric_kw=air.electric_kw + (comp - comp_old),
        ambient_kw=np.where(trip, 0.0, air.ambient_kw + (comp - comp_old)),
        unremoved_kw=air.unremoved_kw + float(stuck.sum()),
    )
    return out, viol
