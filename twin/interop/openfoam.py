"""Export one hall as a runnable OpenFOAM (v1912) buoyantSimpleFoam case.

The case follows what worked on this machine (../shared/CFD.md): a blockMesh
box of the hall; racks and cooling units cut out (`topoSet` + `subsetMesh`),
their faces turned into patches (`topoSet` faceSets + `createPatch`):

- rack front ``r<i>_in``: `flowRateInletVelocity` with a negative mass flow
  (uniform suction); rack back ``r<i>_out``: the same mass flow blown out, T by
  `outletMappedUniformInletHeatAddition` (the intake's flux-weighted mean plus
  Q / (mdot cp): exactly the rack's heat);
- unit supply ``u<j>_sup``: `flowRateInletVelocity` (its share of the racks'
  design airflow, as in `twin.solve.airfield`) at the supply temperature;
  unit return ``u<j>_ret``: fixed `p_rgh`, `pressureInletOutletVelocity`,
  `inletOutlet`;
- perfect gas, hConst cp 1005, k-epsilon with wall functions, gravity on;
  function objects write each rack front's area-mean and max T every
  `SAMPLE_EVERY` iterations (`twin.interop.openfoam_run` reads them).

The geometry is the air field's (`twin.solve.airfield_build.hall_air`), with
boxes snapped to the mesh lines, so model and CFD see the same room.

Containment is meshed: the contained aisles of `twin.solve.airfield_aisles`
(the field's own) are rasterised on the mesh, and the cells around them (end
doors, side panels where no rack closes the aisle, the roof at rack height) are
cut out as one-cell solid panels, so the enclosure is sealed (leak 0; set the
hall's ``containment_leak: 0`` to compare the field with it). Each enclosure
gets a duct patch in its roof (on the floor for a cold aisle over a plenum):
hot aisle ``a<k>_ret``, a return at fixed pressure like the units'; cold aisle
``a<k>_sup``, open at the same fixed pressure with supply-temperature air
coming in (a sealed aisle needs a pressure reference: it draws what its racks
draw), the units supplying the rest of the racks' airflow.

Blanking panels are not meshed: rack bodies are closed (the manifest says
``blanking_meshed: false``). A passage through the rack's open U spaces was
tried and dropped: in the tiny room it shrank the intake patch to the rack's
cooler lower part and made its mean inlet 1.6 K cooler, not the recirculation
missing panels cause.

This module writes the case and its manifest; the boxes on the mesh and the
containment cells are `twin.interop.openfoam_mesh`, the boundary fields
`twin.interop.openfoam_fields`, the fixed dictionaries and `Allrun`
`twin.interop.openfoam_dicts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from twin.errors import ScenarioError
from twin.interop.openfoam_dicts import (
    ALLRUN,
    SAMPLE_EVERY,
    block_mesh_dict,
    foam_file,
    foam_vec,
    write_constant,
    write_system,
)
from twin.interop.openfoam_fields import boundary_fields
from twin.interop.openfoam_mesh import (
    Box,
    cell_action,
    containment_cells,
    face_plane,
    floor_strip,
    snap,
    unit_face,
)
from twin.solve.airfield import CRAH_FOOTPRINT_M, CRAH_HEIGHT_M, HallAir

__all__ = ["CELL_M", "ITERATIONS", "MANIFEST", "SAMPLE_EVERY", "export_hall", "write_case"]

CELL_M = 0.15
"""Default mesh size [CFD.md: 0.12 m gave results within 0.5 K of 0.1 m]."""
ITERATIONS = 2000
"""Default SIMPLE iterations (residuals plateau at 1e-4..1e-3 in buoyant rooms; CFD.md)."""
MANIFEST = "twin-case.json"


def write_case(
    air: HallAir,
    out: str | Path,
    *,
    rack_ids: list[str],
    rack_heat_kw: np.ndarray,
    t_supply_c: float,
    hall: str,
    cell_m: float = CELL_M,
    iterations: int = ITERATIONS,
    unit_ids: list[str] | None = None,
) -> Path:
    """Write the case of `air` into `out` (created; must be empty or absent). Returns it.
    `unit_ids`: the cooling units' ids, in `air`'s order, for messages."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ScenarioError(f"{out}: directory is not empty; give a new or empty directory")
    w, d, hgt = air.size_m
    nx, ny, nz = (max(4, round(s / cell_m)) for s in air.size_m)
    dx, dy, dz = w / nx, d / ny, hgt / nz
    n = len(rack_ids)
    q = np.asarray(air.flow_m3_s, float)
    heat_w = 1000.0 * np.asarray(rack_heat_kw, float)
    racks, fronts, backs = [], [], []
    for r in range(n):
        along_x = abs(air.face_y[r]) >= abs(air.face_x[r])
        hw = (air.width_m[r] if along_x else air.depth_m[r]) / 2
        hd = (air.depth_m[r] if along_x else air.width_m[r]) / 2
        x0, x1 = snap(air.x_m[r] - hw, air.x_m[r] + hw, dx, nx)
        y0, y1 = snap(air.y_m[r] - hd, air.y_m[r] + hd, dy, ny)
        _, zt = snap(0.0, min(air.height_m[r], hgt - dz), dz, nz - 1)
        racks.append(Box((x0, y0, 0.0), (x1, y1, zt)))
        f = np.sign([air.face_x[r], air.face_y[r]])
        fronts.append(face_plane(racks[-1], f, dx, dy))
        backs.append(face_plane(racks[-1], -f, dx, dy))
    units, sups, rets = [], [], []
    uq = np.asarray(air.u_flow_m3_s, float)
    for u in range(len(uq)):
        half = CRAH_FOOTPRINT_M / 2
        x0, x1 = snap(air.ux_m[u] - half, air.ux_m[u] + half, dx, nx)
        y0, y1 = snap(air.uy_m[u] - half, air.uy_m[u] + half, dy, ny)
        _, zt = snap(0.0, min(CRAH_HEIGHT_M, hgt - dz), dz, nz - 1)
        box = Box((x0, y0, 0.0), (x1, y1, zt))
        units.append(box)
        face = unit_face(air, u)
        sup_kind = air.u_supply[u]
        if sup_kind == "floor" or air.plenum:
            sup = [Box((b.lo[0], b.lo[1], -0.25 * dz), (b.hi[0], b.hi[1], 0.25 * dz)) for b in
                   (floor_strip(fr, dx, dy) for fr in fronts)]  # fmt: skip
        elif sup_kind == "top":
            sup = [Box((x0, y0, zt - 0.25 * dz), (x1, y1, zt + 0.25 * dz))]
        else:
            p = face_plane(box, face, dx, dy)
            sup = [Box(p.lo, (p.hi[0], p.hi[1], max(dz, round(zt / 2 / dz) * dz)))]
        ret_kind = air.u_return[u]
        if ret_kind == "ceiling":
            ret = [Box((x0, y0, hgt - 0.25 * dz), (x1, y1, hgt + 0.25 * dz))]
        elif ret_kind == "top":
            ret = [Box((x0, y0, zt - 0.25 * dz), (x1, y1, zt + 0.25 * dz))]
        else:
            p = face_plane(box, face, dx, dy)
            ret = [Box((p.lo[0], p.lo[1], max(dz, round(zt / 2 / dz) * dz)), p.hi)]
        sups.append(sup)
        rets.append(ret)
    units_named = unit_ids if unit_ids is not None else [str(u + 1) for u in range(len(units))]
    names_all = [f"rack {r!r}" for r in rack_ids] + [f"cooling unit {u!r}" for u in units_named]
    narrowest = float(np.min(air.width_m)) if n else CELL_M
    _bodies_apart(racks + units, names_all, grid_xy=(dx, dy), cell_m=cell_m, most_m=narrowest)
    q_tot = float(q.sum())
    share = uq / uq.sum()
    live = uq > 0  # a stopped unit (twin.solve.air_stopped): its body only, no opening
    t_sup_k = t_supply_c + 273.15
    names = [f"r{i}" for i in range(n)]
    grid = (nx, ny, nz, dx, dy, dz)
    panels, ducts = containment_cells(air, grid, racks + units)
    ducted = sum(f for _, f, _ in ducts)
    cold = air.containment == "cold-aisle"
    flow = (q_tot - (ducted if cold else 0.0)) * share
    # units over one raised floor all supply through the same tiles: one patch carries
    # their flows together (two patches on the same faces would leave one empty)
    tiles = [u for u in range(len(uq)) if live[u] and (air.u_supply[u] == "floor" or air.plenum)]
    supplying = [u for u in range(len(uq)) if live[u] and u not in tiles[1:]]
    sup_names = [f"u{u}_sup" for u in supplying]
    sup_flow = [float(flow[tiles].sum()) if u in tiles else float(flow[u]) for u in supplying]
    ret_names = [f"u{u}_ret" for u in range(len(uq)) if live[u]]
    duct_sets = {}
    open_names = []  # cold-aisle ducts: open at fixed pressure, drawing supply-temperature air
    for k, (boxes, _, _) in enumerate(ducts):
        name = f"a{k}_{'sup' if cold else 'ret'}"
        duct_sets[name] = boxes
        (open_names if cold else ret_names).append(name)

    foam_file(
        out / "system/blockMeshDict",
        "dictionary",
        "blockMeshDict",
        block_mesh_dict(w, d, hgt, nx, ny, nz),
    )
    cell_actions = [cell_action("solid", b, i == 0) for i, b in enumerate(racks + units)]
    if len(panels):  # containment panels: cells of the original block mesh, by label
        labels = " ".join(str(int(c)) for c in panels)
        cell_actions.append(
            f"    {{ name solid; type cellSet; action add; source labelToCell; value ({labels}); }}\n"
        )
    cell_actions.append(
        "    { name fluid; type cellSet; action new; source cellToCell; sets (solid); }\n"
    )
    cell_actions.append("    { name fluid; type cellSet; action invert; }\n")
    foam_file(out / "system/topoSetDict.cells", "dictionary", "topoSetDict",
          "actions\n(\n" + "".join(cell_actions) + ");\n")  # fmt: skip
    face_sets = {}
    for i in range(n):
        face_sets[f"{names[i]}_in"] = [fronts[i]]
        face_sets[f"{names[i]}_out"] = [backs[i]]
    for u in range(len(uq)):
        if u in supplying:
            face_sets[f"u{u}_sup"] = sups[u]
        if live[u]:
            face_sets[f"u{u}_ret"] = rets[u]
    face_sets.update(duct_sets)
    actions = []
    for name, boxes in face_sets.items():
        for k, b in enumerate(boxes):
            actions.append(
                f"    {{ name {name}; type faceSet; action {'new' if k == 0 else 'add'}; "
                f"source boxToFace; box {foam_vec(b.lo)} {foam_vec(b.hi)}; }}\n"
            )
    foam_file(out / "system/topoSetDict.faces", "dictionary", "topoSetDict",
          "actions\n(\n" + "".join(actions) + ");\n")  # fmt: skip
    patches = "".join(
        f"    {{ name {name}; patchInfo {{ type patch; }} constructFrom set; set {name}; }}\n"
        for name in face_sets
    )
    foam_file(out / "system/createPatchDict", "dictionary", "createPatchDict",
          f"pointSync false;\npatches\n(\n{patches});\n")  # fmt: skip
    bc = boundary_fields(names, q, heat_w, sup_names, sup_flow, ret_names + open_names, t_sup_k)
    for field, (cls, dims, internal, body) in bc.items():
        foam_file(out / f"0.orig/{field}", cls, field,
              f"dimensions {dims};\ninternalField uniform {internal};\nboundaryField\n{{\n{body}}}\n")  # fmt: skip
    write_constant(out)
    write_system(out, names, ret_names, iterations)
    manifest = {
        "hall": hall,
        "rack_ids": list(rack_ids),
        "patches": [f"{p}_in" for p in names],
        "rack_heat_kw": [float(v) for v in rack_heat_kw],
        "rack_flow_m3_s": [float(v) for v in q],
        "t_supply_c": float(t_supply_c),
        "stopped_units": [int(u) for u in np.flatnonzero(~live)],
        "cells": [nx, ny, nz],
        "cell_m": [dx, dy, dz],
        "iterations": int(iterations),
        "containment": air.containment,
        "containment_meshed": air.containment != "none",
        "containment_leak_meshed": 0.0 if air.containment != "none" else None,
        "containment_panel_cells": int(len(panels)),
        "ducts": {nm: f for nm, (_, f, _) in zip(duct_sets, ducts, strict=True)},
        "blanking_meshed": False,
        "sample_every": SAMPLE_EVERY,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    (out / "Allrun").write_text(ALLRUN)
    (out / "Allrun").chmod(0o755)
    return out


def _bodies_apart(
    boxes: list[Box], names: list[str], *, grid_xy, cell_m: float, most_m: float
) -> None:
    """Refuse a mesh on which two racks or units snap onto the same cells: the case would
    merge their bodies and give one of them the other's intake and exhaust faces."""
    dx, dy = grid_xy
    owner: dict[tuple[int, int], int] = {}
    for b, box in enumerate(boxes):
        i0, i1 = round(box.lo[0] / dx), round(box.hi[0] / dx)
        j0, j1 = round(box.lo[1] / dy), round(box.hi[1] / dy)
        for i in range(i0, i1):
            for j in range(j0, j1):
                a = owner.setdefault((i, j), b)
                if a != b:
                    raise ScenarioError(
                        f"at --cell {cell_m:g} m (cells {dx:.3g} x {dy:.3g} m on the floor) "
                        f"{names[a]} and {names[b]} snap onto the same cells, which would "
                        f"merge them into one body; give a --cell of at most {most_m:g} m "
                        "(the narrowest rack's width)"
                    )


def export_hall(
    twin,
    hall: str,
    out: str | Path,
    *,
    cell_m: float = CELL_M,
    iterations: int = ITERATIONS,
    stopped: Sequence[str] = (),
) -> Path:
    """Write the case of `twin`'s hall `hall` (design rack heat, the units' supply setpoint).
    `stopped`: cooling units of the hall that move no air, as a failure leaves them (their
    cabinet stays a solid, their openings walls; the others supply the racks' air by their
    airflow, as `twin.solve.air_stopped` solves the field)."""
    from twin.solve.airfield_build import hall_air
    from twin.solve.airflow import rack_k_kw_per_k

    if hall not in twin.halls.index:
        known = ", ".join(map(str, twin.halls.index[:10]))
        raise ScenarioError(f"no hall {hall!r}; halls: {known}")
    racks = twin.racks
    air_kw = racks["power_kw"].to_numpy(float) * (1 - racks["liquid_fraction"].to_numpy(float))
    k = rack_k_kw_per_k(air_kw, racks.get("airflow_m3_s"))
    h = int(twin.halls.index.get_loc(hall))
    idx = np.flatnonzero((racks["hall"] == hall).to_numpy())
    if not len(idx):
        raise ScenarioError(f"hall {hall!r} has no racks to simulate")
    crahs = twin.crahs[twin.crahs["hall"] == hall]
    off = crahs.index.isin(list(stopped))
    other = sorted(set(stopped) - set(crahs.index))
    if other:
        raise ScenarioError(
            f"--fail {', '.join(other)}: not a cooling unit of hall {hall!r} "
            f"(its units: {', '.join(crahs.index) or 'none'})"
        )
    if len(crahs) and off.all():
        raise ScenarioError(
            f"--fail stops every cooling unit of hall {hall!r}: no air moves, so there is no "
            "steady flow for the CFD to find; leave at least one running"
        )
    air = hall_air(twin, h, idx, k, stopped=off)
    if isinstance(air, str):
        raise ScenarioError(f"hall {hall!r} cannot be exported: {air}")
    run = crahs[~off]
    t_sup = float(np.average(run["t_supply_c"], weights=run["airflow_m3_s"]))
    return write_case(
        air,
        out,
        rack_ids=list(racks.index[idx]),
        rack_heat_kw=air_kw[idx],
        t_supply_c=t_sup,
        hall=hall,
        cell_m=cell_m,
        iterations=iterations,
        unit_ids=[str(u) for u in crahs.index],
    )
