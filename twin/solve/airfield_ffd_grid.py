"""Geometry of the FFD's staggered (MAC) velocity arrays on the field's box grid
(`twin.solve.airfield_ffd`): uniform (`airfield_grid._grid`) or rack-aligned rectilinear
(`airfield_grid._grid_aligned`: unequal columns and rows, equal layers).

Face array a (0: x, 1: y, 2: z) has its nodes on the cell faces along a and on the cell
centres along the other two axes. Per face of the field's face list: its area and its
conductance without a baffle (area over the distance between its cells' centres, what
`airfield_grid._laplacian` gives an open face); per cell: its volume; per array and axis:
the finite-volume coefficients of the diffusion (`fv_coefs`). On a uniform grid every number
is the one the uniform march used (the same products of the same widths), so the march on it
is unchanged to the bit.

The FFD's grid (`airfield_ffd.GRID`) is the field's rack-aligned one by default (cell faces
on every rack and unit face), else its uniform one. On the aligned grid the back-trace works
in physical coordinates (each face array's nodes per axis, trilinear in metres), the
diffusion in finite-volume form, the heat step on each cell's volume and the inflows over
each face's own area (this module and the ``*_rect`` kernels of `airfield_ffd_kernel`; on
equal cells they give the uniform march's flux to round-off, tests/solve/test_ffd_rect.py).
The step stays `DT_S`: the back-trace is stable at any Courant number, the heat step
sub-steps to each cell's own Courant limit and the diffusion to its explicit bound (one
sub-step in the stored rooms and the 100-rack hall, whose narrowest cells are 0.1-0.19 m; 6
cm slivers would take two). Measured in one run each (2026-12-01, 2 shared cores at load
5-10; docs/validation.md, "FFD on the rack-aligned grid"): over the 19 stored CFD runs the
mean RMSE fell from 2.54 to 2.23 K and the mean max error from 4.95 to 4.29 K (better in 16
runs; `floor` 3.66-4.15 to 2.64-2.81 K, `small-room` 1.14 to 1.09; worse in `end` uniform
2.47 to 2.74, `tiles` ramp 2.03 to 2.60, `cross` uniform 2.71 to 2.77); moving the rows 5-10
cm (bench.air_shift) moves an inlet by at most 0.29-1.61 K in five rooms where the uniform
grid gave 0.36-4.84 K (mean over the eight rooms 1.26 against 1.85 K), but `row` 0.88 (was
0.35), `small-room` 0.67 (0.47; the uniform grid did not see their y moves at all) and
`floor` 4.32 K (was 2.79: a 5 cm y move adds a face 8 cm from another and the FFD flow there
tips; 1-2 cm moves change it by 0.2-0.4 K, smoothly). It costs more: a room ~1.5 times the
CPU time (`pair` 4.9 against 3.1 CPU s), the 100-rack hall 2.4 times (11,552 cells against
6,479; 9.05 against 3.74 CPU s at load ~3.5, `python -m bench.air_ffd --hall 100 --ffd-grid
both`, 15:51 UTC), though its march now settles (spread 0.03 K against 1.72 K). Why 2.4: the
same ~1,400 steps at 0.05 s on both grids (1,424 and 1,403), 1.8 times the cells, 2.1 times
the projection's LU fill (1.67 M against 0.78 M entries) and the heat's sub-steps (five a step on
its 0.07 m3 cells; cProfile and `twin.solve.airfield_ffd`'s docstring, 2026-12-01 18:47-18:57 UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Mac:
    """The MAC geometry of a grid: ``coords`` the node coordinates (xe, xc, ye, yc, ze, zc: cell
    faces and centres per axis, m); per face of the list its ``area`` (m2) and open-face
    conductance ``nominal`` (m); per cell its volume ``vol`` (m3); ``min_width`` the narrowest
    cell per axis (m)."""

    coords: tuple[np.ndarray, ...]
    area: np.ndarray
    nominal: np.ndarray
    vol: np.ndarray
    min_width: np.ndarray


def mac(g, fp: np.ndarray, fn: np.ndarray, axis: np.ndarray) -> Mac:
    """`Mac` of grid `g` (`airfield_grid._Grid`) for faces between cells `fp` and `fn` (global
    cell numbers, `fn` the next cell up `axis`)."""
    dz = g.dz
    ze = dz * np.arange(g.nz + 1)
    zc = dz * (np.arange(g.nz) + 0.5)
    coords = tuple(np.ascontiguousarray(c, float) for c in
                   (g.x_edges, g.xc, g.y_edges, g.yc, ze, zc))  # fmt: skip
    ix, iy, _ = g.ijk(fp)
    jx, jy, _ = g.ijk(fn)
    dx, dy = g.dx, g.dy
    area = np.select([axis == 0, axis == 1], [dy[iy] * dz, dx[ix] * dz], dx[ix] * dy[iy])
    dist = np.select([axis == 0, axis == 1], [0.5 * (dx[ix] + dx[jx]), 0.5 * (dy[iy] + dy[jy])], dz)
    ax, ay, _ = g.ijk(np.arange(g.n))
    vol = dx[ax] * dy[ay] * dz
    return Mac(coords, area, area / dist, vol, np.array([dx.min(), dy.min(), dz]))


def fv_coefs(nodes: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite-volume diffusion coefficients along one axis for nodes at `nodes` with control
    widths `widths`: lo[i] = 1 / ((nodes[i] - nodes[i-1]) widths[i]), hi[i] likewise to the
    next node; 0 past the ends (the kernel clamps there: no flux through a wall). On equal
    spacing h both are 1 / h^2, the uniform stencil's."""
    d = np.diff(nodes)
    lo, hi = np.zeros(len(nodes)), np.zeros(len(nodes))
    lo[1:] = 1.0 / (d * widths[1:])
    hi[:-1] = 1.0 / (d * widths[:-1])
    return lo, hi


def array_coefs(geo: Mac, a: int) -> tuple[np.ndarray, ...]:
    """The six `fv_coefs` arrays (lo_x, hi_x, lo_y, hi_y, lo_z, hi_z) of face array `a`. A
    node on the cell faces along an axis controls from centre to centre (the mean of the two
    cells' widths; at a wall one whole spacing, never used: no moving face sits on a wall);
    a node on the centres controls its cell."""
    out = []
    for b in range(3):
        edges, centres = geo.coords[2 * b], geo.coords[2 * b + 1]
        cell = np.diff(edges)
        if a == b:
            d = np.diff(edges)
            width = np.r_[d[0], 0.5 * (d[:-1] + d[1:]), d[-1]]
            out.extend(fv_coefs(edges, width))
        else:
            out.extend(fv_coefs(centres, cell))
    return tuple(np.ascontiguousarray(c) for c in out)


def max_rate(coefs: tuple[np.ndarray, ...], ijk: np.ndarray) -> float:
    """Largest sum of the six coefficients at the faces `ijk` (k x 3): the diffusion's
    explicit stability bound is coef * this <= 1."""
    if not len(ijk):
        return 0.0
    s = sum(coefs[2 * b][ijk[:, b]] + coefs[2 * b + 1][ijk[:, b]] for b in range(3))
    return float(np.max(s))
