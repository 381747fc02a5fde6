"""How big a site battery keeps the grid ramp under R MW/s, and what it costs against the
demand charge it saves.

1. Solve the timeline without a battery: facility power per step.
2. Dispatch an unbounded store (energy and power far above the site's) with the
   smoothing policy: the power it exchanges and the swing of its stored energy
   are what a real battery must cover. Power = the largest exchange; energy =
   twice the largest excursion from the target charge (the target is mid-window)
   divided by the usable window (soc_max - soc_min).
3. Check with that battery (the real dispatch, efficiency and limits); if a step
   still breaks the ramp, grow both by `GROW` until none does (at most
   `MAX_GROW` times; then say so).

Cost: capex `BESS_USD_PER_KWH` per kWh of energy, annualised over
`BESS_LIFE_YEARS` (straight line), pro rata to the horizon, against the
demand charge saved and the energy lost in the battery at the run's prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from twin.errors import ScenarioError
from twin.scenarios.timeline import Timeline, TimelineSpec, simulate
from twin.solve.timeline_response import Response
from twin.solve.timeline_storage import Store, dispatch

BESS_USD_PER_KWH = 400.0
"""Installed cost of a utility-scale Li-ion battery, USD per kWh [est: NREL Annual
Technology Baseline 2023, 4-hour systems ~ 400-500 USD/kWh]."""
BESS_LIFE_YEARS = 15.0
"""Battery life for annualising its capex [est: NREL ATB 2023 assumes 15 years]."""
GROW = 1.05
MAX_GROW = 40


@dataclass
class Sizing:
    energy_kwh: float
    power_kw: float
    ramp_kw_s: float
    met: bool  # no step above the ramp limit with this battery
    with_bess: Timeline
    without: Timeline
    capex_usd: float
    capex_usd_horizon: float  # straight-line share of the capex over the run's horizon
    demand_saved_usd: float
    energy_cost_delta_usd: float  # energy cost with - without (battery losses; the change of
    # stored energy priced in, `stored_energy_usd`)

    def as_dict(self) -> dict[str, float]:
        return {
            "bess_mwh": self.energy_kwh / 1000.0,
            "bess_mw": self.power_kw / 1000.0,
            "ramp_mw_s": self.ramp_kw_s / 1000.0,
            "ramp_met": float(self.met),
            "max_ramp_mw_s_without": self.without.kpis["max_ramp_mw_s"],
            "max_ramp_mw_s_with": self.with_bess.kpis["max_ramp_mw_s"],
            "capex_usd": self.capex_usd,
            "capex_usd_horizon": self.capex_usd_horizon,
            "demand_saved_usd": self.demand_saved_usd,
            "energy_cost_delta_usd": self.energy_cost_delta_usd,
            "net_saving_usd_horizon": self.demand_saved_usd
            - self.energy_cost_delta_usd
            - self.capex_usd_horizon,
        }


def size_for_ramp(
    twin,
    spec: TimelineSpec,
    ramp_kw_s: float,
    round_trip: float = 0.85,
    response: Response | None = None,
) -> Sizing:
    """The smallest battery (by the steps above) that keeps grid ramps under `ramp_kw_s`."""
    if not ramp_kw_s > 0:
        raise ScenarioError("the ramp limit must be > 0 MW/s")
    base = replace(spec, policy="none", bess=None)
    without = simulate(twin, base, response=response)
    f = without.steps["facility_kw"].to_numpy()
    big = 1e3 * max(float(np.abs(f).max()), 1.0) * max(spec.hours, 1.0)
    ideal = Store(big, big, round_trip, soc_min=0.0, soc_max=1.0, soc_target=0.5)
    d = dispatch(f[:, None], spec.dt_s, [ideal], ramp_kw_s=ramp_kw_s)
    power = float(np.abs(d["charge_kw"] - d["discharge_kw"]).max())
    swing = float(np.abs(d["soc_kwh"] - 0.5 * big).max())
    proto = Store(1.0, 1.0, round_trip)
    energy = 2.0 * swing / (proto.soc_max - proto.soc_min)
    power, energy = max(power, 1e-3), max(energy, 1e-3)
    met, tl = False, without
    for _ in range(MAX_GROW):
        store = replace(proto, energy_kwh=energy, power_kw=power)
        tl = simulate(twin, replace(spec, bess=store, policy="smoothing", ramp_kw_s=ramp_kw_s),
                      response=response)  # fmt: skip
        if not (tl.violations["kind"] == "ramp_limit").any():
            met = True
            break
        energy, power = energy * GROW, power * GROW
    capex = energy * BESS_USD_PER_KWH
    horizon_years = spec.hours / 8760.0
    return Sizing(
        energy_kwh=energy,
        power_kw=power,
        ramp_kw_s=ramp_kw_s,
        met=met,
        with_bess=tl,
        without=without,
        capex_usd=capex,
        capex_usd_horizon=capex / BESS_LIFE_YEARS * horizon_years,
        demand_saved_usd=without.kpis["demand_charge_usd"] - tl.kpis["demand_charge_usd"],
        energy_cost_delta_usd=(tl.kpis["energy_cost_usd"] + tl.kpis["stored_energy_usd"])
        - (without.kpis["energy_cost_usd"] + without.kpis["stored_energy_usd"]),
    )
