"""Why the FFD flow gets a room's racks wrong: its jets and heat against a stored OpenFOAM case.

For one stored run (bench.air_rooms), on the FFD flow (``twin.solve.airfield_ffd``) as it is
installed:

1. per rack: the CFD's inlet, the potential field's, the FFD field's (the tracer on the
   time-averaged FFD flux) and the FFD's own temperature marched with the flow
   (``ffd_inlet_rise_k``): if the last two differ, averaging the flux loses mixing;
2. each unit's front supply: the cells that carry it, their area and the velocity at the
   opening, its momentum flux rho Q |v|;
3. with ``--case DIR`` (an OpenFOAM case of the same run, e.g. /tmp/twin-cfd-A/row-uniform):
   the first unit's jet, station by station along its axis: the forward momentum flux
   (rho u^2 over u > 0) and forward volume flux (u > 0) over the cross-section within
   ``--band`` m of the unit's centre line, CFD against FFD. A jet that leaves with less
   momentum than the CFD's throws shorter and entrains less.

    python -m bench.air_ffd_probe row uniform --case /tmp/twin-cfd-A/row-uniform

Found with it (2026-12-01, FFDROW): the FFD jet of `row` carried 25 N at 0.5 m from the unit
against the CFD's 36 N, because the semi-Lagrangian back-trace of the first face downstream
of a unit landed inside the cabinet (|v| dt = 0.5 m on 0.3 m cells), whose faces are at rest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from bench import air_ffd as bf
from bench import air_rooms as ar
from twin.solve import air_calibrate as ac
from twin.solve import airfield, airfield_ffd

RHO_KG_M3 = 1.2


def _capture(air):
    """The FFD field of `air` with the arguments and answer of its `ffd_flux` call."""
    got = {}
    inner = airfield_ffd.ffd_flux

    def spy(g, main, faces, src, sink, inflow, heat, **kw):
        flux, info = inner(g, main, faces, src, sink, inflow, heat, **kw)
        got.update(g=g, main=main, faces=faces, inflow=inflow, heat=heat, flux=flux, info=info)
        return flux, info

    airfield._CACHE.clear()
    airfield._FFD_CACHE.clear()
    airfield_ffd.ffd_flux = spy
    try:
        shares = airfield.hall_shares(air)
    finally:
        airfield_ffd.ffd_flux = inner
    return shares, got


def cell_velocity(got) -> np.ndarray:
    """Cell-centre velocity (3, nx, ny, nz), m/s, from the FFD face flux (NaN off the air)."""
    g, (fp, fn, _) = got["g"], got["faces"]
    stride = np.array([g.ny * g.nz, g.nz, 1])
    area = np.array([g.hy * g.dz, g.hx * g.dz, g.hx * g.hy])
    axis = np.select([fn - fp == stride[0], fn - fp == stride[1]], [0, 1], 2)
    v = np.zeros((3, g.n))
    for a in range(3):
        on = axis == a
        np.add.at(v[a], fp[on], 0.5 * got["flux"][on] / area[a])
        np.add.at(v[a], fn[on], 0.5 * got["flux"][on] / area[a])
    v[:, ~got["main"]] = np.nan
    return v.reshape(3, g.nx, g.ny, g.nz)


def _foam_list(path: Path) -> str:
    text = path.read_text()
    m = re.search(r"^(\d+)\s*\n\(", text, re.M)
    if m is None:
        raise ValueError(f"{path}: no list (not an ASCII OpenFOAM file?)")
    return text[m.end() :]


def cfd_cells(case: Path) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (c x 3, m) and velocity (c x 3, m/s) of an ASCII OpenFOAM case's latest
    time (box cells: a cell's centre is the mean of its faces' centres)."""
    mesh = case / "constant" / "polyMesh"
    pts = np.array(re.findall(r"\(([^()]+)\)", _foam_list(mesh / "points")), dtype=object)
    pts = np.array([p.split() for p in pts], float)
    faces = re.findall(r"4\(([^()]+)\)", _foam_list(mesh / "faces"))
    fc = pts[np.array([f.split() for f in faces], np.int64)].mean(axis=1)
    owner = np.array(_foam_list(mesh / "owner").split(")")[0].split(), np.int64)
    nbr = np.array(_foam_list(mesh / "neighbour").split(")")[0].split(), np.int64)
    n = owner.max() + 1
    idx = np.r_[owner, nbr]
    fcs = np.r_[fc, fc[: len(nbr)]]
    centre = np.stack([np.bincount(idx, fcs[:, k], n) for k in range(3)], 1)
    centre /= np.bincount(idx, minlength=n)[:, None]
    latest = max(
        (d for d in case.iterdir() if re.fullmatch(r"\d+", d.name)), key=lambda d: int(d.name)
    )
    u = re.findall(r"\(([^()]+)\)", _foam_list(latest / "U"))[:n]
    return centre, np.array([s.split() for s in u], float)


def jet_profile(centre, u, origin, axis: int, sign: int, band: float, a_m2: float, stations):
    """Forward momentum flux (N) and volume flux (m3/s) through planes at `stations` m from
    `origin` along the jet (the layer of cells nearest each plane), within `band` m of its
    centre line across (cells of `a_m2` across)."""
    across = 1 - axis
    layers = np.unique(np.round(centre[:, axis], 9))
    out = []
    for s in stations:
        at = origin[axis] + sign * s
        layer = layers[np.argmin(np.abs(layers - at))]  # the layer of cells nearest the plane
        on = np.isclose(centre[:, axis], layer) & (
            np.abs(centre[:, across] - origin[across]) < band
        )
        w = np.clip(sign * u[on, axis], 0.0, None)
        out.append((RHO_KG_M3 * a_m2 * float(np.sum(w**2)), a_m2 * float(np.sum(w))))
    return out


def probe(room: str, load: str, case: Path | None = None, band: float = 2.0) -> None:
    air, ids, run, rise = bf._inputs(room, load)
    ffd_air = dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise)
    shares, got = _capture(ffd_air)
    rack = pd.DataFrame(
        {
            "potential": ac._inlets(air, ids, run),
            "ffd_tracer": ac._inlets(ffd_air, ids, run),
            "ffd_own": np.asarray(got["info"]["ffd_inlet_rise_k"]) + run.t_supply_c,
        },
        index=ids,
    )
    ref = ar.cfd(room, load)
    if ref is not None:
        rack.insert(0, "cfd", ref["t_inlet_c"].reindex(ids).to_numpy(float))
    print(f"{room} {load}: rack inlets, C")
    print(rack.round(2).T.to_string())
    if ref is not None:
        err = rack.drop(columns="cfd").sub(rack["cfd"], axis=0)
        print("RMSE K: " + ", ".join(f"{c} {np.sqrt(np.mean(err[c] ** 2)):.2f}" for c in err))
    g, inflow = got["g"], got["inflow"]
    area = np.array([g.hy * g.dz, g.hy * g.dz, g.hx * g.dz, g.hx * g.dz, g.hx * g.hy, g.hx * g.hy])
    scale = inflow.speed_scale if inflow.speed_scale is not None else np.ones(len(inflow.cells))
    print(f"grid {g.nx} x {g.ny} x {g.nz}, cells {g.hx:.3f} x {g.hy:.3f} x {g.dz:.3f} m")
    # the units' front supplies: horizontal openings that blow, not a rack's exhaust
    sup = (inflow.flux_m3_s > 0) & (inflow.direction < 4)
    sup &= ~np.isin(inflow.cells, got["heat"].cells)
    xy = np.stack(np.unravel_index(inflow.cells, (g.nx, g.ny, g.nz)))[:2].T + 0.5
    xy = xy * np.array([g.hx, g.hy])
    near = np.argmin(np.hypot(xy[:, :1] - air.ux_m, xy[:, 1:] - air.uy_m), axis=1)
    for u in range(len(air.ux_m)):
        on = sup & (near == u)
        if not on.any():
            continue
        q = float(inflow.flux_m3_s[on].sum())
        a_cells = float(area[inflow.direction[on]].sum())
        v = float(np.mean(inflow.flux_m3_s[on] / area[inflow.direction[on]] * scale[on]))
        print(f"unit {u}: front supply {on.sum()} cells, {a_cells:.3f} m2, {q:.3f} m3/s, "
              f"{v:.2f} m/s at the opening, momentum {RHO_KG_M3 * q * v:.1f} N")  # fmt: skip
    if case is None:
        return
    du = int(air.u_face[0])
    axis, sign = (0 if du < 2 else 1), (1 if du % 2 == 0 else -1)
    origin = np.array([air.ux_m[0], air.uy_m[0], 0.0])
    origin[axis] += sign * airfield.CRAH_FOOTPRINT_M / 2
    stations = np.arange(0.5, 8.01, 1.0)
    c_cfd, u_cfd = cfd_cells(case)
    h_cfd = np.asarray(json.loads((case / "twin-case.json").read_text())["cell_m"], float)
    v = cell_velocity(got)
    ii = np.indices((g.nx, g.ny, g.nz)).reshape(3, -1).T
    c_ffd = (ii + 0.5) * np.array([g.hx, g.hy, g.dz])
    u_ffd = v.reshape(3, -1).T
    ok = np.isfinite(u_ffd[:, 0])
    a_cfd = float(h_cfd[1 - axis] * h_cfd[2])
    cfd = jet_profile(c_cfd, u_cfd, origin, axis, sign, band, a_cfd, stations)
    h = np.array([g.hx, g.hy, g.dz])
    ffd = jet_profile(
        c_ffd[ok], u_ffd[ok], origin, axis, sign, band, float(h[1 - axis] * h[2]), stations
    )
    print(f"unit 0's jet: forward momentum N / volume m3/s within {band} m of its axis")
    print(pd.DataFrame(
        [(s, *a, *b) for s, a, b in zip(stations, cfd, ffd, strict=True)],
        columns=["from_unit_m", "cfd_n", "cfd_m3_s", "ffd_n", "ffd_m3_s"],
    ).round(2).to_string(index=False))  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("room", choices=sorted(ar.LOADS))
    ap.add_argument("load")
    ap.add_argument("--case", type=Path, help="the run's OpenFOAM case (ASCII), for the jet")
    ap.add_argument("--band", type=float, default=2.0, help="half-width across the jet, m")
    args = ap.parse_args(argv)
    probe(args.room, args.load, args.case, args.band)


if __name__ == "__main__":
    main()
