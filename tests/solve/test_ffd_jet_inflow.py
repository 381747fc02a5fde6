"""A unit's jet on the FFD flow keeps the momentum it leaves its opening with: near the opening
a free jet's momentum flux is conserved (its potential core), rho Q v at the opening."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches

RHO = 1.2


@pytest.mark.parametrize("grid", ["uniform", "aligned"])
def test_a_units_jet_leaves_with_its_openings_momentum(monkeypatch, grid):
    monkeypatch.setattr(ffd, "GRID", grid)
    air = dataclasses.replace(_room(4, size=(8.0, 4.0, 3.0), y=3.0, flow=1.25), flow="ffd")
    got = {}
    inner = ffd.ffd_flux

    def spy(g, main, faces, *a, **kw):
        flux, info = inner(g, main, faces, *a, **kw)
        got.update(g=g, faces=faces, flux=flux, info=info)
        return flux, info

    monkeypatch.setattr(ffd, "ffd_flux", spy)
    af._FFD_CACHE.clear()
    af._solve(air)
    g, (fp, fn, _), flux = got["g"], got["faces"], got["flux"]
    assert got["info"]["ffd_step_change_rel"] < 1e-3  # it settles
    q = float(air.flow_m3_s.sum())  # the units supply what the racks draw
    opening = af.CRAH_FOOTPRINT_M * min(af.CRAH_HEIGHT_M, air.size_m[2] - g.dz) / 2.0
    m0 = RHO * q * q / opening  # 30 N: 5 m3/s over 1 m2
    face = fn - fp == g.ny * g.nz  # x faces
    i, j, _ = np.unravel_index(fn[face], (g.nx, g.ny, g.nz))
    u = flux[face] / (g.dy[j] * g.dz)  # each face's own area (rows of unequal width)
    x_face, y_cell = g.x_edges[i], g.yc[j]
    front = air.ux_m[0] + af.CRAH_FOOTPRINT_M / 2
    for dist in (0.5, 1.0):  # the plane of x faces nearest dist m from the opening
        plane = np.abs(x_face - (front + dist)).argmin()
        on = np.isclose(x_face, x_face[plane]) & (np.abs(y_cell - air.uy_m[0]) < 1.5) & (u > 0)
        m = RHO * float(np.sum(u[on] ** 2 * g.dy[j[on]])) * g.dz
        assert abs(m / m0 - 1.0) < 0.15, (dist, m, m0)
