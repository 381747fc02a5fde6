"""PUE, WUE and CUE are computed once (`efficiency_kpis`): the solve, `twin solve --json`,
the app's dashboard numbers, its report and the economics all show the same value."""

from __future__ import annotations

import json
import math

import pytest

from twin.app import report
from twin.app import state as S
from twin.cli import main
from twin.metrics import efficiency_kpis
from twin.metrics import pue as metrics_pue
from twin.metrics.economics import economics
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import results as solve_results
from twin.solve import run

CASES = [
    ("small-room.yaml", ()),
    ("ai-factory-hall.yaml", ()),
    ("hybrid-inference.yaml", ()),
    ("ai-factory-hall.yaml", ("H1-UPS-A1",)),  # a failure: the B side carries the hall
    ("small-room.yaml", ("UPS-1",)),  # every rack unfed: undefined everywhere, never a number
]
RATIOS = ("pue", "wue_l_per_kwh", "cue_kg_per_kwh")


def same(*values) -> bool:
    """All equal, or all undefined (NaN in Python, null in JSON)."""
    undefined = [v is None or (isinstance(v, float) and math.isnan(v)) for v in values]
    if any(undefined):
        return all(undefined)
    return len(set(values)) == 1


def test_one_function():
    assert efficiency_kpis is metrics_pue.efficiency_kpis is solve_results.efficiency_kpis


@pytest.mark.parametrize(("name", "failed"), CASES)
def test_same_pue_wue_cue_everywhere(layouts_dir, capsys, name, failed):
    twin = Twin.load(layouts_dir / name)
    scenario = Scenario.fail(*failed) if failed else Scenario()
    solved = run(twin, scenario).kpis
    args = ["solve", str(layouts_dir / name), "--json"] + (["--fail", *failed] if failed else [])
    assert main(args) == 0
    cli = json.loads(capsys.readouterr().out)
    res = S.solve(twin, set(failed))
    app = S.kpis(twin, res)  # what the dashboard shows
    for k in RATIOS:
        assert same(solved[k], cli[k], app[k], res.kpis[k]), k
    again = efficiency_kpis(
        solved["it_kw"],
        solved["facility_kw"],
        water_m3_h=solved["water_m3_h"],
        co2_kg_per_kwh=twin.layout.site.grid_co2_kg_per_kwh,
    )
    assert all(same(again[k], solved[k]) for k in RATIOS)
    assert same(economics(twin, res)["pue"], solved["pue"])
    rows = report.kpi_rows(app).set_index("metric")["value"]
    shown = "n/a" if math.isnan(solved["pue"]) else f"{solved['pue']:,.3f}"
    assert rows["PUE"] == shown
    if failed == ("UPS-1",):
        assert math.isnan(solved["pue"]) and cli["pue"] is None


def test_ratios_are_undefined_without_it_load():
    k = efficiency_kpis(0.0, 12.0, water_m3_h=1.0, co2_kg_per_kwh=0.4)
    assert all(math.isnan(v) for v in k.values())
    k = efficiency_kpis(1000.0, 1250.0, 2.0, 0.4, cooling_kw=200.0, power_loss_kw=50.0)
    assert k == pytest.approx(
        {
            "pue": 1.25,
            "ppue_cooling": 1.2,
            "ppue_power": 1.05,
            "wue_l_per_kwh": 2.0,
            "cue_kg_per_kwh": 0.5,
        }
    )


def test_heat_left_unremoved_gives_no_pue_anywhere(layouts_dir) -> None:
    """CRACs too small for the room: the solve reports the heat it could not remove and no
    PUE; the economics and the annual figure say the same, instead of a flattering number."""
    twin = Twin.load(layouts_dir / "small-room.yaml")
    twin.crahs["capacity_kw"] = 40.0  # 3 x 40 kW against ~190 kW of heat
    res = run(twin)
    assert res.kpis["heat_unremoved_kw"] > 50.0
    assert math.isnan(res.kpis["pue"])
    assert math.isnan(economics(twin, res)["pue"])
    assert math.isnan(metrics_pue.annual(twin).pue)
