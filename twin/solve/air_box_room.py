"""The smallest hall the air field runs every step on, built as a `HallAir` directly: the air
tests' rooms (tests/solve/air_helpers.py) and the kernels' compile at install
(`twin.compile_kernels`) use it."""

from __future__ import annotations

import numpy as np

from twin.solve.airfield import HallAir


def box_room(n=1, *, size=(4.0, 4.0, 3.0), face=-1.0, y=2.5, x0=None, flow=0.5, **kw) -> HallAir:
    """n racks in a row along x (inlets facing `face` in y), each moving `flow` m3/s, one unit
    at the west wall; `kw` sets any other `HallAir` field (its ``flow``, the flux's kind:
    `dataclasses.replace` afterwards)."""
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
    return HallAir(**base)
