"""The numba kernels of the FFD march (`twin.solve.airfield_ffd`), in their own module: numba
loads only when a hall is built on FFD.

- `interp`: trilinear interpolation of a 3D array at an index coordinate, clamped to the
  array (what ``scipy.ndimage.map_coordinates(order=1, mode="nearest")`` does);
- `advect`: the semi-Lagrangian back-trace of one face array's moving faces (velocity
  interpolated from the three face arrays at the face, optionally half a step back, then
  the array's value at the foot of the trace);
- `diffuse`: explicit eddy-viscosity sub-steps on a face array, edge-clamped neighbours;
- `heat_step`: the first-order upwind temperature sub-steps on the face flux;
- `predict` and `settle`: a step's kernels before and after the projection's solve in one
  call each (the march's Python overhead between kernels was ~10 % of its time), the same
  arithmetic in the same order (tests/solve/test_ffd_fused_kernels.py: to the bit).
Each does the same arithmetic as the numpy/scipy formulation it replaced, up to the order
of floating-point sums (tests/solve/test_airfield_ffd_kernel.py compares them).

On the rack-aligned rectilinear grid (cells of unequal width in x and y) `advect_rect`,
`diffuse_rect` and `predict_rect` do the same in physical coordinates: the back-trace's foot
located per axis by a walk from the face's own node (`_locate`, a few nodes at the jets'
Courant numbers), trilinear in metres, and the diffusion in finite-volume form (neighbour
difference over the distance between nodes, over the node's control width). Per-face areas
(`to_faces`, `from_faces`, `settle`, `add_buoyancy`) and per-cell volumes (`heat_step`) serve
both grids. tests/solve/test_ffd_rect.py checks them against scipy's RegularGridInterpolator
and a numpy flux-form stencil, and on equal cells against the uniform kernels (to round-off).
"""

from __future__ import annotations

import importlib
import math
import os

import numba as nb
import numpy as np

SPIN_COUNT = "20000"
"""GNU OpenMP's spins before an idle thread sleeps (``GOMP_SPINCOUNT``, set here unless the
environment sets it, before numba loads the library). Its default kept the second core ~55 %
busy spinning between a step's parallel loops, CPU another process could use (likely part
of why a CI run took 45 min against 36 the session before): the 100-rack hall 5.56 s wall, 10.3 CPU s. At 20,000: 5.57 s, 7.19 CPU s; at
1,000: 6.20 s; never spinning (``OMP_WAIT_POLICY=passive``): 6.47 s (`python -m bench.air_ffd
--hall 100 --repeat 2`, 2026-12-02 15:21-15:24 UTC, load ~1)."""
os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)


def _threadsafe_layer() -> bool:
    """Whether numba has a thread-safe threading layer here (OpenMP, or TBB): the app's
    sessions may march at the same time from several threads, which numba's own
    ``workqueue`` layer does not allow (it stops the process)."""
    for pool in ("omppool", "tbbpool"):
        try:
            importlib.import_module(f"numba.np.ufunc.{pool}")
        except ImportError:
            continue
        return True
    return False


PARALLEL = os.environ.get("TWIN_FFD_PARALLEL", "1") != "0" and _threadsafe_layer()
"""Whether the rectilinear back-trace and diffusion (`advect_rect`, `diffuse_rect`, most of a
march step's time) are compiled with numba's parallel loops: each face's value is computed
alone, so the flow is the same to the bit on one thread, on every core and from two threads at
once (tests/solve/test_ffd_rect.py; the diffusion's update stays serial, as numba would fuse
it with the loop before it and change the answer). `python -m bench.air_ffd --hall 100
--repeat 2 --serial-peer` (2026-12-02 14:24-14:30 UTC, load ~1, alternated with a child
process compiled serially): the 100-rack hall's march and shares 5.56 s wall on 2 cores
(10.3 CPU s; 7.0-7.2 with `SPIN_COUNT`) against 8.46-8.99 s serial (8.7-9.2 CPU s); on one thread, as the N-1's worker
processes run it (`twin.solve.ffd_ahead`), 6.67-6.74 s. Compiling the kernels once, on a new
install, takes ~52 s against ~30 s. Without a thread-safe layer, or with the environment's
``TWIN_FFD_PARALLEL=0`` (give it a ``NUMBA_CACHE_DIR`` of its own), they are compiled
serially."""
if PARALLEL:
    nb.config.THREADING_LAYER = "threadsafe"


@nb.njit(cache=True, inline="always")
def _axis(x: float, n: int):
    """Low index, high index and weight of the high one, for coordinate x clamped to [0, n-1];
    a weight of NaN for a coordinate that is not finite (the value comes out NaN, as
    map_coordinates gives it, for the caller's finiteness check to catch)."""
    if x > 0.0:
        if x >= n - 1.0:
            if x == np.inf:
                return 0, 0, np.nan
            return n - 1, n - 1, 0.0
        i = int(x)  # x > 0: truncation is floor
        return i, i + 1, x - i
    if x <= 0.0 and x != -np.inf:
        return 0, 0, 0.0
    return 0, 0, np.nan


@nb.njit(cache=True)
def interp(arr, x: float, y: float, z: float) -> float:
    """Trilinear value of arr at index coordinate (x, y, z), each clamped to the array."""
    nx, ny, nz = arr.shape
    i0, i1, fx = _axis(x, nx)
    j0, j1, fy = _axis(y, ny)
    k0, k1, fz = _axis(z, nz)
    return _tri(arr, i0, i1, fx, j0, j1, fy, k0, k1, fz)


@nb.njit(cache=True)
def interp_many(arr, pts):
    """`interp` at each row of pts (k x 3): the map_coordinates peer in the tests."""
    out = np.empty(pts.shape[0])
    for q in range(pts.shape[0]):
        out[q] = interp(arr, pts[q, 0], pts[q, 1], pts[q, 2])
    return out


@nb.njit(cache=True, inline="always")
def _velocity(u, v, w, px: float, py: float, pz: float):
    """Velocity (m/s) at a point given in cell units (position / cell size): x faces sit at
    (i, j + 1/2, k + 1/2), y faces at (i + 1/2, j, k + 1/2), z faces at (i + 1/2, j + 1/2, k)."""
    return (
        interp(u, px, py - 0.5, pz - 0.5),
        interp(v, px - 0.5, py, pz - 0.5),
        interp(w, px - 0.5, py - 0.5, pz),
    )


@nb.njit(cache=True, inline="always")
def _c(i: int, arr, axis: int) -> int:
    """Index i clamped to arr's extent along axis."""
    return min(max(i, 0), arr.shape[axis] - 1)


@nb.njit(cache=True, inline="always")
def _mean4(arr, i0, i1, j0, j1, k0, k1, same: int) -> float:
    """interp at weights 1/2, 1/2 on two axes and an exact index on the third (`same`: its
    axis, whose two indices are equal), summed in interp's order."""
    if same == 0:
        a, b, c, d = arr[i0, j0, k0], arr[i0, j0, k1], arr[i0, j1, k0], arr[i0, j1, k1]
    elif same == 1:
        a, b, c, d = arr[i0, j0, k0], arr[i0, j0, k1], arr[i1, j0, k0], arr[i1, j0, k1]
    else:
        a, b, c, d = arr[i0, j0, k0], arr[i0, j1, k0], arr[i1, j0, k0], arr[i1, j1, k0]
    return 0.5 * (0.5 * a + 0.5 * b) + 0.5 * (0.5 * c + 0.5 * d)


@nb.njit(cache=True)
def advect(u, v, w, axis: int, ijk, dt_inv_h, midpoint: bool, out) -> None:
    """Semi-Lagrangian advection of face array ``(u, v, w)[axis]`` at its moving faces ``ijk``
    (k x 3 MAC indices): out[q] = its value at the face's position minus dt times the velocity
    there (or, with `midpoint`, the velocity half a step back). ``dt_inv_h``: dt / cell size
    per axis. Reads u, v, w only (write out back after all three axes are done)."""
    arr = u if axis == 0 else (v if axis == 1 else w)
    ox = 0.0 if axis == 0 else 0.5
    oy = 0.0 if axis == 1 else 0.5
    oz = 0.0 if axis == 2 else 0.5
    cx, cy, cz = dt_inv_h[0], dt_inv_h[1], dt_inv_h[2]
    for q in range(ijk.shape[0]):
        i, j, k = ijk[q, 0], ijk[q, 1], ijk[q, 2]
        px, py, pz = i + ox, j + oy, k + oz
        # at a face the array's own component is its value and the other two sit half a cell
        # off on two axes: interp's weights are 1/2, 1/2 (and 1, 0 on the third), so the
        # mean of four values with interp's arithmetic (clamped indices give the same value)
        if axis == 0:
            vx = u[i, j, k]
            vy = _mean4(v, _c(i - 1, v, 0), _c(i, v, 0), _c(j, v, 1), _c(j + 1, v, 1), k, k, 2)
            vz = _mean4(w, _c(i - 1, w, 0), _c(i, w, 0), j, j, _c(k, w, 2), _c(k + 1, w, 2), 1)
        elif axis == 1:
            vx = _mean4(u, _c(i, u, 0), _c(i + 1, u, 0), _c(j - 1, u, 1), _c(j, u, 1), k, k, 2)
            vy = v[i, j, k]
            vz = _mean4(w, i, i, _c(j - 1, w, 1), _c(j, w, 1), _c(k, w, 2), _c(k + 1, w, 2), 0)
        else:
            vx = _mean4(u, _c(i, u, 0), _c(i + 1, u, 0), j, j, _c(k - 1, u, 2), _c(k, u, 2), 1)
            vy = _mean4(v, i, i, _c(j, v, 1), _c(j + 1, v, 1), _c(k - 1, v, 2), _c(k, v, 2), 0)
            vz = w[i, j, k]
        if midpoint:
            vx, vy, vz = _velocity(u, v, w, px - 0.5 * cx * vx, py - 0.5 * cy * vy,
                                   pz - 0.5 * cz * vz)  # fmt: skip
        out[q] = interp(arr, i - cx * vx, j - cy * vy, k - cz * vz)


@nb.njit(cache=True)
def diffuse(arr, ijk, coef, inv_h2, k: int) -> None:
    """In place, k explicit sub-steps of arr += coef * Laplacian(arr) at the faces ``ijk``
    (k x 3), neighbours clamped at the array's edges (free slip); coef per face is
    dt / k * nu. Each sub-step reads the array before writing it (Jacobi)."""
    nx, ny, nz = arr.shape
    m = ijk.shape[0]
    lap = np.empty(m)
    hx, hy, hz = inv_h2[0], inv_h2[1], inv_h2[2]
    for _ in range(k):
        for q in range(m):
            i, j, kk = ijk[q, 0], ijk[q, 1], ijk[q, 2]
            c2 = 2.0 * arr[i, j, kk]
            lap[q] = (
                (arr[max(i - 1, 0), j, kk] + arr[min(i + 1, nx - 1), j, kk] - c2) * hx
                + (arr[i, max(j - 1, 0), kk] + arr[i, min(j + 1, ny - 1), kk] - c2) * hy
                + (arr[i, j, max(kk - 1, 0)] + arr[i, j, min(kk + 1, nz - 1)] - c2) * hz
            )
        for q in range(m):
            arr[ijk[q, 0], ijk[q, 1], ijk[q, 2]] += coef[q] * lap[q]


@nb.njit(cache=True)
def heat_step(f, theta, dt, p, n, dg, sink, vol, fr_ptr, fr_idx, fr_w, rise, ex_at, ex_q,
              ex_rack):  # fmt: skip
    """Temperature over the supply after dt on face flux f (P -> N), first-order upwind plus
    face diffusion ``dg`` (nu * conductance), cells losing ``sink`` at their own temperature,
    each rack's exhaust cells gaining ``ex_q`` at the rack's intake mean (``fr_*``: CSR rows of
    intake weights) plus its rise; sub-stepped to a cell Courant number of 0.5. ``vol``: each
    cell's volume, m3. Returns a new array (theta is not changed)."""
    m, nf, nr = theta.shape[0], f.shape[0], rise.shape[0]
    rate = sink.copy()
    out_p, out_n = np.empty(nf), np.empty(nf)  # what leaves P (N) per K of P (N), m3/s
    for e in range(nf):
        out_p[e] = max(f[e], 0.0) + dg[e]
        out_n[e] = max(-f[e], 0.0) + dg[e]
        rate[p[e]] += out_p[e]
        rate[n[e]] += out_n[e]
    top = 0.0
    for c in range(m):
        top = max(top, rate[c] / vol[c])
    k = max(1, int(math.ceil(dt * top / 0.5)))
    h = dt / k
    th = theta.copy()
    net = np.empty(m)
    t_ex = np.empty(nr)
    for _ in range(k):
        for r in range(nr):
            s = 0.0
            for q in range(fr_ptr[r], fr_ptr[r + 1]):
                s += fr_w[q] * th[fr_idx[q]]
            t_ex[r] = s + rise[r]
        for c in range(m):
            net[c] = -sink[c] * th[c]
        for q in range(ex_at.shape[0]):
            net[ex_at[q]] += ex_q[q] * t_ex[ex_rack[q]]
        for e in range(nf):  # heat P -> N: upwind plus diffusion
            face = out_p[e] * th[p[e]] - out_n[e] * th[n[e]]
            net[n[e]] += face
            net[p[e]] -= face
        for c in range(m):
            th[c] += h * net[c] / vol[c]
    return th


@nb.njit(cache=True)
def residual(p, n, f, s):
    """s - div f per cell: f leaves P and enters N."""
    r = s.copy()
    for e in range(f.shape[0]):
        r[p[e]] -= f[e]
        r[n[e]] += f[e]
    return r


@nb.njit(cache=True)
def correct(f, g, phi, p, n):
    """The projected flux f + g (phi_P - phi_N), a new array."""
    out = np.empty(f.shape[0])
    for e in range(f.shape[0]):
        out[e] = f[e] + g[e] * (phi[p[e]] - phi[n[e]])
    return out


@nb.njit(cache=True)
def to_faces(u, v, w, which, idx, area, out) -> None:
    """out[e] = the velocity on face e (flat arrays u, v, w; ``which[e]``: its axis, -1 for a
    baffle face, which gets 0) times its area ``area[e]``: the face flux."""
    for e in range(out.shape[0]):
        a = which[e]
        if a == 0:
            out[e] = u[idx[e]] * area[e]
        elif a == 1:
            out[e] = v[idx[e]] * area[e]
        elif a == 2:
            out[e] = w[idx[e]] * area[e]
        else:
            out[e] = 0.0


@nb.njit(cache=True)
def from_faces(u, v, w, which, idx, area, f) -> None:
    """The inverse of `to_faces` (baffle faces are left alone)."""
    for e in range(f.shape[0]):
        a = which[e]
        if a == 0:
            u[idx[e]] = f[e] / area[e]
        elif a == 1:
            v[idx[e]] = f[e] / area[e]
        elif a == 2:
            w[idx[e]] = f[e] / area[e]


@nb.njit(cache=True)
def add_buoyancy(f, faces, p, n, theta, theta_mean, c, area) -> None:
    """f[e] += c (theta at face e - theta_mean) area[e] for each vertical face e in `faces`
    (c = dt g beta; theta at a face: the mean of its two cells; area per face, m2)."""
    for q in range(faces.shape[0]):
        e = faces[q]
        f[e] += c * (0.5 * (theta[p[e]] + theta[n[e]]) - theta_mean) * area[e]


@nb.njit(cache=True, inline="always")
def _pin(flat, fix):
    """The bodies' boundary velocities back on their faces (``fix``: flat index, value rows)."""
    for q in range(fix.shape[0]):
        flat[int(fix[q, 0])] = fix[q, 1]


@nb.njit(cache=True)
def predict(u, v, w, fix_u, fix_v, fix_w, ijk_u, ijk_v, ijk_w, at_u, at_v, at_w, dt_inv_h,
            midpoint, coef_u, coef_v, coef_w, inv_h2, k_nu, which, idx, area, new_u, new_v,
            new_w, f_star) -> None:  # fmt: skip
    """One step's velocity before buoyancy and projection, as the face flux ``f_star``: the
    bodies' boundary velocities back on their faces (``fix_*``: flat index, value rows), the
    back-trace of all three arrays' moving faces (``ijk_*``; written back at flat ``at_*``
    after all three are traced), explicit diffusion of each, then `to_faces`. The same
    arithmetic in the same order as the separate kernels (``new_*``: scratch, one per axis)."""
    uf, vf, wf = u.reshape(-1), v.reshape(-1), w.reshape(-1)
    _pin(uf, fix_u)
    _pin(vf, fix_v)
    _pin(wf, fix_w)
    advect(u, v, w, 0, ijk_u, dt_inv_h, midpoint, new_u)
    advect(u, v, w, 1, ijk_v, dt_inv_h, midpoint, new_v)
    advect(u, v, w, 2, ijk_w, dt_inv_h, midpoint, new_w)
    for q in range(at_u.shape[0]):
        uf[at_u[q]] = new_u[q]
    diffuse(u, ijk_u, coef_u, inv_h2, k_nu)
    for q in range(at_v.shape[0]):
        vf[at_v[q]] = new_v[q]
    diffuse(v, ijk_v, coef_v, inv_h2, k_nu)
    for q in range(at_w.shape[0]):
        wf[at_w[q]] = new_w[q]
    diffuse(w, ijk_w, coef_w, inv_h2, k_nu)
    to_faces(uf, vf, wf, which, idx, area, f_star)


@nb.njit(cache=True)
def settle(f_star, g, phi, p, n, f_old, u, v, w, which, idx, area, f_sum, add: bool):
    """After the projection's solve: the projected flux (`correct`), its rms change from
    ``f_old``, the face arrays set from it (`from_faces`) and, with `add`, f_sum += it.
    Returns (flux, rms change)."""
    f = correct(f_star, g, phi, p, n)
    ss = 0.0
    for e in range(f.shape[0]):
        d = f[e] - f_old[e]
        ss += d * d
    from_faces(u.reshape(-1), v.reshape(-1), w.reshape(-1), which, idx, area, f)
    if add:
        for e in range(f.shape[0]):
            f_sum[e] += f[e]
    return f, math.sqrt(ss / max(f.shape[0], 1))


# The rack-aligned (rectilinear) grid: cell widths differ along x and y (`airfield_grid.
# _grid_aligned`), so positions are physical (m) and each face array's nodes have their own
# coordinates per axis: x faces at (xe[i], yc[j], zc[k]), y faces at (xc[i], ye[j], zc[k]),
# z faces at (xc[i], yc[j], ze[k]); e the cell-face coordinates, c the centres.


@nb.njit(cache=True, inline="always")
def _locate(xs, x: float, hint: int):
    """Low index, high index and weight of the high one for coordinate x among the ascending
    node coordinates xs, clamped to [xs[0], xs[-1]] (`_axis` in physical units); the search
    walks from index `hint` (a trace's foot lies a few nodes from its face). A weight of NaN
    for a coordinate that is not finite, as `_axis`."""
    n = xs.shape[0]
    if x > xs[0]:
        if x >= xs[n - 1]:
            if x == np.inf:
                return 0, 0, np.nan
            return n - 1, n - 1, 0.0
        i = min(max(hint, 0), n - 2)
        while xs[i] > x:
            i -= 1
        while xs[i + 1] <= x:
            i += 1
        return i, i + 1, (x - xs[i]) / (xs[i + 1] - xs[i])
    if x <= xs[0] and x != -np.inf:
        return 0, 0, 0.0
    return 0, 0, np.nan


@nb.njit(cache=True, inline="always")
def _edge_at_centres(e, c, i: int):
    """Where cell face i (coordinate e[i]) falls among the cell centres c: low and high centre
    and the high one's weight (clamped at the walls)."""
    lo, hi = max(i - 1, 0), min(i, c.shape[0] - 1)
    if hi == lo:
        return lo, hi, 0.0
    return lo, hi, (e[i] - c[lo]) / (c[hi] - c[lo])


@nb.njit(cache=True, inline="always")  # ~10 % of advect_rect
def interp_rect(arr, xs, ys, zs, x: float, y: float, z: float, hi: int, hj: int, hk: int):
    """Trilinear value of arr (nodes at xs x ys x zs) at the physical point (x, y, z), clamped
    to the nodes' box; (hi, hj, hk) a node near the point, where the search starts."""
    i0, i1, fx = _locate(xs, x, hi)
    j0, j1, fy = _locate(ys, y, hj)
    k0, k1, fz = _locate(zs, z, hk)
    return _tri(arr, i0, i1, fx, j0, j1, fy, k0, k1, fz)


@nb.njit(cache=True, inline="always")
def _tri(arr, i0, i1, fx, j0, j1, fy, k0, k1, fz):
    """Trilinear blend of arr's eight nodes (i0|i1, j0|j1, k0|k1) at weights fx, fy, fz."""
    gx, gy, gz = 1.0 - fx, 1.0 - fy, 1.0 - fz
    return (
        gx * (gy * (gz * arr[i0, j0, k0] + fz * arr[i0, j0, k1])
              + fy * (gz * arr[i0, j1, k0] + fz * arr[i0, j1, k1]))
        + fx * (gy * (gz * arr[i1, j0, k0] + fz * arr[i1, j0, k1])
                + fy * (gz * arr[i1, j1, k0] + fz * arr[i1, j1, k1]))
    )  # fmt: skip


@nb.njit(cache=True)
def interp_rect_many(arr, xs, ys, zs, pts):
    """`interp_rect` at each row of pts (k x 3, m), searched from node 0: the tests' entry."""
    out = np.empty(pts.shape[0])
    for q in range(pts.shape[0]):
        out[q] = interp_rect(arr, xs, ys, zs, pts[q, 0], pts[q, 1], pts[q, 2], 0, 0, 0)
    return out


@nb.njit(cache=True, inline="always")
def _velocity_rect(u, v, w, xe, xc, ye, yc, ze, zc, px, py, pz, i, j, k):
    """Velocity (m/s) at the physical point (px, py, pz), near node (i, j, k)."""
    return (
        interp_rect(u, xe, yc, zc, px, py, pz, i, j, k),
        interp_rect(v, xc, ye, zc, px, py, pz, i, j, k),
        interp_rect(w, xc, yc, ze, px, py, pz, i, j, k),
    )


@nb.njit(cache=True, parallel=PARALLEL)
def advect_rect(u, v, w, axis: int, ijk, xe, xc, ye, yc, ze, zc, dt: float, midpoint: bool,
                out) -> None:  # fmt: skip
    """`advect` on the rectilinear grid: out[q] = face array ``(u, v, w)[axis]`` at the foot of
    the back-trace from its moving face ``ijk[q]`` (physical position minus dt times the
    velocity there, or with `midpoint` half a step back), trilinear in physical coordinates.
    The face's own component is its value; the other two are interpolated at the face."""
    arr = u if axis == 0 else (v if axis == 1 else w)
    xs = xe if axis == 0 else xc
    ys = ye if axis == 1 else yc
    zs = ze if axis == 2 else zc
    for q in nb.prange(ijk.shape[0]):
        i, j, k = ijk[q, 0], ijk[q, 1], ijk[q, 2]
        px, py, pz = xs[i], ys[j], zs[k]
        # the other two components at the face: on the face's axis between two centres (their
        # distances' weights), across it halfway between two faces, on the third exactly
        if axis == 0:
            i0, i1, fx = _edge_at_centres(xe, xc, i)
            vx = u[i, j, k]
            vy = _tri(v, i0, i1, fx, j, j + 1, 0.5, k, k, 0.0)
            vz = _tri(w, i0, i1, fx, j, j, 0.0, k, k + 1, 0.5)
        elif axis == 1:
            j0, j1, fy = _edge_at_centres(ye, yc, j)
            vx = _tri(u, i, i + 1, 0.5, j0, j1, fy, k, k, 0.0)
            vy = v[i, j, k]
            vz = _tri(w, i, i, 0.0, j0, j1, fy, k, k + 1, 0.5)
        else:
            k0, k1, fz = _edge_at_centres(ze, zc, k)
            vx = _tri(u, i, i + 1, 0.5, j, j, 0.0, k0, k1, fz)
            vy = _tri(v, i, i, 0.0, j, j + 1, 0.5, k0, k1, fz)
            vz = w[i, j, k]
        if midpoint:
            vx, vy, vz = _velocity_rect(u, v, w, xe, xc, ye, yc, ze, zc, px - 0.5 * dt * vx,
                                        py - 0.5 * dt * vy, pz - 0.5 * dt * vz, i, j, k)  # fmt: skip
        out[q] = interp_rect(arr, xs, ys, zs, px - dt * vx, py - dt * vy, pz - dt * vz, i, j, k)


@nb.njit(cache=True, parallel=PARALLEL)
def diffuse_rect(arr, ijk, coef, lo_x, hi_x, lo_y, hi_y, lo_z, hi_z, k: int) -> None:
    """`diffuse` with unequal spacing, in finite-volume form: in place, k explicit sub-steps
    of arr += coef * sum over the six neighbours of (neighbour - node) * c, with c = 1 /
    (distance between the two nodes * the node's control width) per axis and side (``lo_*``,
    ``hi_*``: per node index along that axis, `twin.solve.airfield_ffd_grid.fv_coefs`);
    neighbours clamped at the array's edges (free slip: no flux). Jacobi, as `diffuse`."""
    nx, ny, nz = arr.shape
    m = ijk.shape[0]
    lap = np.empty(m)
    for _ in range(k):
        for q in nb.prange(m):
            i, j, kk = ijk[q, 0], ijk[q, 1], ijk[q, 2]
            c = arr[i, j, kk]
            lap[q] = (
                (arr[max(i - 1, 0), j, kk] - c) * lo_x[i]
                + (arr[min(i + 1, nx - 1), j, kk] - c) * hi_x[i]
                + (arr[i, max(j - 1, 0), kk] - c) * lo_y[j]
                + (arr[i, min(j + 1, ny - 1), kk] - c) * hi_y[j]
                + (arr[i, j, max(kk - 1, 0)] - c) * lo_z[kk]
                + (arr[i, j, min(kk + 1, nz - 1)] - c) * hi_z[kk]
            )
        for q in range(m):  # serial: numba would fuse two parallel loops into one
            arr[ijk[q, 0], ijk[q, 1], ijk[q, 2]] += coef[q] * lap[q]


@nb.njit(cache=True)
def predict_rect(u, v, w, fix_u, fix_v, fix_w, ijk_u, ijk_v, ijk_w, at_u, at_v, at_w, xe, xc,
                 ye, yc, ze, zc, dt, midpoint, coef_u, coef_v, coef_w, fv_u, fv_v, fv_w, k_nu,
                 which, idx, area, new_u, new_v, new_w, f_star) -> None:  # fmt: skip
    """`predict` on the rectilinear grid (`advect_rect`, `diffuse_rect`; ``fv_*``: each face
    array's six `diffuse_rect` coefficient arrays, lo_x, hi_x, lo_y, hi_y, lo_z, hi_z)."""
    uf, vf, wf = u.reshape(-1), v.reshape(-1), w.reshape(-1)
    _pin(uf, fix_u)
    _pin(vf, fix_v)
    _pin(wf, fix_w)
    advect_rect(u, v, w, 0, ijk_u, xe, xc, ye, yc, ze, zc, dt, midpoint, new_u)
    advect_rect(u, v, w, 1, ijk_v, xe, xc, ye, yc, ze, zc, dt, midpoint, new_v)
    advect_rect(u, v, w, 2, ijk_w, xe, xc, ye, yc, ze, zc, dt, midpoint, new_w)
    for q in range(at_u.shape[0]):
        uf[at_u[q]] = new_u[q]
    diffuse_rect(u, ijk_u, coef_u, *fv_u, k_nu)
    for q in range(at_v.shape[0]):
        vf[at_v[q]] = new_v[q]
    diffuse_rect(v, ijk_v, coef_v, *fv_v, k_nu)
    for q in range(at_w.shape[0]):
        wf[at_w[q]] = new_w[q]
    diffuse_rect(w, ijk_w, coef_w, *fv_w, k_nu)
    to_faces(uf, vf, wf, which, idx, area, f_star)
