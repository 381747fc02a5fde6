"""A UPS battery's charge under a draw that falls as racks trip (`twin.solve.battery_drain`).

Fractional depletion: the fraction used is the sum over constant pieces of duration over
the Peukert autonomy at that piece's draw, so one trip at t1 empties the battery at
``t1 + (1 - t1 / A(P0)) A(P1)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.solve.battery_drain import BatteryDrain
from twin.solve.battery_window import BatteryWindow
from twin.solve.ride_through_power import peukert_autonomy_s

E_KWH, H, K = 60.0, 0.25, 1.2  # small-room's UPS-1: VRLA, 15 min rating, Peukert 1.2
RATIO = 1.04  # the UPS's draw per kW of rack draw (its losses)


def _drain(rack_kw, rack_ups, side_kw, n_ups=1, energy=E_KWH, k=K, gap=np.inf, pct=np.nan):
    window = BatteryWindow(
        carrying=np.ones(n_ups, bool),
        on_battery=np.ones(n_ups, bool),
        load_kw=np.zeros(n_ups),
        rack_kw=np.asarray(rack_kw, float),
        rack_ups=np.asarray(rack_ups, np.int64),
        side_kw=np.asarray(side_kw, float),
        ratio=np.full(n_ups, RATIO),
    )
    ups = pd.DataFrame({"battery_kwh": np.broadcast_to(energy, n_ups).astype(float),
                        "battery_rated_time_h": H, "battery_peukert_k": k})  # fmt: skip
    power = pd.DataFrame({"gap_s": gap, "generator_loading_pct": pct, "in_service": True},
                         index=range(n_ups))  # fmt: skip
    return BatteryDrain(window, ups, power, np.arange(len(rack_kw)))


def _a(p_kw, energy=E_KWH, k=K) -> float:
    return float(peukert_autonomy_s(p_kw, energy, H, k))


@pytest.mark.parametrize("k", [1.0, 1.2, 1.35])
def test_one_trip_at_t1_empties_at_the_closed_form(k):
    """Two racks on one UPS, 120 and 60 kW; the 120 kW one trips at t1 = 300 s."""
    d = _drain([120.0, 60.0], [[0, -2], [0, -2]], [[120.0, 0.0], [60.0, 0.0]], k=k)
    both, one = np.array([True, True]), np.array([False, True])
    p0, p1 = RATIO * 180.0, RATIO * 60.0
    np.testing.assert_allclose(d.load_kw(both), [p0], rtol=1e-12)
    assert d.next_empty_s(0.0, both) == pytest.approx(_a(p0, k=k), rel=1e-12)
    t1 = 300.0
    assert _a(p0, k=k) > t1  # the trip comes first
    assert not d.advance(0.0, t1, both).any()
    closed = t1 + (1.0 - t1 / _a(p0, k=k)) * _a(p1, k=k)
    t_empty = d.next_empty_s(t1, one)
    assert t_empty == pytest.approx(closed, abs=1e-6)
    assert d.advance(t1, t_empty, one).all()
    assert d.empty_s[0] == pytest.approx(closed, abs=1e-6)
    assert d.load_end_kw[0] == pytest.approx(p1, rel=1e-12)
    assert d.finish(t_empty + 10.0, one)[0] == d.empty_s[0]
    if k == 1.0:  # counting energy: E = P0 t1 + P1 (t_empty - t1)
        assert p0 * t1 + p1 * (t_empty - t1) == pytest.approx(E_KWH * 3600.0, rel=1e-12)


def test_all_racks_down_the_battery_never_empties():
    d = _drain([120.0, 60.0], [[0, -2], [0, -2]], [[120.0, 0.0], [60.0, 0.0]])
    both, none = np.array([True, True]), np.array([False, False])
    d.advance(0.0, 200.0, both)
    assert d.next_empty_s(200.0, none) == np.inf
    assert d.finish(200.0, none)[0] == np.inf
    assert d.used[0] == pytest.approx(200.0 / _a(RATIO * 180.0), rel=1e-12)


def test_a_2n_partner_carries_the_whole_rack_once_one_side_is_empty():
    """One 100 kW rack split 50/50 on a 10 kWh and a 60 kWh UPS: the small one empties at
    A_small(50 kW); the other then carries all 100 kW [REFERENCE 5]."""
    d = _drain([100.0], [[0, 1]], [[50.0, 50.0]], n_ups=2, energy=np.array([10.0, 60.0]))
    on = np.array([True])
    p_half, p_all = RATIO * 50.0, RATIO * 100.0
    t_a = _a(p_half, energy=10.0)
    assert d.next_empty_s(0.0, on) == pytest.approx(t_a, rel=1e-12)
    assert d.advance(0.0, t_a, on).tolist() == [True, False]
    np.testing.assert_allclose(d.load_kw(on), [0.0, p_all], rtol=1e-12)
    closed = t_a + (1.0 - t_a / _a(p_half)) * _a(p_all)
    t_b = d.next_empty_s(t_a, on)
    assert t_b == pytest.approx(closed, abs=1e-6)
    d.advance(t_a, t_b, on)
    np.testing.assert_allclose(d.empty_s, [t_a, closed], atol=1e-6)
    # the rack loses power when its last feed's battery empties
    assert d.rack_lost_s(d.empty_s)[0] == pytest.approx(closed, abs=1e-6)


def test_a_generator_that_starts_before_the_battery_empties_bridges_it():
    """Constant draw: 180 kW empties a 10 kWh battery before a 240 s generator; a trip at
    60 s stretches it past the start: bridged, it never empties."""
    d = _drain([120.0, 60.0], [[0, -2], [0, -2]], [[120.0, 0.0], [60.0, 0.0]], energy=10.0,
               gap=240.0, pct=60.0)  # fmt: skip
    both, one = np.array([True, True]), np.array([False, True])
    assert d.next_empty_s(0.0, both) == pytest.approx(_a(RATIO * 180.0, energy=10.0))
    assert _a(RATIO * 180.0, energy=10.0) < 240.0
    d.advance(0.0, 60.0, both)
    assert d.next_empty_s(60.0, one) == np.inf  # it would empty after the generator starts
    d.advance(60.0, 300.0, one)
    assert d.bridged[0] and not d.empty[0] and d.finish(300.0, one)[0] == np.inf
    # an overloaded generator bridges nothing: the battery empties
    d = _drain([120.0, 60.0], [[0, -2], [0, -2]], [[120.0, 0.0], [60.0, 0.0]], energy=10.0,
               gap=240.0, pct=140.0)  # fmt: skip
    d.advance(0.0, 60.0, both)
    assert np.isfinite(d.next_empty_s(60.0, one))
