"""One hall of a Twin as the input of its air field (`twin.solve.airfield.HallAir`).

Used for halls whose layout sets ``air_model: field``. Reads the halls, racks and crahs tables, moves positions into hall
coordinates and fills the defaults the layout leaves open: a unit without
`position_m` stands against the hall's north wall (largest y; units spread
evenly along it, as the 3D view puts cooling equipment on that side), facing
the hall's centre. Halls the field does not take fall back to the geometric
kernel (`twin.solve.recirculation`), with the reason returned as a string:
no cooling unit in the hall, more than `FIELD_MAX_RACKS` racks, or a geometry
with a boxed-in rack front or unit opening.
"""

from __future__ import annotations

import numpy as np

from twin.solve.airfield import CRAH_FOOTPRINT_M, FieldError, HallAir, HallShares, hall_shares
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

FIELD_MAX_RACKS = 1_000
"""Halls up to this many racks get the air field (when they set ``air_model: field``); larger
ones the geometric kernel. bench.air field: 100 racks 0.14-0.26 s, 300 racks 0.17-0.46 s on
a 2-core machine at load ~5.7 (two sparse LUs over <= 8,000 cells, every rack's exhaust one
right-hand side of a block solve; docs/benchmarks.md)."""
_FACE = {"+x": 0, "-x": 1, "+y": 2, "-y": 3}
K_AIR_KW_PER_M3S_K = RHO_AIR_KG_M3 * CP_AIR_J_KGK / 1000.0


def _col(table, name, default):
    if name in table:
        return table[name].to_numpy()
    return np.full(len(table), default, dtype=object)


def hall_air(twin, h: int, idx: np.ndarray, k_kw_k: np.ndarray) -> HallAir | str:
    """The field input of hall number `h` (racks `idx`), or why it has none."""
    hall = twin.halls.iloc[h]
    hid = twin.halls.index[h]
    if len(idx) > FIELD_MAX_RACKS:
        return f"{len(idx):,} racks, the air field takes at most {FIELD_MAX_RACKS:,}"
    crahs = twin.crahs
    crahs = crahs[crahs["hall"] == hid] if len(crahs) else crahs
    if not len(crahs):
        return "no cooling unit in the hall"
    x0, y0 = float(hall["x0_m"]), float(hall["y0_m"])
    w, d, hgt = float(hall["width_m"]), float(hall["depth_m"]), float(hall["height_m"])
    r = twin.racks.iloc[idx]
    ux = (
        crahs["pos_x_m"].to_numpy(float) - x0 if "pos_x_m" in crahs else np.full(len(crahs), np.nan)
    )
    uy = (
        crahs["pos_y_m"].to_numpy(float) - y0 if "pos_y_m" in crahs else np.full(len(crahs), np.nan)
    )
    free = ~(np.isfinite(ux) & np.isfinite(uy))
    if free.any():
        m = int(free.sum())
        ux[free] = (np.arange(m) + 0.5) / m * w
        uy[free] = d - CRAH_FOOTPRINT_M / 2.0
    half = CRAH_FOOTPRINT_M / 2.0
    ux = np.clip(ux, min(half, w / 2), max(w - half, w / 2))
    uy = np.clip(uy, min(half, d / 2), max(d - half, d / 2))
    plenum = float(hall.get("plenum_m", 0.0) or 0.0) > 0
    face = [_FACE.get(f, -1) if isinstance(f, str) else -1 for f in _col(crahs, "facing", None)]
    supply = tuple(
        s if isinstance(s, str) else ("floor" if plenum else "front")
        for s in _col(crahs, "supply_opening", None)
    )
    ret = tuple(s if isinstance(s, str) else "ceiling" for s in _col(crahs, "return_opening", None))
    diff = hall.get("air_diffusivity_m2_s", np.nan)
    leak = hall.get("containment_leak", np.nan)
    kw = dict(diffusivity_m2_s=float(diff)) if diff is not None and np.isfinite(diff) else {}
    throw = hall.get("supply_throw_scale", np.nan)
    if throw is not None and np.isfinite(throw):
        kw["throw_scale"] = float(throw)
    drift = hall.get("air_buoyant_drift_m_s", np.nan)
    if drift is not None and np.isfinite(drift):
        kw["drift_m_s"] = float(drift)
    return HallAir(
        size_m=(w, d, hgt),
        x_m=r["x_m"].to_numpy(float) - x0,
        y_m=r["y_m"].to_numpy(float) - y0,
        face_x=r["face_x"].to_numpy(float),
        face_y=r["face_y"].to_numpy(float),
        width_m=r["width_m"].to_numpy(float),
        depth_m=r["depth_m"].to_numpy(float),
        height_m=r["height_m"].to_numpy(float),
        flow_m3_s=np.asarray(k_kw_k, float)[idx] / K_AIR_KW_PER_M3S_K,
        blanking=r["blanking"].to_numpy(float) if "blanking" in r else np.ones(len(r)),
        ux_m=ux,
        uy_m=uy,
        u_flow_m3_s=crahs["airflow_m3_s"].to_numpy(float),
        u_face=np.asarray(face, float),
        u_supply=supply,
        u_return=ret,
        containment=str(hall["containment"]),
        plenum=plenum,
        leak=float(leak) if leak is not None and np.isfinite(leak) else None,
        **kw,
    )


def field_shares(twin, h: int, idx: np.ndarray, k_kw_k: np.ndarray) -> HallShares | str:
    """The air field's shares of hall number `h`, or why it falls back to the kernel (the
    hall's `air_model` is not ``field``, or `hall_air` says why)."""
    model = twin.halls["air_model"].iat[h] if "air_model" in twin.halls else "kernel"
    if model != "field":
        return "the hall's air_model is kernel"
    air = hall_air(twin, h, idx, k_kw_k)
    if isinstance(air, str):
        return air
    try:
        return hall_shares(air)
    except FieldError as exc:
        return str(exc)
