"""The N-1 screen under a load scale: its IT at risk is the scaled IT, as its IT lost is
(it read the design 189.0 kW where the full solve of the same case gave 255.2 kW at x1.35,
audit 2026-12-04). The headroom, refresh limits and the Dask fast path read the screen."""

from __future__ import annotations

import numpy as np

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force, contingencies, sweep


def test_it_at_risk_is_the_scaled_it_the_full_solve_puts_at_risk(layouts_dir):
    twin = Twin.load(layouts_dir / "small-room.yaml")
    scenario = Scenario(load_scale=1.35)
    sets = [(c,) for c in contingencies(twin)]
    fast = sweep(twin, sets, scenario=scenario, verify=False).set_index("contingency")
    full = brute_force(twin, sets, scenario).set_index("contingency").loc[fast.index]
    same = fast["racks_at_risk"].to_numpy() == full["racks_at_risk"].to_numpy()
    risky = same & (full["racks_at_risk"].to_numpy() > 0)
    assert risky.any()  # the premise: the CRACs' rows put racks at risk in both
    np.testing.assert_allclose(
        fast["it_at_risk_kw"].to_numpy(float)[risky],
        full["it_at_risk_kw"].to_numpy(float)[risky],
        rtol=1e-9,
    )
    assert (fast["it_at_risk_kw"].to_numpy(float)[risky] > 189.0 * 1.3).all()
