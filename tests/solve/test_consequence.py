"""Issue 12: racks past their class limit throttle, further past it trip; a trip is IT lost.

The rule (twin.solve.consequence) on hand-made results, then the coupled solve: racks
that trip are re-solved switched off, the answer equals solving with those racks failed,
and the ride-through uses the same limits and ends its curves at the first trip.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K, assess
from twin.solve.results import SOLVER_KINDS, Results, violation, violations_frame
from twin.solve.transient import cooling_ride_through

A1_MAX_C = 32.0  # ASHRAE A1 allowable maximum [REFERENCE 2]


class _Racks:
    """The columns of a Twin that `assess` reads, for six racks in one A1 hall."""

    def __init__(self):
        ids = pd.Index([f"R{i}" for i in range(7)], name="id")
        self.racks = pd.DataFrame(
            {
                "liquid_fraction": [0.0, 0.0, 0.0, 0.8, 0.8, 0.0, 0.8],
                "liquid_loop": [None, None, None, "TCS", "TCS", None, "TCS"],
            },
            index=ids,
        )


def _results(t_inlet, t_coolant, fed, uncooled=()):
    ids = pd.Index([f"R{i}" for i in range(7)], name="id")
    rr = pd.DataFrame(
        {
            "fed": fed,
            "p_kw": np.where(fed, 100.0, 0.0),
            "t_inlet_c": t_inlet,
            "t_coolant_supply_c": t_coolant,
            "ashrae_class": "A1",
        },
        index=ids,
    )
    rows = [violation(r, "uncooled", 80.0, 0.0, "kW", "no CDU running") for r in uncooled]
    return Results(tables={"res_racks": rr}, violations=violations_frame(rows))


def test_the_rule_on_each_side_of_each_limit():
    nan = np.nan
    res = _results(
        t_inlet=[A1_MAX_C - 1, A1_MAX_C + 1, A1_MAX_C + SHUTDOWN_MARGIN_K + 0.1, 25, 25, 60, 25],
        t_coolant=[nan, nan, nan, COOLANT_LIMIT_C + 1, COOLANT_LIMIT_C + 10.5, nan, nan],
        fed=[True, True, True, True, True, False, True],
        uncooled=["R6"],
    )
    a = assess(_Racks(), res)
    assert a["state"].tolist() == [
        "ok",
        "throttled",
        "shutdown",
        "throttled",
        "shutdown",
        "off",  # unfed: neither hot nor tripped, whatever its stale inlet says
        "shutdown",  # its heat has nowhere to go: no steady temperature
    ]
    assert "A1 allowable 32 °C" in a.at["R1", "cause"]
    assert "coolant supply" in a.at["R4", "cause"] and "45 °C" in a.at["R4", "cause"]
    assert "nowhere to go" in a.at["R6", "cause"]
    assert a.at["R0", "cause"] == ""


@pytest.fixture(scope="module")
def small_room(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "small-room.yaml")


def _supply(twin: Twin, t_c: float) -> Twin:
    c = twin.crahs.copy()
    c["t_supply_c"] = t_c
    return dataclasses.replace(twin, crahs=c)


def _tripping(twin: Twin) -> tuple[Twin, Results]:
    """The small room with its CRAC supply raised until some, not all, racks trip."""
    for t_c in np.arange(20.0, 40.0, 1.0):
        hot = _supply(twin, float(t_c))
        r = run(hot)
        n = r.kpis["racks_shutdown"]
        if 0 < n < len(twin.racks):
            return hot, r
    pytest.fail("no supply temperature trips part of the room")


def test_a_normal_room_trips_nothing(small_room):
    r = run(small_room)
    rr = r["res_racks"]
    assert r.kpis["racks_shutdown"] == r.kpis["it_shutdown_kw"] == 0
    assert r.kpis["it_kw"] == pytest.approx(small_room.it_kw)
    hot = rr["t_inlet_c"] > A1_MAX_C  # throttling is exactly the racks past the allowable
    assert ((rr["thermal_state"] == "throttled") == hot).all()
    assert r.kpis["racks_throttled"] == hot.sum()


def test_tripped_racks_are_it_lost_and_equal_solving_them_failed(small_room):
    hot, r = _tripping(small_room)
    rr = r["res_racks"]
    shut = rr.index[rr["thermal_state"] == "shutdown"]
    v = r.violations
    assert set(v.loc[v["kind"] == "thermal_shutdown", "component"]) == set(shut)
    assert not v["kind"].isin(SOLVER_KINDS).any()
    # the demand of a tripped rack is IT lost, not IT served
    assert r.kpis["it_shutdown_kw"] == pytest.approx(hot.racks.loc[shut, "power_kw"].sum())
    assert r.kpis["it_kw"] == pytest.approx(hot.it_kw - r.kpis["it_shutdown_kw"])
    assert (rr.loc[shut, "p_demand_kw"] == hot.racks.loc[shut, "power_kw"]).all()
    # one answer: the same state as failing those racks by hand
    by_hand = run(hot, Scenario(failed=frozenset(shut)))
    for k in ("facility_kw", "it_kw", "cooling_kw", "t_inlet_max_c", "pue"):
        assert r.kpis[k] == pytest.approx(by_hand.kpis[k], rel=1e-9), k
    # settled: no rack left running is past its trip point
    still = assess(hot, r)
    assert not ((still["state"] == "shutdown") & ~still.index.isin(shut)).any()
    running = rr["thermal_state"].isin(["ok", "throttled"])
    assert (rr.loc[running, "t_inlet_c"] <= A1_MAX_C + SHUTDOWN_MARGIN_K).all()
    # throttled racks are the running ones past the allowable inlet
    thr = rr["thermal_state"] == "throttled"
    assert (rr.loc[thr, "t_inlet_c"] > A1_MAX_C).all()
    assert r.kpis["racks_throttled"] == thr.sum()


def test_no_cooling_trips_the_room(small_room):
    r = run(small_room, Scenario.fail(*small_room.crahs.index))
    assert r.kpis["racks_shutdown"] == len(small_room.racks)
    assert r.kpis["it_shutdown_kw"] == pytest.approx(small_room.it_kw)
    assert r.kpis["it_kw"] == 0 and np.isnan(r.kpis["pue"])  # no IT: no PUE
    # the cause stays in the list after the racks it heated are gone
    v = r.violations
    assert (v["kind"] == "uncooled").any()
    assert v.loc[v["kind"] == "thermal_shutdown", "message"].str.contains("nowhere").all()


def test_summary_counts_racks_lost_to_heat(small_room):
    from twin.scenarios.scenario import solve_scenario

    out = solve_scenario(small_room, Scenario.fail(*small_room.crahs.index))
    s = out.summary()
    assert s["it_lost_kw"] == pytest.approx(small_room.it_kw)
    assert s["racks_lost"] == s["racks_shutdown"] == len(small_room.racks)


def test_ride_through_takes_each_tripped_rack_s_heat_off(layouts_dir):
    """Both facility pumps lost: no water moves, every rack trips. The curves run past the
    trips to the horizon with each tripped rack's heat off (they used to stop at the first
    trip, the model keeping the heat on): a TCS loop stops warming once its last rack trips
    and its warmest rack supply never passes the trip line; the limits are there to draw;
    the steady state of the same failure has every rack shut down."""
    hall = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    sc = Scenario.fail("H1-FWS-P1", "H1-FWS-P2")
    rt = cooling_ride_through(hall, sc, t_end_s=1800.0)
    trip = rt.racks["t_to_shutdown_s"]
    assert np.isfinite(trip).all() and (trip < 1800).all()
    assert (trip >= rt.racks["time_to_limit_s"]).all()  # throttling comes first
    ts = rt.timeseries
    lim = rt.limits.set_index(["component", "quantity"])
    inlet = ts[(ts["component"] == "H1") & (ts["quantity"] == "rack_inlet_max")]
    assert (ts.groupby(["component", "quantity"])["time_s"].max() == 1800.0).all()
    assert lim.at[("H1", "rack_inlet_max"), "limit_c"] == A1_MAX_C
    # the hall air peaks by the last trip and falls after (never the 250 C of a model
    # keeping the heat of racks that are off)
    assert inlet["time_s"].iat[int(inlet["t_c"].to_numpy().argmax())] <= trip.max()
    assert inlet["t_c"].iat[-1] < inlet["t_c"].max()
    for tcs in hall.racks["liquid_loop"].dropna().unique():
        # the coolant lines bound the curve the trip reads: the loop's hottest rack supply
        assert lim.at[(tcs, "rack_coolant_supply_max"), "shutdown_c"] == (
            COOLANT_LIMIT_C + SHUTDOWN_MARGIN_K
        )
        sup = ts[(ts["component"] == tcs) & (ts["quantity"] == "rack_coolant_supply_max")]
        on = rt.racks["liquid_loop"] == tcs
        assert sup["t_c"].iat[0] == rt.racks.loc[on, "t_coolant_supply0_c"].max()
        shut = COOLANT_LIMIT_C + SHUTDOWN_MARGIN_K
        assert sup["t_c"].max() <= shut + 1e-3
        after = sup[sup["time_s"] > rt.racks.loc[on, "t_to_shutdown_s"].max()]["t_c"]
        assert len(after) and np.ptp(after.to_numpy()) < 1e-6  # no heat in, none out
    steady = run(hall, sc)
    assert (steady["res_racks"]["thermal_state"] == "shutdown").all()


def test_overloads_before_a_heat_trip_stay_in_the_answer(small_room):
    """Audit F-H: 2 MW of racks on a 300 kVA UPS trip by heat, and the steady state after
    the trips loads the UPS at nothing; its overload came first (protection acts before
    heat) and must not vanish. Checked against the power flow alone at full demand (the
    UPS feeds only racks, so cooling loads do not touch it) and a closed form."""
    from twin.solve.power import solve_power

    r = small_room.racks.copy()
    r["power_kw"] = 100.0
    big = dataclasses.replace(small_room, racks=r)
    out = run(big)
    assert out.kpis["racks_shutdown"] == len(r)  # the room cannot hold 2 MW of heat
    rp = out["res_power_nodes"]
    assert rp.at["UPS-1", "loading_pct"] < 1.0  # after the trips: nothing on it
    alone = solve_power(big, Scenario())["res_power_nodes"]
    assert rp.at["UPS-1", "loading_demand_pct"] == pytest.approx(
        alone.at["UPS-1", "loading_pct"], rel=1e-9
    )
    kva = (100.0 / r["power_factor"]).sum()  # the racks' apparent power, losses apart
    floor = 100.0 * kva / float(small_room.power_nodes.at["UPS-1", "rating_kva"])
    assert rp.at["UPS-1", "loading_demand_pct"] >= floor  # 694 %: the racks alone, no losses
    assert out.kpis["max_loading_demand_pct"] == pytest.approx(rp["loading_demand_pct"].max())
    v = out.violations
    over = v[v["kind"] == "overload"]
    assert {"UPS-1", "PDU-1", "PDU-2", "TX-1"} <= set(over["component"])
    assert over["message"].str.endswith("(before racks shut down by heat)").all()
    ups = over.set_index("component").at["UPS-1", "value"]
    assert ups == pytest.approx(rp.at["UPS-1", "loading_demand_pct"], rel=1e-9)


def test_no_trip_no_demand_kpi(small_room):
    out = run(small_room)
    rp = out["res_power_nodes"]
    assert (rp["loading_demand_pct"] == rp["loading_pct"]).all()
    assert "max_loading_demand_pct" not in out.kpis
