"""Buoyancy of the air field (`twin.solve.airfield`): warm air rises, cool air slumps.

The potential flow carries no buoyancy. Here the flow gets a buoyant part in the Darcy-
Boussinesq form (the seepage model of convection, e.g. Nield and Bejan, Convection in
Porous Media, 5th ed., 2017, ch. 6): a vertical face flux ``k theta A`` per kelvin of the
face's temperature above the supply, made divergence-free by the same Laplacian as the
potential flow (one more back-solve of its factors): ``L p = -div w``, ``F_b = g dp + w``.
A horizontally uniform layer of warm air is then hydrostatic and moves nothing; only
warm air beside cool air moves: the exhaust rises and spreads under the ceiling, the
supply slumps and spreads along the floor, and a warm layer is held up by its own
extent, as deep as the heat it must carry needs. The temperature it follows is the
field's own at the racks' exhaust rise (every rack's intake feeding its exhaust), found
by under-relaxed fixed-point iteration; the tracer matrix of the shares is then built on
the converged flow (so the shares stay linear in the racks' heat, at that flow).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from twin.solve.airfield_lu import factorise

RELAX = 0.5
"""Under-relaxation of the temperature between iterations."""
TOL_K = 0.02
"""Largest change of any cell's temperature, K, at which the iteration stops."""
MAX_ITER = 60
"""Iterations before the field reports that its buoyancy did not settle."""


class _Tracer:
    """The field's tracer matrix for any face flux: upwind advection, diffusion ``dg`` per
    face, a drift ``drift_flux`` up every vertical face, the cells' sinks and the jets'
    entrainment (path cells -> release cells)."""

    def __init__(self, fp, fn, dg, up, drift_flux, sink, jets):
        self.fp, self.fn, self.dg, self.up = fp, fn, dg, up
        self.drift, self.sink, self.jets = drift_flux, sink, jets
        self.m = len(sink)

    def matrix(self, flux: np.ndarray) -> sp.csr_matrix:
        fp, fn, dg, m = self.fp, self.fn, self.dg, self.m
        heat_flux = flux + np.where(self.up, self.drift, 0.0)
        out_p = np.maximum(heat_flux, 0.0)  # P -> N
        out_n = np.maximum(-heat_flux, 0.0)  # N -> P
        diag = np.bincount(fp, out_p + dg, m) + np.bincount(fn, out_n + dg, m) + self.sink
        er, ec, ev = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for pp, pw, rr, rw, q_e in self.jets:  # tracer: leaves the path, enters at the release
            diag += np.bincount(pp, q_e * pw, m)
            er.append(np.repeat(rr, len(pp)))
            ec.append(np.tile(pp, len(rr)))
            ev.append(-q_e * np.outer(rw, pw).ravel())
        return sp.csr_matrix(
            (
                np.r_[diag, -(out_n + dg), -(out_p + dg), np.concatenate(ev)],
                (
                    np.r_[np.arange(m), fp, fn, np.concatenate(er)],
                    np.r_[np.arange(m), fn, fp, np.concatenate(ec)],
                ),
            ),
            shape=(m, m),
        )


def temperature(a: sp.spmatrix, rhs: sp.csc_matrix, w_mean: sp.csr_matrix, rise_k):
    """Cell temperatures above the supply, K, with every rack's exhaust its intake mean plus
    its rise: ``(A - R W) theta = R rise`` (R: the racks' exhaust flows by cell, W: their
    intake means), one sparse LU."""
    coupled = sp.csc_matrix(a) - sp.csc_matrix(rhs @ w_mean)
    return factorise(coupled).solve(rhs @ rise_k)


def buoyant_flux(flux, tracer: _Tracer, rhs, w_mean, rise_k, k_m_s_k, lu_lap, gf, dz):
    """The face flux with its buoyant part, and what the iteration did (for `info`)."""
    fp, fn, up = tracer.fp, tracer.fn, tracer.up
    area = np.where(up, gf * dz, 0.0)  # vertical faces' area (baffles: their conductance)
    m = tracer.m
    theta = temperature(tracer.matrix(flux), rhs, w_mean, rise_k)
    total, change, it = flux, np.inf, 0
    while it < MAX_ITER:
        it += 1
        w = k_m_s_k * 0.5 * (theta[fp] + theta[fn]) * area
        div = np.bincount(fp, w, m) - np.bincount(fn, w, m)
        p = lu_lap.solve(-div)
        total = flux + gf * (p[fp] - p[fn]) + w
        new = temperature(tracer.matrix(total), rhs, w_mean, rise_k)
        change = float(np.abs(new - theta).max())
        theta = theta + RELAX * (new - theta)
        if change < TOL_K:
            break
    return total, {
        "buoyancy_iterations": it,
        "buoyancy_change_k": change,
        "buoyant_flux_m3_s": float(np.abs(total - flux).max()),
    }
