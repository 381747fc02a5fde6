"""Rack smoothing stores too small for their ramp limit: a `rack_ramp` violation per hall,
as the site BESS's `ramp_limit` (audit 5 F-AA: a checkpoint dip went through at ~200x the
limit with 'violations: 0')."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.workloads import Pattern
from twin.solve.timeline_storage import Store

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Twin:
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    path = tmp_path_factory.mktemp("rr") / "room.yaml"
    path.write_text(text)
    return Twin.load(path)


def _run(room, checkpoints: bool):
    pat = Pattern() if checkpoints else Pattern(checkpoint_s=0.0)
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", pattern=pat, weather=False,
                        rack_store=Store(1.0, 5.0, 0.9), rack_ramp_kw_s=0.001)  # fmt: skip
    return simulate(room, spec)


def test_a_ramp_the_rack_stores_cannot_hold_is_a_violation(room):
    tl = _run(room, checkpoints=True)
    v = tl.violations[tl.violations["kind"] == "rack_ramp"]
    assert len(v) and set(v["component"]) == {"ROOM"}
    limit = 0.001 * len(room.racks)  # kW/s: the racks' limits added
    assert v["limit"].eq(limit).all()
    # the worst: the largest step-to-step change of the chain's draw, read from the steps
    chain = tl.steps["chain_kw"].to_numpy()
    ramp = np.abs(np.diff(chain)) / 1.0
    assert v["value"].max() == pytest.approx(ramp.max(), rel=1e-9)
    assert ramp.max() > 100 * limit
    # every second over the limit is inside a violation, and none outside
    over = np.flatnonzero(ramp > limit * (1 + 1e-9) + 1e-9) + 1
    inside = np.zeros(len(chain), bool)
    for s, d in zip(v["start_s"], v["duration_s"], strict=True):
        inside[int(s) : int(s + d)] = True
    assert inside[over].all() and inside.sum() == len(over)


def test_no_violation_where_the_stores_hold_the_limit(room):
    tl = _run(room, checkpoints=False)
    assert "rack_ramp" not in set(tl.violations["kind"])
    ramp = np.abs(np.diff(tl.steps["chain_kw"].to_numpy()))
    assert ramp.max() <= 0.001 * len(room.racks) * (1 + 1e-9) + 1e-9
