"""`cap_scenario` on a layout with racks at 0 kW design: each such rack keeps its factor
(nothing to cap) without a numpy RuntimeWarning on stderr (`twin economics --optimise`
printed "invalid value encountered in divide" above its answer)."""

from __future__ import annotations

import warnings

import pytest
import yaml

from twin.layout import loads
from twin.metrics.whatif import cap_scenario
from twin.model import Twin


def test_cap_of_a_rack_with_no_design_power_is_silent_and_leaves_it(layouts_dir):
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    doc["halls"][0]["racks"][0]["power_kw"] = 0.0  # RA01
    twin = Twin.from_layout(loads(yaml.safe_dump(doc)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc = cap_scenario(twin, 6.0)
    assert sc.load_scale["RA01"] == 1.0  # 0 kW: nothing to cap
    assert sc.load_scale["RA02"] == pytest.approx(1.0)  # 6 kW design, cap 6 kW
    assert sc.load_scale["RA03"] == pytest.approx(6.0 / 8.0)  # 8 kW capped at 6
