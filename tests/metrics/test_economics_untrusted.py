"""A solve that is no solution (the power flow collapses: 50 km PDU cables) has no PUE in
`twin solve` and `twin tenants` (null / n/a); `twin economics` recomputed facility / IT and
printed "PUE 1.551", and `twin compare-distribution` 1.551 too. One answer now: n/a."""

from __future__ import annotations

import math

import pytest
from layout_edit import with_pdu_cables

from twin.cli import main
from twin.layout import loads
from twin.metrics.economics import economics
from twin.model import Twin
from twin.scenarios.distribution import compare_distribution
from twin.solve import run


@pytest.fixture(scope="module")
def collapsed(layouts_dir, tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("collapse")
    return with_pdu_cables(layouts_dir / "small-room.yaml", tmp, "collapsed.yaml", 50000.0)


def test_no_solution_no_pue_anywhere(collapsed, capsys):
    twin = Twin.from_layout(loads(open(collapsed).read()))
    res = run(twin)
    assert "not_converged" in set(res.violations["kind"])  # the premise
    assert math.isnan(res.kpis["pue"]) and res.kpis["facility_kw"] > 0
    assert math.isnan(economics(twin, res)["pue"])
    d = compare_distribution(twin, "ROOM", res)
    assert math.isnan(d.chains.at["pue", "ac_415v"]) and math.isnan(d.chains.at["pue", "dc_800v"])
    assert main(["economics", collapsed]) == 0
    assert "(PUE n/a)" in capsys.readouterr().out


def test_a_solved_room_keeps_one_pue(layouts_dir):
    twin = Twin.load(layouts_dir / "small-room.yaml")
    res = run(twin)
    assert economics(twin, res)["pue"] == res.kpis["pue"] == pytest.approx(1.449, abs=1e-3)


def test_no_annual_pue_from_bins_that_are_no_solution(collapsed):
    """`twin solve --annual` printed "Annual PUE 1.402" beside "PUE n/a": each weather bin's
    solve collapses too, and the year's ratio was summed from them."""
    from twin.metrics.pue import annual

    twin = Twin.from_layout(loads(open(collapsed).read()))
    year = annual(twin)
    assert math.isnan(year.pue) and math.isnan(year.wue_l_per_kwh)
    assert year.bins["untrusted"].all()
