"""A hall's air from its geometry: coarse 3D potential flow, then heat as a tracer on it.

Method (a compact room model in the line of Toulouse, Doljac, Carey, Bash and
Patel, "Exploration of a potential-flow-based compact model of air-flow
transport in data centers", ASME IMECE 2009-10806, with the tracer reading of
VanGilder and Shrivastava's capture index, ASHRAE Trans. 113(1), 2007):

1. The hall is cut into box cells (up to ``h`` across, ``dz`` up; `HallAir.grid`:
   "aligned", cell faces on every rack and unit face, cells of unequal width, or
   "uniform", every face snapped to the nearest of equal cells; `airfield_grid`).
   Racks and cooling units are solid; walls, floor and ceiling
   are closed. Air enters and leaves as volume sources in the fluid cells next
   to rack faces and unit openings: each rack draws its design airflow evenly
   from the cells at its front (uniform suction) and blows it out at its back
   (most of it rising as a plume first, `PLUME_SHARE`); each unit supplies at
   its opening (or the floor tiles in front of every rack when the hall has a
   raised-floor plenum) and takes its return at its top, its front or the
   ceiling above it.
2. Potential flow: face fluxes ``F = g (phi_P - phi_N)`` with ``L phi = s`` (a
   graph Laplacian over fluid cells; one sparse LU). Mass balances in every
   cell to round-off; a jet's momentum enters only through its throw and
   entrainment (below). ``HallAir.flow = "ffd"`` (a prototype, not the default) takes the
   flux from Fast Fluid Dynamics instead (`twin.solve.airfield_ffd`: momentum and buoyancy
   explicit, so no plume, drift, throw or entrainment; bench.air_ffd measures it).
3. Heat moves with that flux and an effective turbulent diffusivity ``D``
   (first-order upwind finite volumes, an M-matrix, one sparse LU). Rack i's
   exhaust carrying a unit tracer gives, at rack j's front, the share ``b_ji``
   of j's intake air that is i's exhaust: every rack is one right-hand side of
   the same factorisation (superposition). ``b_top`` is the same at the top
   layer of the rack's front (the top of a rack runs hotter).

Containment is geometry (`twin.solve.airfield_aisles`): the enclosed aisles (behind the
racks for hot-aisle, in front for cold-aisle; end doors and a roof at rack height) are
cells whose faces to the rest of the room are baffles, conducting ``a`` times an open
face (`CONTAINMENT_LEAK` or the hall's calibrated leak; none at ``a = 0``). Each
enclosure's duct takes ``(1 - a)`` of its racks' exhaust to the units' returns through
its roof layer (hot aisle) or feeds ``(1 - a)`` of its racks' intake from the supply
(cold aisle; through the floor layer over a plenum); the rest of the air finds its way
through the baffles, and the units supply or return what the ducts do not. Sealed
(``a = 0``), no exhaust reaches an intake: every inlet is the supply (the closed form
of tests/solve/test_air_field.py). Missing blanking panels send
``(1 - blanking) BLANKING_OPEN_SHARE`` of a rack's exhaust back to its own front.

Buoyancy enters as the rack exhaust's plume (`PLUME_SHARE` of it released at the
top of the free column above the rack's back) and as a drift of warm air carried by
the tracer only (`HallAir.drift_m_s`; a layout's hall gets the drift its geometry
allows, `twin.solve.airfield_build.buoyant_drift_m_s`). Jet momentum enters as the
supply's throw (released where the jet slows to `TERMINAL_M_S`; a throw of k + f cells
releases 1 - f of the supply k cells on and f one further, so the field is continuous in
the throw, `airfield_jets.throw_release`) and the jet's entrainment (times
`entrainment_scale`, 1 by default, calibratable): a free jet carries ``Q_x / Q_0 = (2 / K) x / sqrt(A_0)`` times its supply
at distance x (`jet_entrainment`), so the field takes ``(Q_x - Q_0)`` of room air out
evenly along the jet's path and releases it, with its heat, with the supply at the
jet's end (a source-sink pair in the flow; in the tracer matrix the release cells
draw the path cells' mean, which keeps the matrix conservative and the field linear).
A unit's "ceiling" return is the ceiling above the unit (a return duct, as the CFD
export meshes it).

Limits, stated honestly: no buoyancy or momentum beyond those (potential flow
pairs nearby sources and sinks: a supply with no throw short-circuits into a
return above it); cells of `h` >= 0.3 m (narrower, down to 6 cm, between
near faces on the aligned grid); the field is built with every unit at
its design share of the racks' airflow (which units run changes the supply
temperature and the short-circuit share in `twin.solve.airflow`, not the
shares). Validation against OpenFOAM: docs/validation.md (0.6-1.9 K RMSE on the
two rooms its choices were made on, 0.1-0.8 K calibrated on other loads of the same
room, but 3.1-12.0 K on five blind rooms whose inlets were committed before their CFD
was read, up to 28.6 K too hot; on the rack-aligned grid 0.9-1.9 K and 2.2-10.5 K, up to
23.1 K too hot, and on the seventh blind room, `north`, 31.8-48.6 K, up to 81.5 K too hot:
the targets are not met and the field is not the default).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from twin.layout.floor_check import UNIT_FOOTPRINT_M
from twin.solve import airfield_ffd, ffd_march, ffd_store
from twin.solve.airfield_aisles import _aisle_cells, _ducts, box_faces, rack_footprint
from twin.solve.airfield_cells import (
    _averaging,
    _exhaust,
    _keep_weighted,
    _opening_axis,
    _unit_cells,
)
from twin.solve.airfield_ffd_cache import _FFD_CACHE, ffd_flux_cached, ffd_flux_known  # noqa: F401
from twin.solve.airfield_grid import (  # noqa: F401 (MAX_CELLS, MIN_CELL_M, NZ_RANGE: airfield's API)
    MAX_CELLS,
    MIN_CELL_M,
    NZ_RANGE,
    _box,
    _boxes,
    _direction,
    _face_cells,
    _Grid,
    _grid,
    _grid_aligned,
    _laplacian,
)
from twin.solve.airfield_jets import (  # noqa: F401 (JET_K, TERMINAL_M_S, _throw: airfield's API)
    JET_K,
    TERMINAL_M_S,
    _throw,
    _throw_path,
    jet_entrainment,
    jet_throw_m,
    meeting_throws,
    throw_release,
)
from twin.solve.airfield_lu import ManyRhsLU, factorise

DIFFUSIVITY_M2_S = 0.03
"""Effective diffusivity of heat in the room, m2/s: the turbulent diffusivity of room air
(Chen and Xu's zero-equation model, Energy and Buildings 28, 1998: nu_t = 0.03874 V l ~
0.01-0.03 m2/s), which is also where the fit to our OpenFOAM run of the 'row' room at
uniform load lands together with `PLUME_SHARE` (bench.air_rooms; docs/validation.md).
Calibratable per hall (`air_diffusivity_m2_s`)."""
PLUME_SHARE = 0.9
"""Share of a rack's exhaust that rises as a buoyant plume and is released at the top of the
free column above its back (the ceiling, or the roof of a contained hot aisle), the rest at
its back [fitted with `DIFFUSIVITY_M2_S` to the OpenFOAM 'row' room at uniform load,
docs/validation.md]. Buoyancy dominates rack exhaust: its Archimedes number g (dT/T) H / u^2
is ~4 for a 12 K rise leaving a 2 m rack at 0.45 m/s, so the plume rises before it mixes;
potential flow alone keeps no buoyancy and would spread the exhaust at rack height."""
BUOYANT_DRIFT_M_S = 0.0
"""Upward drift of warm air relative to the flow, m/s, carried by the heat tracer only (a
linear stand-in for buoyancy: it keeps exhaust heat up at the ceiling and conserves it).
None in a bare `HallAir`; a layout's hall gets the drift its geometry allows
(`twin.solve.airfield_build.buoyant_drift_m_s`: a gravity-current criterion, 0 where the
exhaust's ceiling layer is deeper than the clearance above the racks) unless calibrated
(`air_buoyant_drift_m_s`; docs/validation.md)."""
CONTAINMENT_LEAK = {"none": 1.0, "hot-aisle": 0.08, "cold-aisle": 0.10}
"""Share of the racks' air that bypasses containment (leaks, gaps, doors), and the baffles'
conductance relative to an open face [est: HPE dc-rl's
mean inlet rise of 0.7 K hot-aisle vs 0.9 K cold-aisle, REFERENCE 1, puts hot-aisle
leakage below cold-aisle; containment vendors quote 5-15 % leakage]. Calibratable per hall."""
BLANKING_OPEN_SHARE = 0.2
"""Share of a rack's exhaust that returns inside the rack to its front with no blanking
panels at all [est; APC White Paper 44 shows inlet rises of up to ~8 K from open U spaces]."""
CRAH_FOOTPRINT_M = UNIT_FOOTPRINT_M
"""Side of a cooling unit's square footprint in the field [est: floor units are 0.9-2.5 m];
the layout checks refuse a unit whose footprint stands on a rack (`twin.layout.floor_check`)."""
CRAH_HEIGHT_M = 2.0
"""Height of a cooling unit [est: floor-standing CRAH/CRAC cabinets are ~2 m]."""
ROW_SHARE_MAX = 0.95
"""A rack's shares are scaled down where they would sum above this (as the geometric model)."""
MIN_SHARE = 1e-7
"""Shares below this are dropped from the sparse matrices (< 1e-5 K on a 100 K exhaust rise)."""


@dataclass(frozen=True)
class HallAir:
    """What the air field of one hall depends on, in hall coordinates (origin at a corner).

    Rack arrays (n): centre ``x_m``, ``y_m``; inlet direction ``face_x``, ``face_y`` (axis
    unit vectors); ``width_m``, ``depth_m``, ``height_m``; design ``flow_m3_s``; ``blanking``.
    Unit arrays (u): centre ``ux_m``, ``uy_m``; ``u_flow_m3_s`` (share of the supply follows
    it); ``u_face`` (0..3: +x, -x, +y, -y; -1 toward the hall centre); ``u_supply`` ("front",
    "top", "floor"); ``u_return`` ("top", "front", "ceiling").
    """

    size_m: tuple[float, float, float]
    x_m: np.ndarray
    y_m: np.ndarray
    face_x: np.ndarray
    face_y: np.ndarray
    width_m: np.ndarray
    depth_m: np.ndarray
    height_m: np.ndarray
    flow_m3_s: np.ndarray
    blanking: np.ndarray
    ux_m: np.ndarray
    uy_m: np.ndarray
    u_flow_m3_s: np.ndarray
    u_face: np.ndarray
    u_supply: tuple[str, ...]
    u_return: tuple[str, ...]
    containment: str = "none"
    plenum: bool = False
    diffusivity_m2_s: float = DIFFUSIVITY_M2_S
    leak: float | None = None  # None: CONTAINMENT_LEAK[containment]
    throw_scale: float = 1.0  # times `jet_throw_m` (calibratable)
    plume_share: float = PLUME_SHARE
    drift_m_s: float = BUOYANT_DRIFT_M_S  # (calibratable)
    entrainment_scale: float = 1.0  # times the free jet's entrainment (calibratable)
    # the potential field's cells: "aligned" (cell faces on every rack and unit face,
    # `airfield_grid._grid_aligned`) or "uniform" (`_grid`, each face snapped to the nearest
    # cell face); the FFD flow takes the aligned one where `airfield_ffd.GRID` is "aligned"
    grid: str = "aligned"
    # the flux heat moves on: "potential" (step 2) or "ffd" (`twin.solve.airfield_ffd`, a
    # prototype: momentum and buoyancy explicit, so no plume, drift, throw or entrainment)
    flow: str = "potential"
    ffd_nu_m2_s: float = airfield_ffd.NU_M2_S
    ffd_dt_s: float = airfield_ffd.DT_S
    exhaust_rise_k: np.ndarray | None = None  # per rack, FFD's buoyancy (None: design rise)

    def key(self) -> bytes:
        """Content digest (the cache key)."""
        h = hashlib.blake2b(digest_size=20)
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            h.update(name.encode())
            if isinstance(v, np.ndarray):
                h.update(np.ascontiguousarray(v, dtype=float).tobytes())
            else:
                h.update(repr(v).encode())
        if self.flow == "ffd":  # its grid: a module switch (bench.air_ffd flips it)
            h.update(airfield_ffd.GRID.encode())
        return h.digest()


@dataclass
class HallShares:
    """Field answer for one hall: B (mean over each front), B at the top of each front."""

    b_mean: sp.csr_matrix
    b_top: sp.csr_matrix
    cell_m: float
    cells: int
    info: dict = field(default_factory=dict)
    return_share: np.ndarray | None = None  # share of each rack's exhaust air the returns take


class FieldError(ValueError):
    """The geometry has no solvable field (a rack front boxed in, no unit opening free)."""


_LOCK = threading.Lock()
_CACHE: OrderedDict[bytes, HallShares] = OrderedDict()
CACHE_HALLS = 64
"""Hall fields kept in memory by content (identical halls of a campus share one)."""


def hall_shares(air: HallAir) -> HallShares:
    """`_solve(air)`, cached by the content of `air` (equal halls are solved once)."""
    key = air.key()
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    out = _stored_shares(air, key) if air.flow == "ffd" else None
    if out is None:
        out = _solve(air)
        if air.flow == "ffd":  # its tracer solves (~1.4 CPU s on the hybrid hall) kept too
            ffd_store.put_shares(
                key, {f.name: getattr(out, f.name) for f in dataclasses.fields(out)}
            )
    with _LOCK:
        _CACHE[key] = out
        while len(_CACHE) > CACHE_HALLS:
            _CACHE.popitem(last=False)
    return out


def _stored_shares(air: HallAir, key: bytes) -> HallShares | None:
    """An ffd hall's shares from the store on disk (a second run reads them, no tracer solve);
    None if none is stored or it does not fit `HallShares`."""
    got = ffd_store.get_shares(key)
    try:
        return HallShares(**got) if got is not None else None
    except TypeError:
        return None


def _solve(air: HallAir) -> HallShares:
    w, d, hgt = air.size_m
    n = len(air.x_m)
    if air.flow not in ("potential", "ffd"):
        raise FieldError(f"flow {air.flow!r}: potential or ffd")
    ffd = air.flow == "ffd"
    moving = []  # (cells, flux into each m3/s, direction from the body): FFD's inflows
    if air.grid not in ("aligned", "uniform"):
        raise FieldError(f"grid {air.grid!r}: aligned or uniform")
    min_width = float(np.min(air.width_m)) if n else MIN_CELL_M
    g = None
    if air.grid == "aligned" and (not ffd or airfield_ffd.GRID == "aligned"):  # None: too big
        g = _grid_aligned(air.size_m, min_width, box_faces(air, CRAH_FOOTPRINT_M / 2.0))
    g = _grid(air.size_m, min_width) if g is None else g
    solid = np.zeros(g.n, bool)
    solid3 = solid.reshape(g.nx, g.ny, g.nz)  # a view: boxes are slices of it
    # racks: solid bodies, front and back cells
    hx, hy, _ = rack_footprint(air)
    x, y = np.asarray(air.x_m, float), np.asarray(air.y_m, float)
    boxes = _boxes(g, x - hx, x + hx, y - hy, y + hy, air.height_m).tolist()
    for x0, x1, y0, y1, nzb in boxes:
        solid3[x0:x1, y0:y1, :nzb] = True
    ubox = []
    for u in range(len(air.ux_m)):
        half = CRAH_FOOTPRINT_M / 2.0
        box = _box(
            g,
            air.ux_m[u] - half,
            air.ux_m[u] + half,
            air.uy_m[u] - half,
            air.uy_m[u] + half,
            min(CRAH_HEIGHT_M, hgt - g.dz),
        )
        ubox.append(box)
        (x0, x1), (y0, y1), nzb = box
        solid3[x0:x1, y0:y1, :nzb] = True

    # contained aisles (twin.solve.airfield_aisles): their boundary faces are baffles
    leak = CONTAINMENT_LEAK[air.containment] if air.leak is None else float(air.leak)
    region = _aisle_cells(g, air, solid)
    lap, faces = _laplacian(g, solid, region if region.any() else None, leak)
    fluid = ~solid
    _, label = connected_components(lap, directed=False)
    main = fluid.copy()  # narrowed below to the parts of the room air moves through

    def keep(cells):
        return cells[main[cells]] if len(cells) else cells

    fronts, tops, backs = [], [], []
    front_w, top_w, back_w = [], [], []  # shares of each (by face area)
    tile_m = np.zeros(g.n)  # floor cells at a rack's front: their width along its face
    for r, (x0, x1, y0, y1, nzb) in enumerate(boxes):
        dr = _direction(air.face_x[r], air.face_y[r])
        front, fz = _face_cells(g, (x0, x1), (y0, y1), nzb, dr)
        back, _ = _face_cells(g, (x0, x1), (y0, y1), nzb, dr ^ 1)
        m = main[front] if len(front) else np.zeros(0, bool)
        front, fz = front[m], fz[m]
        back = keep(back)
        if not len(front) or not len(back):
            raise FieldError(f"rack {r}: its {'front' if not len(front) else 'back'} is boxed in")
        fronts.append(front)
        tops.append(front[fz == fz.max()])
        backs.append(back)
        axis = 0 if dr < 2 else 1
        front_w.append(g.weights(front, axis))
        top_w.append(g.weights(tops[-1], axis))
        back_w.append(g.weights(back, axis))
        tile_m[front[fz == 0]] = g.area(front[fz == 0], axis) / g.dz
        moving.append((front, -g.spread(air.flow_m3_s[r], front, axis), dr))
        moving.append((back, g.spread(air.flow_m3_s[r], back, axis), dr ^ 1))

    q = np.asarray(air.flow_m3_s, float)
    q_tot = float(q.sum())
    # each rack's intake, evenly over its front cells (uniform suction)
    front_cells = np.concatenate(fronts) if n else np.zeros(0, np.int64)
    intake_q = [-f for c, f, _ in moving[0::2]]  # each rack's front, spread by face area
    intake = np.bincount(front_cells, np.concatenate(intake_q) if n else np.zeros(0), g.n)
    sink = intake.copy()
    # each rack's exhaust: its back cells and the tops of the free columns above them
    exhaust = _exhaust(g, backs, back_w, solid, region, 0.0 if ffd else air.plume_share)
    ex_cells, ex_rack, ex_w = exhaust
    src = np.bincount(ex_cells, q[ex_rack] * ex_w, g.n)
    # ducts of the contained aisles: hot aisle to the returns, cold aisle from the supply
    ducted = _ducts(g, air, region, faces, fronts, backs, q, leak, src, sink)
    # units: supply (return) what the ducts do not carry into (out of) the room, by flow
    sup_room = q_tot - (ducted if air.containment == "cold-aisle" else 0.0)
    ret_room = q_tot - (ducted if air.containment == "hot-aisle" else 0.0)
    uq = np.asarray(air.u_flow_m3_s, float)
    share = uq / uq.sum() if len(uq) and uq.sum() > 0 else np.zeros(len(uq))
    if not len(uq):
        raise FieldError("no cooling unit")
    jets = []  # (cells the jet entrains from, their weights, release cells, weights, flow m3/s)
    openings = []  # per unit: direction, supply and return cells, its jet (or None)
    for u in range(len(uq)):
        ix, iy, nzb = ubox[u]
        du = int(air.u_face[u])
        if du < 0:
            cx, cy = air.ux_m[u] - w / 2.0, air.uy_m[u] - d / 2.0
            du = (1 if cx > 0 else 0) if abs(cx) / w >= abs(cy) / d else (3 if cy > 0 else 2)
        sup = _unit_cells(g, ix, iy, nzb, du, air.u_supply[u], "supply", air.plenum, fronts)
        ret = _unit_cells(g, ix, iy, nzb, du, air.u_return[u], "return", air.plenum, fronts)
        jet = None
        if air.u_supply[u] == "front" and not air.plenum and len(sup) and not ffd:
            q_u = sup_room * share[u]
            area = float(g.area(sup, 0 if du < 2 else 1).sum())
            jet = (sup, du, air.throw_scale * jet_throw_m(q_u, area), q_u, area)
        openings.append((du, sup, ret, jet))
    throws = iter(meeting_throws(g, [j for *_, j in openings if j is not None]))
    for u, (du, sup, ret, jet) in enumerate(openings):
        sup_axis = _opening_axis(air.u_supply[u], "supply", air.plenum, du)
        sup_w = g.spread(1.0, sup, sup_axis)
        if sup_axis == 2 and air.u_supply[u] != "top" and not g.uniform and tile_m[sup].sum() > 0:
            sup_w = tile_m[sup] / tile_m[sup].sum()  # tiles: as wide as the racks, one tile deep
        ret_axis = _opening_axis(air.u_return[u], "return", air.plenum, du)
        path, path_w, q_e = np.zeros(0, np.int64), np.zeros(0), 0.0
        if jet is not None:
            _, _, _, q_u, area = jet
            dist = next(throws)
            sup, sup_w, path, path_w, length = throw_release(
                g, sup, du, solid | region, dist, weights=sup_w
            )
            q_e = air.entrainment_scale * q_u * (jet_entrainment(length, area) - 1.0)
        sup, sup_w = _keep_weighted(sup, sup_w, main)
        ret = keep(ret)
        path, path_w = _keep_weighted(path, path_w, main)
        if len(path) and len(sup) and q_e > 0:
            jets.append((path, path_w / path_w.sum(), sup, sup_w, q_e))
        if (not len(sup) and sup_room > 1e-12) or (not len(ret) and ret_room > 1e-12):
            raise FieldError(f"unit {u}: its {'supply' if not len(sup) else 'return'} is boxed in")
        if sup_room > 1e-12:
            np.add.at(src, sup, sup_room * share[u] * sup_w)
            moving.append(
                (sup, sup_room * share[u] * sup_w, airfield_ffd.opening_dir(air, u, "supply", du))
            )
        if ret_room > 1e-12:
            ret_q = -g.spread(ret_room * share[u], ret, ret_axis)
            np.add.at(sink, ret, -ret_q)
            moving.append((ret, ret_q, airfield_ffd.opening_dir(air, u, "return", du)))

    # the parts of the room air moves through; each must balance (a sealed pocket cannot)
    busy = np.bincount(label, src + sink, g.n) > 0
    imbalance = np.abs(np.bincount(label, src - sink, g.n))
    bad = busy & (imbalance > 1e-9 * max(q_tot, 1e-12))
    if bad.any():
        rs = [r for r in range(n) if bad[label[fronts[r][0]]] or bad[label[backs[r][0]]]]
        where = f"rack {rs[0]}" if rs else "a cooling unit"
        raise FieldError(
            f"{where}: its air has no way through the room (boxed in or sealed by containment)"
        )
    main = fluid & busy[label]

    # 2. potential flow on the busy fluid parts (each pinned at one cell: exact, sum s = 0)
    cells = np.flatnonzero(main)
    pos = np.full(g.n, -1)
    pos[cells] = np.arange(len(cells))
    lap_m = lap[cells][:, cells].tocsc()
    first = np.unique(label[cells], return_index=True)[1]
    pin = sp.csc_matrix((np.ones(len(first)), (first, first)), shape=lap_m.shape)
    s_all = src - sink
    for path, pw, rel, rw, q_e in jets:  # the jet entrains room air on its path, releases it
        np.add.at(s_all, path, -q_e * pw)
        np.add.at(s_all, rel, q_e * rw)
    s = s_all[cells]
    phi = None if ffd else factorise(lap_m + pin).solve(s)  # FFD: its march projects its own
    # face fluxes P -> N
    fp, fn, gf = faces
    ok = main[fp] & main[fn]
    up = ((fn - fp) == 1)[ok]  # vertical faces: N is the cell above P
    area_up = g.area(fp[ok], 2)  # (of a vertical face)
    fp, fn, gf = pos[fp[ok]], pos[fn[ok]], gf[ok]
    flux = None if ffd else gf * (phi[fp] - phi[fn])
    ffd_info = {}
    if ffd:  # the flux from momentum and buoyancy instead (airfield_ffd)
        try:
            flux, ffd_info = ffd_flux_cached(
                air, lambda: airfield_ffd.hall_flux(
                    g, air, main, cells, (fp, fn, gf), src, sink, moving, exhaust, fronts
                )
            )  # fmt: skip
        except FloatingPointError as exc:
            raise FieldError(f"the FFD flow did not settle: {exc}") from exc

    # 3. upwind advection + diffusion of a tracer (warm air drifting up through the flow)
    m = len(cells)

    def tracer(flux: np.ndarray) -> ManyRhsLU:  # its matrix on `flux`, factorised
        dg = air.diffusivity_m2_s * gf
        heat_flux = flux + np.where(up, (0.0 if ffd else air.drift_m_s) * area_up, 0.0)
        out_p = np.maximum(heat_flux, 0.0)  # P -> N
        out_n = np.maximum(-heat_flux, 0.0)  # N -> P
        diag = np.bincount(fp, out_p + dg, m) + np.bincount(fn, out_n + dg, m) + sink[cells]
        er, ec, ev = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for path, pw, rel, rw, q_e in jets:  # leaves the path cells, enters at the release
            pp, rr = pos[path], pos[rel]
            diag += np.bincount(pp, q_e * pw, m)
            er.append(np.repeat(rr, len(pp)))
            ec.append(np.tile(pp, len(rr)))
            ev.append(-q_e * np.outer(rw, pw).ravel())
        a = sp.csr_matrix(
            (
                np.r_[diag, -(out_n + dg), -(out_p + dg), np.concatenate(ev)],
                (
                    np.r_[np.arange(m), fp, fn, np.concatenate(er)],
                    np.r_[np.arange(m), fn, fp, np.concatenate(ec)],
                ),
            ),
            shape=(m, m),
        )
        return ManyRhsLU(a)

    lu = tracer(flux)  # one factorisation, every rack's exhaust a right-hand side
    rhs = sp.csc_matrix((q[ex_rack] * ex_w, (pos[ex_cells], ex_rack)), shape=(m, n))
    w_mean = _averaging(fronts, front_w, pos, m)
    w_top = _averaging(tops, top_w, pos, m)
    # the units' part of each cell's sink: total sink minus the racks' intake share
    ret_w = np.maximum(sink[cells] - intake[cells], 0.0)
    returned = np.zeros(n)
    injected = np.zeros(n)
    bal = 0.0
    b_mean = np.zeros((n, n))
    b_top = np.zeros((n, n))
    chunk = max(1, 4_000_000 // max(m, 1))
    for c0 in range(0, n, chunk):
        c1 = min(n, c0 + chunk)
        conc = lu.solve(rhs[:, c0:c1].toarray())
        b_mean[:, c0:c1] = w_mean @ conc
        b_top[:, c0:c1] = w_top @ conc
        returned[c0:c1] = ret_w @ conc
        injected[c0:c1] = np.asarray(rhs[:, c0:c1].sum(axis=0)).ravel()
        out_rate = sink[cells] @ conc  # all tracer leaving (intakes and returns)
        bal = max(bal, float(np.abs(out_rate - injected[c0:c1]).max()))
    # missing blanking: part of a rack's own exhaust back to its front
    own = (1.0 - np.asarray(air.blanking, float)) * BLANKING_OPEN_SHARE
    b_mean[np.arange(n), np.arange(n)] += own
    b_top[np.arange(n), np.arange(n)] += own
    b_raw = b_mean.copy() if ffd else None  # unscaled: a settled march's last window's own
    row = b_mean.sum(axis=1)
    scale = np.minimum(1.0, ROW_SHARE_MAX / np.maximum(row, 1e-300))
    b_mean *= scale[:, None]
    b_top *= np.minimum(1.0, ROW_SHARE_MAX / np.maximum(b_top.sum(axis=1), 1e-300))[:, None]

    windows = ffd_march.pop_windows(ffd_info)  # the march's last windows: how far it moves
    if len(windows) >= 2 and ffd_march.MARCH_SPREAD:  # their shares as b_mean's, unscaled

        def shares(f):  # a settled march's answer is its last window's mean: not solved again
            if ffd_march.SETTLED_REUSE and np.array_equal(f, flux):
                return b_raw
            return w_mean @ tracer(f).solve(rhs.toarray()) + np.diag(own)

        b_w = [shares(f) for f in windows]
        ffd_info.update(ffd_march.march_spread(b_w, b_mean, air.exhaust_rise_k, ROW_SHARE_MAX))
    info = {
        "cells": m,
        "cell_m": g.h,
        "cell_min_m": g.min_cell_m,
        "grid": "uniform" if g.uniform else "aligned",
        "layers": g.nz,
        "continuity_residual_m3_s": float(
            np.abs(np.bincount(fp, flux, m) - np.bincount(fn, flux, m) - s).max()
        )
        if m
        else 0.0,
        "row_scaled": int((scale < 1.0).sum()),
        "tracer_balance_rel": bal / max(float(injected.max()), 1e-300) if n else 0.0,
        **ffd_info,
    }
    return HallShares(
        b_mean=_sparse(b_mean),
        b_top=_sparse(b_top),
        cell_m=g.h,
        cells=m,
        info=info,
        return_share=np.where(q > 0, returned / np.maximum(q, 1e-300), 0.0),
    )


def _sparse(b: np.ndarray) -> sp.csr_matrix:
    b = np.where(b >= MIN_SHARE, b, 0.0)
    return sp.csr_matrix(b)
