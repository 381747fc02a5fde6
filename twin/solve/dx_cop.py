"""DX CRAC against outdoor air: COP and capacity fall as the condenser gets hotter.

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
temperature and the limit; no COP is reported. Where that leaves no unit of a hall
removing heat, its racks' heat goes nowhere and they trip, as when every unit has failed
(`twin.solve.coupled_checks.uncooled_racks`, `twin.solve.consequence`).

Capacity falls too (`capacity_factor`): a hotter condenser lifts the condensing pressure, the
compressor moves less refrigerant and each kg carries less heat, so between the rating point
and the cut-out the unit removes ``capacity_kw * capacity_factor(T_amb)``
(`available_capacity_kw`). The air model works against it (`derated_capacity_kw`, passed
to `twin.solve.airflow.solve_air`): a unit given more than it raises its supply air, and
`twin.solve.coupled_checks.dx_at_capacity` leaves the rest of its share in the hall. The solve
reports it as ``res_crahs.capacity_avail_kw``, 0 for a unit that does not run (failed, unfed
or past its cut-out), as ``res_chillers.capacity_avail_kw`` is for a chiller (a chilled-water
coil's is its capacity times the share of its water its loop's pumps deliver,
`twin.solve.airflow.solve_air`): with no coil short of water the column sums to the hall's
``res_halls.crah_capacity_kw``. Every capacity check of a solved result reads
`solved_capacity_kw` (N-1 headroom, sweeps, transients, the app's cooling capacity used),
which gives a unit that does not run the capacity it would have at the run's outdoor air.
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
CAPACITY_TABLE_C = (35.0, 38.0, 46.0)
"""Outdoor dry bulb (C) of the capacity points in `CAPACITY_TABLE`."""
CAPACITY_TABLE = (1.0, 0.9718, 0.8782)
"""Total cooling capacity over rated of a Liebert DSE 125 (Vertiv air-cooled DX CRAC with
pumped-refrigerant economiser) at 19.44 C (67 F) coil entering wet bulb, the row of its
table that is 1.00 at 35 C: EnergyPlus example file 1ZoneDataCenterCRAC_wApproachTemp.idf
(NREL/EnergyPlus testfiles), ``Table:TwoIndependentVariables`` 'Cool Cap Mod func of
Temperature' (x entering wet bulb, y outdoor dry bulb). The same row reads 1.00 at -10, 15,
18, 24 and 30 C: no gain below the rating point (head-pressure control holds the condensing
pressure up, the compressor and evaporator size the unit) [src]. Falls 0.94 %/K to 38 C,
1.17 %/K to 46 C; drier return air derates faster (17 C wet bulb row: 1.28 %/K to 46 C)."""


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


def capacity_factor(t_ambient_c):
    """DX capacity at outdoor dry bulb `t_ambient_c` (C) over its rated `capacity_kw`.

    1.0 at and below the rated `RATED_AMBIENT_C`, linear between the Liebert DSE points of
    `CAPACITY_TABLE` above it, and beyond the table's last point (46 C) on to the unit's
    cut-out along the slope of its last segment (-1.17 %/K) [est: the table stops at 46 C;
    EnergyPlus' generic DX curve HPACCoolCapFT, extrapolated likewise, gives 0.820 at
    51.7 C against 0.812 here]. A function of outdoor air only: the table's other input is
    the coil's entering wet bulb, which the twin does not model (no humidity), so the
    rated 19.44 C row is used whatever the supply setpoint. The table is of total
    capacity; it is applied to the sensible ``capacity_kw`` (a data-centre coil runs dry or
    nearly, sensible heat ratio ~0.9-1 [est]).
    """
    t = np.asarray(t_ambient_c, float)
    t_tab, f_tab = CAPACITY_TABLE_C, CAPACITY_TABLE
    slope = (f_tab[-1] - f_tab[-2]) / (t_tab[-1] - t_tab[-2])
    return np.where(t > t_tab[-1], f_tab[-1] + slope * (t - t_tab[-1]), np.interp(t, t_tab, f_tab))


def ambient_limits_c(crahs: pd.DataFrame) -> np.ndarray:
    """Each unit's `t_ambient_max_c`, `MAX_AMBIENT_C` where the layout leaves it out."""
    if "t_ambient_max_c" not in crahs:
        return np.full(len(crahs), MAX_AMBIENT_C)
    given = pd.to_numeric(crahs["t_ambient_max_c"], errors="coerce").to_numpy(float)
    return np.where(np.isfinite(given), given, MAX_AMBIENT_C)


def running_dx(crahs: pd.DataFrame, rc: pd.DataFrame, t_db_c: float):
    """(running DX units, those of them stopped by outdoor air `t_db_c`) as boolean arrays.

    The one mask `dx_at_ambient` and `twin.solve.coupled_checks.dx_at_capacity` share: a
    'crac' row of `crahs` whose result row in `rc` (`res_crahs`) is running; it stops when
    `t_db_c` is above its `t_ambient_max_c` (`ambient_limits_c`).
    """
    dx = (crahs["type"] == "crac").to_numpy() & rc["running"].to_numpy(bool)
    return dx, dx & (t_db_c > ambient_limits_c(crahs))


def derated_capacity_kw(crahs: pd.DataFrame, t_db_c: float) -> np.ndarray:
    """Each unit's capacity at outdoor dry bulb `t_db_c` while its compressor runs, kW.

    A DX unit: ``capacity_kw * capacity_factor(t_db_c)`` (exactly ``capacity_kw`` at and
    below `RATED_AMBIENT_C`); a chilled-water CRAH: its ``capacity_kw`` (no condenser). The
    cut-out is not applied: this is the capacity the air model's coils work against
    (`twin.solve.airflow.solve_air`'s ``capacity_kw``); a unit stopped by the cut-out is
    `dx_at_ambient`'s (all its share unremoved), and `available_capacity_kw` reports 0 for it.
    """
    cap = crahs["capacity_kw"].to_numpy(float)
    is_dx = (crahs["type"] == "crac").to_numpy()
    return np.where(is_dx, cap * capacity_factor(t_db_c), cap)


def available_capacity_kw(crahs: pd.DataFrame, t_db_c: float) -> np.ndarray:
    """Heat each unit can remove at outdoor dry bulb `t_db_c`, kW (``capacity_avail_kw``).

    A DX unit: ``capacity_kw * capacity_factor(t_db_c)`` (`derated_capacity_kw`), 0 above
    its `t_ambient_max_c` (compressor stopped); a chilled-water CRAH: its ``capacity_kw`` (no
    condenser; its water and the plant have their own checks). Whether the unit runs is not
    looked at, as for the rated ``capacity_kw`` that N-1 checks read (`dx_at_ambient` sets
    ``res_crahs.capacity_avail_kw`` to 0 for a unit that does not run).
    """
    is_dx = (crahs["type"] == "crac").to_numpy()
    stopped = is_dx & (t_db_c > ambient_limits_c(crahs))
    return np.where(stopped, 0.0, derated_capacity_kw(crahs, t_db_c))


def solved_capacity_kw(twin, results) -> pd.Series:
    """Each CRAH/CRAC's capacity in a solved result (`Results`, or its ``tables`` dict), kW.

    ``res_crahs.capacity_avail_kw`` (`available_capacity_kw` at the run's outdoor air) for a
    unit that runs; for one that does not (the column holds 0 for it), what it would have
    there: `available_capacity_kw` at the result's ``t_db_c`` KPI, its rated ``capacity_kw``
    where the result has no KPIs (a ``tables`` dict) or no ``capacity_avail_kw``. Indexed
    like ``twin.crahs``. Every capacity check of a result reads this, so N-1 headroom, the
    contingency sweeps and the transients see the capacity the solve used, and a unit that
    restarts (or is counted installed) has its capacity, not the 0 of a stopped unit.
    """
    rated = twin.crahs["capacity_kw"].astype(float)
    tables = getattr(results, "tables", results) or {}
    rc = tables.get("res_crahs")
    if rc is None or "capacity_avail_kw" not in rc:
        return rated
    rc = rc.reindex(rated.index)
    got = rc["capacity_avail_kw"].astype(float).fillna(rated)
    if "running" not in rc:
        return got
    t_db = float((getattr(results, "kpis", None) or {}).get("t_db_c", np.nan))
    idle = pd.Series(
        available_capacity_kw(twin.crahs, t_db) if np.isfinite(t_db) else rated.to_numpy(),
        index=rated.index,
    )
    return got.where(rc["running"].fillna(False).astype(bool), idle)


def dx_at_ambient(twin, air, t_db_c: float):
    """The air result with each running DX CRAC's compressor at outdoor dry bulb `t_db_c`.

    `air` comes from `twin.solve.coupled_checks.dx_at_capacity` (the same `t_db_c`), whose
    compressor power is at the rated COP; here it is divided by `carnot_ratio`. A unit whose
    limit (`t_ambient_max_c`, default `MAX_AMBIENT_C`) is below `t_db_c` stops its compressor
    and its heat is unremoved (one 'uncooled' violation per unit). A unit that does not run
    (failed or unfed) gets ``capacity_avail_kw`` 0, as a failed chiller does (the stopped
    units already have 0 from `available_capacity_kw`). Returns (air, violations).
    """
    crahs = twin.crahs
    if not len(crahs):
        return air, []
    rc = air.res_crahs
    if "capacity_avail_kw" in rc:  # a unit that does not run has none available
        rc = rc.copy()
        rc["capacity_avail_kw"] = rc["capacity_avail_kw"].where(rc["running"].astype(bool), 0.0)
        air = replace(air, res_crahs=rc)
    dx, trip = running_dx(crahs, rc, t_db_c)
    if not dx.any():
        return air, []
    limit = ambient_limits_c(crahs)
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
            f"outdoor air {t_db_c:.1f} °C is above the {limit[i]:.1f} °C its DX condenser runs "
            f"in: the compressor stops and {stuck[i]:.0f} kW stays in hall "
            f"{crahs['hall'].iat[i]} (no steady state; inlet temperatures shown are a lower bound)",
        )
        for i in np.flatnonzero(trip & (stuck > 0))  # a unit given no heat leaves none
    ]
    out = replace(
        air,
        res_crahs=rc,
        electric_kw=air.electric_kw + (comp - comp_old),
        ambient_kw=np.where(trip, 0.0, air.ambient_kw + (comp - comp_old)),
        unremoved_kw=air.unremoved_kw + float(stuck.sum()),
    )
    return out, viol
