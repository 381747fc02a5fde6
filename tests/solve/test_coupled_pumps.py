"""Coupled solve regressions: lost pumps stop their loop's heat; one plant's outage stays local."""

from __future__ import annotations

import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import plant, run

MINIMAL = "tests/layout/minimal.yaml"
COLD = {"t_db_c": 5.0, "t_wb_c": 3.0}  # the dry cooler holds the setpoint: only pumps matter


def _twin(edit) -> Twin:
    doc = yaml.safe_load(open(MINIMAL).read())
    edit(doc)
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


def _run(tw, *failed):
    return run(tw, Scenario(name="+".join(failed) or "base", failed=frozenset(failed), **COLD))


def _balanced(r) -> None:
    k = r.kpis
    assert k["heat_rejected_kw"] + k["heat_unremoved_kw"] == pytest.approx(
        k["facility_kw"], rel=1e-6, abs=1e-6
    )


def _kinds(r, component) -> set[str]:
    v = r.violations
    return set(v.loc[v["component"] == component, "kind"])


def _pumped(loop: str, rated_m3_s: tuple[float, ...]):
    """A pump per rated flow, in parallel, on `loop` with one short wide return pipe
    (little resistance: each pump runs near its run-out, 2 x rated, so they add up)."""

    def edit(doc):
        c = doc["cooling"]
        c.setdefault("pumps", []).extend(
            {"id": f"{loop}-P{i}", "loop": loop, "from": "s", "to": "d", "head_kpa": 150.0}
            | {"flow_m3_s": q}
            for i, q in enumerate(rated_m3_s, 1)
        )
        c.setdefault("pipes", []).append(
            {"id": f"{loop}-X", "loop": loop, "from": "d", "to": "s"}
            | {"length_m": 10.0, "diameter_m": 0.1}
        )

    return edit


# ------------------------------------------------------------ facility loop pumps


def test_lost_only_facility_pump_uncools_its_cdus():
    """No pump, no flow: the CDU loses its facility water, the TCS loop goes uncooled and
    the heat is counted unremoved (energy balance still closes)."""
    tw = _twin(_pumped("FWS", (0.001,)))
    base, out = _run(tw), _run(tw, "FWS-P1")
    assert base.violations.empty
    assert base.kpis["heat_unremoved_kw"] == 0.0
    assert "uncooled" in _kinds(out, "TCS")
    assert not out["res_cdus"].at["CDU1", "running"]
    assert out["res_cdus"].at["CDU1", "load_kw"] == 0.0
    assert out["res_dry_coolers"]["load_kw"].sum() == 0.0  # nothing reaches the plant
    liquid_kw = float(out["res_racks"].at["RK2", "p_kw"]) * 0.8
    assert out.kpis["heat_unremoved_kw"] >= liquid_kw
    _balanced(base)
    _balanced(out)


def test_lost_facility_pump_stops_the_crah_coils_on_that_loop():
    def edit(doc):
        _pumped("FWS", (0.001,))(doc)
        doc["cooling"]["crahs"] = [
            {"id": "CRAH1", "hall": "H1", "loop": "FWS", "capacity_kw": 60.0}
            | {"airflow_m3_s": 4.0, "fan_kw": 2.0}
        ]

    tw = _twin(edit)
    out = _run(tw, "FWS-P1")
    assert not out["res_crahs"].at["CRAH1", "running"]
    assert "uncooled" in _kinds(out, "H1")
    _balanced(out)


def test_n_plus_1_facility_pumps_share_what_the_survivor_moves():
    """Two pumps in parallel; the survivor alone moves less than the CDU draws: the CDU's
    facility flow is capped at what the pump curve gives and its TCS supply rises. Together
    they move what the loop's heat needs at its design rise (~0.00087 m3/s); the survivor
    does not, so the loop returns warm and that is flagged on the loop."""
    tw = _twin(_pumped("FWS", (0.00024, 0.00024)))
    base, one = _run(tw), _run(tw, "FWS-P1")
    assert base.violations.empty
    q_one = one["res_pumps"].at["FWS-P2", "flow_m3_s"]
    draw = base["res_cdus"].at["CDU1", "facility_flow_m3_s"]
    assert 0 < q_one < draw
    assert one["res_cdus"].at["CDU1", "facility_flow_m3_s"] == pytest.approx(q_one, rel=1e-6)
    assert "coolant_temperature" in _kinds(one, "CDU1")
    assert "coolant_temperature" in _kinds(one, "FWS")  # pumps short of the heat's need
    assert one["res_cdus"].at["CDU1", "t_tcs_supply_c"] > 30.5
    assert one.kpis["heat_unremoved_kw"] == 0.0  # still moved, at a warmer return
    _balanced(one)
    # ample pumps: losing one changes nothing a rack would notice
    big = _twin(_pumped("FWS", (0.001, 0.001)))
    assert _run(big, "FWS-P1").violations.empty


# ------------------------------------------------------------ TCS loop pumps


def test_tcs_loop_pumps_lost_and_short():
    tw = _twin(_pumped("TCS", (0.0002,)))  # run-out ~0.0004 m3/s < ~0.00077 design flow
    full = _twin(_pumped("TCS", (0.001,)))
    assert _run(full).violations.empty
    short = _run(tw)
    assert "coolant_temperature" in _kinds(short, "TCS")
    ret = short["res_racks"].at["RK2", "t_coolant_return_c"]
    assert ret > _run(full)["res_racks"].at["RK2", "t_coolant_return_c"] + 1.0
    _balanced(short)
    lost = _run(full, "TCS-P1")
    assert "uncooled" in _kinds(lost, "TCS")
    # its racks' liquid heat has nowhere to go: they trip (twin.solve.consequence), IT lost
    shut = lost.violations.query("kind == 'thermal_shutdown'")["component"]
    assert len(shut) and (lost["res_racks"].loc[shut, "thermal_state"] == "shutdown").all()
    assert lost.kpis["it_shutdown_kw"] == pytest.approx(full.racks.loc[shut, "power_kw"].sum())
    _balanced(lost)


# ------------------------------------------------------------ plant: outages stay local


def _two_plants(doc):
    """Two TCS/facility loops, each with a water-cooled chiller and its own tower."""
    hall = doc["halls"][0]
    hall["racks"].append(
        {"id": "RK3", "row": "R1", "slot": 2, "power_kw": 40.0, "liquid_fraction": 0.8}
        | {"liquid_loop": "TCS2", "feed_a": "PDU-A", "feed_b": "PDU-B"}
    )
    c = doc["cooling"]
    c["loops"] = [
        {"id": "TCS", "kind": "tcs", "t_supply_c": 30.0},
        {"id": "FWS", "kind": "facility", "t_supply_c": 18.0},
        {"id": "CW", "kind": "condenser", "t_supply_c": 29.4},
        {"id": "TCS2", "kind": "tcs", "t_supply_c": 30.0},
        {"id": "FWS2", "kind": "facility", "t_supply_c": 18.0},
        {"id": "CW2", "kind": "condenser", "t_supply_c": 29.4},
    ]
    c["cdus"].append(
        {"id": "CDU2", "hall": "H1", "loop": "TCS2", "facility_loop": "FWS2", "capacity_kw": 100.0}
    )
    c["dry_coolers"] = []
    c["chillers"] = [
        {"id": "CH1", "loop": "FWS", "condenser_loop": "CW", "capacity_kw": 100.0},
        {"id": "CH2", "loop": "FWS2", "condenser_loop": "CW2", "capacity_kw": 100.0},
    ]
    c["cooling_towers"] = [
        {"id": "CT1", "loop": "CW", "capacity_kw": 150.0, "fan_kw": 2.0},
        {"id": "CT2", "loop": "CW2", "capacity_kw": 150.0, "fan_kw": 2.0},
    ]


def test_lost_towers_of_one_plant_leave_the_other_running():
    """A water-cooled chiller whose towers are all out cannot run (no condenser water, NaN
    entering temperature); that must not stop the chillers of other loops staged after it."""
    tw = _twin(_two_plants)
    base = run(tw)
    assert base.violations.empty
    out = run(tw, Scenario.fail("CT1"))
    ch = out["res_chillers"]
    assert not ch.at["CH1", "running"] and not ch.at["CH1", "on"]
    assert ch.at["CH2", "on"]
    assert ch.at["CH2", "load_kw"] == pytest.approx(base["res_chillers"].at["CH2", "load_kw"])
    # nothing rejects FWS's heat: it keeps warming, shown at the chillers' limit (a lower bound)
    assert _kinds(out, "FWS") == {"uncooled", "coolant_temperature"}
    assert out["res_loops"].at["FWS", "t_supply_c"] == pytest.approx(
        tw.loops.at["FWS", "t_supply_c"] + plant.MAX_SUPPLY_RISE_K
    )
    v = out.violations
    assert not v["component"].isin(["FWS2", "CW2", "CH2", "CDU2", "TCS2"]).any()
    unremoved = out.kpis["heat_unremoved_kw"]
    assert unremoved == pytest.approx(out["res_loops"].at["FWS", "q_kw"], rel=1e-9)
    _balanced(base)
    _balanced(out)
