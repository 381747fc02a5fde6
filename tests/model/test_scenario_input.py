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
        # type slips found by the audit of 2026-12-01 (these raised AttributeError/TypeError)
        ({"load_scale": "1.1"}, "load_scale= takes a factor .* for every rack"),
        ({"load_scale": [1.1]}, "load_scale= takes a factor"),
        ({"load_scale": None}, "load_scale= takes a factor"),
        ({"load_scale": True}, "load_scale= takes a factor"),
        ({"load_scale": math.nan}, "load_scale= takes a factor"),
        ({"load_scale": -0.5}, "finite numbers >= 0"),
        ({"load_scale": {"*": "1.1"}}, "finite numbers >= 0"),
        ({"load_scale": {"*": math.inf}}, "finite numbers >= 0"),
        ({"load_scale": {"*": True}}, "finite numbers >= 0"),
        ({"load_scale": {1: 1.0}}, "keys are rack ids"),
        # overflowed the solvers with a RuntimeWarning (audit of 2026-12-01)
        ({"load_scale": 1e300}, "finite numbers >= 0 and at most 10000"),
        ({"load_scale": {"*": 1.0, "RK1": 2e4}}, "at most 10000; got .*RK1"),
        ({"load_scale": math.inf}, "finite number in 0..10000"),
        ({"t_db_c": {"t": 30.0}}, "t_db_c=.*dict.*finite temperature"),
        ({"t_db_c": "30"}, "t_db_c=.*str.*finite temperature"),
        ({"t_wb_c": True}, "t_wb_c=.*finite temperature"),
        ({"failed": {"UPS1": True}}, "failed= takes a set"),
        ({"failed": ["UPS1", 7]}, "ids are strings"),
        ({"maintenance": "PDU-A"}, "maintenance= takes a set"),
        ({"maintenance": None}, "maintenance= takes a set"),
        ({"name": 5}, "name= takes a string"),
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


def test_a_bare_load_factor_scales_every_rack(twin: Twin) -> None:
    """`load_scale=1.1` is `{"*": 1.1}` (documented in `Scenario`): the same solve, and
    the IT load is 1.1 x the design IT of the racks (the layout's sum, no solver)."""
    sc = Scenario(load_scale=1.1)
    assert sc.load_scale == {"*": 1.1}
    design_kw = sum(r.power_kw for h in twin.layout.halls for r in h.racks)
    bare, star = run(twin, sc), run(twin, Scenario(load_scale={"*": 1.1}))
    assert bare.kpis["it_kw"] == star.kpis["it_kw"]
    assert bare.kpis["it_kw"] == pytest.approx(1.1 * design_kw, rel=1e-9)


@pytest.mark.parametrize("not_a_rack", ["PDU-A", "CRAC1", "UPS1"])
def test_a_load_factor_on_a_component_that_is_not_a_rack_is_refused(
    twin: Twin, not_a_rack: str
) -> None:
    """Only racks have a design IT power to scale: `load_scale={'PDU-A': 2}` used to solve
    the normal state in silence (the IT load unchanged, as if the factor were not there)."""
    with pytest.raises(ScenarioError, match=f"{not_a_rack} is not a rack"):
        run(twin, Scenario(load_scale={not_a_rack: 2.0}))
    design_kw = sum(r.power_kw for h in twin.layout.halls for r in h.racks)
    rk1 = next(r.power_kw for h in twin.layout.halls for r in h.racks if r.id == "RK1")
    got = run(twin, Scenario(load_scale={"RK1": 2.0})).kpis["it_kw"]
    assert got == pytest.approx(design_kw + rk1, rel=1e-9)  # a rack's factor still applies


def test_the_largest_allowed_load_factor_solves_without_overflow(twin: Twin) -> None:
    """At `MAX_LOAD_SCALE` the solve stays in floats (no overflow warning, finite KPIs):
    the bound refuses only factors that cannot be solved (1e300 overflowed)."""
    import warnings

    from twin.model.scenario import MAX_LOAD_SCALE

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = run(twin, Scenario(load_scale=MAX_LOAD_SCALE))
    assert all(math.isfinite(r.kpis[k]) for k in ("facility_kw", "heat_unremoved_kw"))
