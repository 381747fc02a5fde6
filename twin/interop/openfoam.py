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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from twin.errors import ScenarioError
from twin.solve.airfield import CRAH_FOOTPRINT_M, CRAH_HEIGHT_M, HallAir
from twin.solve.airfield_aisles import aisle_strips
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

CELL_M = 0.15
"""Default mesh size [CFD.md: 0.12 m gave results within 0.5 K of 0.1 m]."""
SAMPLE_EVERY = 10
"""Iterations between samples of the rack-front temperatures."""
ITERATIONS = 2000
"""Default SIMPLE iterations (residuals plateau at 1e-4..1e-3 in buoyant rooms; CFD.md)."""
MANIFEST = "twin-case.json"

_HEADER = """FoamFile
{{
    version 2.0;
    format ascii;
    class {cls};
    object {obj};
}}
"""


@dataclass
class _Box:
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]


def _snap(lo: float, hi: float, step: float, n: int) -> tuple[float, float]:
    i0 = int(np.clip(round(lo / step), 0, n - 1))
    i1 = int(np.clip(round(hi / step), i0 + 1, n))
    return i0 * step, i1 * step


def _foam(path: Path, cls: str, obj: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_HEADER.format(cls=cls, obj=obj) + body)


def _v(p) -> str:
    return "(" + " ".join(f"{float(c):.6g}" for c in p) + ")"


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
) -> Path:
    """Write the case of `air` into `out` (created; must be empty or absent). Returns it."""
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
        x0, x1 = _snap(air.x_m[r] - hw, air.x_m[r] + hw, dx, nx)
        y0, y1 = _snap(air.y_m[r] - hd, air.y_m[r] + hd, dy, ny)
        _, zt = _snap(0.0, min(air.height_m[r], hgt - dz), dz, nz - 1)
        racks.append(_Box((x0, y0, 0.0), (x1, y1, zt)))
        f = np.sign([air.face_x[r], air.face_y[r]])
        fronts.append(_plane(racks[-1], f, dx, dy))
        backs.append(_plane(racks[-1], -f, dx, dy))
    units, sups, rets = [], [], []
    uq = np.asarray(air.u_flow_m3_s, float)
    for u in range(len(uq)):
        half = CRAH_FOOTPRINT_M / 2
        x0, x1 = _snap(air.ux_m[u] - half, air.ux_m[u] + half, dx, nx)
        y0, y1 = _snap(air.uy_m[u] - half, air.uy_m[u] + half, dy, ny)
        _, zt = _snap(0.0, min(CRAH_HEIGHT_M, hgt - dz), dz, nz - 1)
        box = _Box((x0, y0, 0.0), (x1, y1, zt))
        units.append(box)
        face = _unit_face(air, u)
        sup_kind = air.u_supply[u]
        if sup_kind == "floor" or air.plenum:
            sup = [_Box((b.lo[0], b.lo[1], -0.25 * dz), (b.hi[0], b.hi[1], 0.25 * dz)) for b in
                   (_strip(fr, dx, dy) for fr in fronts)]  # fmt: skip
        elif sup_kind == "top":
            sup = [_Box((x0, y0, zt - 0.25 * dz), (x1, y1, zt + 0.25 * dz))]
        else:
            p = _plane(box, face, dx, dy)
            sup = [_Box(p.lo, (p.hi[0], p.hi[1], max(dz, round(zt / 2 / dz) * dz)))]
        ret_kind = air.u_return[u]
        if ret_kind == "ceiling":
            ret = [_Box((x0, y0, hgt - 0.25 * dz), (x1, y1, hgt + 0.25 * dz))]
        elif ret_kind == "top":
            ret = [_Box((x0, y0, zt - 0.25 * dz), (x1, y1, zt + 0.25 * dz))]
        else:
            p = _plane(box, face, dx, dy)
            ret = [_Box((p.lo[0], p.lo[1], max(dz, round(zt / 2 / dz) * dz)), p.hi)]
        sups.append(sup)
        rets.append(ret)
    q_tot = float(q.sum())
    share = uq / uq.sum()
    t_sup_k = t_supply_c + 273.15
    names = [f"r{i}" for i in range(n)]
    grid = (nx, ny, nz, dx, dy, dz)
    panels, ducts = _containment(air, grid, racks + units)
    ducted = sum(f for _, f, _ in ducts)
    cold = air.containment == "cold-aisle"
    sup_names = [f"u{u}_sup" for u in range(len(uq))]
    sup_flow = list((q_tot - (ducted if cold else 0.0)) * share)
    ret_names = [f"u{u}_ret" for u in range(len(uq))]
    duct_sets = {}
    open_names = []  # cold-aisle ducts: open at fixed pressure, drawing supply-temperature air
    for k, (boxes, _, _) in enumerate(ducts):
        name = f"a{k}_{'sup' if cold else 'ret'}"
        duct_sets[name] = boxes
        (open_names if cold else ret_names).append(name)

    _foam(
        out / "system/blockMeshDict",
        "dictionary",
        "blockMeshDict",
        _block_mesh(w, d, hgt, nx, ny, nz),
    )
    cell_actions = [_cell_action("solid", b, i == 0) for i, b in enumerate(racks + units)]
    if len(panels):  # containment panels: cells of the original block mesh, by label
        labels = " ".join(str(int(c)) for c in panels)
        cell_actions.append(
            f"    {{ name solid; type cellSet; action add; source labelToCell; value ({labels}); }}\n"
        )
    cell_actions.append(
        "    { name fluid; type cellSet; action new; source cellToCell; sets (solid); }\n"
    )
    cell_actions.append("    { name fluid; type cellSet; action invert; }\n")
    _foam(out / "system/topoSetDict.cells", "dictionary", "topoSetDict",
          "actions\n(\n" + "".join(cell_actions) + ");\n")  # fmt: skip
    face_sets = {}
    for i in range(n):
        face_sets[f"{names[i]}_in"] = [fronts[i]]
        face_sets[f"{names[i]}_out"] = [backs[i]]
    for u in range(len(uq)):
        face_sets[f"u{u}_sup"] = sups[u]
        face_sets[f"u{u}_ret"] = rets[u]
    face_sets.update(duct_sets)
    actions = []
    for name, boxes in face_sets.items():
        for k, b in enumerate(boxes):
            actions.append(
                f"    {{ name {name}; type faceSet; action {'new' if k == 0 else 'add'}; "
                f"source boxToFace; box {_v(b.lo)} {_v(b.hi)}; }}\n"
            )
    _foam(out / "system/topoSetDict.faces", "dictionary", "topoSetDict",
          "actions\n(\n" + "".join(actions) + ");\n")  # fmt: skip
    patches = "".join(
        f"    {{ name {name}; patchInfo {{ type patch; }} constructFrom set; set {name}; }}\n"
        for name in face_sets
    )
    _foam(out / "system/createPatchDict", "dictionary", "createPatchDict",
          f"pointSync false;\npatches\n(\n{patches});\n")  # fmt: skip
    bc = _boundaries(names, q, heat_w, sup_names, sup_flow, ret_names + open_names, t_sup_k)
    for field, (cls, dims, internal, body) in bc.items():
        _foam(out / f"0.orig/{field}", cls, field,
              f"dimensions {dims};\ninternalField uniform {internal};\nboundaryField\n{{\n{body}}}\n")  # fmt: skip
    _constant(out)
    _system(out, names, ret_names, iterations)
    manifest = {
        "hall": hall,
        "rack_ids": list(rack_ids),
        "patches": [f"{p}_in" for p in names],
        "rack_heat_kw": [float(v) for v in rack_heat_kw],
        "rack_flow_m3_s": [float(v) for v in q],
        "t_supply_c": float(t_supply_c),
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
    (out / "Allrun").write_text(_ALLRUN)
    (out / "Allrun").chmod(0o755)
    return out


def _containment(air: HallAir, grid, solid_boxes: list[_Box]):
    """The enclosure of the contained aisles on the block mesh: the labels of the cells cut
    out as panels (face neighbours of the aisles that are neither aisle nor rack/unit, and
    the roof layer above them), and per enclosure its duct (face boxes, flow m3/s).

    A cold aisle over a plenum has no duct of its own: the units' floor tiles in front of
    the racks already open into it."""
    nx, ny, nz, dx, dy, dz = grid
    strips = aisle_strips(air)
    if not strips:
        return np.zeros(0, np.int64), []
    solid = np.zeros((nx, ny, nz), bool)
    for b in solid_boxes:
        i0, i1 = round(b.lo[0] / dx), round(b.hi[0] / dx)
        j0, j1 = round(b.lo[1] / dy), round(b.hi[1] / dy)
        solid[i0:i1, j0:j1, : round(b.hi[2] / dz)] = True
    _, zt = _snap(0.0, min(strips[0].top_m, nz * dz - dz), dz, nz - 1)
    kt = round(zt / dz)
    region = np.zeros_like(solid)
    for st in strips:
        i0, i1 = (round(v / dx) for v in _snap(st.x0, st.x1, dx, nx))
        j0, j1 = (round(v / dy) for v in _snap(st.y0, st.y1, dy, ny))
        region[i0:i1, j0:j1, :kt] = True
    region &= ~solid
    near = np.zeros_like(region)
    near[1:] |= region[:-1]
    near[:-1] |= region[1:]
    near[:, 1:] |= region[:, :-1]
    near[:, :-1] |= region[:, 1:]
    near[:, :, 1:] |= region[:, :, :-1]
    panel = near & ~region & ~solid
    ix, iy, iz = np.nonzero(panel)
    labels = np.sort(ix + nx * (iy + ny * iz))  # blockMesh order: x fastest, then y, then z
    cold = air.containment == "cold-aisle"
    if cold and air.plenum:
        return labels, []
    comp, ncomp = ndimage.label(region)
    q = np.asarray(air.flow_m3_s, float)
    flow = np.zeros(ncomp + 1)
    for st in strips:
        i0, i1 = (round(v / dx) for v in _snap(st.x0, st.x1, dx, nx))
        j0, j1 = (round(v / dy) for v in _snap(st.y0, st.y1, dy, ny))
        ks = comp[i0:i1, j0:j1, :kt]
        ks = ks[ks > 0]
        if len(ks):
            flow[np.bincount(ks).argmax()] += q[st.rack]
    ducts = []
    eps = 1e-4
    for k in range(1, ncomp + 1):
        top = np.zeros((nx, ny), bool)
        top[:, :] = comp[:, :, kt - 1] == k
        if not top.any() or flow[k] <= 0:
            continue
        zf = kt * dz
        boxes = []
        for j in range(ny):  # one box per run of cells along x
            row = np.flatnonzero(top[:, j])
            if not len(row):
                continue
            cuts = np.flatnonzero(np.diff(row) > 1)
            for a, b in zip(np.r_[0, cuts + 1], np.r_[cuts, len(row) - 1], strict=True):
                boxes.append(
                    _Box(
                        (row[a] * dx + eps, j * dy + eps, zf - 0.25 * dz),
                        ((row[b] + 1) * dx - eps, (j + 1) * dy - eps, zf + 0.25 * dz),
                    )
                )
        ducts.append((boxes, float(flow[k]), k))
    return labels, ducts


def _unit_face(air: HallAir, u: int) -> np.ndarray:
    du = int(air.u_face[u])
    w, d, _ = air.size_m
    if du < 0:
        cx, cy = air.ux_m[u] - w / 2, air.uy_m[u] - d / 2
        du = (1 if cx > 0 else 0) if abs(cx) / w >= abs(cy) / d else (3 if cy > 0 else 2)
    return np.array([[1, 0], [-1, 0], [0, 1], [0, -1]][du], float)


def _plane(b: _Box, f, dx: float, dy: float) -> _Box:
    """A thin box around the face of `b` pointing along axis direction `f`."""
    lo, hi = list(b.lo), list(b.hi)
    ax = 0 if abs(f[0]) > abs(f[1]) else 1
    step = dx if ax == 0 else dy
    c = hi[ax] if f[ax] > 0 else lo[ax]
    lo[ax], hi[ax] = c - 0.25 * step, c + 0.25 * step
    return _Box(tuple(lo), tuple(hi))


def _strip(front: _Box, dx: float, dy: float) -> _Box:
    """The floor strip one cell deep in front of a rack face box (a perforated tile)."""
    lo, hi = list(front.lo), list(front.hi)
    ax = 0 if hi[0] - lo[0] < hi[1] - lo[1] else 1
    step = dx if ax == 0 else dy
    c = (lo[ax] + hi[ax]) / 2
    # the side away from the rack is unknown here: take both neighbours' centre line
    lo[ax], hi[ax] = c - step, c + step
    return _Box(tuple(lo), tuple(hi))


def _cell_action(name: str, b: _Box, first: bool) -> str:
    eps = 1e-4
    lo = tuple(v + eps for v in b.lo)
    hi = tuple(v - eps for v in b.hi)
    return (
        f"    {{ name {name}; type cellSet; action {'new' if first else 'add'}; "
        f"source boxToCell; box {_v(lo)} {_v(hi)}; }}\n"
    )


def _block_mesh(w, d, h, nx, ny, nz) -> str:
    return f"""convertToMeters 1;
vertices ((0 0 0) ({w} 0 0) ({w} {d} 0) (0 {d} 0) (0 0 {h}) ({w} 0 {h}) ({w} {d} {h}) (0 {d} {h}));
blocks (hex (0 1 2 3 4 5 6 7) ({nx} {ny} {nz}) simpleGrading (1 1 1));
boundary
(
    walls
    {{
        type wall;
        faces ((0 3 2 1) (4 5 6 7) (0 1 5 4) (1 2 6 5) (2 3 7 6) (3 0 4 7));
    }}
);
"""


def _boundaries(names, q, heat_w, sup_names, sup_flow, ret_names, t_sup_k):
    rho = RHO_AIR_KG_M3
    k_in, eps_in = 0.01, 0.001

    def block(entries: dict[str, str]) -> str:
        return "".join(f"    {p}\n    {{\n{e}    }}\n" for p, e in entries.items())

    def each(fn_in, fn_out, fn_sup, fn_ret, wall):
        e = {"walls": wall}
        for i, nm in enumerate(names):
            e[f"{nm}_in"] = fn_in(i, nm)
            e[f"{nm}_out"] = fn_out(i, nm)
        for u, nm in enumerate(sup_names):
            e[nm] = fn_sup(u)
        for u, nm in enumerate(ret_names):
            e[nm] = fn_ret(u)
        return block(e)

    zero = "        type zeroGradient;\n"
    fixed = "        type fixedFluxPressure;\n        value uniform 1e5;\n"
    u_body = each(
        lambda i, nm: (
            f"        type flowRateInletVelocity;\n        massFlowRate {-rho * q[i]:.6g};\n"
            f"        rhoInlet {rho};\n        value uniform (0 0 0);\n"
        ),
        lambda i, nm: (
            f"        type flowRateInletVelocity;\n        massFlowRate {rho * q[i]:.6g};\n"
            f"        rhoInlet {rho};\n        value uniform (0 0 0);\n"
        ),
        lambda u: (
            f"        type flowRateInletVelocity;\n        volumetricFlowRate {sup_flow[u]:.6g};\n"
            "        value uniform (0 0 0);\n"
        ),
        lambda u: "        type pressureInletOutletVelocity;\n        value uniform (0 0 0);\n",
        "        type noSlip;\n",
    )
    t_body = each(
        lambda i, nm: zero,
        lambda i, nm: (
            "        type outletMappedUniformInletHeatAddition;\n"
            f"        outletPatch {nm}_in;\n        Q {heat_w[i]:.6g};\n        value uniform {t_sup_k};\n"
        ),
        lambda u: f"        type fixedValue;\n        value uniform {t_sup_k};\n",
        lambda u: (
            f"        type inletOutlet;\n        inletValue uniform {t_sup_k};\n"
            f"        value uniform {t_sup_k};\n"
        ),
        zero,
    )
    p_rgh = each(
        lambda i, nm: fixed,
        lambda i, nm: fixed,
        lambda u: fixed,
        lambda u: "        type fixedValue;\n        value uniform 1e5;\n",
        fixed,
    )
    calc = "        type calculated;\n        value uniform 1e5;\n"
    p = each(lambda i, nm: calc, lambda i, nm: calc, lambda u: calc, lambda u: calc, calc)

    def turb(val, wall_type):
        inflow = f"        type fixedValue;\n        value uniform {val};\n"
        out = f"        type inletOutlet;\n        inletValue uniform {val};\n        value uniform {val};\n"
        return each(
            lambda i, nm: zero,
            lambda i, nm: inflow,
            lambda u: inflow,
            lambda u: out,
            f"        type {wall_type};\n        value uniform {val};\n",
        )

    calc0 = "        type calculated;\n        value uniform 0;\n"
    nut = each(
        lambda i, nm: calc0,
        lambda i, nm: calc0,
        lambda u: calc0,
        lambda u: calc0,
        "        type nutkWallFunction;\n        value uniform 0;\n",
    )
    alphat = each(
        lambda i, nm: calc0,
        lambda i, nm: calc0,
        lambda u: calc0,
        lambda u: calc0,
        "        type compressible::alphatWallFunction;\n        Prt 0.85;\n        value uniform 0;\n",
    )
    return {
        "U": ("volVectorField", "[0 1 -1 0 0 0 0]", "(0 0 0)", u_body),
        "T": ("volScalarField", "[0 0 0 1 0 0 0]", t_sup_k, t_body),
        "p_rgh": ("volScalarField", "[1 -1 -2 0 0 0 0]", "1e5", p_rgh),
        "p": ("volScalarField", "[1 -1 -2 0 0 0 0]", "1e5", p),
        "k": ("volScalarField", "[0 2 -2 0 0 0 0]", k_in, turb(k_in, "kqRWallFunction")),
        "epsilon": (
            "volScalarField",
            "[0 2 -3 0 0 0 0]",
            eps_in,
            turb(eps_in, "epsilonWallFunction"),
        ),
        "nut": ("volScalarField", "[0 2 -1 0 0 0 0]", 0, nut),
        "alphat": ("volScalarField", "[1 -1 -1 0 0 0 0]", 0, alphat),
    }


def _constant(out: Path) -> None:
    _foam(out / "constant/g", "uniformDimensionedVectorField", "g",
          "dimensions [0 1 -2 0 0 0 0];\nvalue (0 0 -9.81);\n")  # fmt: skip
    _foam(
        out / "constant/thermophysicalProperties",
        "dictionary",
        "thermophysicalProperties",
        f"""thermoType
{{
    type heRhoThermo;
    mixture pureMixture;
    transport const;
    thermo hConst;
    equationOfState perfectGas;
    specie specie;
    energy sensibleEnthalpy;
}}
mixture
{{
    specie {{ molWeight 28.96; }}
    thermodynamics {{ Cp {CP_AIR_J_KGK}; Hf 0; }}
    transport {{ mu 1.831e-05; Pr 0.705; }}
}}
""",
    )
    _foam(out / "constant/turbulenceProperties", "dictionary", "turbulenceProperties",
          "simulationType RAS;\nRAS { RASModel kEpsilon; turbulence on; printCoeffs off; }\n")  # fmt: skip


def _system(out: Path, names: list[str], ret_names: list[str], iterations: int) -> None:
    fos = []
    for nm in names:
        for op in ("areaAverage", "max"):
            fos.append(
                f"    {nm}_{op}\n    {{\n        type surfaceFieldValue;\n"
                "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
                f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
                f"        regionType patch;\n        name {nm}_in;\n        operation {op};\n"
                "        fields (T);\n    }\n"
            )
    for ret in ret_names:
        fos.append(
            f"    {ret}_T\n    {{\n        type surfaceFieldValue;\n"
            "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
            f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
            f"        regionType patch;\n        name {ret};\n        operation weightedAverage;\n"
            "        weightField phi;\n        fields (T);\n    }\n"
        )
        fos.append(
            f"    {ret}_phi\n    {{\n        type surfaceFieldValue;\n"
            "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
            f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
            f"        regionType patch;\n        name {ret};\n        operation sum;\n"
            "        fields (phi);\n    }\n"
        )
    _foam(
        out / "system/controlDict",
        "dictionary",
        "controlDict",
        f"""application buoyantSimpleFoam;
startFrom startTime;
startTime 0;
stopAt endTime;
endTime {iterations};
deltaT 1;
writeControl timeStep;
writeInterval {iterations};
purgeWrite 1;
writeFormat ascii;
writePrecision 6;
writeCompression off;
timeFormat general;
timePrecision 6;
runTimeModifiable false;
functions
{{
{"".join(fos)}}}
""",
    )
    _foam(
        out / "system/fvSchemes",
        "dictionary",
        "fvSchemes",
        """ddtSchemes { default steadyState; }
gradSchemes { default Gauss linear; }
divSchemes
{
    default none;
    div(phi,U) bounded Gauss limitedLinear 0.2;
    div(phi,K) bounded Gauss limitedLinear 0.2;
    div(phi,h) bounded Gauss limitedLinear 0.2;
    div(phi,k) bounded Gauss upwind;
    div(phi,epsilon) bounded Gauss upwind;
    div(((rho*nuEff)*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes { default corrected; }
wallDist { method meshWave; }
""",
    )
    _foam(
        out / "system/fvSolution",
        "dictionary",
        "fvSolution",
        """solvers
{
    p_rgh { solver GAMG; tolerance 1e-7; relTol 0.01; smoother DICGaussSeidel; }
    "(U|h|k|epsilon)" { solver PBiCGStab; preconditioner DILU; tolerance 1e-8; relTol 0.1; }
}
SIMPLE
{
    momentumPredictor no;
    nNonOrthogonalCorrectors 0;
}
relaxationFactors
{
    fields { rho 1.0; p_rgh 0.7; }
    equations { U 0.3; h 0.3; "(k|epsilon)" 0.7; }
}
""",
    )
    _foam(out / "system/decomposeParDict", "dictionary", "decomposeParDict",
          "numberOfSubdomains 2;\nmethod simple;\ncoeffs { n (2 1 1); }\n"
          "simpleCoeffs { n (2 1 1); delta 0.001; }\n")  # fmt: skip


_ALLRUN = """#!/bin/bash
# Mesh and run this case (twin cfd run does the same and reads the result back).
cd "${0%/*}" || exit 1
. /usr/share/openfoam/etc/bashrc >/dev/null 2>&1
blockMesh > log.blockMesh 2>&1 || exit 1
topoSet -dict system/topoSetDict.cells > log.topoSet.cells 2>&1 || exit 1
subsetMesh fluid -patch walls -overwrite > log.subsetMesh 2>&1 || exit 1
topoSet -dict system/topoSetDict.faces > log.topoSet.faces 2>&1 || exit 1
createPatch -overwrite > log.createPatch 2>&1 || exit 1
rm -rf 0 && cp -r 0.orig 0
buoyantSimpleFoam > log.buoyantSimpleFoam 2>&1
"""


def export_hall(
    twin, hall: str, out: str | Path, *, cell_m: float = CELL_M, iterations: int = ITERATIONS
) -> Path:
    """Write the case of `twin`'s hall `hall` (design rack heat, the units' supply setpoint)."""
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
    air = hall_air(twin, h, idx, k)
    if isinstance(air, str):
        raise ScenarioError(f"hall {hall!r} cannot be exported: {air}")
    crahs = twin.crahs[twin.crahs["hall"] == hall]
    t_sup = float(np.average(crahs["t_supply_c"], weights=crahs["airflow_m3_s"]))
    return write_case(
        air,
        out,
        rack_ids=list(racks.index[idx]),
        rack_heat_kw=air_kw[idx],
        t_supply_c=t_sup,
        hall=hall,
        cell_m=cell_m,
        iterations=iterations,
    )
