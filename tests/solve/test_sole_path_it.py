"""``res_power_nodes.sole_path_it_kw`` (IT with no second path around an element) is what
failing that element drops: checked against a full power solve of every single failure.
The dashboard's redundancy table reads it: the small room's only UPS and its switchboard
read "ok" there while `twin n1` lost all 189 kW to either (audit 2026-12-04)."""

from __future__ import annotations

import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve.power import solve_power


@pytest.mark.parametrize(
    "layout", ["small-room.yaml", "hybrid-inference.yaml", "ai-factory-hall.yaml"]
)
def test_sole_path_it_is_what_each_single_failure_drops(layouts_dir, layout):
    twin = Twin.load(layouts_dir / layout)
    base = solve_power(twin)["res_power_nodes"]
    for element in twin.power_nodes.index:
        lost = solve_power(twin, Scenario.fail(element)).kpis["it_unserved_kw"]
        assert base.at[element, "sole_path_it_kw"] == pytest.approx(lost, abs=1e-6), element


def test_the_small_rooms_single_points(layouts_dir):
    sole = solve_power(Twin.load(layouts_dir / "small-room.yaml"))["res_power_nodes"]
    sole = sole["sole_path_it_kw"]
    assert sole[sole > 0].to_dict() == pytest.approx({"MSB": 189.0, "UPS-1": 189.0})


def test_the_dashboards_redundancy_names_single_points(layouts_dir):
    from twin.app import state as S
    from twin.solve import run

    twin = Twin.load(layouts_dir / "small-room.yaml")
    red = S.redundancy(twin, run(twin)).set_index("kind")
    for kind in ("ups", "switchgear"):
        assert red.at[kind, "status"] == (
            "single point of failure: 1 element, up to 189 kW of IT with no second path"
        )
    assert red.at["pdus", "status"] == "ok"  # A and B: either carries the racks
    assert (
        red.at["generators", "max_failover_loading_pct"]
        != red.at[  # n/a, not 0 %
            "generators", "max_failover_loading_pct"
        ]
    )
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    assert (S.redundancy(twin, run(twin))["status"] == "ok").all()  # 2N: no single point
