"""The N-1 screen's hottest inlet is the full solve's in a hall with the air field, where the top
of a rack (res_racks.t_inlet_max_c) runs hotter than its mean (DESIGN: a fast path is never a
second opinion); where a unit of that hall stops, its field moves (`twin.solve.air_stopped`),
which the screen cannot tell: it says so (NaN), and the N-1 table has the full solve's."""

from __future__ import annotations

import numpy as np

from twin.model import Twin
from twin.scenarios.sweep import at_risk, brute_force, n1, sweep


def test_screen_reads_the_top_of_the_rack_as_the_full_solve(layouts_dir):
    layout = Twin.load(layouts_dir / "small-room.yaml").layout.model_copy(deep=True)
    layout.halls[0].air_model = "field"
    twin = Twin.from_layout(layout)
    sets = [("CRAC-1",), ("PDU-1",)]
    screen = sweep(twin, sets, verify=False)
    fast = screen.set_index("contingency")["t_inlet_max_c"]
    full = brute_force(twin, sets).set_index("contingency")["t_inlet_max_c"].loc[fast.index]
    assert np.isclose(fast["PDU-1"], full["PDU-1"], atol=0.5)
    assert np.isnan(fast["CRAC-1"]) and at_risk(twin, screen, full.max()).tolist() == [True, False]
    table = n1(twin).set_index("contingency")["t_inlet_max_c"]
    assert np.allclose(table.loc[full.index], full, atol=1e-9)
