"""A failure that stops every cooling unit shuts every rack down by heat; its N-1 row read
'Cooling shortfall 0.0 kW' and 'Hottest rack inlet n/a' (no rack runs after the trips),
i.e. 'no cooling problem' beside a total loss of cooling. The shortfall is the heat the
racks made before they tripped, the inlet is unbounded (no steady state before the trips),
in `twin n1`, `twin solve` (kpis) and the app's Failures page alike."""

from __future__ import annotations

import math

from tests.scenarios.layouts import load_doc, twin_from_doc
from twin.app.failure_views import consequences
from twin.model.scenario import Scenario
from twin.scenarios.sweep import n1
from twin.solve import run


def _upsgen(layouts_dir):
    """small-room with UPS-1 on the standby generator (MSB then feeds only CRAC-1..3)."""
    doc = load_doc(layouts_dir / "small-room.yaml")
    for h in doc["halls"]:
        h["air_model"] = "kernel"
    (ups,) = doc["power"]["ups"]
    ups["upstream"] = "GEN-1"
    return twin_from_doc(doc, "upsgen.yaml")


def test_msb_row_says_the_heat_the_lost_cooling_carried(layouts_dir):
    tw = _upsgen(layouts_dir)
    assert set(tw.crahs["feed"]) == {"MSB"}  # the case: MSB is every cooling unit's feed
    base = run(tw, Scenario())
    table = n1(tw).set_index("contingency")
    row = table.loc["MSB"]
    assert row["it_lost_kw"] == tw.racks["power_kw"].sum()  # every rack shut down by heat
    # independent figure: the heat the three units carried in the normal state (at the
    # same rack load) less their own fans' heat (they stop with them); no unit is left
    # to remove any of it. That is the racks' 189 kW of IT (all to air, no liquid share)
    # plus the PDUs' and their cables' losses in the room
    crahs = base["res_crahs"]
    heat = crahs["removed_kw"].sum() - crahs["fan_kw"].sum()
    assert abs(row["cooling_shortfall_kw"] - heat) < 1e-6 * heat
    assert (tw.racks["liquid_fraction"] == 0).all()
    it = tw.racks["power_kw"].sum()
    assert it < row["cooling_shortfall_kw"] < it + base.kpis["losses_kw"]
    assert row["t_inlet_max_c"] == math.inf  # heat with nowhere to go: no steady state
    res = run(tw, Scenario.fail("MSB"))
    assert res.kpis["heat_unremoved_kw"] == 0.0  # after the trips: nothing left to remove
    assert res.kpis["heat_unremoved_demand_kw"] == row["cooling_shortfall_kw"]
    assert res.kpis["t_inlet_max_demand_c"] == math.inf
    assert consequences(tw, base, res)["t_inlet_max_c"] == math.inf  # the Failures page
    # rows where no rack shut down by heat read the final state, as before
    for cid in ("UPS-1", "PDU-1", "CRAC-1"):
        r = run(tw, Scenario.fail(cid))
        assert "heat_unremoved_demand_kw" not in r.kpis
        assert table.at[cid, "cooling_shortfall_kw"] == r.kpis["heat_unremoved_kw"] == 0.0
        want = r.kpis["t_inlet_max_c"]  # n/a where no rack has power (UPS-1)
        got = table.at[cid, "t_inlet_max_c"]
        assert (math.isnan(want) and math.isnan(got)) or got == want
