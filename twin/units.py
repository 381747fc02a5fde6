"""Unit conversions and physical constants used across twin.

Names carry their units (``p_kw``, ``flow_m3_s``); these helpers convert at
the edges. Constants cite ../shared/REFERENCE.md.
"""

from __future__ import annotations

# Air, REFERENCE.md section 1 [src: Tang et al. 2008].
RHO_AIR_KG_M3 = 1.19
CP_AIR_J_KGK = 1005.0
K_AIR_KW_PER_M3S_K = RHO_AIR_KG_M3 * CP_AIR_J_KGK / 1000.0
"""Heat carried by 1 m3/s of air per K of temperature rise, kW/K."""

# Water near 30 C [src: IAPWS-IF97 tables; REFERENCE.md section 3 uses
# 1.43 L/min per kW at 10 K which implies cp ~4.18 kJ/(kg K), rho ~1000].
RHO_WATER_KG_M3 = 995.7
CP_WATER_J_KGK = 4180.0

FLUIDS = {
    # density kg/m3, dynamic viscosity Pa s: the pipe networks' fluids (twin.solve.hydraulics,
    # and validate's pipe-size check, twin.layout.plausibility_pipes)
    "water": (RHO_WATER_KG_M3, 7.97e-4),  # water at 30 C [src: IAPWS-IF97 tables]
    "pg25": (1020.0, 2.2e-3),  # 25 % propylene glycol near 25 C [est, ASHRAE Fundamentals ch. 31]
}

T_BOIL_WATER_C = 100.0
"""Where liquid water ends at atmospheric pressure, C [src: IAPWS-IF97 saturation at
101.325 kPa, 99.97 C]: a loop or coil temperature solved above it is no steady state the
model can represent (the water would boil; a pressurised loop's margin is not modelled)."""

CFM_PER_M3_S = 2118.88


def cfm_to_m3_s(cfm: float) -> float:
    """Cubic feet per minute to cubic metres per second."""
    return cfm / CFM_PER_M3_S


def m3_s_to_l_min(flow_m3_s: float) -> float:
    """Cubic metres per second to litres per minute."""
    return flow_m3_s * 60_000.0


def c_to_k(t_c: float) -> float:
    """Celsius to kelvin."""
    return t_c + 273.15
