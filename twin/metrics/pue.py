"""PUE, WUE, CUE: at one operating point, and over a weather year (REFERENCE 4 and 7).

`efficiency_kpis` is the one function that computes PUE, pPUE, WUE and CUE
from the energy terms. It is defined next to `Results` in `twin.solve.results`
because the coupled solve (layer 3, which may not import `twin.metrics`) fills
`Results.kpis` with it; it is re-exported here as the metrics API. Every
consumer (CLI, app, report, annual figures) reads those numbers or calls it.

Annual PUE = sum_b h_b P_facility(T_b) / sum_b h_b P_IT (ISO/IEC 30134-2
energy form; ASHRAE 90.4 MLC is the code form of the same idea): the same
function on the year's energies. Each (dry bulb, wet bulb) bin of `bin_k`
width is one coupled solve at the bin's mean conditions, so a year costs tens
of solves, not 8,760.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.results import SOLVER_KINDS, efficiency_kpis
from twin.solve.weather import bins, read_weather, weather_path


@dataclass
class Annual:
    """Energy-weighted results over a weather year."""

    pue: float
    wue_l_per_kwh: float
    water_m3: float
    it_mwh: float
    facility_mwh: float
    cooling_mwh: float
    hours: float
    bins: pd.DataFrame  # per bin: t_db_c, t_wb_c, hours, pue, facility_kw, cooling_kw, water_m3_h

    def as_dict(self) -> dict[str, float]:
        return {
            "annual_pue": self.pue,
            "annual_wue_l_per_kwh": self.wue_l_per_kwh,
            "annual_water_m3": self.water_m3,
            "annual_it_mwh": self.it_mwh,
            "annual_facility_mwh": self.facility_mwh,
            "annual_cooling_mwh": self.cooling_mwh,
        }


__all__ = ["Annual", "annual", "efficiency_kpis"]


def annual(
    twin,
    scenario: Scenario | None = None,
    weather: pd.DataFrame | str | None = None,
    bin_k: float = 3.0,
) -> Annual:
    """Annual PUE/WUE of `twin` over `weather` (a DataFrame with t_db_c, t_wb_c hourly,
    a file path, or None for the layout's weather file; without one, the design
    point for all 8,760 hours)."""
    scenario = scenario or Scenario()
    if weather is None:
        path = weather_path(twin)
        weather = read_weather(path) if path else None
    elif isinstance(weather, str):
        weather = read_weather(weather)
    if weather is None:
        d = twin.layout.site.design
        table = pd.DataFrame({"t_db_c": [d.t_db_c], "t_wb_c": [d.t_wb_c], "hours": [8760.0]})
    else:
        table = bins(weather, bin_k)
    rows = []
    for t_db, t_wb in zip(table["t_db_c"], table["t_wb_c"], strict=True):
        r = run(twin, replace(scenario, t_db_c=float(t_db), t_wb_c=float(t_wb)))
        k = r.kpis
        rows.append(
            {
                "it_kw": k["it_kw"],
                "facility_kw": k["facility_kw"],
                "cooling_kw": k["cooling_kw"],
                "water_m3_h": k["water_m3_h"],
                "heat_unremoved_kw": k.get("heat_unremoved_kw", 0.0),
                "pue": k["pue"],
                "untrusted": bool(set(r.violations["kind"]) & set(SOLVER_KINDS)),
            }
        )
    out = pd.concat([table.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    h = out["hours"].to_numpy(float)
    it = float((h * out["it_kw"]).sum()) / 1000.0
    fac = float((h * out["facility_kw"]).sum()) / 1000.0
    water = float((h * out["water_m3_h"]).sum())
    hours = float(h.sum())
    # mean powers over the year (same ratios as energies); heat left unremoved in any bin
    # means no steady state there, so the year's PUE is undefined too, not flattered
    ratios = efficiency_kpis(
        it * 1000.0 / hours,
        fac * 1000.0 / hours,
        water_m3_h=water / hours,
        heat_unremoved_kw=float((h * out["heat_unremoved_kw"]).sum()) / hours,
    )
    if out["untrusted"].any():  # a bin whose solve is no solution: no year's ratio either
        ratios = {**ratios, "pue": float("nan"), "wue_l_per_kwh": float("nan")}
    return Annual(
        pue=ratios["pue"],
        wue_l_per_kwh=ratios["wue_l_per_kwh"],
        water_m3=water,
        it_mwh=it,
        facility_mwh=fac,
        cooling_mwh=float((h * out["cooling_kw"]).sum()) / 1000.0,
        hours=float(h.sum()),
        bins=out,
    )
