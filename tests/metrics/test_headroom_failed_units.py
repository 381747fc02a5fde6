"""A unit already failed neither carries its group's heat nor backs it up: the N+1 groups of
the headroom (CDUs, CRAHs, chillers) count running units only. Counted, a site with one of
its three CDUs failed read 0.903 of the group's N+1 capacity, as if it still had one to lose."""

from __future__ import annotations

import pytest

from twin.metrics.headroom_constraints import constraint_utilisation
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


@pytest.mark.parametrize(
    ("table", "unit", "group", "capacity"),
    [
        ("cdus", "H1-TCS1-CDU1", "CDU group H1-TCS1 (N+1)", "capacity_kw"),
        ("crahs", "H1-CRAH1", "CRAH air (hall H1)", "capacity_avail_kw"),
    ],
)
def test_a_failed_unit_leaves_its_group(hall, table, unit, group, capacity):
    r = run(hall, Scenario.fail(unit))
    res = r[f"res_{table}"]
    key = "loop" if table == "cdus" else "hall"
    mine = getattr(hall, table)[key] == getattr(hall, table).at[unit, key]
    cap = (hall.cdus["capacity_kw"] if table == "cdus" else res[capacity])[mine]
    cap = cap[res.loc[mine, "running"]]  # by hand: the running units only
    want = res.loc[mine, "load_kw"].sum() / (cap.sum() - cap.max())
    got = constraint_utilisation(hall, r)[group]
    assert got == pytest.approx(want, rel=1e-9)
    assert got > constraint_utilisation(hall, run(hall))[group]  # less left, never more
