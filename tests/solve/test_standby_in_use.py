"""A standby generator carrying load in normal operation is a violation (audit 5 F-D): with
UPS-1 `upstream: GEN-1` small-room solved 197 kW on GEN-1, a permanent island on diesel,
with 0 violations."""

from __future__ import annotations

import pytest

from tests.layout_edit import edited_layout
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.power import solve_power


def _small_room(layouts_dir, tmp_path, name, ups_upstream=None) -> Twin:
    def edit(doc: dict) -> None:
        for hall in doc["halls"]:
            hall["air_model"] = "kernel"
        if ups_upstream:
            doc["power"]["ups"][0]["upstream"] = ups_upstream

    return Twin.load(edited_layout(layouts_dir / "small-room.yaml", tmp_path, name, edit))


def _standby(res):
    v = res.violations
    return v[v["kind"] == "standby_in_use"]


def test_generator_as_upstream_is_flagged_with_what_it_carries(layouts_dir, tmp_path):
    tw = _small_room(layouts_dir, tmp_path, "upsgen.yaml", ups_upstream="GEN-1")
    res = run(tw, Scenario())
    rows = _standby(res)
    assert list(rows["component"]) == ["GEN-1"]
    # conservation: the generator delivers exactly what UPS-1 draws over its feeder (GEN-1
    # feeds nothing else), and the rest of the facility comes from the utility
    pn = res["res_power_nodes"]
    assert rows["value"].iat[0] == pytest.approx(pn.at["UPS-1", "p_kw"], rel=1e-9)
    assert rows["value"].iat[0] == pytest.approx(res.kpis["generator_kw"], rel=1e-9)
    assert res.kpis["utility_kw"] + res.kpis["generator_kw"] == pytest.approx(
        res.kpis["facility_kw"], rel=1e-9
    )
    msg = rows["message"].iat[0]
    assert "GEN-1" in msg and "UPS-1" in msg and f"{rows['value'].iat[0]:,.1f} kW" in msg
    # a failure elsewhere does not excuse it while the utility is live
    crac = tw.crahs.index[0]
    assert len(_standby(solve_power(tw, Scenario.fail(crac)))) == 1
    assert len(_standby(solve_power(tw, Scenario.fail("PDU-1")))) == 1


def test_generator_behind_a_transfer_switch_is_not_flagged(layouts_dir, tmp_path):
    tw = _small_room(layouts_dir, tmp_path, "room.yaml")
    assert not len(_standby(solve_power(tw, Scenario())))
    # a utility outage is what the generator is for: it carries the load, no violation
    out = solve_power(tw, Scenario.fail("UTIL"))
    assert out.kpis["generator_kw"] > 0
    assert not len(_standby(out))
