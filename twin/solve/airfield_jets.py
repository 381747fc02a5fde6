"""Supply jets of the air field (`twin.solve.airfield`): how far a unit's jet carries its air
and how much room air it entrains on the way (ASHRAE Handbook Fundamentals 2017, ch. 20,
free jets)."""

from __future__ import annotations

import numpy as np

from twin.solve.airfield_grid import _Grid

JET_K = 5.0
"""Centreline velocity constant of a free jet from a large rectangular opening, u_x / u_0 =
K sqrt(A_0) / x [ASHRAE Handbook Fundamentals 2017, ch. 20: K ~ 5-6]."""
TERMINAL_M_S = 0.25
"""Terminal velocity that ends a jet's throw (ASHRAE's T50 throw, 50 fpm) [ASHRAE ch. 20]."""


def jet_throw_m(flow_m3_s: float, area_m2: float) -> float:
    """Throw of a supply jet to `TERMINAL_M_S`: x = K u0 sqrt(A0) / u_T (ASHRAE Handbook
    Fundamentals 2017, ch. 20, free-jet centreline decay, K = `JET_K`)."""
    if area_m2 <= 0 or flow_m3_s <= 0:
        return 0.0
    return JET_K * (flow_m3_s / area_m2) * np.sqrt(area_m2) / TERMINAL_M_S


def jet_entrainment(x_m: float, area_m2: float) -> float:
    """Volume flow of a free jet at distance x over its supply, Q_x / Q_0 = (2 / K) x /
    sqrt(A_0), at least 1 (ASHRAE Handbook Fundamentals 2017, ch. 20, K = `JET_K`)."""
    if area_m2 <= 0:
        return 1.0
    return max(1.0, 2.0 / JET_K * x_m / np.sqrt(area_m2))


def meeting_throws(
    g: _Grid, jets: list[tuple[np.ndarray, int, float, float, float]]
) -> list[float]:
    """Each front jet's throw (m), cut where it meets a jet blowing the other way at it.

    `jets`: (supply cells, direction 0..3 as `throw_release`, throw m, flow m3/s, opening
    area m2) per jet. Two jets on one line (opposite directions, overlapping openings, each
    ahead of the other) stop where their centreline velocities are equal: with ``u(x) = K u0
    sqrt(A0) / x`` (ASHRAE Handbook Fundamentals 2017, ch. 20) jet i reaches ``L s_i / (s_i +
    s_j)`` of the distance L between the openings, ``s = u0 sqrt(A0)``; equal jets meet
    midway. Without the cut each jet's throw (tens of metres) ran to the other unit's face,
    and which cells it then released into hung on the grid: moving two rows 5 cm (units
    fixed) changed a middle rack's inlet by 5 K."""
    out = [float(d) for _, _, d, _, _ in jets]
    stride = g.nz * g.ny
    info = []
    for cells, direction, _, q, area in jets:
        ix, iy, iz = cells // stride, (cells // g.nz) % g.ny, cells % g.nz
        along, across, centre = (ix, iy, g.xc) if direction < 2 else (iy, ix, g.yc)
        pos = float(np.mean(centre[along])) if len(cells) else 0.0
        s = q / area * np.sqrt(area) if area > 0 else 0.0
        info.append((direction, pos, set(zip(across.tolist(), iz.tolist(), strict=True)), s))
    for i, (di, pi, oi, si) in enumerate(info):
        sign = 1.0 if di % 2 == 0 else -1.0
        for j, (dj, pj, oj, sj) in enumerate(info):
            if i == j or dj != di ^ 1 or (pj - pi) * sign <= 0 or not (oi & oj) or si + sj <= 0:
                continue
            out[i] = min(out[i], abs(pj - pi) * si / (si + sj))
    return out


def _throw(g: _Grid, cells: np.ndarray, direction: int, solid: np.ndarray, dist_m: float):
    """Move supply cells along `direction` up to `dist_m`, stopping before solid cells or a
    wall: a jet carries its air that far before it mixes into the room (potential flow
    alone keeps no momentum and would feed the racks next to the unit first). Whole cells
    only (the release of `throw_release` is smooth in `dist_m`)."""
    return _throw_path(g, cells, direction, solid, dist_m)[0]


def _throw_path(g: _Grid, cells, direction: int, solid, dist_m: float):
    """`_throw`, with the cells the jet passed (before its release cells) and its length, m."""
    rel, rel_w, path, path_w, length = throw_release(g, cells, direction, solid, dist_m, whole=True)
    return rel, path, length


def throw_release(
    g: _Grid, cells, direction: int, solid, dist_m: float, whole: bool = False, weights=None
):
    """Where a jet of `dist_m` releases its air and which cells it passes, smooth in `dist_m`.

    Returns release cells and weights (summing to 1; `weights`, the supply cells' shares, or
    even), passed cells and weights (each whole cell passed by its volume, the part of the
    last step passed by that part of it; on a uniform grid one per whole cell) and the
    length, m. The jet steps from cell centre to cell centre (on the rack-aligned grid the
    steps are unequal); a throw that ends a fraction f of the way into a step releases
    ``1 - f`` of the air before the step and ``f`` after it (linear interpolation of the
    release point), so the field, and a calibration of `supply_throw_scale`, change
    continuously with the throw instead of cell by cell. `whole`: whole steps only (the
    release of `_throw`)."""
    cells = np.asarray(cells)
    w0 = (
        np.full(len(cells), 1.0 / max(len(cells), 1))
        if weights is None
        else np.asarray(weights, float)
    )
    none = np.zeros(0, np.int64), np.zeros(0)
    if float(dist_m) <= 0 or not len(cells):
        return cells, w0, *none, 0.0
    iz = cells % g.nz
    iy = (cells // g.nz) % g.ny
    ix = cells // (g.nz * g.ny)
    dx, dy = [(1, 0), (-1, 0), (0, 1), (0, -1)][direction]
    centre = g.xc if direction < 2 else g.yc

    def advance(ix, iy):
        nx_, ny_ = ix + dx, iy + dy
        inside = (nx_ >= 0) & (nx_ < g.nx) & (ny_ >= 0) & (ny_ < g.ny)
        nxt = g.idx(np.clip(nx_, 0, g.nx - 1), np.clip(ny_, 0, g.ny - 1), iz)
        go = inside & ~solid[nxt]
        return go, np.where(go, nx_, ix), np.where(go, ny_, iy)

    def volume(c):
        return np.ones(len(c)) if g.uniform else g.area(c, 2)

    path, moved, left = [], 0.0, float(dist_m)
    frac, step = 0.0, 0.0
    while True:
        go, jx, jy = advance(ix, iy)
        if not go.any():
            break
        k = int(np.argmax(go))  # the moving cells share a column (a row)
        a, b = (ix[k], jx[k]) if direction < 2 else (iy[k], jy[k])
        step = abs(float(centre[b] - centre[a]))
        if left < step * (1.0 - 1e-12):
            frac = 0.0 if whole else left / step
            break
        path.append(g.idx(ix, iy, iz))
        moved += step
        left -= step
        ix, iy = jx, jy
    end = g.idx(ix, iy, iz)
    passed = np.setdiff1d(np.concatenate(path), end) if path else np.zeros(0, np.int64)
    w_passed = volume(passed)
    rel, rel_w = end, w0
    if frac > 0:
        go, jx, jy = advance(ix, iy)
        nxt = g.idx(jx, jy, iz)
        rel = np.r_[end, nxt]
        rel_w = np.r_[(1.0 - frac) * w0, frac * w0]
        passed = np.r_[passed, end[go]]  # the partial step passes the moving cells
        w_passed = np.r_[w_passed, frac * volume(end[go])]
    if not path and frac <= 0:
        return cells, w0, *none, 0.0
    return rel, rel_w, passed, w_passed, moved + frac * step
