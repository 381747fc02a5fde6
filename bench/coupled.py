"""Coupled solve benchmark (power + air + liquid + pipes + plant) on the generated ~1 GW campus.

Times the first solve (builds the cached per-twin structures: recirculation
matrix D, pipe network, plant maps), warm solves of the same state (median of
5), a weather change and a CRAH failure (each needs a few power<->cooling
iterations), and prints the energy-balance residual.
"""

from __future__ import annotations

import statistics
import time

from twin.layout.generate import campus
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def main(it_mw: float = 1000.0) -> dict:
    t_build, twin = _timed(lambda: Twin.from_layout(validate_data(campus(it_mw), "campus")))
    c = twin.counts()
    print(
        f"campus {it_mw:,.0f} MW: {c['racks']:,} racks, {c['crahs']} CRAHs, {c['cdus']} CDUs, "
        f"{c['pipes']} pipes, {c['chillers']} chillers"
    )
    print(f"  generate + validate + build   {t_build:8.3f} s")
    t_first, res = _timed(run, twin)
    print(f"  coupled solve, first          {t_first:8.3f} s  (builds per-twin caches)")
    warm = statistics.median(_timed(run, twin)[0] for _ in range(5))
    print(f"  coupled solve, warm (med. 5)  {warm:8.3f} s")
    cool = Scenario(name="cool day", t_db_c=12.0, t_wb_c=8.0)
    t_cool, r_cool = _timed(run, twin, cool)
    fail = Scenario.fail(twin.crahs.index[0])
    t_fail, r_fail = _timed(run, twin, fail)
    k = res.kpis
    print(
        f"  cool day (12/8 C)             {t_cool:8.3f} s  ({r_cool.kpis['coupled_iterations']:.0f} iterations)"
    )
    print(
        f"  one CRAH failed               {t_fail:8.3f} s  ({r_fail.kpis['coupled_iterations']:.0f} iterations)"
    )
    print(
        f"  IT {k['it_kw'] / 1000:,.1f} MW, facility {k['facility_kw'] / 1000:,.1f} MW, PUE {k['pue']:.3f} "
        f"(cool day {r_cool.kpis['pue']:.3f}), WUE {k['wue_l_per_kwh']:.3f} L/kWh"
    )
    print(
        f"  energy balance residual {k['energy_balance_residual_kw']:.2e} kW "
        f"({abs(k['energy_balance_residual_kw']) / k['facility_kw']:.1e} relative)"
    )
    return {"first_s": t_first, "warm_s": warm, "cool_s": t_cool, "fail_s": t_fail}


if __name__ == "__main__":
    main()
