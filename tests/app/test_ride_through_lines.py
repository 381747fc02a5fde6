"""Issue 12: the ride-through chart draws the throttle and trip limits of its curves, and
no curve climbs past its range (250 C): a rack that trips stops heating, so the warmest
rack coolant supply stops at its trip line."""

from __future__ import annotations

import altair as alt

from twin.app import state as S
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve.consequence import SHUTDOWN_MARGIN_K
from twin.solve.transient import cooling_ride_through


def test_pumps_lost_lines_and_curves(layouts_dir):
    hall = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    rt = cooling_ride_through(hall, Scenario.fail("H1-FWS-P1", "H1-FWS-P2"))
    curves = S.ride_through_curves(rt)
    lines = S.ride_through_limits(rt, curves)
    names = set(curves["series"])
    # curves named as people read them: the hall, not the model's node ids; labels, not keys
    assert not [s for s in names if "air:" in s or "equipment:" in s or "_" in s], names
    inlet = [s for s in names if s == "H1: hottest rack inlet"]
    assert inlet, names
    mine = lines[lines["series"] == inlet[0]]
    assert sorted(mine["t_c"]) == [32.0, 32.0 + SHUTDOWN_MARGIN_K]  # A1 allowable, trip
    sup = curves[curves["series"].str.endswith("warmest rack coolant supply")]
    assert len(sup) and sup["t_c"].max() <= lines["t_c"].max() + 1e-6
    assert curves["t_c"].max() < 100.0  # every rack trips, and then heats nothing
    assert set(lines["series"]) <= set(curves["series"])
    rules = alt.Chart(lines).mark_rule().encode(y="t_c:Q")
    trend = alt.Chart(curves).mark_line().encode(x="time_min:Q", y="t_c:Q", color="series:N")
    spec = alt.layer(trend, rules).to_dict()
    assert len(spec["layer"]) == 2
