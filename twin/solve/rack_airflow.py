"""How much air a rack moves, and how its exhaust mixes into the intakes at other flows.

A rack's design airflow is given (``airflow_m3_s``) or 140 CFM per kW of design air heat
(`rack_k_kw_per_k`); at another load it follows the rack's air heat down to the fans'
minimum (`airflow_fraction`), and each exhaust then reaches the intakes in proportion to
its airflow against the hall's (`flow_weighted_heat`). Used by `twin.solve.airflow` (the
air side of the coupled solve), the air field's build and its calibration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.arrays import safe_div
from twin.units import CFM_PER_M3_S, K_AIR_KW_PER_M3S_K

RACK_CFM_PER_KW = 140.0
"""Server airflow per kW of air-side heat [REFERENCE 1: 120-160 CFM/kW, est]."""
RACK_MIN_AIR_KW = 1.0
"""Floor on the design air heat used for a rack's airflow (idle fans) [est]."""
RACK_MIN_AIRFLOW_FRACTION = 0.3
"""Least airflow a powered rack's fans move, as a share of its design airflow [src: Intel,
4-Wire Pulse Width Modulation (PWM) Controlled Fans Specification rev 1.3 (2005) §3.2: a
fan's specified minimum speed is 30 % of its maximum or less; airflow follows fan speed
(fan laws); the rack's design airflow is taken as its fans' top of range, est]."""


def rack_k_kw_per_k(air_kw: np.ndarray, airflow_m3_s: np.ndarray | None = None) -> np.ndarray:
    """Heat capacity rate of each rack's airflow, kW/K: the rack's `airflow_m3_s` where
    given (not NaN), else 140 CFM per kW of design air heat."""
    v = np.maximum(air_kw, RACK_MIN_AIR_KW) * RACK_CFM_PER_KW / CFM_PER_M3_S
    if airflow_m3_s is not None:
        given = np.asarray(airflow_m3_s, float)
        v = np.where(np.isfinite(given) & (given > 0), given, v)
    return K_AIR_KW_PER_M3S_K * v


def design_air_kw(racks: pd.DataFrame) -> np.ndarray:
    """Each rack's design air heat, kW: its ``power_kw`` times its air share
    (``1 - liquid_fraction``); the heat its design airflow (`rack_k_kw_per_k`) carries."""
    return racks["power_kw"].to_numpy(float) * (1.0 - racks["liquid_fraction"].to_numpy(float))


def airflow_fraction(air_kw: np.ndarray, design_kw: np.ndarray) -> np.ndarray:
    """Each rack's airflow now as a share of its design airflow: its air heat now over its
    design air heat, not below `RACK_MIN_AIRFLOW_FRACTION`.

    IT equipment airflow follows IT load: server fans are speed-controlled to hold their
    components' temperatures, taken here as holding the rack's exhaust rise over its intake
    at its design value as its heat changes [est], down to the fans' minimum speed
    (`RACK_MIN_AIRFLOW_FRACTION`), below which the rise falls with the heat. Above the
    design heat the airflow grows with it (no fan maximum is modelled). A rack with no
    design air heat is taken at `RACK_MIN_AIR_KW`, as its design airflow is.
    Exactly 1 where the air heat equals the design air heat."""
    air = np.asarray(air_kw, float)
    basis = np.asarray(design_kw, float)
    basis = np.where(basis > 0, basis, RACK_MIN_AIR_KW)
    return np.maximum(air / basis, RACK_MIN_AIRFLOW_FRACTION)


def flow_weighted_heat(air_kw, frac, design_m3_s, rack_hall, n_halls: int) -> np.ndarray:
    """The air heat whose ``B K^-1`` is each inlet's rise at the racks' airflows now.

    Rack i's exhaust rises ``p_i / (K_i f_i)`` and reaches rack j's intake as the share
    ``b_ji f_i / f_hall`` (flow-weighted mixing, first order in b; `f` = `frac`, the
    airflow over design; ``f_hall`` its design-airflow-weighted mean over the hall's racks
    that move air): their product is ``b_ji p_i / (K_i f_hall)``, i.e. B K^-1 applied to
    ``p / f_hall``. Every rack at one `frac` gives back ``p / frac``, the design-point
    rise."""
    moving = design_m3_s * (np.asarray(air_kw) > 0)
    f_hall = safe_div(
        np.bincount(rack_hall, moving * frac, n_halls), np.bincount(rack_hall, moving, n_halls)
    )
    return air_kw / np.where(f_hall > 0, f_hall, 1.0)[rack_hall]
