"""The Failures page's words (audit 3, finding 6): its warning keeps rack counts and the
violations of equipment apart ("96 racks at thermal risk (...): 96 over temperature, 10
coolant temperature, 8 over capacity, 1 uncooled" read the CDUs', CRAHs' and the loop's
violations as a breakdown of the 96 racks), and the UPS battery table shows only for a
failure that takes a utility or a source off the UPSs (it showed for a chiller failure)."""

from __future__ import annotations

import pytest

from twin.app import state as S
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.ride_through_power import utility_lost


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


@pytest.fixture(scope="module")
def base(hall):
    return run(hall)


def test_banner_counts_racks_and_equipment_apart(hall, base):
    res = run(hall, Scenario.fail("H1-CH1", "H1-CH2", "H1-CH3"))
    what = S.consequences(hall, base, res)
    text = S.risk_banner(hall, what, res)
    v = res.violations
    on_rack = v["component"].isin(hall.racks.index)
    racks = v[on_rack]["kind"].value_counts()
    kit = v[~on_rack]["kind"].value_counts()
    assert len(kit) and len(racks)  # the case has both
    head, rest = text.split(". Rack violations: ", 1)
    assert f"{what['racks_at_risk']:,} racks at thermal risk (" in head
    rack_part, kit_part = rest.split(" Equipment violations: ", 1)
    for k, n in racks.items():
        assert f"{n:,} {k.replace('_', ' ')}" in rack_part
    for k, n in kit.items():
        assert f"{n:,} {k.replace('_', ' ')}" in kit_part
        assert f"{n:,} {k.replace('_', ' ')}" not in head
    assert S.risk_banner(hall, S.consequences(hall, base, base), base) == ""


@pytest.mark.parametrize(
    ("failed", "lost"),
    [(("H1-CH1", "H1-CH2", "H1-CH3"), False), (("H1-UPS-A1",), False), (("GRID",), True)],
)
def test_ups_battery_table_only_when_a_utility_is_lost(hall, base, failed, lost):
    assert utility_lost(hall, base, run(hall, Scenario.fail(*failed))) is lost
