"""The air field's FFD flow (twin.solve.airfield_ffd, behind ``HallAir.flow = "ffd"``):
continuity, rest, mirror symmetry, energy balance, sealed containment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd
from twin.solve.airfield_grid import _grid, _laplacian

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches


def test_ffd_flux_keeps_continuity_and_the_tracer_balance():
    air = dataclasses.replace(_room(4), flow="ffd")
    s = af._solve(air)
    info = s.info
    assert info["ffd_steps"] > 100
    assert info["ffd_continuity_m3_s"] < 1e-12 * 5.0  # div F = s to round-off (5 m3/s moved)
    assert info["continuity_residual_m3_s"] < 1e-12 * 5.0
    assert info["tracer_balance_rel"] < 1e-9  # every rack's exhaust leaves by a sink
    # what leaves by the returns and intakes is all of it: shares of the returns in [0, 1]
    assert np.all((s.return_share > 0) & (s.return_share <= 1 + 1e-9))
    # it is a flow of its own, not the potential flow again
    pot = af._solve(_room(4)).b_mean.toarray()
    assert np.abs(s.b_mean.toarray() - pot).max() > 1e-3


def test_no_sources_no_flow():
    g = _grid((3.0, 3.0, 3.0), 0.6)
    solid = np.zeros(g.n, bool)
    _, faces = _laplacian(g, solid)
    none = np.zeros(0, np.int64)
    f, info = ffd.ffd_flux(
        g,
        ~solid,
        faces,
        np.zeros(g.n),
        np.zeros(g.n),
        ffd.Inflow(none, np.zeros(0), none),
        ffd.Heat(none, none, np.zeros(0), np.zeros(0), np.zeros(0), []),
        turnovers=0.05,
    )
    assert len(f) == len(faces[0]) and np.abs(f).max() == 0.0
    assert info["ffd_continuity_m3_s"] == 0.0


def _mirror_room(**kw):
    """Two racks side by side, mirror images about x = 2.1 m (a cell boundary of the 14-cell
    grid), one unit on that line blowing +y at their fronts."""
    air = _room(2, size=(4.2, 4.2, 3.0), x0=1.8, ux_m=np.array([2.1]), uy_m=np.array([0.5]),
                u_face=np.array([2.0]), **kw)  # fmt: skip
    return dataclasses.replace(air, flow="ffd", ffd_dt_s=0.5)  # a coarse step: a fast test


def test_mirror_symmetric_room_gives_mirror_symmetric_shares():
    b = af._solve(_mirror_room()).b_mean.toarray()
    assert b[0, 0] > 1e-3 and b[0, 1] > 1e-3
    assert b[0, 0] == pytest.approx(b[1, 1], rel=1e-6)
    assert b[0, 1] == pytest.approx(b[1, 0], rel=1e-6)
    # and a room that is not symmetric does not give symmetric shares (the test can fail)
    lop = af._solve(_mirror_room(flow_m3_s=np.array([0.3, 0.7]))).b_mean.toarray()
    assert abs(lop[0, 0] - lop[1, 1]) > 1e-3


@pytest.mark.parametrize("containment", ["hot-aisle", "cold-aisle"])
def test_sealed_containment_on_ffd_means_no_recirculation(containment):
    air = dataclasses.replace(_room(4, containment=containment, leak=0.0), flow="ffd")
    s = af._solve(air)
    assert s.b_mean.nnz == 0 and s.b_top.nnz == 0
    assert s.info["ffd_continuity_m3_s"] < 1e-12


def test_unknown_flow_is_a_field_error():
    with pytest.raises(af.FieldError, match="flow 'cfd'"):
        af._solve(dataclasses.replace(_room(1), flow="cfd"))
