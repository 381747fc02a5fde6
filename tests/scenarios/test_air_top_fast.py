"""The N-1 screen's hottest inlet is the full solve's in a hall with the air field, where the top
of a rack (res_racks.t_inlet_max_c) runs hotter than its mean (DESIGN: a fast path is never a
second opinion)."""

from __future__ import annotations

import numpy as np

from twin.model import Twin
from twin.scenarios.sweep import brute_force, sweep


def test_screen_reads_the_top_of_the_rack_as_the_full_solve(layouts_dir):
    layout = Twin.load(layouts_dir / "small-room.yaml").layout.model_copy(deep=True)
    layout.halls[0].air_model = "field"
    twin = Twin.from_layout(layout)
    sets = [("CRAC-1",), ("PDU-1",)]
    fast = sweep(twin, sets, verify=False).set_index("contingency")["t_inlet_max_c"]
    full = brute_force(twin, sets).set_index("contingency")["t_inlet_max_c"].loc[fast.index]
    assert np.allclose(fast, full, atol=0.5)
