"""Raised floor: the tiles' jets rise up the rack fronts, so the racks breathe the supply."""

from __future__ import annotations

import numpy as np

from solve.air_helpers import room
from twin.solve import airfield as af


def test_tiles_feed_the_top_of_the_rack_front():
    """A tile's jet throws past the rack top, so over a raised floor the top of a rack's
    front breathes mostly supply: at most half exhaust (0.11-0.39 here). With the supply
    entering at the floor cells only, potential flow fed the upper intakes from the room
    air above and the tops breathed 0.86-0.95 exhaust (the field before 2026-12-01)."""
    for diffusivity in (1e-4, 0.03):
        air = room(4, plenum=True, diffusivity_m2_s=diffusivity, u_supply=("floor",))
        s = af._solve(air)
        assert s.b_top.sum(axis=1).max() < 0.5
        assert s.b_mean.sum(axis=1).max() < 0.3
        assert s.info["tracer_balance_rel"] < 1e-9


def test_tiles_keep_every_exhaust_going_to_the_returns():
    """What the racks do not breathe leaves at the returns: each rack's exhaust splits
    between the intakes and the returns with nothing lost (the tracer's balance)."""
    s = af._solve(room(4, plenum=True, u_supply=("floor",)))
    taken = np.asarray(s.b_mean.sum(axis=0)).ravel() * 0.5  # intake flow 0.5 m3/s each
    assert np.allclose(taken / 0.5 + s.return_share, 1.0, atol=1e-5)
