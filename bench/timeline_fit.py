"""How far the timeline's load interpolation is from the coupled solve (docs/timeline.md).

At the design point, facility power from `solve_timeline` on the fitted response against
`twin.solve.run` at IT load fractions 0.01-0.99 in steps of 0.02 (off the fit's grid, which
is `twin.solve.timeline_response.LOAD_GRID`); prints the worst relative difference and
where. An accuracy measure, not a timing: `python -m bench.timeline_fit [LAYOUT ...]`
(default: the reference layouts and a generated 50 MW campus).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from twin.layout.generate import campus
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.timeline import Profile, solve_timeline
from twin.solve.timeline_response import fit_response

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
LOADS = np.round(np.arange(0.01, 1.0, 0.02), 2)


def worst(twin: Twin) -> tuple[float, float]:
    """(worst |timeline / run - 1|, the load fraction where it is)."""
    resp = fit_response(twin)
    errs = []
    for x in LOADS:
        k = run(twin, Scenario(load_scale={"*": float(x)})).kpis
        it = np.full((1, 1), x * resp.design_it_kw)
        s = solve_timeline(resp, Profile(3600.0, it, np.full(1, resp.t_db_c[0]))).steps
        errs.append(abs(s["facility_kw"].iloc[0] / k["facility_kw"] - 1))
    j = int(np.argmax(errs))
    return float(errs[j]), float(LOADS[j])


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    sites = {Path(p).name: Twin.load(p) for p in argv}
    if not argv:
        for name in ("ai-factory-hall.yaml", "hybrid-inference.yaml", "small-room.yaml"):
            sites[name] = Twin.load(LAYOUTS / name)
        doc = validate_data(campus(50.0), "campus-50MW.yaml")
        sites["generated 50 MW campus"] = Twin.from_layout(doc)
    out = {}
    for name, twin in sites.items():
        e, x = worst(twin)
        out[name] = {"worst_pct": round(100 * e, 2), "at_load": x}
        print(f"{name:28s} worst {100 * e:.2f} % of facility power at load {x:.2f}", flush=True)
    return out


if __name__ == "__main__":
    main()
