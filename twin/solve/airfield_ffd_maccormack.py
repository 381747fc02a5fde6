"""The FFD march's momentum advection by the unconditionally stable MacCormack scheme (Selle,
Fedkiw, Kim, Liu and Rossignac, J. Sci. Comput. 35, 2008) on the rack-aligned grid: a
semi-Lagrangian back-trace, a forward trace of its result, half the round trip's error added
back, and the answer clamped to the values the back-trace's foot was interpolated from (where
it leaves them, the plain back-trace's value). Linear interpolation's back-trace smears a jet
over a cell or two every few steps (numerical viscosity ``~ |u| h``, several times the room's
turbulent one on 0.3 m cells); the round trip takes most of that back, second order in space,
at about twice the trace's cost. `predict_rect_mc` is `airfield_ffd_kernel.predict_rect` with
this advection."""

from __future__ import annotations

import numba as nb
import numpy as np

from twin.solve.airfield_ffd_kernel import (
    PARALLEL,
    _edge_at_centres,
    _locate,
    _pin,
    _tri,
    diffuse_rect,
    to_faces,
)


@nb.njit(cache=True, inline="always")
def _face_velocity(u, v, w, axis, i, j, k, xe, xc, ye, yc, ze, zc):
    """The velocity (m/s) at face (i, j, k) of face array `axis`: its own component exactly,
    the other two interpolated at the face (as `airfield_ffd_kernel.advect_rect`)."""
    if axis == 0:
        i0, i1, fx = _edge_at_centres(xe, xc, i)
        return (u[i, j, k], _tri(v, i0, i1, fx, j, j + 1, 0.5, k, k, 0.0),
                _tri(w, i0, i1, fx, j, j, 0.0, k, k + 1, 0.5))  # fmt: skip
    if axis == 1:
        j0, j1, fy = _edge_at_centres(ye, yc, j)
        return (_tri(u, i, i + 1, 0.5, j0, j1, fy, k, k, 0.0), v[i, j, k],
                _tri(w, i, i, 0.0, j0, j1, fy, k, k + 1, 0.5))  # fmt: skip
    k0, k1, fz = _edge_at_centres(ze, zc, k)
    return (_tri(u, i, i + 1, 0.5, j, j, 0.0, k0, k1, fz),
            _tri(v, i, i, 0.0, j, j + 1, 0.5, k0, k1, fz), w[i, j, k])  # fmt: skip


@nb.njit(cache=True, parallel=PARALLEL)
def trace_rect(u, v, w, arr, axis, ijk, xe, xc, ye, yc, ze, zc, dt, out, lo, hi) -> None:
    """out[q] = `arr` (a face array of axis `axis`) at the foot of the trace from face ijk[q]
    along the velocity (u, v, w) for time dt (dt < 0: forward), trilinear; lo[q], hi[q] the
    smallest and largest of the eight values it was interpolated from."""
    xs = xe if axis == 0 else xc
    ys = ye if axis == 1 else yc
    zs = ze if axis == 2 else zc
    for q in nb.prange(ijk.shape[0]):
        i, j, k = ijk[q, 0], ijk[q, 1], ijk[q, 2]
        vx, vy, vz = _face_velocity(u, v, w, axis, i, j, k, xe, xc, ye, yc, ze, zc)
        i0, i1, fx = _locate(xs, xs[i] - dt * vx, i)
        j0, j1, fy = _locate(ys, ys[j] - dt * vy, j)
        k0, k1, fz = _locate(zs, zs[k] - dt * vz, k)
        out[q] = _tri(arr, i0, i1, fx, j0, j1, fy, k0, k1, fz)
        a, b = np.inf, -np.inf
        for ii in (i0, i1):
            for jj in (j0, j1):
                for kk in (k0, k1):
                    a, b = min(a, arr[ii, jj, kk]), max(b, arr[ii, jj, kk])
        lo[q], hi[q] = a, b


@nb.njit(cache=True)
def _maccormack(u, v, w, axis, ijk, at, xe, xc, ye, yc, ze, zc, dt, out) -> None:
    """out = face array `axis`'s moving faces (ijk, flat indices at) advected for dt by the
    clamped MacCormack scheme, every read at the step's start (u, v, w unchanged)."""
    arr = u if axis == 0 else (v if axis == 1 else w)
    m = ijk.shape[0]
    lo, hi, back, spare = np.empty(m), np.empty(m), np.empty(m), np.empty((2, m))
    trace_rect(u, v, w, arr, axis, ijk, xe, xc, ye, yc, ze, zc, dt, out, lo, hi)
    ahead = arr.copy()
    flat = ahead.reshape(-1)
    for q in range(m):
        flat[at[q]] = out[q]
    trace_rect(u, v, w, ahead, axis, ijk, xe, xc, ye, yc, ze, zc, -dt, back, spare[0], spare[1])
    src = arr.reshape(-1)
    for q in range(m):
        c = out[q] + 0.5 * (src[at[q]] - back[q])
        out[q] = c if lo[q] <= c <= hi[q] else out[q]


@nb.njit(cache=True)
def predict_rect_mc(u, v, w, fix_u, fix_v, fix_w, ijk_u, ijk_v, ijk_w, at_u, at_v, at_w, xe, xc,
                    ye, yc, ze, zc, dt, coef_u, coef_v, coef_w, fv_u, fv_v, fv_w, k_nu, which,
                    idx, area, new_u, new_v, new_w, f_star) -> None:  # fmt: skip
    """`airfield_ffd_kernel.predict_rect` with the MacCormack advection (no midpoint)."""
    uf, vf, wf = u.reshape(-1), v.reshape(-1), w.reshape(-1)
    _pin(uf, fix_u)
    _pin(vf, fix_v)
    _pin(wf, fix_w)
    _maccormack(u, v, w, 0, ijk_u, at_u, xe, xc, ye, yc, ze, zc, dt, new_u)
    _maccormack(u, v, w, 1, ijk_v, at_v, xe, xc, ye, yc, ze, zc, dt, new_v)
    _maccormack(u, v, w, 2, ijk_w, at_w, xe, xc, ye, yc, ze, zc, dt, new_w)
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
