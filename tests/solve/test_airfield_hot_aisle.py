"""An open hot aisle between two rows: its racks release no plume (airfield.HOT_AISLE_PLUME_SHARE)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve.airfield_aisles import back_to_back


def _two_rows(gap_m: float = 1.2, second_face: float = 1.0):
    """Two rows of 2 racks along x; the first faces -y, the second `second_face` in y, their
    facing sides `gap_m` apart (backs for second_face = +1: a hot aisle)."""
    air = _room(2, size=(4.0, 8.0, 3.0), y=1.8, x0=1.7)
    y2 = 1.8 + 1.2 + gap_m
    return dataclasses.replace(
        air,
        x_m=np.r_[air.x_m, air.x_m],
        y_m=np.r_[air.y_m, np.full(2, y2)],
        face_y=np.r_[air.face_y, np.full(2, second_face)],
        **{k: np.r_[getattr(air, k), getattr(air, k)] for k in
           ("face_x", "width_m", "depth_m", "height_m", "flow_m3_s", "blanking")},
    )  # fmt: skip


def test_back_to_back_finds_the_hot_aisle_and_nothing_else():
    assert back_to_back(_two_rows(1.2)).all()
    assert not back_to_back(_two_rows(1.2, second_face=-1.0)).any()  # back to front
    assert not back_to_back(_two_rows(4.0)).any()  # farther than AISLE_MAX_M: two open rows
    assert not back_to_back(_room(4)).any()  # one row
    assert back_to_back(_room(0)).shape == (0,)


def _exhaust_at_ceiling(air) -> float:
    """Share of the racks' exhaust released above rack height (the plume)."""
    shares = af.plume_shares(air)
    g = af._grid(air.size_m, 0.6)
    solid = np.zeros(g.n, bool)
    hx, hy, _ = af.rack_footprint(air)
    for x0, x1, y0, y1, nzb in af._boxes(
        g, air.x_m - hx, air.x_m + hx, air.y_m - hy, air.y_m + hy, air.height_m
    ).tolist():
        solid.reshape(g.nx, g.ny, g.nz)[x0:x1, y0:y1, :nzb] = True
    backs = []
    for r, (x0, x1, y0, y1, nzb) in enumerate(
        af._boxes(g, air.x_m - hx, air.x_m + hx, air.y_m - hy, air.y_m + hy, air.height_m).tolist()
    ):
        back_dir = af._direction(air.face_x[r], air.face_y[r]) ^ 1
        backs.append(af._face_cells(g, (x0, x1), (y0, y1), nzb, back_dir)[0])
    cells, rack, w = af._exhaust(g, backs, solid, np.zeros(g.n, bool), shares)
    z = (cells % g.nz) * g.dz
    return float(w[z >= 2.0].sum() / w.sum())


def test_hot_aisle_racks_release_their_exhaust_at_their_backs():
    """Open room: PLUME_SHARE of the exhaust goes up; open hot aisle: none of it; a contained
    hot aisle keeps the hall's share (released under its roof, ducted)."""
    assert _exhaust_at_ceiling(_room(2, size=(4.0, 8.0, 3.0), y=1.8)) == pytest.approx(
        af.PLUME_SHARE
    )
    assert _exhaust_at_ceiling(_two_rows(1.2)) == pytest.approx(af.HOT_AISLE_PLUME_SHARE)
    assert af.HOT_AISLE_PLUME_SHARE < af.PLUME_SHARE
    contained = dataclasses.replace(_two_rows(1.2), containment="hot-aisle")
    np.testing.assert_allclose(af.plume_shares(contained), af.PLUME_SHARE)


def test_hot_aisle_keeps_heat_balance_and_lowers_no_inlet_below_supply():
    """The field with the rule still conserves the tracer: every rack's exhaust leaves by the
    returns or an intake, and shares stay in [0, 1]."""
    s = af._solve(_two_rows(1.2))
    b = s.b_mean.toarray()
    assert (b >= 0).all() and (b.sum(axis=1) <= 1 + 1e-9).all()
    assert s.return_share is not None
    # exhaust of each rack: taken by the returns or by some intake, nothing lost
    np.testing.assert_allclose(
        s.return_share + (b * _two_rows().flow_m3_s[:, None]).sum(axis=0) / _two_rows().flow_m3_s,
        1.0,
        atol=1e-6,
    )
