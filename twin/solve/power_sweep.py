"""Backward/forward sweep on the live radial forest, vectorised by depth level.

Power summation form: the backward pass sums complex power from the leaves
up, adding each stage's loss (element, no-load shunt, cable) with the
currents of the latest voltages; the forward pass updates voltages from the
sources down. For a radial network this converges to the exact AC solution
(the one Newton-Raphson finds); each pass is a few numpy operations per
depth level, never a Python loop over elements.

Convergence is reported, never assumed: `Flow.converged` is set only when the
largest voltage change of a sweep (at every bus and every cable end) fell
below `TOL_PU` with every voltage finite. Past the nose of the PV curve (a
load a cable cannot carry: no AC solution exists, pandapower's Newton-Raphson
raises LoadflowNotConverged)
the sweep oscillates or diverges; it then stops at `MAX_SWEEPS` (or at the
first non-finite voltage) and says so: `residual_pu` is the last sweep's
largest voltage change, `mismatch_kw` each element's change of drawn real
power over that sweep, `worst` the element where the voltage moved most.
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
    levels: list[np.ndarray] | None = None  # live non-root nodes by depth, as swept
    converged: bool = True  # last voltage change < TOL_PU, every value finite
    residual_pu: float = 0.0  # largest voltage change of the last sweep, pu
    mismatch_kw: np.ndarray | None = None  # |change of P drawn| over the last sweep, kW
    worst: int = -1  # element (Twin order) whose voltage changed most in the last sweep


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
    """Solve the forest given by `parent` (-1 = root or dead) with constant-power loads `s_load`.

    Nodes are permuted once into depth order so that each level is a
    contiguous slice and its parents a contiguous slice of the level above.
    """
    n = m.n
    levels = levels_of(parent, is_root, m.n_levels)
    roots = np.flatnonzero(is_root)
    perm = np.concatenate([roots, *levels]) if levels else roots
    nn = len(perm)
    inv = np.full(n, -1, dtype=np.int64)
    inv[perm] = np.arange(nn)
    bounds = np.cumsum([0, len(roots), *map(len, levels)])
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))  # span 0 = roots

    par = inv[np.maximum(parent[perm], 0)]
    v_par_nom = m.v_kv[np.maximum(parent[perm], 0)]
    zc = m.zc_ohm[perm] * (S_BASE_KVA / 1000.0) / v_par_nom**2
    ratio = v_par_nom / m.v_in_base_kv[perm]
    z_el, g0, dc = m.z_el[perm], m.g0[perm], m.ups_dc[perm]
    r_el = z_el.real
    i_r = m.i_rated_pu[perm]
    l0, l1, l2 = m.ups_l[perm].T
    is_ups = m.kind[perm] == UPS
    load = s_load[perm]

    v = np.ones(nn, complex)
    w = np.ones(nn, complex)
    s_out, s_term, s_in = (np.zeros(nn, complex) for _ in range(3))
    i_el, i_c = np.zeros(nn, complex), np.zeros(nn, complex)
    loss_el = np.zeros(nn)
    sweeps = 0
    converged = False
    dv_node = np.zeros(nn)
    p_prev = np.zeros(nn)
    with np.errstate(all="ignore"):  # a diverging sweep is reported (Flow.converged), not warned
        while sweeps < MAX_SWEEPS:
            sweeps += 1
            p_prev = s_in.real.copy()
            child = np.zeros(nn, complex)
            for k in range(len(spans) - 1, 0, -1):
                a, b = spans[k]
                pa, pb = spans[k - 1]
                so = load[a:b] + child[a:b]
                ie = np.conj(so / v[a:b])
                a2 = ie.real**2 + ie.imag**2
                x = np.sqrt(a2) / i_r[a:b]
                ups = np.where(is_ups[a:b], i_r[a:b] * (l0[a:b] + (l1[a:b] + l2[a:b] * x) * x), 0.0)
                wk = w[a:b]
                shunt = g0[a:b] * (wk.real**2 + wk.imag**2)
                st = so + z_el[a:b] * a2
                st = np.where(dc[a:b], st.real, st) + (ups + shunt)
                ic = np.conj(st / wk)
                si = st + zc[a:b] * (ic.real**2 + ic.imag**2)
                s_out[a:b], s_term[a:b], s_in[a:b], i_el[a:b], i_c[a:b] = so, st, si, ie, ic
                loss_el[a:b] = r_el[a:b] * a2 + ups + shunt
                up = par[a:b] - pa
                child[pa:pb] += np.bincount(up, si.real, pb - pa) + 1j * np.bincount(
                    up, si.imag, pb - pa
                )
            s_out[: spans[0][1]] = load[: spans[0][1]] + child[: spans[0][1]]
            for a, b in spans[1:]:
                wn = v[par[a:b]] - zc[a:b] * i_c[a:b]
                vn = np.where(dc[a:b], 1.0 + 0j, wn * ratio[a:b] - z_el[a:b] * i_el[a:b])
                # the cable end too: behind a UPS's 1.0 pu output it is the only voltage
                # that moves, and the UPS's cable loss with it
                dv_node[a:b] = np.maximum(np.abs(vn - v[a:b]), np.abs(wn - w[a:b]))
                w[a:b], v[a:b] = wn, vn
            dv = float(dv_node.max(initial=0.0))
            if not np.isfinite(dv):
                break  # diverged: no point sweeping on
            if dv < TOL_PU:
                converged = True
                break
    converged = converged and all(np.isfinite(x).all() for x in (v, w, s_in, s_out))
    loss_cable = zc.real * (i_c.real**2 + i_c.imag**2)
    loss_cable[: spans[0][1]] = 0.0

    def back(x, fill=0.0):
        out = np.full(n, fill, dtype=x.dtype)
        out[perm] = x
        return out

    mismatch = np.abs(s_in.real - p_prev) * S_BASE_KVA
    mismatch[: spans[0][1]] = 0.0  # sources draw from no parent
    dvn = np.where(np.isfinite(dv_node), dv_node, np.inf)
    return Flow(
        back(v, 0j), back(w, 0j), back(s_out), back(s_term), back(s_in), back(i_el), back(i_c),
        back(loss_cable), back(loss_el), sweeps, levels,
        converged=converged,
        residual_pu=float(dvn.max(initial=0.0)),
        mismatch_kw=back(np.where(np.isfinite(mismatch), mismatch, np.inf)),
        worst=int(perm[int(np.argmax(dvn))]) if nn else -1,
    )  # fmt: skip
