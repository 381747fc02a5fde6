"""A rack whose loop moves too little water: CDUs at a tenth of their capacity move 17 % of
the racks' coolant flow and the water returned at 110.9 °C, past the 100 °C twin takes as the
end of a physical answer, while every rack read 'ok', all 12.7 MW of IT was served and a PUE
was printed (audit of 2026-12-05). Such a rack has no steady state: it is shut down."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.layout import loads
from twin.model import Twin
from twin.solve import run
from twin.units import T_BOIL_WATER_C

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


def _hall(cdu_kw: float) -> Twin:
    text = HALL.read_text()
    old = "  cdu-2000:\n    capacity_kw: 2000.0\n"
    assert old in text
    text = text.replace(old, f"  cdu-2000:\n    capacity_kw: {cdu_kw!r}\n")
    return Twin.from_layout(loads(text, "hall.yaml"))


def test_racks_whose_coolant_would_boil_are_shut_down():
    res = run(_hall(200.0))
    rr = res["res_racks"]
    assert (rr["thermal_state"] == "shutdown").all()  # every rack is mostly liquid cooled
    v = res.violations
    shut = v[v["kind"] == "thermal_shutdown"]
    assert len(shut) == len(rr)
    assert shut["message"].str.contains(f"coolant return above {T_BOIL_WATER_C:.0f} °C").all()
    assert res.kpis["racks_shutdown"] == len(rr)
    assert res.kpis["it_shutdown_kw"] > 12_000.0


def test_the_design_hall_boils_nothing():
    res = run(Twin.load(HALL))
    rr = res["res_racks"]
    ret = rr["t_coolant_return_c"].to_numpy(float)
    assert np.nanmax(ret) < T_BOIL_WATER_C
    assert (rr["thermal_state"] == "ok").all()
