"""Fast Fluid Dynamics (FFD) flow of a hall on the air field's box grid (a prototype).

The air field (`twin.solve.airfield`) carries heat on a face flux. Its default flux is
potential flow (no momentum, no buoyancy). This module computes the flux instead from
the incompressible Navier-Stokes equations with Boussinesq buoyancy, marched in time by
the time-splitting of Fast Fluid Dynamics (Zuo and Chen, "Real-time or faster-than-real-time
simulation of airflow in buildings", Indoor Air 19(1), 33-44, 2009; used for data centers
by Tian, Sevilla, Zuo and Sohn, "Coupled simulation of data center cooling ... using FFD",
2017), and time-averages it:

1. advection: semi-Lagrangian (first-order back-trace, trilinear interpolation clamped at
   the arrays' edges, as ``scipy.ndimage.map_coordinates(order=1, mode="nearest")``):
   unconditionally stable, so dt is not bound by the jets' Courant number;
2. diffusion: explicit with a constant eddy viscosity ``nu`` (sub-stepped where dt needs);
3. buoyancy: ``g beta (theta - theta_mean)`` on the vertical faces, beta = 1 / `T_REF_K`,
   theta the air's temperature over the supply, carried by a conservative first-order
   upwind finite volume step (sub-stepped to its Courant limit) with the racks' exhaust
   entering at their intake mean plus their exhaust rise;
4. projection: ``L phi = s - div F*`` with the field's own face Laplacian (factorised once),
   ``F = F* + g_f (phi_P - phi_N)``: continuity with the volume sources ``s`` to round-off
   every step.

Velocities are staggered (MAC): x faces, y faces, z faces of the box cells, exactly the
field's faces. Room walls, floor and ceiling: zero normal velocity, free slip (the
interpolation clamps at the boundary). Rack and unit bodies: zero velocity on every face
inside or on them (no-slip to within the half-cell the interpolation blends over), except
where air enters or leaves the room: a rack's back blows its exhaust out at ``q / area``
normal to the back, a unit's front or top opening at its supply flow over the opening,
a raised floor's tiles blow up; intakes and returns draw in the same way. A unit's front
supply blows at its flow over its own opening (footprint by half the cabinet's height, as
the CFD export), not over the cells that carry it; behind every opening that blows, the
body's faces carry its velocity, so the back-trace of the first faces downstream fetches
the jet's speed, not the body's rest (`_upstream`). These boundary
velocities bring the sources' momentum into the advection; their volume is already in
``s``. Baffle faces of a contained aisle carry only the projection's (leak) flux.

Grid (`GRID`): the field's rack-aligned rectilinear grid by default (unequal columns and
rows; the march in physical coordinates, `twin.solve.airfield_ffd_grid`, which says what it
changed and measured), else its uniform one.

What it does not do: no turbulence model beyond the constant eddy viscosity, no wall
functions, first-order everywhere (numerical diffusion on a 0.3-0.6 m grid is large).
Measured against the stored OpenFOAM rooms by ``python -m bench.air_ffd`` (2026-12-01,
10:13-10:14 UTC, 2 shared cores at load ~3, with the jet fix above): on the field's own grid
`row` 2.14-2.30 K RMSE (was 2.99-3.25 before the fix; potential flow 0.62-0.96), `pair`
1.09-1.24, `end` 2.01-3.64, `floor` 3.66-4.15 (too hot), `tiles` 1.30-2.03, `cross`
1.95-2.72 and the blind room `dense` 3.32-5.60 (its CFD settles with one of its two opposed
jets winning, which no symmetric model can follow); no room meets the 1 K target. On 0.2 m
cells (``--cell 0.2``, the CFD's mesh) `row` is 1.53-1.63 K and `floor` 0.94-1.24, so much
of the gap is the grid (helper runs 09:41-10:10 UTC, docs/validation.md, eighth pass).
Before the fix, on the blind room `cross` (its inlets committed before its CFD was read;
seventh pass) it was 2.2-2.4 K RMSE, up to 5.5 K, where the potential field was 10.5-12.0 K
and the default kernel 4.4-4.6 K. A layout selects it per hall with ``air_model: ffd``; not the default.

Cost: the march runs in numba kernels (`twin.solve.airfield_ffd_kernel`: the back-trace,
diffusion, heat sub-steps and face bookkeeping; the projection keeps SuperLU's triangular
solves, a third of the time, which a numba solve did not beat, 2.2 against 1.1 ms). The
100-rack hall's FFD build (6,479 cells, 702 steps) by ``python -m bench.air_ffd --hall 100``
(2026-12-01 09:44-09:46 UTC, 2 shared cores at load 3.8-4.1, minimum of 3): 1.94 s wall,
1.23 CPU s (CPU time moves least with load), against 8.75 s wall, 5.79 CPU s for the former
scipy march (commit eeef50e's module) in the same runs, which took 6.2 s at load 0; a
validation room 1.8-4.3 s wall (was 8-15 s), ``python -m bench.air_ffd``'s whole table 60 s
(was 164 s; 09:31-09:32 UTC at load 3.5-4.5, 09:10-09:13 at load 0-2). The first FFD build in a process adds the kernels' load from numba's cache
(~0.1-0.4 s); a fresh checkout compiles them once (~4 s at load 3, written to __pycache__).
A march that does not settle is run again at half the step (`SETTLED_STEP_REL`): the 100-rack
hall's opposed unit pairs need it, 3.19 CPU s in all (10:29 UTC, load ~3). A march that is not
on its way to settle is given up from half a turnover on (`_hopeless`): the hall's first
march stops at 86 of 702 steps, same answer (every stored room and the hall to the bit; no
room's mean step change over any quarter turnover from then on is above 5 %, the hall's 21 %;
11:52-12:20 UTC at load ~6). A march that has settled stops (`SETTLE_AVG_REL`). The hall then
costs 2.94-3.51 CPU s against 4.26-4.99 for the previous march in the same runs (12:20-12:30
UTC, load 6-7; ~2.2 CPU s scaled to load ~3), the same inlets; the issue's 0.5 s is out of
reach while it needs 1,403 steps at 0.05 s whose projection alone is ~1 s (docs/validation.md,
Speed). On the rack-aligned grid (the default since 16:00 UTC) the hall marches 88 steps at
0.1 s (given up) and 1,424 at 0.05 s (settled at 71.2 s), ~4.7 CPU ms a step: the projection's
solve 2.2 ms (11,552 cells; 1.67 M entries in L and U with minimum degree on A + A^T, COLAMD
3.2 M, a geometric nested dissection 2.0-2.9 M; float32 factors solve in 2/3 of the time but
leave a residual of 3e-4), the back-trace and diffusion 1.7 ms, the heat's five sub-steps (its
0.07 m3 cells) 0.5 ms, the rest 0.2 ms (cProfile, 18:57 UTC, load ~4). It costs ~2.4 times the
uniform grid's: 1.8 times the cells and 2.1 times the LU's fill, the same ~1,400 steps at 0.05
s. `python -m bench.air_ffd --hall 100 --repeat 3` (19:11-19:13 UTC, load 3.6-4.1): 7.96 CPU s
(12.2 s wall), the previous march 11.17, potential flow 0.94 s wall. At ~4.7 ms a step, 0.5 s
is ~100 steps: no march of this kind gets there. Not kept (18:49-19:00 UTC, load 2-5, the
aligned hall at 0.05 s): the heat started at its steady state on the first (potential) flux
(`heat_step`'s balance solved once) settles no sooner and ends with the FFD's own inlets 1.3 K
apart; the heat set to that steady state at each of the first 3 or all quarter turnovers
settles at 1,246 or 1,157 steps, but its solves (0.12 s each) eat the gain; the heat marched
2-4 times faster than the flow (no thermal inertia at steady state) settles no sooner, its flux
4 % from a 16-turnover march's (no early stop), against which the settled answer's own inlets
are 0.30 K off (0.045 K with the heat reset every quarter turnover). Repeated work removed
(the same numbers to the bit): the retry reuses the projection's factorised Laplacian
(``keep``), a settled march's last window its answer's tracer solve (`twin.solve.ffd_march`),
and an FFD hall no longer solves the potential flow it replaces: 4 factorisations, not 7.

How far the answer depends on the march (`twin.solve.ffd_march.march_spread`): the field
carries its tracer on the mean flux of each of the march's last five quarter-turnover windows
too, and the inlets there (every rack at its exhaust rise) bound how far the answer would still
move (its distance from the last window plus twice the geometric tail of the windows' moves, at
most six moves; until 2026-12-01 20:00 UTC three windows and the tail alone, a best guess that
fell short by up to 4 times); ``ffd_march_spread_k`` in the field's info is the largest such
bound with its rack, and above `MARCH_SPREAD_CAUTION_K` (0.5 K) the hall
gets a caution located at its air_model in `twin solve` and the dashboard (`twin validate`
builds no field, so not there). Against marches of 16 turnovers with no early stop (``python
-m bench.air_ffd --spread``, 2026-12-01 19:44-19:59 UTC, load 3-9; docs/validation.md, Speed,
has the table): 1.04-2.95 times the inlets' true change where the windows' moves shrink,
2.2-3.2 where they do not (the staggered AI and 100-rack halls, 1.1 and 3.0 K), except `dense`,
whose march settles and holds for 35-45 windows before an opposed unit pair starts to win
(0.012 and 0.023 K reported, 0.036 and 0.10 K moved by 320 s, still moving). The 100-rack hall
before its units were staggered: 0.050 K reported, 0.034 K moved. Cost: two more tracer
solves than before, within the load's noise on the 100-rack hall (9.37-9.55 against 9.13-9.45
CPU s with three windows, alternated, 19:49-19:52 UTC, load ~4.5).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from twin.solve import airfield_ffd_grid
from twin.solve.airfield_lu import factorise

G_M_S2 = 9.81
T_REF_K = 300.0
"""Absolute temperature of room air for its expansion coefficient, beta = 1 / T [est]."""
TILE_OPEN_DEPTH_M = 0.15
"""Open depth of a raised floor's perforated tile in front of a rack: a 600 mm tile at 25 %
open area [est: the common perforated tile; grated tiles are 50-60 %]. The tiles' jets leave
at their flow over this open area (the momentum method: the cell carries the flow, the
boundary the jet's velocity), not at the flow over the field's coarser floor cell."""
DESIGN_RISE_K = 12.5
"""Exhaust rise over the intake at twin's default rack airflow of 140 CFM per kW
(1 kW / (1.2 kg/m3 * 1005 J/kgK * 0.0661 m3/s)); used where a hall gives no rise."""
NU_M2_S = 0.03
"""Eddy viscosity (and heat diffusivity of the FFD's own temperature), m2/s: Chen and Xu's
zero-equation ``nu_t = 0.03874 |V| l`` (Energy and Buildings 28, 1998) at ~0.5 m/s and
~1.5 m from a wall, the magnitude the field's `DIFFUSIVITY_M2_S` also takes."""
ZERO_EQ = 0.03874
"""Chen and Xu's zero-equation constant (Energy and Buildings 28, 1998)."""
NU_AIR_M2_S = 1.5e-5
"""Kinematic viscosity of air at 20 C, m2/s."""
DT_S = 0.1
"""Time step, s: about one cell per step for the units' 3-4 m/s jets on the field's 0.3-0.4 m
cells (semi-Lagrangian advection is stable at any Courant number, but its numerical
diffusion depends on it: bench.air_ffd at 0.05, 0.1 and 0.2 s moves the rooms' mean inlet
error by ~1 K either way, docs in the module docstring)."""
GRID = "aligned"
"""The FFD flow's grid: "aligned" (the rack-aligned rectilinear grid, `airfield_grid.
_grid_aligned`, where the hall's ``HallAir.grid`` is "aligned"; the default since 2026-12-01
16:00 UTC) or "uniform" (every face snapped to the nearest of equal cells, as before).
Measured both ways by ``python -m bench.air_ffd --ffd-grid both`` and ``python -m
bench.air_shift --model ffd --ffd-grid both`` (module docstring)."""
TURNOVERS = 4.0
"""Time marched, in room air changes (room volume / the racks' airflow); the flux is averaged
over the second half."""
SETTLED_STEP_REL = 0.05
"""Largest change of the flux per step (rms, over the last ten steps, as a share of the
averaged flux's rms) of a flow taken as settled. After the jet fix every validation room
marches to ~0 (bench.air_ffd, 2026-12-01 10:13 UTC); the generated 100-rack hall's opposed
unit pairs changed by 0.22 a step at 0.1 s and settled at 0.05 s, with its hottest FFD
temperature 5 K apart: an unsettled average is not an answer (`hall_flux` retries once at half
the step, then refuses)."""


@dataclass
class Inflow:
    """Where air crosses a body or wall into (flux > 0) or out of (< 0) a fluid cell, m3/s.

    ``direction`` per entry: the side of the cell the air crosses, as the direction from the
    body to the cell (0..5: +x, -x, +y, -y, +z, -z; a rack back facing +x is 0, a floor
    tile 4, a ceiling return 5)."""

    cells: np.ndarray
    flux_m3_s: np.ndarray
    direction: np.ndarray
    speed_scale: np.ndarray | None = None  # opening's velocity over the cell face's (tiles)


@dataclass
class Heat:
    """The racks' exhaust: cells, rack of each, weight (a rack's sum to 1), airflow m3/s,
    exhaust rise K per rack; ``fronts``: each rack's intake cells (its exhaust leaves at its
    intake mean plus its rise)."""

    cells: np.ndarray
    rack: np.ndarray
    weight: np.ndarray
    q_m3_s: np.ndarray
    rise_k: np.ndarray
    fronts: list[np.ndarray]


def ffd_flux(
    g,
    main: np.ndarray,
    faces: tuple[np.ndarray, np.ndarray, np.ndarray],
    src: np.ndarray,
    sink: np.ndarray,
    inflow: Inflow,
    heat: Heat,
    nu_m2_s: float = NU_M2_S,
    dt_s: float = DT_S,
    turnovers: float = TURNOVERS,
    buoyancy: bool = True,
    zero_equation: bool = False,
    midpoint: bool = False,
    give_up: bool = False,
    settle_rel: float = 0.0,
    rect: bool | None = None,
    keep: dict | None = None,
) -> tuple[np.ndarray, dict]:
    """Time-averaged FFD face flux P -> N on `faces` (global cell numbers, both in `main`),
    m3/s, with ``div F = src - sink`` in every cell of `main`; and an info dict (steps, dt,
    steady residual, continuity residual, seconds). With `give_up`, a march whose flux still
    changes by more than `SETTLED_STEP_REL` a step after half a turnover, not on its way to
    settle by the end (`_hopeless`) stops there: its info's ``ffd_gave_up_s`` says when, its
    flux is the last step's and its step change is above the limit (the caller refuses it).
    With `settle_rel` > 0 the march stops once its flux has settled (`_settled`: after at
    least a turnover and a quarter, what its quarter-turnover means would still move is below
    `settle_rel`); the answer is then the last quarter's mean (``ffd_settled_s`` says when).
    `rect`: the rectilinear kernels (physical coordinates, `airfield_ffd_grid`), the default
    where `g` is not uniform; on a uniform grid they give the uniform ones' flux to round-off.
    `keep`: a dict the projection's factorised Laplacian is kept in (``"lu"``) and taken from,
    for a march run again on the same grid and faces (`hall_flux`'s retry at half the step)."""
    t0 = time.perf_counter()
    fp, fn, gf = (np.asarray(a) for a in faces)
    shape = (g.nx, g.ny, g.nz)
    rect = not g.uniform if rect is None else rect
    sizes = np.array([g.hx, g.hy, g.dz])
    stride = np.array([g.ny * g.nz, g.nz, 1])
    axis = np.select([fn - fp == stride[0], fn - fp == stride[1]], [0, 1], 2)
    geo = airfield_ffd_grid.mac(g, fp, fn, axis)  # per face area, per cell volume
    area = geo.area
    baffle = ~np.isclose(gf, geo.nominal)
    ijk = np.stack(np.unravel_index(fn, shape))  # MAC index of the face: N's low face
    arrays = [np.zeros((g.nx + (a == 0), g.ny + (a == 1), g.nz + (a == 2))) for a in range(3)]
    comp = [np.flatnonzero((axis == a) & ~baffle) for a in range(3)]
    where = [tuple(ijk[:, c]) for c in comp]
    flat = [arr.reshape(-1) for arr in arrays]  # views
    at_flat = [np.ravel_multi_index(where[a], arrays[a].shape) for a in range(3)]
    # boundary velocities: the sources' momentum
    cells, dirs = np.asarray(inflow.cells, np.int64), np.asarray(inflow.direction, np.int64)
    bax = dirs // 2
    c3 = np.stack(np.unravel_index(cells, shape))
    c3[bax, np.arange(len(cells))] += dirs % 2  # the high face for a body on the cell's + side
    area_in = np.zeros(len(cells))  # the face each inflow crosses
    for a in range(3):
        area_in[bax == a] = g.area(cells[bax == a], a)
    vel = inflow.flux_m3_s / area_in * np.where(dirs % 2 == 0, 1.0, -1.0)
    if inflow.speed_scale is not None:  # momentum method: the opening's own velocity
        vel = vel * inflow.speed_scale
    for a in range(3):
        on = bax == a
        np.add.at(arrays[a], tuple(c3[:, on]), vel[on])
    _upstream(arrays, c3, bax, dirs, vel, ~main.reshape(shape), dt_s / geo.min_width)
    fixed = [arr.copy() for arr in arrays]

    # projection: the field's Laplacian over main cells, one LU
    cells_m = np.flatnonzero(main)
    at = np.full(g.n, -1)
    at[cells_m] = np.arange(len(cells_m))
    p, n = at[fp], at[fn]
    m = len(cells_m)
    diag = np.bincount(p, gf, m) + np.bincount(n, gf, m)
    lap = sp.csr_matrix(
        (np.r_[diag, -gf, -gf], (np.r_[np.arange(m), p, n], np.r_[np.arange(m), n, p])),
        shape=(m, m),
    )
    from scipy.sparse.csgraph import connected_components

    lu = None if keep is None else keep.get("lu")
    if lu is None:
        _, label = connected_components(lap, directed=False)
        first = np.unique(label, return_index=True)[1]
        lu = factorise(lap + sp.csr_matrix((np.ones(len(first)), (first, first)), shape=(m, m)))
        if keep is not None:
            keep["lu"] = lu
    s = (src - sink)[cells_m]
    vol = geo.vol[cells_m]

    from twin.solve import airfield_ffd_kernel as kern  # numba: loaded on first use

    def project(f_star: np.ndarray) -> np.ndarray:
        phi = lu.solve(kern.residual(p, n, f_star, s))  # s - div F*
        return kern.correct(f_star, gf, phi, p, n)

    which = np.full(len(fp), -1, np.int64)  # each face's axis, -1 on a baffle
    idx = np.zeros(len(fp), np.int64)  # its flat index in its face array
    for a in range(3):
        which[comp[a]], idx[comp[a]] = a, at_flat[a]

    def to_arrays(f: np.ndarray) -> None:
        kern.from_faces(*flat, which, idx, area, f)

    # temperature over the supply (cells of main): exhaust in at intake mean + rise
    sink_m = sink[cells_m]
    rows = np.repeat(np.arange(len(heat.fronts)), [len(c) for c in heat.fronts])
    fr = np.concatenate(heat.fronts) if heat.fronts else np.zeros(0, np.int64)
    w_front = sp.csr_matrix(
        (np.concatenate([np.full(len(c), 1.0 / len(c)) for c in heat.fronts] or [[]]),
         (rows, at[fr])),
        shape=(len(heat.fronts), m),
    )  # fmt: skip
    ex_at, ex_q = at[heat.cells], heat.q_m3_s[heat.rack] * heat.weight
    theta = np.zeros(m)
    nu_f = np.full(len(fp), nu_m2_s)  # eddy viscosity per face
    if zero_equation:  # Chen and Xu: nu_t = 0.03874 |V| l, l the distance to the nearest wall
        l_wall = _wall_distance(geo, main.reshape(shape))[cells_m]
    dg = nu_f * gf
    beta = 1.0 / T_REF_K

    fr_ptr, fr_idx, fr_w = w_front.indptr, w_front.indices, w_front.data
    ex_at, ex_rack = np.asarray(ex_at, np.int64), np.asarray(heat.rack, np.int64)
    ex_q, rise = np.asarray(ex_q, float), np.asarray(heat.rise_k, float)

    def heat_step(f: np.ndarray, theta: np.ndarray, dt: float) -> np.ndarray:
        return kern.heat_step(f, theta, dt, p, n, dg, sink_m, vol, fr_ptr, fr_idx, fr_w, rise,
                              ex_at, ex_q, ex_rack)  # fmt: skip

    # start from potential flow (F* = 0), march, average the second half
    f = project(np.zeros(len(fp)))
    to_arrays(f)
    q_tot = float(np.sum(heat.q_m3_s)) or float(src.sum()) or 1.0
    t_end = turnovers * (m * vol[0] if g.uniform else vol.sum()) / q_tot
    steps = max(2, int(np.ceil(t_end / dt_s)))
    avg_from = steps // 2
    f_sum = np.zeros_like(f)
    change = []
    inv_h2 = 1.0 / sizes**2
    buoy = np.flatnonzero((axis == 2) & ~baffle)  # vertical faces the buoyancy pushes
    ijk_a = [np.ascontiguousarray(ijk[:, c].T) for c in comp]  # moving faces, k x 3
    fix = [np.stack([np.flatnonzero(fx), fx.ravel()[np.flatnonzero(fx)]], axis=1) for fx in fixed]
    dt_inv_h = dt_s / sizes
    fv = [airfield_ffd_grid.array_coefs(geo, a) for a in range(3)]  # rect diffusion
    fv_rate = max(airfield_ffd_grid.max_rate(fv[a], ijk_a[a]) for a in range(3))
    new = [np.empty(len(c)) for c in comp]
    window = max(10, int(steps / max(turnovers, 1.0) / 4))  # a quarter turnover, in steps
    gave_up = settled = None
    f_win, f_last_win, moves = np.zeros_like(f), None, []
    wins: list[np.ndarray] = []  # the last `MARCH_WINDOWS` complete windows' mean fluxes
    own: list[np.ndarray] = []  # the FFD's own rack inlets over the supply, per step
    for step in range(steps):
        if zero_equation:
            centre = [_mid(arr, a) for a, arr in enumerate(arrays)]
            speed = np.sqrt(sum(c**2 for c in centre)).ravel()[cells_m]
            nu_c = ZERO_EQ * speed * l_wall + NU_AIR_M2_S
            nu_f = 0.5 * (nu_c[p] + nu_c[n])
            dg = nu_f * gf
        if step == 0 or zero_equation:
            k_nu = max(1, int(np.ceil(2.0 * float(nu_f.max()) * dt_s * inv_h2.sum() / 0.9)))
            if rect:  # coef * (the coefficients' largest sum) <= 0.9: stable
                k_nu = max(1, int(np.ceil(float(nu_f.max()) * dt_s * fv_rate / 0.9)))
            coef = [dt_s / k_nu * nu_f[c] for c in comp]
        # boundary velocities back on the bodies' faces, semi-Lagrangian advection (reads all
        # three arrays, then writes), explicit diffusion edge-clamped (free slip at the walls)
        f_star = np.empty(len(fp))
        if rect:
            kern.predict_rect(*arrays, *fix, *ijk_a, *at_flat, *geo.coords, dt_s, midpoint, *coef,
                              *fv, k_nu, which, idx, area, *new, f_star)  # fmt: skip
        else:
            kern.predict(*arrays, *fix, *ijk_a, *at_flat, dt_inv_h, midpoint, *coef, inv_h2,
                         k_nu, which, idx, area, *new, f_star)  # fmt: skip
        if buoyancy:
            kern.add_buoyancy(f_star, buoy, p, n, theta, float(theta.mean()),
                              dt_s * G_M_S2 * beta, area)  # fmt: skip
        phi = lu.solve(kern.residual(p, n, f_star, s))  # the projection: s - div F*
        f, rms = kern.settle(f_star, gf, phi, p, n, f, *arrays, which, idx, area, f_sum,
                             step >= avg_from)  # fmt: skip
        change.append(rms)
        theta = heat_step(f, theta, dt_s)
        own.append(w_front @ theta)
        done = step + 1
        f_win += f
        if done % window == 0:
            mean_w = f_win / window
            wins = (wins + [mean_w])[-MARCH_WINDOWS:]
            if settle_rel > 0.0:
                if f_last_win is not None:
                    scale_w = float(np.sqrt(np.mean(mean_w**2))) or 1.0
                    moves.append(float(np.sqrt(np.mean((mean_w - f_last_win) ** 2))) / scale_w)
                    if 5 * window <= done < steps and _settled(
                        moves, float(np.mean(change[-window:])) / scale_w, settle_rel
                    ):
                        settled = done
                        break
                f_last_win = mean_w
            f_win = np.zeros_like(f)
        if give_up and done >= 2 * window and done % window == 0 and done < avg_from:
            if _hopeless(change, window, steps - done, float(np.sqrt(np.mean(f**2))) or 1.0):
                gave_up = done
                break
    if gave_up is not None:  # not an answer: the last flux, for the caller to refuse
        steps, avg_from, f_sum = gave_up, gave_up - 1, f.copy()
    if settled is not None:  # the last quarter turnover's mean
        steps, avg_from, f_sum = settled, settled - window, f_win
    f_avg = f_sum / (steps - avg_from)
    scale = float(np.sqrt(np.mean(f_avg**2))) or 1.0
    cont = np.abs(np.bincount(p, f_avg, m) - np.bincount(n, f_avg, m) - s).max() if m else 0.0
    if not np.all(np.isfinite(f_avg)):
        raise FloatingPointError("FFD flux is not finite")
    info = {
        "ffd_steps": steps,
        "ffd_dt_s": dt_s,
        "ffd_time_s": steps * dt_s,
        "ffd_nu_m2_s": float(np.mean(nu_f)),
        "ffd_step_change_rel": float(np.mean(change[-10:])) / scale,
        "ffd_unsteady_rel": float(np.sqrt(np.mean((f - f_avg) ** 2))) / scale,
        "ffd_continuity_m3_s": float(cont),
        "ffd_theta_max_k": float(theta.max()) if m else 0.0,
        "ffd_inlet_rise_k": w_front @ theta,  # the FFD's own rack inlets over the supply
        "ffd_inlet_rise_avg_k": np.mean(own[avg_from:steps], axis=0) if own else w_front @ theta,
        "ffd_seconds": time.perf_counter() - t0,
    }
    if gave_up is not None:
        info["ffd_gave_up_s"] = gave_up * dt_s
    else:  # the march's last windows, oldest first, one array a key (`pop_windows`)
        info.update({f"ffd_window_mean_{j}": w for j, w in enumerate(wins)})
        info["ffd_window_s"] = window * dt_s
    if settled is not None:
        info["ffd_settled_s"] = settled * dt_s
    return f_avg, info


SETTLE_AVG_REL = 3e-3
"""`hall_flux` stops a march once what its quarter-turnover mean flux would still move is below
this (rms, relative; `_settled`), after at least a turnover and a quarter; 0: the previous
behaviour, four turnovers, the second two's mean. The stored rooms (2026-12-01 12:13-12:19
UTC, both marches in one process) stop at 0.62-0.99 of their march with their inlets within
0.059 K of the full march's (RMSE against the CFD within 0.03 K, bench.air_ffd 12:21-12:31);
`floor`, `tiles` and the 100-rack hall (still drifting) march on. A window's move of 3e-3
alone would stop the rooms at 0.50-0.81 (estimated from snapshots) but a slow drift too. The tolerance is against the FFD's
own errors: 1.1-5.6 K RMSE against the CFD, the CFD's 0.4-1.5 K between meshes, 3.7-4.8 K
where rows move 5 cm (docs/validation.md)."""
MARCH_WINDOWS = 5
"""Window means of the march kept for `twin.solve.ffd_march.march_spread` (five: four moves,
the ratio of the last two's sum to the two before's; three before 2026-12-01 20:00 UTC)."""
GIVE_UP = True
"""`hall_flux` gives up a hopeless march early (`_hopeless`); False: the previous behaviour,
every march to its end (bench.air_ffd times both)."""
GIVE_UP_MARGIN = 2.0
"""How far above `SETTLED_STEP_REL` a march's step change must still be, extrapolated to its
end at its own rate of decay, to be given up early (`_hopeless`)."""


def _settled(moves: list[float], step_change: float, rel: float) -> bool:
    """Whether a march has settled, from `moves`, how far each window's mean flux moved from
    the window before's (rms, relative): the last moved by at most `rel`, it moved less than
    the one before, and all the later windows together would move it by at most `rel` more
    if each moves by the same ratio less (a geometric tail, ``m rho / (1 - rho)``); and its
    mean step change over the last window (relative) is below `SETTLED_STEP_REL`, what
    `hall_flux` accepts. A slow steady drift (rho near 1, the 100-rack hall's heat at 0.05 s
    steps) is not settled however small each window's move."""
    if len(moves) < 2 or step_change > SETTLED_STEP_REL or moves[-1] > rel:
        return False
    rho = moves[-1] / moves[-2] if moves[-2] > 0.0 else 0.0
    return rho < 1.0 and moves[-1] * rho / (1.0 - rho) <= rel


def _hopeless(change: list[float], window: int, left: int, scale: float) -> bool:
    """Whether a march whose rms step changes so far are `change` will not settle in the
    `left` steps still to go: its mean change over the last `window` steps is above
    `SETTLED_STEP_REL` (relative to the flux's rms `scale`), and even decaying on at the rate
    it fell from the window before (geometrically) it would end above `GIVE_UP_MARGIN` times
    that. The 100-rack hall's opposed units at 0.1 s steps change 21-23 % a step from the
    first step to the last, not decaying (2026-12-01 11:50 UTC); settling marches fall."""
    now = float(np.mean(change[-window:])) / scale
    before = float(np.mean(change[-2 * window : -window])) / scale
    if now <= SETTLED_STEP_REL or before <= 0.0:
        return False
    rate = min(now / before, 1.0)
    return now * rate ** (left / window) > GIVE_UP_MARGIN * SETTLED_STEP_REL


def opening_dir(air, u: int, role: str, du: int) -> int:
    """Direction from unit u's body (or the floor, or the ceiling) to its opening's cells."""
    kind = air.u_supply[u] if role == "supply" else air.u_return[u]
    if role == "supply" and (kind == "floor" or air.plenum):
        return 4  # tiles: up from the floor
    return {"ceiling": 5, "top": 4}.get(kind, du)


def hall_flux(g, air, main, cells, faces, src, sink, moving, exhaust, fronts):
    """`ffd_flux` of a `twin.solve.airfield.HallAir` on the field's faces (positions in
    `cells`), from the field's sources and their openings (`moving`: cells, flux, direction)."""
    fp, fn, gf = faces
    inflow = Inflow(
        cells=np.concatenate([c for c, _, _ in moving]),
        flux_m3_s=np.concatenate([np.asarray(f, float) for _, f, _ in moving]),
        direction=np.concatenate([np.full(len(c), d, np.int64) for c, _, d in moving]),
    )
    # tiles (a raised floor's supply, up from the floor): at their own open area's velocity
    tile = (inflow.direction == 4) & (inflow.flux_m3_s > 0) & air.plenum
    ix, iy, _ = g.ijk(inflow.cells)  # a tile's cell's depth across the row: its width there
    across = g.dy[iy] if np.all(np.abs(air.face_y) >= np.abs(air.face_x)) else g.dx[ix]
    scale = np.where(tile, across / TILE_OPEN_DEPTH_M, 1.0)
    # a unit's front supply: at its flow over its own opening (footprint by the lower half of
    # the cabinet, as `twin.interop.openfoam` writes it), not over the cells that carry it
    from twin.solve.airfield import CRAH_FOOTPRINT_M, CRAH_HEIGHT_M

    opening_m2 = CRAH_FOOTPRINT_M * min(CRAH_HEIGHT_M, air.size_m[2] - g.dz) / 2.0
    start = sum(len(c) for c, _, _ in moving[: 2 * len(air.x_m)])  # racks: front, back
    for c, f, d in moving[2 * len(air.x_m) :]:  # units: supply, return
        if d < 4 and np.sum(f) > 0 and not air.plenum:
            cover = (len(c) * (g.hy if d < 2 else g.hx) * g.dz if g.uniform
                     else float(g.area(c, d // 2).sum()))  # the cells' faces, m2  # fmt: skip
            scale[start : start + len(c)] = cover / opening_m2
        start += len(c)
    ok = main[inflow.cells]
    inflow = Inflow(inflow.cells[ok], inflow.flux_m3_s[ok], inflow.direction[ok], scale[ok])
    n = len(air.x_m)
    rise = (
        np.full(n, DESIGN_RISE_K)
        if air.exhaust_rise_k is None
        else np.asarray(air.exhaust_rise_k, float)
    )
    ex_cells, ex_rack, ex_w = exhaust
    heat = Heat(ex_cells, ex_rack, ex_w, np.asarray(air.flow_m3_s, float), rise, fronts)
    dt, keep = air.ffd_dt_s, {}  # the retry's projection: the same Laplacian, factorised once
    for _ in range(2):  # a flux that keeps changing: once more at half the step
        flux, info = ffd_flux(
            g, main, (cells[fp], cells[fn], gf), src, sink, inflow, heat,
            nu_m2_s=air.ffd_nu_m2_s, dt_s=dt, turnovers=TURNOVERS, give_up=GIVE_UP,
            settle_rel=SETTLE_AVG_REL, keep=keep,
        )  # fmt: skip
        change = info["ffd_step_change_rel"]
        if change <= SETTLED_STEP_REL and "ffd_gave_up_s" not in info:
            return flux, info
        dt /= 2.0
    raise FloatingPointError(
        f"its flux still changes by {change:.0%} a step at {info['ffd_dt_s']:g} s steps (at most "
        f"{SETTLED_STEP_REL:.0%} is taken as settled)"
    )


def _upstream(arrays, c3, bax, dirs, vel, solid, dt_inv_h) -> None:
    """Inflow condition of the back-trace: behind an opening that blows into the room, on the
    faces inside the body that blows it, the air moves at the opening's velocity (up to
    |v| dt + 1 cell deep). Without it a trace from the first fluid face downstream of a unit's
    jet (|v| dt = 0.5 m on 0.3 m cells) lands in the cabinet, whose faces are at rest, and
    fetches ~0.4 of the jet's velocity: the jet lost ~30 % of its momentum in its first cell
    (`row`, bench.air_ffd_probe) and its flux did not settle in `pair`, `end` and `cross`."""
    shape = np.array(solid.shape)
    blow = np.flatnonzero(vel * np.where(dirs % 2 == 0, 1.0, -1.0) > 0)  # air leaves a body
    a, v = bax[blow], vel[blow]
    step = np.where(dirs[blow] % 2 == 0, -1, 1)
    reach = np.ceil(np.abs(v) * dt_inv_h[a]).astype(np.int64) + 1
    f3 = c3[:, blow].copy()
    live = np.ones(len(blow), bool)
    cols = np.arange(len(blow))
    for _ in range(int(reach.max()) if len(blow) else 0):
        f3[a, cols] += step
        hi = f3.copy()
        lo = f3.copy()
        lo[a, cols] -= 1  # the face's two cells along its axis: lo and hi
        inside = (f3[a, cols] >= 0) & (f3[a, cols] <= shape[a])
        live &= inside & (reach > 0)
        for cell in (lo, hi):  # both in the body (or beyond the room)
            ok = (cell[a, cols] >= 0) & (cell[a, cols] < shape[a])
            c = np.clip(cell, 0, (shape - 1)[:, None])
            live &= ~ok | solid[c[0], c[1], c[2]]
        reach -= 1
        for ax in range(3):
            on = np.flatnonzero(live & (a == ax))
            at = tuple(f3[:, on])
            free = arrays[ax][at] == 0.0
            arrays[ax][tuple(f3[:, on[free]])] = v[on[free]]


def _wall_distance(geo, fluid: np.ndarray) -> np.ndarray:
    """Each cell centre's distance to the nearest wall, floor, ceiling or body face, m (flat,
    every cell; at least half the smallest cell): Chen and Xu's length ``l``."""
    from scipy.spatial import cKDTree

    xe, xc, ye, yc, ze, zc = geo.coords
    cx, cy, cz = np.meshgrid(xc, yc, zc, indexing="ij")
    room = np.minimum.reduce(
        [cx - xe[0], xe[-1] - cx, cy - ye[0], ye[-1] - cy, cz - ze[0], ze[-1] - cz]
    )
    dist = room.ravel()
    if (~fluid).any():  # bodies: to the nearest solid cell's centre less half its size
        half = 0.5 * np.minimum.reduce(
            np.meshgrid(np.diff(xe), np.diff(ye), np.diff(ze), indexing="ij")
        )
        pts = np.stack([cx, cy, cz], axis=-1).reshape(-1, 3)
        solid = (~fluid).ravel()
        d, j = cKDTree(pts[solid]).query(pts)
        dist = np.minimum(dist, d - half.ravel()[solid][j])
    return np.maximum(dist, 0.5 * float(geo.min_width.min()))


def _mid(arr: np.ndarray, axis: int) -> np.ndarray:
    """Cell-centre mean of a face array along its own axis."""
    lo = [slice(None)] * 3
    hi = [slice(None)] * 3
    lo[axis], hi[axis] = slice(0, -1), slice(1, None)
    return 0.5 * (arr[tuple(lo)] + arr[tuple(hi)])
