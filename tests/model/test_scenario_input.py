"""A scenario given through the Python API is checked like one given on the command line:
an unknown id, a non-finite or out-of-range weather, a wet bulb above the dry bulb or a
negative or non-finite load factor is a `ScenarioError` naming it, never a solve that
quietly ignores, clamps or propagates it (these used to give the normal state's numbers,
a negative IT load, or a TypeError from deep inside)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from twin.errors import ScenarioError
from twin.model import Scenario, Twin
from twin.solve import run

MINIMAL = Path(__file__).resolve().parents[1] / "layout" / "minimal.yaml"


@pytest.fixture(scope="module")
def twin() -> Twin:
    return Twin.load(MINIMAL)


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        (lambda: Scenario.fail("UPS-9"), "UPS-9"),
        (lambda: Scenario(maintenance=frozenset({"PDU-Z"})), "PDU-Z"),
        (lambda: Scenario(load_scale={"RK9": 1.0}), "RK9"),
    ],
)
def test_unknown_ids_are_refused_by_run(twin: Twin, scenario, named: str) -> None:
    with pytest.raises(ScenarioError, match=named):
        run(twin, scenario())


def test_known_ids_still_solve(twin: Twin) -> None:
    r = run(twin, Scenario.fail("PDU-A"))
    assert math.isfinite(r.kpis["it_kw"]) and r.kpis["it_kw"] > 0


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"t_db_c": math.nan}, "t_db_c"),
        ({"t_db_c": math.inf}, "t_db_c"),
        ({"t_db_c": 1000.0}, "-60"),
        ({"t_wb_c": -math.inf}, "t_wb_c"),
        ({"t_db_c": 10.0, "t_wb_c": 30.0}, "above the dry bulb"),
        ({"load_scale": {"*": -1.0}}, "load_scale"),
        ({"load_scale": {"*": math.nan}}, "load_scale"),
        ({"failed": "UPS1"}, "Scenario.fail"),
        ({"failed": 5}, "failed"),
    ],
)
def test_bad_values_are_refused_when_the_scenario_is_made(kwargs: dict, says: str) -> None:
    with pytest.raises(ScenarioError, match=says):
        Scenario(**kwargs)


def test_a_wet_bulb_above_the_design_dry_bulb_is_refused_by_run(twin: Twin) -> None:
    design = twin.layout.site.design.t_db_c
    with pytest.raises(ScenarioError, match="above the dry bulb"):
        run(twin, Scenario(t_wb_c=design + 5.0))


def test_ids_given_as_a_list_or_set_are_accepted(twin: Twin) -> None:
    sc = Scenario(failed=["PDU-A"])
    assert sc.failed == frozenset({"PDU-A"})
    assert run(twin, sc).kpis["it_kw"] == run(twin, Scenario.fail("PDU-A")).kpis["it_kw"]
