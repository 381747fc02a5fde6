"""One hall of a Twin as the input of its air field (`twin.solve.airfield.HallAir`).

Used for halls whose layout sets ``air_model: field`` (or ``ffd``: the same field on the Fast
Fluid Dynamics flow, `HallAir.flow = "ffd"`, each rack's exhaust rise from its air heat and
airflow for the buoyancy, `twin.solve.airfield_ffd`). Reads the halls, racks and crahs tables, moves positions into hall
coordinates and fills the defaults the layout leaves open: a unit without
`position_m` stands against the hall's north wall (largest y; units spread
evenly along it, as the 3D view puts cooling equipment on that side), facing
the hall's centre. Halls the field does not take fall back to the geometric
kernel (`twin.solve.recirculation`), with the reason returned as a string:
no cooling unit in the hall, more than `FIELD_MAX_RACKS` racks, or a geometry
with a boxed-in rack front or unit opening. `ffd_march_cautions`: an ffd hall whose inlets
still depend on how long its FFD march ran (`twin.solve.airfield_ffd.march_spread`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.solve.airfield import CRAH_FOOTPRINT_M, FieldError, HallAir, HallShares, hall_shares
from twin.units import K_AIR_KW_PER_M3S_K

G_M_S2 = 9.81
FRONT_FROUDE = 0.5
"""Froude number of a gravity current's front, U / sqrt(g' delta): Benjamin's energy-conserving
current filling half the depth (T. B. Benjamin, J. Fluid Mech. 31, 1968; 0.5 for a deep
ambient)."""
T_REF_K = 300.0
"""Absolute temperature for the expansion coefficient of room air, beta = 1 / T [est]."""

FIELD_MAX_RACKS = 1_000
"""Halls up to this many racks get the air field (when they set ``air_model: field``); larger
ones the geometric kernel. bench.air field: 100 racks 0.13-0.15 s, 300 racks 0.16-0.27 s on
a 2-core machine at load ~3.2 on the uniform grid (two sparse LUs over <= 8,000 cells, every
rack's exhaust one right-hand side of a block solve; docs/benchmarks.md); the rack-aligned
grid (11,552 and 14,294 cells) costs 2-3 and 3-4 times that: 0.31-0.52 s and 0.61-0.78 s at
load ~2.5 (docs/validation.md, "Speed")."""
FIELD_GRID = "aligned"
"""The potential field's grid (`HallAir.grid`): ``aligned``, cell faces on every rack and unit
face (no snapping: rows moved 5-10 cm change the validation rooms' inlets by at most ~1 K,
smoothly, against 3.65 K in jumps on the uniform grid; bench.air_shift, docs/validation.md),
or ``uniform`` (each face snapped to the nearest of equal cells). The FFD flow takes it too
where `airfield_ffd.GRID` is "aligned" (its default). ``python -m bench.air_shift --grid
uniform`` compares the two."""
_FACE = {"+x": 0, "-x": 1, "+y": 2, "-y": 3}


def _col(table, name, default):
    if name in table:
        return table[name].to_numpy()
    return np.full(len(table), default, dtype=object)


FIELD_MODELS = ("field", "ffd")
"""`air_model` values that put a hall on the air field (ffd: on its FFD flow)."""


def hall_model(twin, h: int) -> str:
    """The `air_model` of hall number `h` (kernel where the table has no such column)."""
    return str(twin.halls["air_model"].iat[h]) if "air_model" in twin.halls else "kernel"


def hall_air(
    twin, h: int, idx: np.ndarray, k_kw_k: np.ndarray, stopped: np.ndarray | None = None
) -> HallAir | str:
    """The field input of hall number `h` (racks `idx`), or why it has none. An ``ffd`` hall's
    input takes the FFD flow, each rack's exhaust rising ``air_kw / k`` over its intake at the
    layout's rack powers (the shares are built once per Twin, as the field's airflows are).
    `stopped` (per unit of the hall, in table order): units that move no air (their body
    stays; `twin.solve.air_stopped`)."""
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
    for col, attr in (
        ("air_plume_share", "plume_share"),
        ("jet_entrainment_scale", "entrainment_scale"),
    ):
        v = hall.get(col, np.nan)
        if v is not None and np.isfinite(v):
            kw[attr] = float(v)
    drift = hall.get("air_buoyant_drift_m_s", np.nan)
    if drift is not None and np.isfinite(drift):
        kw["drift_m_s"] = float(drift)
    air = HallAir(
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
        u_flow_m3_s=np.where(
            stopped if stopped is not None else False, 0.0, crahs["airflow_m3_s"].to_numpy(float)
        ),
        u_face=np.asarray(face, float),
        u_supply=supply,
        u_return=ret,
        containment=str(hall["containment"]),
        plenum=plenum,
        leak=float(leak) if leak is not None and np.isfinite(leak) else None,
        grid=FIELD_GRID,
        **kw,
    )
    racks = twin.racks.iloc[idx]
    air_kw = racks["power_kw"].to_numpy(float) * (1 - racks["liquid_fraction"].to_numpy(float))
    if hall_model(twin, h) == "ffd":  # rise = air_kw / (K q), q = k / K: as bench.air_ffd
        k = np.asarray(k_kw_k, float)[idx]
        air = dataclasses.replace(air, flow="ffd", exhaust_rise_k=air_kw / k)
        nu = hall.get("air_eddy_viscosity_m2_s", np.nan)  # calibrated (twin calibrate)
        if nu is not None and np.isfinite(nu):
            air = dataclasses.replace(air, ffd_nu_m2_s=float(nu))
    elif "drift_m_s" not in kw:  # not calibrated: the stratification the geometry allows
        rise_k = float(air_kw.sum() / max(float(np.asarray(k_kw_k, float)[idx].sum()), 1e-12))
        air = dataclasses.replace(air, drift_m_s=buoyant_drift_m_s(air, rise_k))
    return air


def ceiling_layer_m(air: HallAir, rise_k: float) -> float:
    """Depth of the warm layer that carries the racks' exhaust under the ceiling to the
    returns, m: a gravity current of reduced gravity g' = g rise / T, moving at
    ``U = FRONT_FROUDE sqrt(g' delta)`` and carrying ``q = U delta`` per metre of width, so
    ``delta = (q / (Fr sqrt(g')))^(2/3)``. The flow q is the largest unit's share of the racks'
    airflow over the hall's extent along the rows (the exhaust crosses the rows' long side)."""
    q_tot = float(np.sum(air.flow_m3_s))
    uq = np.asarray(air.u_flow_m3_s, float)
    if q_tot <= 0 or rise_k <= 0 or not len(uq) or uq.sum() <= 0:
        return 0.0
    along_x = np.abs(air.face_y) >= np.abs(air.face_x)  # faces +-y: rows along x
    width = air.size_m[0] if along_x.mean() >= 0.5 else air.size_m[1]
    q = q_tot * float(uq.max() / uq.sum()) / width
    g_red = G_M_S2 * rise_k / T_REF_K
    return float((q / (FRONT_FROUDE * np.sqrt(g_red))) ** (2.0 / 3.0))


def buoyant_drift_m_s(air: HallAir, rise_k: float) -> float:
    """Default buoyant drift of a hall without containment (`HallAir.drift_m_s`), m/s.

    Warm exhaust stays up where its ceiling layer (`ceiling_layer_m`, depth delta) fits in the
    clearance h above the tallest rack; then it drifts up at the speed of a gravity current in
    the spare depth, ``FRONT_FROUDE sqrt(g' (h - delta))``. Where the layer needs more depth
    than the room has, it reaches down to the racks' intakes and nothing holds it up (drift 0).
    The criterion follows gravity-current theory (Benjamin 1968); the magnitude is an estimate
    [est], not fitted: docs/validation.md shows what it does against OpenFOAM (the 'row'
    room, 0.8 m clearance, gets 0; the 'pair' room, 1.4 m, ~0.19 m/s). Contained halls: 0
    (their enclosures carry the exhaust)."""
    if air.containment != "none" or not len(air.x_m):
        return 0.0
    clearance = air.size_m[2] - float(np.max(air.height_m))
    delta = ceiling_layer_m(air, rise_k)
    if clearance <= delta or delta <= 0:
        return 0.0
    g_red = G_M_S2 * rise_k / T_REF_K
    return float(FRONT_FROUDE * np.sqrt(g_red * (clearance - delta)))


def field_shares(twin, h: int, idx: np.ndarray, k_kw_k: np.ndarray) -> HallShares | str:
    """The air field's shares of hall number `h`, or why it falls back to the kernel (the
    hall's `air_model` is not ``field`` or ``ffd``, or `hall_air` says why)."""
    if hall_model(twin, h) not in FIELD_MODELS:
        return "the hall's air_model is kernel"
    air = hall_air(twin, h, idx, k_kw_k)
    if isinstance(air, str):
        return air
    try:
        return hall_shares(air)
    except FieldError as exc:
        return str(exc)


def ffd_march_spreads(twin) -> dict[str, dict]:
    """Per ``air_model: ffd`` hall whose inlets came from its FFD field: how far they would
    still move if its march ran on (`twin.solve.airfield_ffd.march_spread`: spread K, the
    rack's id, whether it is a lower bound, the last window's move K). The field is the one
    the air model was built on (content cache: no second march unless it was evicted)."""
    from twin.solve.rack_airflow import design_air_kw, rack_k_kw_per_k

    racks = twin.racks
    if "air_model" not in twin.halls or not len(racks):
        return {}
    k = rack_k_kw_per_k(design_air_kw(racks), racks.get("airflow_m3_s"))
    halls = racks["hall"].to_numpy()
    out = {}
    for h, hid in enumerate(twin.halls.index):
        idx = np.flatnonzero(halls == hid)
        if hall_model(twin, h) != "ffd" or not len(idx):
            continue
        got = field_shares(twin, h, idx, k)
        if isinstance(got, str) or "ffd_march_spread_k" not in got.info:
            continue
        i = got.info
        out[str(hid)] = {
            "spread_k": i["ffd_march_spread_k"],
            "rack": str(racks.index[idx[i["ffd_march_spread_rack"]]]),
            "lower": i["ffd_march_spread_lower"],
            "window_move_k": i["ffd_window_move_k"],
        }
    return out


def ffd_march_cautions(twin) -> list:
    """A located caution (`twin.layout.plausibility.ModelCaution`) per ffd hall whose inlets
    would still move by more than `ffd_march.MARCH_SPREAD_CAUTION_K` (`ffd_march_spreads`)."""
    from twin.errors import LayoutError
    from twin.layout.plausibility import ffd_march_caution
    from twin.layout.source import parse_bytes, read_bytes
    from twin.solve.ffd_march import MARCH_SPREAD_CAUTION_K

    spreads = ffd_march_spreads(twin)
    big = {h: v for h, v in spreads.items() if v["spread_k"] > MARCH_SPREAD_CAUTION_K}
    if not big:
        return []
    layout = twin.layout
    src = getattr(layout, "source", None)
    try:
        doc = parse_bytes(read_bytes(src), str(src)) if src else None
    except LayoutError:
        doc = None  # an edited or uploaded layout: the caution names the hall, not the line
    return [ffd_march_caution(layout, h, doc=doc, **v) for h, v in big.items()]
