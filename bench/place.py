"""Placement benchmark (issue 17): where 24 NVL72 racks fit on the generated ~1 GW campus.

Times, in one process: the base coupled solve (cold: builds the per-twin caches
and the air field of every distinct hall), then `twin.scenarios.placement.place`
given that solve (candidates + screen + `verify` full solves + stranded capacity),
split into its stages; and, as the peer doing the same work without the screen,
the full coupled solve of one candidate (apply + validate + build + `run`),
times the number of candidates a screen-free search would solve. Target: placement
<= 5 s for 24 racks (issue 17).
"""

from __future__ import annotations

import time

from twin.layout.generate import campus
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.scenarios.placement import apply, place
from twin.solve import run


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def main(it_mw: float = 1000.0, count: int = 24, verify: int = 3) -> dict:
    t_build, twin = _timed(lambda: Twin.from_layout(validate_data(campus(it_mw), "campus")))
    print(f"campus {it_mw:,.0f} MW: {len(twin.racks):,} racks in {len(twin.halls)} halls")
    print(f"  generate + validate + build          {t_build:8.2f} s")
    t_base, res = _timed(run, twin)
    print(f"  base coupled solve (cold)            {t_base:8.2f} s")
    out = {"build_s": t_build, "base_s": t_base}
    t, p = _timed(place, twin, "nvl72", count, verify=verify, base_results=res)
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in p.timings.items())
    print(
        f"  place {count} x nvl72, verify {verify}          {t:8.2f} s  ({stages}; "
        f"{len(p.table)} candidates, {len(p.feasible)} feasible)"
    )
    out["place_s"] = t
    best = p.table.iloc[0]
    print(
        f"  best: {best['kind']} over {len(p.candidates[0].halls)} hall(s); binding "
        f"{best['binding_constraint']} at {best['binding_utilisation']:.1%}; feasible "
        f"{best['feasible']}; stranded after: power {best['stranded_power_kw']:,.0f} kW, "
        f"cooling {best['stranded_cooling_kw']:,.0f} kW (estimate)"
    )
    # what one verification costs, stage by stage (the best candidate again)
    t_apply, layout = _timed(apply, p.base, p.candidates[0], p.profiles)
    t_twin, tw = _timed(Twin.from_layout, layout)
    t_run, _ = _timed(run, tw)
    print(
        f"  one verification again: apply + validate {t_apply:.2f} s, build {t_twin:.2f} s, "
        f"coupled solve {t_run:.2f} s (air fields of the changed halls cached now)"
    )
    single = next(c for c in p.candidates if len(c.halls) == 1)
    t_one, _ = _timed(lambda: run(Twin.from_layout(apply(p.base, single, p.profiles))))
    print(
        f"  peer: one single-hall candidate solved in full {t_one:6.2f} s  (x {len(p.table)} "
        f"candidates = {t_one * len(p.table):,.0f} s without the screen)"
    )
    out["one_full_s"] = t_one
    print("  target: placement <= 5 s for 24 racks (issue 17)")
    return out


if __name__ == "__main__":
    main()
