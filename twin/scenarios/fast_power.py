"""Fast N-1/N-2 of the power chain: every contingency from one base solve.

A failure in a radial chain changes little: the failed element's subtree
dies, elements behind a transfer switch re-root on their alternate, and dual
-corded racks move their load onto the surviving cord. Every other element's
flow changes only through the sums over its subtree. So, per batch of
contingencies (columns k):

1. liveness of every element in every contingency: one vectorised fixpoint
   over a dense (elements x contingencies) boolean array;
2. the injection changes dx (cord load moved A->B, dead elements' load
   removed) and the transferred subtrees (moved from their upstream to their
   alternate) as a sparse set of (element, k) entries;
3. the set E of (element, k) whose flow or voltage can change: the base-tree
   ancestors of every change (a sparse ancestor-matrix product), the
   transferred subtrees, and the children of changed elements down to the
   next voltage source (a double-conversion UPS output or a source);
4. on E only, the same stage equations as the AC backward/forward sweep
   (`twin.solve.power_sweep`): subtree sums of injections plus losses through
   the entry-level ancestor matrix (one sparse mat-vec per iteration), losses
   from the new currents, voltages forward from the sources level by level.

Elements outside E keep their base flow, which is exact: nothing in their
subtree, their path to the source or their voltage changed. Tests compare
every element with a full re-solve (1e-6 kW; ~1e-8 kW seen). Cost scales with
the size of the changes, not with contingencies x network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.solve.power import EXTRA_LOAD_PF
from twin.solve.power_model import S_BASE_KVA, UPS, PowerModel, power_model
from twin.solve.power_sweep import Flow, sweep
from twin.solve.results import Results

MAX_ITER = 60
TOL_PU = 1e-10
"""Change in any entry (pu on S_BASE_KVA) at which the contingency iteration stops."""
OVERLOAD_PCT = 100.0
V_MIN_PU = 0.95


@dataclass
class PowerBase:
    """The base state as arrays, reused for every contingency."""

    m: PowerModel
    failed0: np.ndarray
    live0: np.ndarray
    parent0: np.ndarray
    is_root0: np.ndarray
    flow: Flow
    s_load0: np.ndarray  # complex pu, per element
    s_in0: np.ndarray  # what each element draws (sources: what they deliver)
    lam0: np.ndarray  # s_in0 - s_out0 (0 at roots)
    loading0: np.ndarray
    p_rack_kw: np.ndarray
    live_a0: np.ndarray
    live_b0: np.ndarray
    pa0: np.ndarray
    pb0: np.ndarray
    anc_rows: np.ndarray  # base-forest (ancestor, node) pairs, self included
    anc_cols: np.ndarray
    node_racks: sp.csr_matrix  # elements x racks: 1 where a rack's cord A or B hangs
    anc: sp.csr_matrix  # anc[i, j] = 1: i is j or above j in the base forest
    children: sp.csr_matrix  # children[p, c] = 1: c is fed from p in the base forest
    order_load: np.ndarray  # live non-source elements, highest base loading first
    order_vm: np.ndarray  # live elements, lowest base voltage first


def _ancestor_pairs(parent: np.ndarray, live: np.ndarray, n_levels: int):
    """(ancestor-or-self, node) index pairs in the forest given by `parent`."""
    nodes = np.flatnonzero(live)
    rows, cols = [nodes], [nodes]
    cur = parent[nodes]
    for _ in range(n_levels + 1):
        ok = cur >= 0
        if not ok.any():
            break
        nodes, cur = nodes[ok], cur[ok]
        rows.append(cur)
        cols.append(nodes)
        cur = parent[cur]
    return np.concatenate(rows), np.concatenate(cols)


def power_base(twin, base: Results, failed0: frozenset[str] = frozenset()) -> PowerBase:
    """Arrays of the base solve `base` (a `solve_power`/`run` result for the same twin)."""
    m = power_model(twin)
    n = m.n
    rp = base["res_power"].reindex(m.ids)
    rr = base["res_rack"].reindex(m.rack_ids)
    live0 = rp["live"].to_numpy(dtype=bool)
    fed_from = rp["fed_from"].map(m.pos).fillna(-1).to_numpy(dtype=np.int64)
    parent0 = np.where(live0 & ~m.is_source, fed_from, -1)
    is_root0 = m.is_source & live0
    s_in = (rp["p_kw"].to_numpy(float) + 1j * rp["q_kvar"].to_numpy(float)) / S_BASE_KVA
    s_out = (rp["p_out_kw"].to_numpy(float) + 1j * rp["q_out_kvar"].to_numpy(float)) / S_BASE_KVA
    s_in = np.where(live0, s_in, 0j)
    s_out = np.where(live0, s_out, 0j)
    kid = parent0 >= 0
    child = np.bincount(parent0[kid], s_in[kid].real, n) + 1j * np.bincount(
        parent0[kid], s_in[kid].imag, n
    )
    s_load0 = np.where(live0, s_out - child, 0j)
    flow = sweep(m, parent0, is_root0, s_load0)
    s_in0 = np.where(m.is_source, flow.s_out, flow.s_in)
    s_in0 = np.where(live0, s_in0, 0j)
    lam0 = np.where(live0 & ~m.is_source, flow.s_in - flow.s_out, 0j)
    rows, cols = _ancestor_pairs(parent0, live0, m.n_levels)
    pa0 = rr["p_a_kw"].to_numpy(float)
    pb0 = rr["p_b_kw"].to_numpy(float)
    failed = m.ids.isin(list(failed0)) if failed0 else np.zeros(n, dtype=bool)
    nr = len(m.rack_ids)
    cords = [(m.rack_a >= 0), (m.rack_b >= 0)]
    node_racks = sp.csr_matrix(
        (
            np.ones(int(cords[0].sum() + cords[1].sum())),
            (
                np.concatenate([m.rack_a[cords[0]], m.rack_b[cords[1]]]),
                np.concatenate([np.flatnonzero(cords[0]), np.flatnonzero(cords[1])]),
            ),
        ),
        shape=(n, nr),
    )
    kid = np.flatnonzero(parent0 >= 0)
    return PowerBase(
        m=m,
        failed0=failed,
        live0=live0,
        parent0=parent0,
        is_root0=is_root0,
        flow=flow,
        s_load0=s_load0,
        s_in0=s_in0,
        lam0=lam0,
        loading0=rp["loading_pct"].to_numpy(float),
        p_rack_kw=pa0 + pb0,
        live_a0=rr["live_a"].to_numpy(dtype=bool),
        live_b0=rr["live_b"].to_numpy(dtype=bool),
        pa0=pa0,
        pb0=pb0,
        anc_rows=rows,
        anc_cols=cols,
        node_racks=node_racks,
        anc=sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)),
        children=sp.csr_matrix((np.ones(len(kid)), (parent0[kid], kid)), shape=(n, n)),
        order_load=_order(rp["loading_pct"].to_numpy(float), live0 & ~m.is_source, -1),
        order_vm=_order(np.abs(flow.v), live0, 1),
    )


def _order(values: np.ndarray, mask: np.ndarray, sign: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    return idx[np.argsort(sign * values[idx], kind="stable")]


@dataclass
class BatchFlows:
    """Per-contingency power results of one batch, stored sparsely on the changed entries E."""

    base: PowerBase
    live: np.ndarray  # (n, K) bool
    lost_rack: np.ndarray  # (rack, k) pairs of racks that lost both cords in contingency k
    lost_col: np.ndarray
    keys: np.ndarray  # sorted k * n + element of the entries E
    e_node: np.ndarray
    e_col: np.ndarray
    e_live: np.ndarray
    p_kw: np.ndarray
    loading_pct: np.ndarray
    vm_pu: np.ndarray
    iterations: int

    def rack_fed(self, k: int) -> np.ndarray:
        """Fed flags of every rack in contingency k."""
        b = self.base
        fed = b.live_a0 | b.live_b0
        fed[self.lost_rack[self.lost_col == k]] = False
        return fed

    def in_e(self, i: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Whether (element i, contingency k) is one of the changed entries."""
        if not len(self.keys):
            return np.zeros(np.shape(i), dtype=bool)
        q = k * self.base.m.n + i
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return self.keys[pos] == q

    def column(self, k: int) -> pd.DataFrame:
        """Full res_power-like table (p_kw, loading_pct, vm_pu, live) of contingency k."""
        b = self.base
        m = b.m
        live = self.live[:, k]
        p = np.where(live, np.where(m.is_source, b.flow.s_out, b.flow.s_in).real * S_BASE_KVA, 0)
        load = np.where(live, b.loading0, 0.0)
        vm = np.where(live, np.abs(b.flow.v), np.nan)
        sel = self.e_col == k
        idx = self.e_node[sel]
        p[idx], load[idx], vm[idx] = self.p_kw[sel], self.loading_pct[sel], self.vm_pu[sel]
        return pd.DataFrame(
            {"p_kw": p, "loading_pct": load, "vm_pu": vm, "live": live}, index=m.ids
        )


def _liveness(b: PowerBase, fail: np.ndarray) -> np.ndarray:
    """(n, K) live flags given (n, K) failed flags: fixpoint over depth levels."""
    m = b.m
    up, alt = np.maximum(m.up, 0), np.maximum(m.alt, 0)
    has_up, has_alt = (m.up >= 0)[:, None], (m.alt >= 0)[:, None]
    src = m.is_source[:, None]
    live = np.zeros_like(fail)
    for _ in range(m.n_levels + 2):
        new = ~fail & (src | (has_up & live[up]) | (has_alt & live[alt]))
        if np.array_equal(new, live):
            break
        live = new
    return live


def _voltage_shadow(b: PowerBase, live: np.ndarray, in_e: np.ndarray) -> None:
    """Add to `in_e` (K x n) the base-forest children of every changed entry whose voltage can move.

    A changed flow moves the voltage of everything fed below it, down to the
    next voltage source (a double-conversion UPS output, 1.0 pu). Sources are
    stiff, so their children only enter through their own flow changes.
    """
    m = b.m
    n = m.n
    stiff = m.is_source | m.ups_dc
    fk, fi = np.divmod(np.flatnonzero(in_e), n)
    for _ in range(m.n_levels + 1):
        sel = live[fi, fk] & ~stiff[fi]
        if not sel.any():
            break
        hit = b.children[fi[sel]].tocoo()
        ck, ci = fk[sel][hit.row], hit.col
        new = ~in_e[ck, ci]
        fk, fi = ck[new], ci[new]
        in_e[fk, fi] = True


def solve_batch(b: PowerBase, failed: list[np.ndarray], extra=None) -> BatchFlows:
    """Power flows of contingencies `failed` (each an array of element indices).

    `extra`: optional (element index, contingency, kW) arrays of changes in the
    non-rack load on live elements (cooling units stopping or picking up duty),
    drawn at `twin.solve.power.EXTRA_LOAD_PF`.
    """
    m = b.m
    n, k_n = m.n, len(failed)
    fail = np.repeat(b.failed0[:, None], k_n, axis=1)
    cols = np.repeat(np.arange(k_n), [len(f) for f in failed])
    if len(cols):
        fail[np.concatenate(failed).astype(np.int64), cols] = True
    live = _liveness(b, fail)

    def parent_of(i: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The element feeding i in contingency k: upstream if live, else alternate, else -1."""
        up, alt = m.up[i], m.alt[i]
        up_ok = (up >= 0) & live[np.maximum(up, 0), k]
        alt_ok = (alt >= 0) & live[np.maximum(alt, 0), k]
        ok = live[i, k] & ~m.is_source[i]
        return np.where(ok, np.where(up_ok, up, np.where(alt_ok, alt, -1)), -1)

    # only elements with an alternate can change parent (failures only remove sources)
    alt_rows = np.flatnonzero(m.alt >= 0)
    ai = np.repeat(alt_rows, k_n)
    ak = np.tile(np.arange(k_n), len(alt_rows))
    moved = live[ai, ak] & (parent_of(ai, ak) != b.parent0[ai])
    tr_i, tr_k = ai[moved], ak[moved]
    # only base-forest descendants of a failed element can die
    f_i = np.concatenate(failed).astype(np.int64) if len(cols) else np.zeros(0, np.int64)
    sub = b.anc[f_i].tocoo()
    cand = np.unique(cols[sub.row].astype(np.int64) * n + sub.col)
    cand_k, cand_i = np.divmod(cand, n)
    gone = b.live0[cand_i] & ~live[cand_i, cand_k]
    dead_i, dead_k = cand_i[gone], cand_k[gone]

    # racks on a dead element: cords move to the surviving side
    hit = b.node_racks[dead_i].tocoo()
    pairs = np.unique(dead_k[hit.row].astype(np.int64) * len(m.rack_ids) + hit.col)
    ch_k, ch_r = np.divmod(pairs, len(m.rack_ids))
    la_c = (m.rack_a[ch_r] >= 0) & live[np.maximum(m.rack_a[ch_r], 0), ch_k]
    lb_c = (m.rack_b[ch_r] >= 0) & live[np.maximum(m.rack_b[ch_r], 0), ch_k]
    was_fed = b.live_a0[ch_r] | b.live_b0[ch_r]
    lost = was_fed & ~la_c & ~lb_c
    sa = np.where(la_c & lb_c, m.rack_split_a[ch_r], la_c.astype(float))
    sb = np.where(lb_c, 1.0 - sa, 0.0)
    p = b.p_rack_kw[ch_r]
    tan = 1.0 + 1j * m.rack_tan_phi[ch_r]
    dpa = (p * sa - b.pa0[ch_r]) * tan / S_BASE_KVA
    dpb = (p * sb - b.pb0[ch_r]) * tan / S_BASE_KVA
    dx_i = np.concatenate([m.rack_a[ch_r][la_c], m.rack_b[ch_r][lb_c], dead_i])
    dx_k = np.concatenate([ch_k[la_c], ch_k[lb_c], dead_k])
    dx_v = np.concatenate([dpa[la_c], dpb[lb_c], -b.s_load0[dead_i]])
    if extra is not None and len(extra[0]):
        x_i, x_k, x_kw = (np.asarray(a) for a in extra)
        ok = live[x_i, x_k]
        tan_x = np.sqrt(1.0 - EXTRA_LOAD_PF**2) / EXTRA_LOAD_PF
        dx_i = np.concatenate([dx_i, x_i[ok]])
        dx_k = np.concatenate([dx_k, x_k[ok]])
        dx_v = np.concatenate([dx_v, x_kw[ok] * (1.0 + 1j * tan_x) / S_BASE_KVA])

    # entries E: base-tree ancestors of every change, plus transferred subtrees
    anc = b.anc
    sub_i, sub_k = [], []
    if len(tr_i):
        desc = anc[tr_i].tocoo()  # row t: the base subtree of transferred root tr_i[t]
        sub_i, sub_k = [desc.col], [tr_k[desc.row]]
    tr_par = parent_of(tr_i, tr_k)
    seed_i = np.concatenate([dx_i, b.parent0[tr_i], tr_par, *sub_i]).astype(np.int64)
    seed_k = np.concatenate([dx_k, tr_k, tr_k, *sub_k]).astype(np.int64)
    ok = seed_i >= 0
    seed = sp.csr_matrix((np.ones(ok.sum()), (seed_i[ok], seed_k[ok])), shape=(n, k_n))
    in_e = (seed.T @ anc.T).toarray() > 0  # (K, n): entries E as a dense mask
    _voltage_shadow(b, live, in_e)
    keys = np.flatnonzero(in_e)  # sorted k * n + i
    e_k, e_i = np.divmod(keys, n)
    ne = len(keys)

    def entry(i: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Position of (i, k) in E, -1 if absent."""
        q = k * n + i
        pos = np.searchsorted(keys, q)
        pos = np.minimum(pos, max(ne - 1, 0))
        return np.where((i >= 0) & (ne > 0) & (keys[pos] == q), pos, -1)

    e_live = live[e_i, e_k]
    e_root = m.is_source[e_i] & e_live
    e_par = parent_of(e_i, e_k)
    pe = entry(e_par, e_k)  # new-forest parent entry
    pe0 = entry(b.parent0[e_i], e_k)  # base-forest parent entry (ancestor-closed)

    # entry-level ancestor matrix of the base forest: A[a, e] = 1 if a is e or above it
    rows, cols = _ancestor_pairs(pe0, np.ones(ne, dtype=bool), m.n_levels)
    a_e = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(ne, ne)).astype(complex)

    dx = np.zeros(ne, complex)
    pos = entry(dx_i, dx_k)
    np.add.at(dx, pos, dx_v)
    t_e = entry(tr_i, tr_k)
    t_up = entry(b.parent0[tr_i], tr_k)
    t_alt = entry(tr_par, tr_k)

    # stage constants on E (the new parent sets cable base and tap ratio)
    f = b.flow
    pn = np.maximum(e_par, 0)
    v_par_nom = m.v_kv[pn]
    zc = m.zc_ohm[e_i] * (S_BASE_KVA / 1000.0) / v_par_nom**2
    ratio = v_par_nom / m.v_in_base_kv[e_i]
    z_el, g0, dc = m.z_el[e_i], m.g0[e_i], m.ups_dc[e_i]
    l0, l1, l2 = m.ups_l[e_i].T
    i_rated = m.i_rated_pu[e_i]
    is_ups = m.kind[e_i] == UPS
    stage = e_live & ~e_root
    s_in0, lam0 = b.s_in0[e_i], b.lam0[e_i]
    v, w = f.v[e_i].copy(), f.w[e_i].copy()
    v = np.where(e_root, 1.0 + 0j, v)
    v_par_base = f.v[pn]
    dlam = np.where(e_live, 0j, -lam0)
    # live non-root entries by depth below the nearest entry outside E or root
    depth = np.where(stage, -1, 0)
    for _ in range(m.n_levels + 2):
        pd_ = np.where(pe >= 0, depth[np.maximum(pe, 0)], 0)
        new = np.where(stage, np.where(pd_ >= 0, pd_ + 1, -1), 0)
        if np.array_equal(new, depth):
            break
        depth = new
    order = np.argsort(depth, kind="stable")
    cuts = np.searchsorted(depth[order], np.arange(1, depth.max(initial=0) + 2))
    levels = [order[cuts[j] : cuts[j + 1]] for j in range(len(cuts) - 1)]
    moves = np.zeros(ne, complex)
    ie = np.zeros(ne, complex)
    it = 0
    for it in range(1, MAX_ITER + 1):
        s_in = s_in0 + a_e @ (dx + dlam + moves)
        s_out = s_in - (lam0 + dlam)
        # stage equations of power_sweep.sweep with the present voltages
        vs = np.where(stage, v, 1.0)
        ws = np.where(stage, w, 1.0)
        ie = np.conj(s_out / vs)
        a2 = np.abs(ie) ** 2
        x = np.sqrt(a2) / i_rated
        ups_loss = np.where(is_ups, i_rated * (l0 + l1 * x + l2 * x**2), 0.0)
        shunt = g0 * np.abs(ws) ** 2
        st = s_out + z_el * a2
        st = np.where(dc, st.real, st) + ups_loss + shunt
        ic = np.conj(st / ws)
        si = st + zc * np.abs(ic) ** 2
        new_dlam = np.where(stage, si - s_out - lam0, np.where(e_live, 0j, -lam0))
        new_moves = np.zeros(ne, complex)
        if len(t_e):
            s_r = s_in[t_e]
            np.add.at(new_moves, t_alt, s_r)
            np.add.at(new_moves, t_up, -s_r)
        for idx in levels:  # forward: voltages from the sources down, level by level
            p_ = pe[idx]
            vp = np.where(p_ >= 0, v[np.maximum(p_, 0)], v_par_base[idx])
            w[idx] = vp - zc[idx] * ic[idx]
            v[idx] = np.where(dc[idx], 1.0 + 0j, w[idx] * ratio[idx] - z_el[idx] * ie[idx])
        change = max(
            float(np.abs(new_dlam - dlam).max(initial=0.0)),
            float(np.abs(new_moves - moves).max(initial=0.0)),
        )
        dlam, moves = new_dlam, new_moves
        if change < TOL_PU and it > 1:
            break
    s_in = s_in0 + a_e @ (dx + dlam + moves)
    s_out = s_in - (lam0 + dlam)
    ie = np.conj(s_out / np.where(stage, v, 1.0))
    src = m.is_source[e_i]
    p_kw = np.where(e_live, s_in.real * S_BASE_KVA, 0.0)
    loading = np.where(
        src,
        np.abs(s_out) * S_BASE_KVA / m.rating_kva[e_i],
        np.abs(ie) / i_rated,
    )
    return BatchFlows(
        base=b,
        live=live,
        lost_rack=ch_r[lost],
        lost_col=ch_k[lost],
        keys=keys,
        e_node=e_i,
        e_col=e_k,
        e_live=e_live,
        p_kw=p_kw,
        loading_pct=np.where(e_live, loading * 100.0, 0.0),
        vm_pu=np.where(e_live, np.abs(v), np.nan),
        iterations=it,
    )


TOP = 32
"""Base elements checked per contingency for the extreme outside E (more if all are in E)."""


def _best_outside(fl: BatchFlows, order: np.ndarray, k_n: int):
    """Per contingency: the first element of `order` that is live and not in E (-1 if none)."""
    out = np.full(k_n, -1)
    todo = np.arange(k_n)
    for s in range(0, len(order), TOP):
        if not len(todo):
            break
        cand = order[s : s + TOP]
        ci = np.repeat(cand, len(todo))
        ck = np.tile(todo, len(cand))
        ok = (fl.live[ci, ck] & ~fl.in_e(ci, ck)).reshape(len(cand), len(todo))
        found = ok.any(axis=0)
        out[todo[found]] = cand[ok.argmax(axis=0)[found]]
        todo = todo[~found]
    return out


def batch_stats(fl: BatchFlows, k_n: int, rack_kw: np.ndarray) -> dict[str, np.ndarray]:
    """Per contingency: IT lost, racks lost, worst loading (and where), overloads, lowest voltage.

    Extremes combine the changed entries E with the base values of everything
    else, found by walking the base elements in order (no dense arrays).
    """
    b = fl.base
    m = b.m
    src = m.is_source
    e_i, e_k = fl.e_node, fl.e_col
    # worst loading: changed entries, then the best base element outside E
    val = np.where(fl.e_live & ~src[e_i], fl.loading_pct, -np.inf)
    order = np.lexsort((-val, e_k))
    first = np.r_[True, e_k[order][1:] != e_k[order][:-1]] if len(order) else np.zeros(0, bool)
    top_e = order[first]
    e_max = np.full(k_n, -np.inf)
    e_arg = np.full(k_n, -1)
    e_max[e_k[top_e]] = val[top_e]
    e_arg[e_k[top_e]] = e_i[top_e]
    out_arg = _best_outside(fl, b.order_load, k_n)
    out_max = np.where(out_arg >= 0, b.loading0[np.maximum(out_arg, 0)], -np.inf)
    use_e = e_max > out_max
    worst = np.where(use_e, e_arg, out_arg)
    max_load = np.maximum(np.where(use_e, e_max, out_max), 0.0)
    # overloads: changed entries over the limit plus base overloads left untouched
    over = np.bincount(e_k, fl.e_live & (fl.loading_pct > OVERLOAD_PCT), k_n)
    base_over = np.flatnonzero(b.live0 & (b.loading0 > OVERLOAD_PCT))
    if len(base_over):
        ci, ck = np.repeat(base_over, k_n), np.tile(np.arange(k_n), len(base_over))
        keep = fl.live[ci, ck] & ~fl.in_e(ci, ck)
        over = over + np.bincount(ck[keep], minlength=k_n)
    # lowest voltage
    vm = np.where(fl.e_live, fl.vm_pu, np.inf)
    e_min = np.full(k_n, np.inf)
    np.minimum.at(e_min, e_k, vm)
    vm_arg = _best_outside(fl, b.order_vm, k_n)
    vm_out = np.where(vm_arg >= 0, np.abs(b.flow.v)[np.maximum(vm_arg, 0)], np.inf)
    # racks: unfed in the base plus those that lost both cords
    fed0 = b.live_a0 | b.live_b0
    lost_kw = float(rack_kw[~fed0].sum()) + np.bincount(fl.lost_col, rack_kw[fl.lost_rack], k_n)
    lost_n = float((~fed0).sum()) + np.bincount(fl.lost_col, minlength=k_n)
    return {
        "it_lost_kw": lost_kw,
        "racks_lost": lost_n.astype(float),
        "max_loading_pct": max_load,
        "worst": np.maximum(worst, 0),
        "overloads": over.astype(float),
        "min_vm_pu": np.minimum(e_min, vm_out),
    }
