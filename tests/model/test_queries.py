"""Graph queries on small hand-made layouts: upstream paths, what feeds what, what goes unfed."""

from __future__ import annotations

import pytest

from twin.layout import loads
from twin.model import Twin

TINY = """
format_version: 1
site: {name: tiny, grid_mw: 1}
halls:
  - id: H
    size_m: [10, 10]
    rows: [{id: R, origin_m: [1, 2]}]
    racks:
      - {id: r1, row: R, slot: 0, power_kw: 10, feed_a: PA, feed_b: PB}
      - {id: r2, row: R, slot: 1, power_kw: 10, feed_a: PA}
      - {id: r3, row: R, slot: 2, power_kw: 10, feed_a: PB}
power:
  utilities: [{id: U, voltage_kv: 22.9, capacity_mva: 2}]
  generators: [{id: G, voltage_kv: 0.4, rating_kva: 500}]
  transformers:
    - {id: TA, upstream: U, rating_kva: 500, v_primary_kv: 22.9, v_secondary_kv: 0.4}
    - {id: TB, upstream: U, rating_kva: 500, v_primary_kv: 22.9, v_secondary_kv: 0.4}
  switchgear: [{id: SB, upstream: TB, alternate: G, rating_kva: 500}]
  ups: [{id: UA, upstream: TA, rating_kva: 300}, {id: UB, upstream: SB, rating_kva: 300}]
  pdus: [{id: PA, upstream: UA, rating_kva: 100}, {id: PB, upstream: UB, rating_kva: 100}]
cooling:
  crahs: [{id: C1, hall: H, type: crac, capacity_kw: 50, airflow_m3_s: 4, fan_kw: 2}]
"""


@pytest.fixture(scope="module")
def tiny() -> Twin:
    return Twin.from_layout(loads(TINY, "tiny.yaml"))


def test_upstream_path_follows_each_cord(tiny):
    assert tiny.upstream_path("r1", "A") == ["r1", "PA", "UA", "TA", "U"]
    assert tiny.upstream_path("r1", "B") == ["r1", "PB", "UB", "SB", "TB", "U"]


def test_feeds_lists_everything_downstream(tiny):
    assert tiny.feeds("TA") == {"UA", "PA", "r1", "r2"}
    assert tiny.feeds("U") >= {"TA", "TB", "SB", "r3"}
    assert "SB" not in tiny.feeds("G")  # alternate feeds are not normal feeds


def test_single_failures_unfeed_only_single_corded_racks(tiny):
    assert list(tiny.unfed_racks()) == []
    assert list(tiny.unfed_racks({"PA"})) == ["r2"]
    assert list(tiny.unfed_racks({"UB"})) == ["r3"]


def test_generator_picks_up_lost_utility_through_ats(tiny):
    # utility lost: side A dies, side B transfers to the generator behind SB
    assert list(tiny.unfed_racks({"U"})) == ["r2"]
    assert list(tiny.unfed_racks({"U", "G"})) == ["r1", "r2", "r3"]


def test_nominal_voltages_follow_transformers(tiny):
    v = tiny.power_nodes["v_kv"]
    assert v["U"] == 22.9 and v["TA"] == 0.4 and v["PB"] == 0.4


def test_rack_positions_are_site_coordinates(tiny):
    r = tiny.racks
    assert r.at["r1", "x_m"] == pytest.approx(1.3)
    assert r.at["r3", "x_m"] == pytest.approx(2.5)
    assert r.at["r1", "y_m"] == pytest.approx(2.0)


def test_cooling_path_reaches_air_units(tiny):
    assert tiny.cooling_path("r1") == ["air:H", "C1"]
