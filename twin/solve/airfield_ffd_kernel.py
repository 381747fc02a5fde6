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
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


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
    gx, gy, gz = 1.0 - fx, 1.0 - fy, 1.0 - fz
    return (
        gx * (gy * (gz * arr[i0, j0, k0] + fz * arr[i0, j0, k1])
              + fy * (gz * arr[i0, j1, k0] + fz * arr[i0, j1, k1]))
        + fx * (gy * (gz * arr[i1, j0, k0] + fz * arr[i1, j0, k1])
                + fy * (gz * arr[i1, j1, k0] + fz * arr[i1, j1, k1]))
    )  # fmt: skip


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
    intake weights) plus its rise; sub-stepped to a cell Courant number of 0.5. Returns a new
    array (theta is not changed)."""
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
        top = max(top, rate[c] / vol)
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
            th[c] += h * net[c] / vol
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
    baffle face, which gets 0) times its area: the face flux."""
    for e in range(out.shape[0]):
        a = which[e]
        if a == 0:
            out[e] = u[idx[e]] * area[0]
        elif a == 1:
            out[e] = v[idx[e]] * area[1]
        elif a == 2:
            out[e] = w[idx[e]] * area[2]
        else:
            out[e] = 0.0


@nb.njit(cache=True)
def from_faces(u, v, w, which, idx, area, f) -> None:
    """The inverse of `to_faces` (baffle faces are left alone)."""
    for e in range(f.shape[0]):
        a = which[e]
        if a == 0:
            u[idx[e]] = f[e] / area[0]
        elif a == 1:
            v[idx[e]] = f[e] / area[1]
        elif a == 2:
            w[idx[e]] = f[e] / area[2]


@nb.njit(cache=True)
def add_buoyancy(f, faces, p, n, theta, theta_mean, c, area_z) -> None:
    """f[e] += c (theta at face e - theta_mean) area_z for each vertical face e in `faces`
    (c = dt g beta; theta at a face: the mean of its two cells)."""
    for q in range(faces.shape[0]):
        e = faces[q]
        f[e] += c * (0.5 * (theta[p[e]] + theta[n[e]]) - theta_mean) * area_z


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
    for q in range(fix_u.shape[0]):
        uf[int(fix_u[q, 0])] = fix_u[q, 1]
    for q in range(fix_v.shape[0]):
        vf[int(fix_v[q, 0])] = fix_v[q, 1]
    for q in range(fix_w.shape[0]):
        wf[int(fix_w[q, 0])] = fix_w[q, 1]
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
