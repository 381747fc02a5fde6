"""Herrlin's RCI and RTI per hall against closed forms worked by hand, and the top-of-rack
inlet through the solve (class checks read it, the kernel's top equals its mean)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.model.twin import Twin
from twin.solve import run
from twin.solve.air_indices import hall_indices
from twin.solve.airflow import ASHRAE_C

A1 = np.array([ASHRAE_C["A1"]])  # 18, 27, 15, 32


def _idx(t_in, t_out=None, t_sup=18.0, t_ret=None, hot=None, k=None):
    t_in = np.asarray(t_in, float)
    n = len(t_in)
    t_out = t_in + 10.0 if t_out is None else np.asarray(t_out, float)
    return hall_indices(
        np.zeros(n, int),
        1,
        t_in,
        t_out,
        np.array([t_sup]),
        np.array([t_sup + 10.0 if t_ret is None else t_ret]),
        A1,
        np.ones(n, bool) if hot is None else np.asarray(hot, bool),
        np.ones(n) if k is None else np.asarray(k, float),
    )


def test_rci_hi_is_100_with_every_rack_at_the_recommended_max():
    r = _idx(np.full(10, 27.0))
    assert r["rci_hi_pct"][0] == pytest.approx(100.0)
    assert r["rci_lo_pct"][0] == pytest.approx(100.0)


def test_rci_hi_with_one_rack_at_the_allowable_max_by_hand():
    # 10 intakes, one at 32 C: over-temperature 5 K of a possible 10 x (32 - 27) = 50 K
    r = _idx([32.0] + [25.0] * 9)
    assert r["rci_hi_pct"][0] == pytest.approx(90.0)
    # 4 intakes, one at 30 C and one at 34 C: (3 + 7) / (4 x 5) -> 50 %
    assert _idx([30.0, 34.0, 20.0, 27.0])["rci_hi_pct"][0] == pytest.approx(50.0)


def test_rci_lo_by_hand_and_racks_without_air_heat_are_not_intakes():
    # 5 intakes, one at the allowable min 15 C: 3 K of 5 x (18 - 15) = 15 K -> 80 %
    r = _idx([15.0, 20.0, 20.0, 20.0, 20.0, 40.0], hot=[1, 1, 1, 1, 1, 0])
    assert r["rci_lo_pct"][0] == pytest.approx(80.0)
    assert r["rci_hi_pct"][0] == pytest.approx(100.0)  # the 40 C rack is off
    none = _idx([40.0], hot=[0])
    assert np.isnan(none["rci_hi_pct"][0]) and np.isnan(none["rti_pct"][0])


def test_rti_by_hand():
    # racks rise 10 K (K 1 and 3 kW/K: weighted 10 K); return 8 K over supply -> 80 % (bypass)
    r = _idx([20.0, 22.0], t_out=[30.0, 32.0], t_ret=26.0, k=[1.0, 3.0])
    assert r["rti_pct"][0] == pytest.approx(80.0)
    # uneven rises: K-weighted mean of 10 K (K 1) and 20 K (K 3) is 17.5 K; return 17.5 K -> 100 %
    r = _idx([20.0, 20.0], t_out=[30.0, 40.0], t_ret=18.0 + 17.5, k=[1.0, 3.0])
    assert r["rti_pct"][0] == pytest.approx(100.0)


@pytest.fixture(scope="module")
def small_room(small_room_open_kernel) -> Twin:
    """The kernel's room: small-room with its hot aisle open, on the kernel (conftest)."""
    return small_room_open_kernel


def test_kernel_top_equals_mean_and_is_exposed(small_room):
    r = run(small_room)
    rr = r["res_racks"]
    assert np.array_equal(rr["t_inlet_max_c"].to_numpy(), rr["t_inlet_c"].to_numpy())
    assert r.kpis["t_inlet_max_c"] == pytest.approx(rr["t_inlet_max_c"].max())
    assert r["res_halls"]["t_inlet_max_c"].iloc[0] == pytest.approx(rr["t_inlet_max_c"].max())


def test_given_shares_to_a_rack_at_the_allowable_max(small_room):
    """B given by hand: rack j draws share b of rack i's exhaust and nothing else, so its inlet
    is T_sup + b (T_out,i - T_sup) with T_out,i = T_sup + P_i / K_i (closed form); b is chosen so
    j lands on the A1 allowable max, and RCI_HI is then 100 (1 - 5 / (n 5)) %."""
    crahs = small_room.crahs.copy()
    crahs["t_supply_c"] = 22.0
    twin = dataclasses.replace(small_room, crahs=crahs)
    hall = twin.halls.index[0]
    ids = twin.racks.index[twin.racks["hall"] == hall]
    zero = pd.DataFrame(0.0, index=ids, columns=ids)
    base = run(twin, recirculation={hall: zero})
    rr = base["res_racks"]
    t_sup = base["res_halls"]["t_supply_c"].iloc[0]
    assert np.allclose(rr["t_inlet_c"], t_sup)  # no recirculation: every inlet is the supply
    i = rr.loc[ids, "t_outlet_c"].idxmax()
    j = ids[0] if i != ids[0] else ids[1]
    b = (32.0 - t_sup) / (rr.at[i, "t_outlet_c"] - t_sup)
    given = zero.copy()
    given.loc[j, i] = b
    r = run(twin, recirculation={hall: given})
    rr = r["res_racks"]
    assert rr.at[j, "t_inlet_c"] == pytest.approx(32.0, abs=1e-6)
    n = int((rr["air_kw"] > 0).sum())
    assert r["res_halls"]["rci_hi_pct"].iloc[0] == pytest.approx(100.0 * (1.0 - 1.0 / n))
    assert not rr.at[j, "inlet_recommended"] and rr.at[j, "inlet_allowable"]
