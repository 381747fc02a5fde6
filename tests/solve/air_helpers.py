"""Small air-field rooms for the air tests, built as `twin.solve.airfield.HallAir` directly."""

from __future__ import annotations

import numpy as np

from twin.solve import airfield as af


def room(n=1, *, size=(4.0, 4.0, 3.0), face=-1.0, y=2.5, x0=None, flow=0.5, **kw):
    """n racks in a row along x (inlets facing `face` in y), one unit at the west wall."""
    x = np.arange(n) * 0.6 + (x0 if x0 is not None else size[0] / 2 - (n - 1) * 0.3)
    base = dict(
        size_m=size,
        x_m=x,
        y_m=np.full(n, y),
        face_x=np.zeros(n),
        face_y=np.full(n, face),
        width_m=np.full(n, 0.6),
        depth_m=np.full(n, 1.2),
        height_m=np.full(n, 2.0),
        flow_m3_s=np.full(n, flow),
        blanking=np.ones(n),
        ux_m=np.array([0.5]),
        uy_m=np.array([1.0]),
        u_flow_m3_s=np.array([5.0]),
        u_face=np.array([0.0]),
        u_supply=("front",),
        u_return=("ceiling",),
    )
    base.update(kw)
    return af.HallAir(**base)


def count_marches(monkeypatch) -> list[int]:
    """Counts the FFD marches in this process (`airfield_ffd.hall_flux` calls) from here on."""
    from twin.solve import airfield_ffd

    calls: list[int] = []
    inner = airfield_ffd.hall_flux

    def counting(*a, **kw):
        calls.append(1)
        return inner(*a, **kw)

    monkeypatch.setattr(airfield_ffd, "hall_flux", counting)
    return calls
