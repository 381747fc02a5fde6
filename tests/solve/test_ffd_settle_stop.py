"""An FFD march stops once its flux has settled (`twin.solve.airfield_ffd._settled`,
``SETTLE_AVG_REL``) instead of marching four turnovers: a settled room's flux within the
tolerance of the full march's, continuity to round-off, and a flux that still moves marches on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches


@pytest.fixture(autouse=True)
def _uniform_grid(monkeypatch):
    """The march logic on the room it was written for, as it marches on the uniform grid
    (where it settles at 56 s; on the rack-aligned grid it marches its full 70 s, spread
    0.06 K, and these tests' early stop does not happen)."""
    monkeypatch.setattr(ffd, "GRID", "uniform")


def test_settled_needs_a_small_move_a_falling_tail_and_small_steps():
    # moves of 4e-3 then 1e-3 (rho 1/4): a tail of 3.3e-4 more; steps of 1e-6
    assert ffd._settled([4e-3, 1e-3], 1e-6, 3e-3)
    # a window that moved more than the tolerance is not settled
    assert not ffd._settled([8e-3, 4e-3], 1e-6, 3e-3)
    # a slow drift: each window moves 2e-3, 0.95 of the one before: 3.8e-2 still to go
    assert not ffd._settled([2.1e-3, 2e-3], 1e-6, 3e-3)
    # a move that grew is not settled, nor one measured after a single window
    assert not ffd._settled([1e-4, 2e-4], 1e-6, 3e-3)
    assert not ffd._settled([1e-4], 1e-6, 3e-3)
    # a mean that stands still while every step swings by 20 % is not settled
    assert not ffd._settled([4e-3, 1e-3], 0.2, 3e-3)


def _marches(monkeypatch, air, rels):
    """The flux and info of `air`'s march at each settle tolerance in `rels`."""
    got = []
    inner = ffd.ffd_flux

    def spy(*a, **kw):
        flux, info = inner(*a, **kw)
        got.append((flux, info))
        return flux, info

    monkeypatch.setattr(ffd, "ffd_flux", spy)
    for rel in rels:
        monkeypatch.setattr(ffd, "SETTLE_AVG_REL", rel)
        af._FFD_CACHE.clear()
        af._solve(air)
    return got


def test_a_settled_room_stops_early_with_the_full_marchs_flux(monkeypatch):
    air = dataclasses.replace(_room(4, size=(8.0, 4.0, 3.0), y=3.0, flow=1.25), flow="ffd")
    (full, i_full), (early, i_early) = _marches(monkeypatch, air, [0.0, 3e-3])
    assert "ffd_settled_s" not in i_full
    assert i_early["ffd_settled_s"] == pytest.approx(i_early["ffd_time_s"])
    assert i_early["ffd_steps"] < 0.9 * i_full["ffd_steps"]  # it saved something
    scale = np.sqrt(np.mean(full**2))
    # the mean it stopped on is the full march's to a few times the tolerance it stopped at
    # (the drift left after a quarter turnover that moved 3e-3: a geometric tail; 3.7e-3 here)
    assert np.sqrt(np.mean((early - full) ** 2)) / scale < 1e-2
    assert i_early["ffd_continuity_m3_s"] < 1e-12 * 5.0
    assert i_early["ffd_step_change_rel"] <= ffd.SETTLED_STEP_REL


def test_a_flux_that_still_moves_marches_on(monkeypatch):
    air = dataclasses.replace(_room(4, size=(8.0, 4.0, 3.0), y=3.0, flow=1.25), flow="ffd")
    (full, i_full), (strict, i_strict) = _marches(monkeypatch, air, [0.0, 1e-15])
    assert "ffd_settled_s" not in i_strict and i_strict["ffd_steps"] == i_full["ffd_steps"]
    assert np.array_equal(strict, full)
