"""The battery window of a ride-through (`twin.solve.battery_window`).

Audit 5 F-E/F-I: with the utility and the generator both lost, the ride-through read the
failure's steady state (every battery empty, the racks dark) as the state during the
outage: 'UPS autonomy unlimited (no load)' and no rack at a limit, while the same racks
with only the CRACs lost reached their allowable inlet in 41 s. Losing more read better.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.ride_through_power import peukert_autonomy_s, power_ride_through
from twin.solve.transient import cooling_ride_through


def _twin(path, battery_kwh=None) -> Twin:
    doc = yaml.safe_load(path.read_text())
    for h in doc["halls"]:
        h["air_model"] = "kernel"  # air is not the point
    if battery_kwh is not None:
        doc["power"]["ups"][0]["battery"]["energy_kwh"] = battery_kwh
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


@pytest.fixture(scope="module")
def room(layouts_dir) -> Twin:
    return _twin(layouts_dir / "small-room.yaml")


def test_a_ups_on_battery_carries_its_load_before_the_failure(room):
    """The small room's UPS-1 (60 kWh VRLA, 0.25 h rating, Peukert 1.2) behind MSB: the
    utility alone lost, the generator takes the bus and the UPS is on its input again;
    utility and generator lost, it carries the same racks on its battery, so the same
    load and the Peukert autonomy at it, and no generator bridges it."""
    grid = power_ride_through(room, Scenario.fail("UTIL")).loc["UPS-1"]
    both = power_ride_through(room, Scenario.fail("UTIL", "GEN-1")).loc["UPS-1"]
    assert both["on_battery"] and both["in_service"] and not grid["on_battery"]
    assert both["load_kw"] == pytest.approx(grid["load_kw"], rel=1e-9)
    assert both["load_kw"] > 180.0
    ups = room.ups.loc["UPS-1"]
    auto = peukert_autonomy_s(
        both["load_kw"], ups["battery_kwh"], ups["battery_rated_time_h"], ups["battery_peukert_k"]
    )
    assert both["autonomy_s"] == pytest.approx(float(auto), rel=1e-12)
    # by hand: 0.25 h x (240 kW / P)^1.2
    assert both["autonomy_s"] == pytest.approx(
        900.0 * (60.0 / 0.25 / both["load_kw"]) ** 1.2, rel=1e-9
    )
    assert not both["bridged"] and both["empty_s"] == both["autonomy_s"]
    assert grid["bridged"] and grid["empty_s"] == np.inf


def test_losing_the_generator_too_is_the_cooling_loss_until_the_battery_empties(layouts_dir):
    """The CRACs hang on MSB, not on the UPS: with utility and generator lost they stop and
    the racks run on the battery, which is losing the three CRACs until the battery empties:
    every rack time before it is the same, to the integrator's tolerance. A 30 kWh battery
    (496 s at the 197 kW before the failure) empties at 584 s, its drain falling as 8
    racks shut down by heat (341 s, 534 s) on the way."""
    tw = _twin(layouts_dir / "small-room.yaml", battery_kwh=30.0)
    out = cooling_ride_through(tw, Scenario.fail("UTIL", "GEN-1"))
    crac = cooling_ride_through(tw, Scenario.fail("CRAC-1", "CRAC-2", "CRAC-3"))
    empty = float(out.power.at["UPS-1", "empty_s"])
    assert out.power.at["UPS-1", "autonomy_s"] + 60.0 < empty < 1800.0
    a, b = out.racks, crac.racks
    assert out.first_limit_s == pytest.approx(crac.first_limit_s, rel=1e-6)
    assert out.first_limit_s < 120.0  # the kernel's inlets (the FFD field's: 41 s)
    early = b["t_to_shutdown_s"] < empty
    assert early.sum() >= 8
    np.testing.assert_allclose(a["t_to_shutdown_s"][early], b["t_to_shutdown_s"][early], 1e-6)
    # racks that would trip after it lose their power first instead, and never trip
    late = (b["t_to_shutdown_s"] > empty) & np.isfinite(b["t_to_shutdown_s"])
    assert late.any() and np.isinf(a.loc[late, "t_to_shutdown_s"]).all()
    np.testing.assert_allclose(a["t_power_lost_s"], empty)


def test_the_battery_drain_falls_at_each_trip(layouts_dir):
    """Peukert by fractional depletion (`twin.solve.battery_drain`): 25 kWh lasts
    A(P0) = 399 s at the 197 kW before the failure; 4 racks shut down by heat at t1 = 341 s
    and the UPS carries P1 (its draw per kW of rack draw times the racks still running), so
    it empties at t1 + (1 - t1 / A(P0)) A(P1)."""
    tw = _twin(layouts_dir / "small-room.yaml", battery_kwh=25.0)
    base = run(tw)
    out = cooling_ride_through(tw, Scenario.fail("UTIL", "GEN-1"), base=base)
    ups, pw = tw.ups.loc["UPS-1"], out.power.loc["UPS-1"]

    def a(p):
        return float(peukert_autonomy_s(p, 25.0, ups["battery_rated_time_h"],
                                        ups["battery_peukert_k"]))  # fmt: skip

    trip = out.racks["t_to_shutdown_s"]
    t1 = float(trip.min())
    tripped = trip == t1
    assert tripped.sum() == 4 and np.isinf(trip[~tripped]).all()
    p_rack = base["res_racks"]["p_kw"].reindex(tw.racks.index)
    p0 = pw["load_kw"]
    p1 = p0 * p_rack[~tripped].sum() / p_rack.sum()
    assert pw["load_end_kw"] == pytest.approx(p1, rel=1e-9)
    assert t1 < a(p0)
    closed = t1 + (1.0 - t1 / a(p0)) * a(p1)
    assert pw["empty_s"] == pytest.approx(closed, abs=1e-6)
    np.testing.assert_allclose(out.racks["t_power_lost_s"], closed, atol=1e-6)
    assert pw["charge_min_frac"] == 0.0


def test_racks_shut_down_by_heat_stretch_the_battery_past_the_horizon(room):
    """The room's own 60 kWh (1,141 s at the draw before the failure; 2026-12-03 the
    ride-through emptied it there): 16 racks shut down by heat by 1,238 s, so it carries
    the other 4 past the 1,800 s horizon and its racks' trips are the CRAC-loss case's."""
    out = cooling_ride_through(room, Scenario.fail("UTIL", "GEN-1"))
    crac = cooling_ride_through(room, Scenario.fail("CRAC-1", "CRAC-2", "CRAC-3"))
    pw = out.power.loc["UPS-1"]
    assert pw["autonomy_s"] == pytest.approx(1140.5, abs=0.5)
    assert pw["empty_s"] > 1800.0 and 0.0 < pw["charge_min_frac"] < 0.5
    np.testing.assert_allclose(out.racks["t_to_shutdown_s"], crac.racks["t_to_shutdown_s"], 1e-6)
    assert np.isfinite(out.racks["t_to_shutdown_s"]).sum() == 16
    np.testing.assert_allclose(out.racks["t_power_lost_s"], pw["empty_s"])


def test_a_rack_stops_heating_when_its_battery_empties(layouts_dir):
    """A 1 kWh battery empties in ~8 s at ~197 kW: the racks' heat stops then, long before
    the 41 s to their allowable inlet, so none gets there and the room air stops rising."""
    tw = _twin(layouts_dir / "small-room.yaml", battery_kwh=1.0)
    out = cooling_ride_through(tw, Scenario.fail("UTIL", "GEN-1"))
    empty = float(out.power.at["UPS-1", "empty_s"])
    assert 5.0 < empty < 12.0
    np.testing.assert_allclose(out.racks["t_power_lost_s"], empty)
    assert out.first_limit_s == np.inf
    air = out.timeseries[out.timeseries["component"] == "air:ROOM"].set_index("time_s")["t_c"]
    rise_before = air.loc[:empty].iloc[-1] - air.iloc[0]
    assert rise_before > 0.3
    assert air.iloc[-1] - air.loc[:empty].iloc[-1] < 2.0  # 1,790 s later, against ~5 K/min


def test_a_failed_ups_drops_its_racks_at_once(room):
    out = cooling_ride_through(room, Scenario.fail("UPS-1"))
    assert (out.racks["t_power_lost_s"] == 0.0).all()
    assert not out.power.at["UPS-1", "in_service"]


def test_losing_more_of_the_supply_never_reads_better(layouts_dir):
    """The AI hall: the grid lost, the generators carry the site after 10 s; the grid and
    both generators lost, the batteries carry the racks with the plant stopped."""
    tw = _twin(layouts_dir / "ai-factory-hall.yaml")
    grid = cooling_ride_through(tw, Scenario.fail("GRID"))
    all_ = cooling_ride_through(tw, Scenario.fail("GRID", "B01-GEN-A", "B01-GEN-B"))
    assert all_.first_limit_s <= grid.first_limit_s
    hit = lambda r: (r.racks["time_to_limit_s"] < np.inf).sum()  # noqa: E731
    assert hit(all_) >= hit(grid) and hit(all_) == len(tw.racks)
    assert all_.power["on_battery"].all() and not all_.power["bridged"].any()
    np.testing.assert_allclose(all_.power["load_kw"], grid.power["load_kw"], rtol=1e-9)


def test_a_generator_too_small_for_its_site_trips_and_is_lost(layouts_dir):
    """A 50 kVA GEN-1 behind the ~270 kW room (audit 5 F-M): it cannot take the load, so
    the utility lost is the utility and the generator lost, not a room whose CRACs run on
    it with 0 racks at risk."""
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    doc["power"]["generators"][0]["rating_kva"] = 50.0
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    small = cooling_ride_through(tw, Scenario.fail("UTIL"))
    assert small.generators_tripped["GEN-1"] > 100.0
    both = cooling_ride_through(tw, Scenario.fail("UTIL", "GEN-1"))
    assert small.first_limit_s == pytest.approx(both.first_limit_s, rel=1e-9)
    np.testing.assert_allclose(small.racks["t_power_lost_s"], both.racks["t_power_lost_s"])
    assert both.generators_tripped == {}
