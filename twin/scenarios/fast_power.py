"""Fast N-1/N-2 of the power chain: every contingency from one base solve.

A failure in a radial chain changes little: the failed element's subtree
dies, elements behind a transfer switch re-root on their alternate, and dual
-corded racks move their load onto the surviving cord. Every other element's
flow changes only through the sums over its subtree, and its voltage only
through its path to the nearest voltage source. So each contingency is
solved on the entries E it can change (the base-tree ancestors of every
change, the transferred subtrees, and everything fed below a changed element
down to the next voltage source), with the same stage equations as the AC
backward/forward sweep (`twin.solve.power_sweep`). The per-contingency work
runs compiled, in `twin.scenarios.power_kernel`; this module builds its
inputs once per base state and turns its outputs into tables.

Elements outside E keep their base flow, which is exact: nothing in their
subtree, their path to the source or their voltage changed. Tests compare
every element with a full re-solve (1e-6 kW; ~1e-8 kW seen). Cost scales with
the size of the changes, not with contingencies x network.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.model import registry
from twin.scenarios import power_kernel as K
from twin.solve.power import EXTRA_LOAD_PF, ranked_loading
from twin.solve.power_model import S_BASE_KVA, UPS, PowerModel, power_model
from twin.solve.power_sweep import Flow, sweep
from twin.solve.results import Results

OVERLOAD_PCT = K.OVERLOAD_PCT
SMALL_BATCH = 64
"""Fewest contingencies worth a thread of their own (starting a chunk costs ~20 us)."""
CHUNKS_PER_THREAD = 8
_PARALLEL = threading.Lock()
"""One parallel kernel call at a time per process: numba's fallback threading layer
(workqueue, used where neither OpenMP nor TBB is installed) aborts on concurrent
calls, and app sessions run in threads."""


def demand_kw(twin, res: Results) -> np.ndarray:
    """IT demand per rack in the solved scenario (load scaling applied), design power if absent."""
    rr = res.tables.get("res_racks")
    if rr is not None and "p_demand_kw" in rr:
        return rr["p_demand_kw"].reindex(twin.racks.index).to_numpy(float)
    return twin.racks["power_kw"].to_numpy(float)


@dataclass
class PowerBase:
    """The base state as arrays, reused for every contingency."""

    m: PowerModel
    net: K.Net
    live0: np.ndarray
    flow: Flow
    s_in0: np.ndarray  # what each element draws (sources: what they deliver), pu
    loading0: np.ndarray
    live_a0: np.ndarray
    live_b0: np.ndarray
    rack_kw: np.ndarray  # IT demand per rack (what a lost rack loses)


def _csr(rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, indices) of the lists cols grouped by rows (0..n-1)."""
    order = np.argsort(rows, kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))].astype(np.int64)
    return ptr, cols[order].astype(np.int64)


def _depth(parent: np.ndarray, live: np.ndarray, n_levels: int) -> np.ndarray:
    """Depth of every live element in the forest `parent` (roots 0; dead elements 0)."""
    depth = np.where(live & (parent < 0), 0, -1)
    for _ in range(n_levels + 2):
        dp = depth[np.maximum(parent, 0)]
        new = np.where((depth < 0) & (parent >= 0) & (dp >= 0), dp + 1, depth)
        if np.array_equal(new, depth):
            break
        depth = new
    return np.maximum(depth, 0)


def _order(values: np.ndarray, mask: np.ndarray, sign: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    return idx[np.argsort(sign * values[idx], kind="stable")].astype(np.int64)


def power_base(twin, base: Results) -> PowerBase:
    """Arrays of the base solve `base` (a `solve_power`/`run` result for the same twin).

    Elements out of service in the base scenario are the ones `base` reports dead.
    """
    m = power_model(twin)
    n = m.n
    rp = base["res_power_nodes"].reindex(m.ids)
    rr = base["res_racks"].reindex(m.rack_ids)
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
    s_in0 = np.where(live0, np.where(m.is_source, flow.s_out, flow.s_in), 0j)
    lam0 = np.where(live0 & ~m.is_source, flow.s_in - flow.s_out, 0j)
    pa0 = rr["p_a_kw"].to_numpy(float)
    pb0 = rr["p_b_kw"].to_numpy(float)
    live_a0 = rr["live_a"].to_numpy(dtype=bool)
    live_b0 = rr["live_b"].to_numpy(dtype=bool)
    loading0 = rp["loading_pct"].to_numpy(float)
    rack_kw = demand_kw(twin, base)
    up_ok, alt_ok = m.up >= 0, m.alt >= 0
    sup = _csr(
        np.concatenate([m.up[up_ok], m.alt[alt_ok]]),
        np.concatenate([np.flatnonzero(up_ok), np.flatnonzero(alt_ok)]),
        n,
    )
    ch = _csr(parent0[kid], np.flatnonzero(kid), n)
    a_ok, b_ok = m.rack_a >= 0, m.rack_b >= 0
    er = _csr(
        np.concatenate([m.rack_a[a_ok], m.rack_b[b_ok]]),
        np.concatenate([np.flatnonzero(a_ok), np.flatnonzero(b_ok)]),
        n,
    )
    ranked = ranked_loading(m.table)
    v0, w0 = flow.v.astype(complex), flow.w.astype(complex)
    # an element's lowest voltage: its bus, or the end of its feeder cable (`vm_in_pu`)
    vm_low0 = np.minimum(np.abs(v0), np.where(live0 & ~m.is_source, np.abs(w0), np.inf))
    zc, z_el = m.zc_ohm.astype(complex), m.z_el.astype(complex)
    elf = np.zeros((n, K.N_ELF))
    for col, values in [
        (K.ZC_RE, zc.real), (K.ZC_IM, zc.imag), (K.ZEL_RE, z_el.real), (K.ZEL_IM, z_el.imag),
        (K.G0, m.g0), (K.L0, m.ups_l[:, 0]), (K.L1, m.ups_l[:, 1]), (K.L2, m.ups_l[:, 2]),
        (K.I_R, m.i_rated_pu), (K.RATING, m.rating_kva), (K.V_KV, m.v_kv),
        (K.V_IN, m.v_in_base_kv), (K.SIN_RE, s_in0.real), (K.SIN_IM, s_in0.imag),
        (K.LAM_RE, lam0.real), (K.LAM_IM, lam0.imag), (K.SLD_RE, s_load0.real),
        (K.SLD_IM, s_load0.imag), (K.V0_RE, v0.real), (K.V0_IM, v0.imag), (K.W0_RE, w0.real),
        (K.W0_IM, w0.imag), (K.LOAD0, loading0), (K.VM0, vm_low0), (K.P_MAX, m.p_max_kw),
    ]:  # fmt: skip
        elf[:, col] = values
    flags = (
        K.SOURCE * m.is_source
        + K.STIFF * (m.is_source | m.ups_dc)
        + K.IS_UPS * (m.kind == UPS)
        + K.UPS_DC * m.ups_dc
        + K.RANKED * ranked
        + K.UTILITY * (m.is_source & np.isin(m.table, registry.tables(model="utility")))
    )
    eli = np.stack(
        [m.up, m.alt, parent0, _depth(parent0, live0, m.n_levels), flags], axis=1
    ).astype(np.int64)
    rackf = np.stack([m.rack_split_a, m.rack_tan_phi, pa0 + pb0, pa0, pb0, rack_kw], axis=1).astype(
        float
    )
    racki = np.stack([m.rack_a, m.rack_b, live_a0 | live_b0], axis=1).astype(np.int64)
    net = K.Net(
        s_base_kva=float(S_BASE_KVA),
        n_levels=int(m.n_levels),
        extra_tan=float(np.sqrt(1.0 - EXTRA_LOAD_PF**2) / EXTRA_LOAD_PF),
        elf=elf,
        eli=eli,
        live0=live0,
        sup_ptr=sup[0],
        sup_idx=sup[1],
        ch_ptr=ch[0],
        ch_idx=ch[1],
        er_ptr=er[0],
        er_idx=er[1],
        rackf=rackf,
        racki=racki,
        order_load=_order(loading0, live0 & ranked, -1),
        order_vm=_order(vm_low0, live0, 1),
        base_over=np.flatnonzero(live0 & (loading0 > OVERLOAD_PCT)).astype(np.int64),
    )
    return PowerBase(
        m=m,
        net=net,
        live0=live0,
        flow=flow,
        s_in0=s_in0,
        loading0=loading0,
        live_a0=live_a0,
        live_b0=live_b0,
        rack_kw=rack_kw,
    )


def _ragged(parts: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, flat values) of a list of arrays."""
    ptr = np.zeros(len(parts) + 1, np.int64)
    np.cumsum([len(a) for a in parts], out=ptr[1:])
    flat = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
    return ptr, flat


@dataclass
class BatchFlows:
    """Per-contingency power results of one batch: statistics, outages, detail on demand."""

    base: PowerBase
    failed: tuple[np.ndarray, np.ndarray]  # CSR by contingency: ptr, failed elements
    extra: tuple[np.ndarray, np.ndarray, np.ndarray]  # CSR by contingency: ptr, element, kW
    stats: dict[str, np.ndarray]
    dead_el: np.ndarray  # (element, k) pairs of elements that died in contingency k
    dead_col: np.ndarray
    lost_rack: np.ndarray  # (rack, k) pairs of racks that lost both cords in contingency k
    lost_col: np.ndarray
    entries: np.ndarray  # size of E per contingency
    iterations: int

    def rack_fed(self, k: int) -> np.ndarray:
        """Fed flags of every rack in contingency k."""
        b = self.base
        fed = b.live_a0 | b.live_b0
        fed[self.lost_rack[self.lost_col == k]] = False
        return fed

    def dead_rows(self, elements: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, k) pairs where `elements[row]` is dead in contingency k (base outages included)."""
        elements = np.asarray(elements, dtype=np.int64)
        k_n = len(self.failed[0]) - 1
        rows_of = sp.csr_matrix(
            (np.ones(len(elements)), (elements, np.arange(len(elements)))),
            shape=(self.base.m.n, len(elements)),
        )
        hit = rows_of[self.dead_el].tocoo()
        base_dead = np.flatnonzero(~self.base.live0[elements])
        rows = np.concatenate([hit.col, np.repeat(base_dead, k_n)])
        ks = np.concatenate([self.dead_col[hit.row], np.tile(np.arange(k_n), len(base_dead))])
        return rows.astype(np.int64), ks.astype(np.int64)

    def column(self, k: int) -> pd.DataFrame:
        """Full res_power_nodes-like table (p_kw, loading_pct, vm_pu, vm_in_pu, live) of
        contingency k."""
        b = self.base
        m = b.m
        ptr, x_el, x_kw = self.extra
        f_ptr, f_idx = self.failed
        el, live_e, p_e, load_e, vm_e, _, _, vm_in_e = K.solve_one(
            b.net,
            f_idx[f_ptr[k] : f_ptr[k + 1]],
            x_el[ptr[k] : ptr[k + 1]],
            x_kw[ptr[k] : ptr[k + 1]],
        )
        live = b.live0.copy()
        live[el] = live_e
        p = np.where(live, b.s_in0.real * S_BASE_KVA, 0.0)
        load = np.where(live, b.loading0, 0.0)
        vm = np.where(live, np.abs(b.flow.v), np.nan)
        vm_in = np.where(live & ~m.is_source, np.abs(b.flow.w), np.nan)
        p[el], load[el], vm[el], vm_in[el] = p_e, load_e, vm_e, vm_in_e
        return pd.DataFrame(
            {"p_kw": p, "loading_pct": load, "vm_pu": vm, "vm_in_pu": vm_in, "live": live},
            index=m.ids,
        )


def solve_batch(b: PowerBase, failed: list[np.ndarray], extra=None) -> BatchFlows:
    """Power flows of contingencies `failed` (each an array of element indices).

    `extra`: optional (element index, contingency, kW) arrays of changes in the
    non-rack load on live elements (cooling units stopping or picking up duty),
    drawn at `twin.solve.power.EXTRA_LOAD_PF`.
    """
    k_n = len(failed)
    f_ptr, f_idx = _ragged(failed, np.int64)  # repeats are harmless: an element dies once
    if extra is not None and len(extra[0]):
        x_i, x_k, x_kw = (np.asarray(a) for a in extra)
        order = np.argsort(x_k, kind="stable")
        x_ptr = np.r_[0, np.cumsum(np.bincount(x_k, minlength=k_n))].astype(np.int64)
        x_el, x_kw = x_i[order].astype(np.int64), x_kw[order].astype(float)
    else:
        x_ptr, x_el, x_kw = np.zeros(k_n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)
    # chunks of >= SMALL_BATCH cases, several per thread (measured: 8 per thread ran
    # 13 us per case against 16 us with one chunk per thread on the 1 GW campus)
    n_chunks = max(1, min(k_n // SMALL_BATCH, CHUNKS_PER_THREAD * numba.get_num_threads()))
    with _PARALLEL:
        st, worst, n_e = K.solve_all(b.net, f_ptr, f_idx, x_ptr, x_el, x_kw, n_chunks)
    d_el, d_k, r_el, r_k = K.outages(b.net, f_ptr, f_idx)
    fed0 = b.live_a0 | b.live_b0
    stats = {
        "it_lost_kw": float(b.rack_kw[~fed0].sum()) + st[:, K.IT_LOST],
        "racks_lost": float((~fed0).sum()) + st[:, K.RACKS_LOST],
        "max_loading_pct": st[:, K.MAX_LOAD],
        "worst": worst,
        "overloads": st[:, K.OVERLOADS],
        "min_vm_pu": st[:, K.MIN_VM],
        "utility_dkw": st[:, K.UTIL_DKW],
    }
    return BatchFlows(
        base=b,
        failed=(f_ptr, f_idx),
        extra=(x_ptr, x_el, x_kw),
        stats=stats,
        dead_el=d_el,
        dead_col=d_k,
        lost_rack=r_el,
        lost_col=r_k,
        entries=n_e,
        iterations=int(st[:, K.ITERS].max(initial=0)),
    )


def warm() -> float:
    """Compile the kernel on a small generated hall; numba caches it on disk. Returns seconds.

    `make` runs this once after installing so that the first N-1 in the app or
    a test doesn't wait for the compiler (~30 s on 2 cores).
    """
    import time

    from twin.layout.generate import ai_factory_hall
    from twin.layout.validate import validate_data
    from twin.model import Twin
    from twin.solve.power import solve_power

    t0 = time.perf_counter()
    twin = Twin.from_layout(validate_data(ai_factory_hall(), "warm-up"))
    b = power_base(twin, solve_power(twin))
    failed = [np.array([i]) for i in range(b.m.n)]
    fl = solve_batch(b, failed, (np.array([0]), np.array([0]), np.array([1.0])))
    fl.column(0)
    return time.perf_counter() - t0
