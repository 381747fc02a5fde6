"""A DX unit in the ride-through removes at most its capacity (audit 5 F-AB): with two of the
small room's three 120 kW CRACs lost, the coil drive grew with the room's warmth and let the
last unit remove ~198 kW, so the room levelled off at 45.9 C with no rack shut down in a
week, while the steady solve of the same state says 75.5 kW stay in the room (no steady
state)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.transient import cooling_ride_through


def test_the_last_dx_unit_cannot_hold_what_the_steady_solve_says_it_cannot(layouts_dir):
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    fail = Scenario.fail("CRAC-1", "CRAC-2")
    short = run(tw, fail).kpis["heat_unremoved_kw"]
    assert short > 50.0  # the steady solve: no steady state
    rt = cooling_ride_through(tw, fail, t_end_s=4 * 3600.0)
    # the room warms until enough racks trip for the rest to fit the last unit's 120 kW
    tripped = np.isfinite(rt.racks["t_to_shutdown_s"])
    assert tripped.any()
    base = run(tw)["res_racks"]["p_kw"]
    left = rt.nodes.at["air:ROOM", "p_kw"] - base[tripped].sum()  # air-cooled racks
    assert left <= 120.0 < left + base[tripped].sum()
    # while none has tripped, the hall air gains the unremoved heat at least: by energy,
    # C dT/dt >= P - Q_cap at the first trip's time, against the air and rack metal
    nodes = rt.nodes
    c = nodes.loc[["air:ROOM", "equipment:ROOM"], "c_kj_k"].sum()
    first = float(rt.racks["t_to_shutdown_s"].min())
    air = rt.timeseries[rt.timeseries["component"] == "air:ROOM"].set_index("time_s")["t_c"]
    rise = air.loc[:first].iloc[-1] - air.iloc[0]
    assert rise * c >= 0.5 * short * air.loc[:first].index[-1]
    assert nodes.at["air:ROOM", "capacity_after_kw"] == pytest.approx(120.0)
