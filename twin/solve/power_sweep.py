"""Backward/forward sweep on the live radial forest, vectorised by depth level.

Power summation form: the backward pass sums complex power from the leaves
up, adding each stage's loss (element, no-load shunt, cable) with the
currents of the latest voltages; the forward pass updates voltages from the
sources down. For a radial network this converges to the exact AC solution
(the one Newton-Raphson finds); each pass is a few numpy operations per
depth level, never a Python loop over elements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.solve.power_model import S_BASE_KVA, UPS, PowerModel

TOL_PU = 1e-10
"""Voltage change (pu) between sweeps at which we stop."""
MAX_SWEEPS = 100


@dataclass
class Flow:
    """Converged flows, pu on S_BASE_KVA (complex), per power element."""

    v: np.ndarray  # bus voltage of the element
    w: np.ndarray  # element input terminal, after its cable (pu of the parent's nominal)
    s_out: np.ndarray  # power leaving the bus downstream (loads + children)
    s_term: np.ndarray  # power entering the element at its input terminal
    s_in: np.ndarray  # power drawn from the parent bus (cable included)
    i_el: np.ndarray  # current through the element, own bus base
    i_c: np.ndarray  # cable current, parent base
    loss_cable: np.ndarray  # real, pu
    loss_el: np.ndarray  # real, pu: transformer (series + no-load), PDU, UPS
    sweeps: int


def levels_of(parent: np.ndarray, is_root: np.ndarray, n_levels: int) -> list[np.ndarray]:
    """Index arrays of the live non-root nodes by depth 1, 2, ... in the active forest."""
    depth = np.where(is_root, 0, -1)
    p = np.maximum(parent, 0)
    for _ in range(n_levels + 1):
        dp = depth[p]
        new = np.where(is_root, 0, np.where((parent >= 0) & (dp >= 0), dp + 1, -1))
        if np.array_equal(new, depth):
            break
        depth = new
    order = np.argsort(depth, kind="stable")
    d_sorted = depth[order]
    cuts = np.searchsorted(d_sorted, np.arange(1, d_sorted.max(initial=0) + 2))
    return [order[cuts[k] : cuts[k + 1]] for k in range(len(cuts) - 1)]


def sweep(m: PowerModel, parent: np.ndarray, is_root: np.ndarray, s_load: np.ndarray) -> Flow:
    """Solve the forest given by `parent` (-1 = root or dead) with constant-power loads `s_load`."""
    n = m.n
    levels = levels_of(parent, is_root, m.n_levels)
    p = np.maximum(parent, 0)
    v_par_nom = m.v_kv[p]
    zc = m.zc_ohm * (S_BASE_KVA / 1000.0) / v_par_nom**2
    ratio = v_par_nom / m.v_in_base_kv
    live = is_root.copy()
    for idx in levels:
        live[idx] = True
    v = np.where(live, 1.0 + 0j, 0j)
    w = v.copy()
    s_out = np.zeros(n, complex)
    s_term = np.zeros(n, complex)
    s_in = np.zeros(n, complex)
    i_el = np.zeros(n, complex)
    i_c = np.zeros(n, complex)
    loss_el = np.zeros(n)
    r_el, g0, dc = m.z_el.real, m.g0, m.ups_dc
    l0, l1, l2 = m.ups_l.T
    is_ups = m.kind == UPS
    sweeps = 0
    while sweeps < MAX_SWEEPS:
        sweeps += 1
        child = np.zeros(n, complex)
        for idx in reversed(levels):
            so = s_load[idx] + child[idx]
            ie = np.conj(so / v[idx])
            a2 = np.abs(ie) ** 2
            x = np.sqrt(a2) / m.i_rated_pu[idx]
            ups_loss = np.where(
                is_ups[idx], m.i_rated_pu[idx] * (l0[idx] + l1[idx] * x + l2[idx] * x**2), 0.0
            )
            shunt = g0[idx] * np.abs(w[idx]) ** 2
            st = so + m.z_el[idx] * a2
            st = np.where(dc[idx], st.real, st) + ups_loss + shunt
            ic = np.conj(st / w[idx])
            si = st + zc[idx] * np.abs(ic) ** 2
            s_out[idx], s_term[idx], s_in[idx], i_el[idx], i_c[idx] = so, st, si, ie, ic
            loss_el[idx] = r_el[idx] * a2 + ups_loss + shunt
            par = parent[idx]
            child += np.bincount(par, si.real, n) + 1j * np.bincount(par, si.imag, n)
        s_out[is_root] = s_load[is_root] + child[is_root]
        dv = 0.0
        for idx in levels:
            wn = v[parent[idx]] - zc[idx] * i_c[idx]
            vn = np.where(dc[idx], 1.0 + 0j, wn * ratio[idx] - m.z_el[idx] * i_el[idx])
            dv = max(dv, float(np.abs(vn - v[idx]).max(initial=0.0)))
            w[idx], v[idx] = wn, vn
        if dv < TOL_PU:
            break
    loss_cable = np.where(live & ~is_root, zc.real * np.abs(i_c) ** 2, 0.0)
    return Flow(v, w, s_out, s_term, s_in, i_el, i_c, loss_cable, loss_el, sweeps)
