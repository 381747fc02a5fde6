"""How cooling units' electric draw moves between power feeds when contingencies stop units.

The fast N-1 (`twin.scenarios.sweep`) adds these (feed element, contingency,
kW) changes to the power batch, so a failure that stops cooling units, or the
racks whose heat they carry, changes the load on the feeds of their peers:
a stopped unit's draw goes to a standby or its running peers, lost rack heat
lowers the draw of the groups carrying it, and a dual-fed unit moves its draw
to the feed that survives. Split out of `twin.scenarios.fast_cooling`, which
re-exports these names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.model import registry
from twin.scenarios.cooling_groups import UNIT_KINDS, CoolingBase

__all__ = [
    "ELECTRIC",
    "dead_units",
    "duty_shift",
    "electric_shift",
    "feed_swaps",
    "on_feeds",
    "unit_electric_kw",
]


ELECTRIC = {t: (registry.kind(t).res, registry.kind(t).electric_cols) for t in UNIT_KINDS}
"""Where the base run reports each unit's electric draw (from twin.model.registry)."""


def unit_electric_kw(cb: CoolingBase, tables: dict) -> np.ndarray:
    """Electric draw of every unit in the base run (0 where the run has no such table)."""
    out = pd.Series(0.0, index=cb.ids)
    for kind, (name, cols) in ELECTRIC.items():
        res = tables.get(name)
        if res is None:
            continue
        have = [c for c in cols if c in res]
        if have:
            kw = res[have].sum(axis=1)
            idx = cb.ids[cb.kind == kind]
            out.loc[idx] = kw.reindex(idx).fillna(0.0).to_numpy(float)
    return out.to_numpy(float)


def electric_shift(cb: CoolingBase, e0: np.ndarray, running0: np.ndarray, u, k):
    """Feed-load changes when units `u` stop in contingencies `k`: their draw goes. A
    group with an idle standby unit starts it (the plant stages units in table order at
    equal part load, so the standby takes the stopped unit's draw); otherwise the
    running peers take it over in proportion to their own draw (a group with no peer
    left loses it). Returns (feed element, k, kW) arrays."""
    u, k = np.asarray(u, np.int64), np.asarray(k, np.int64)
    keep = running0[u]
    u, k = u[keep], k[keep]
    if not len(u):
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    ng = len(cb.group_names)
    e_run = np.where(running0, e0, 0.0)
    e_g = np.bincount(cb.group, e_run, ng)
    gk = cb.group[u] * (k.max() + 1) + k
    keys, inv = np.unique(gk, return_inverse=True)
    e_out = np.bincount(inv, e_run[u], len(keys))
    g_t, k_t = np.divmod(keys, k.max() + 1)
    rest = e_g[g_t] - e_out
    f = np.where(rest > 1e-9, e_g[g_t] / np.where(rest > 1e-9, rest, 1.0), 0.0)
    # the first idle, available unit of each group is its standby
    idle = np.flatnonzero(running0 & (e_run <= 1e-12))[::-1]
    first_idle = np.full(ng, -1, dtype=np.int64)
    first_idle[cb.group[idle]] = idle  # reversed, so the lowest index wins
    sb = first_idle[g_t]
    span0 = int(k.max()) + 1
    sb_ok = (sb >= 0) & ~np.isin(sb * span0 + k_t, u * span0 + k)
    f = np.where(sb_ok, 1.0, f)  # a started standby leaves the running peers as they were
    members = sp.csr_matrix(
        (np.ones(len(cb.ids)), (cb.group, np.arange(len(cb.ids)))), shape=(ng, len(cb.ids))
    )
    hit = members[g_t].tocoo()
    pu, pk, pf = hit.col, k_t[hit.row], f[hit.row]
    span = int(k.max()) + 1
    peer = running0[pu] & ~np.isin(pu.astype(np.int64) * span + pk, u * span + k)
    units = np.concatenate([u, pu[peer], sb[sb_ok]])
    cols = np.concatenate([k, pk[peer], k_t[sb_ok]])
    kw = np.concatenate([-e_run[u], e_run[pu[peer]] * (pf[peer] - 1.0), e_out[sb_ok]])
    return on_feeds(cb, units, cols, kw)


def duty_shift(cb: CoolingBase, e0, running0, rack_kw, lost_rack, lost_col):
    """Feed-load changes when racks `lost_rack` lose power in contingencies `lost_col`: each
    group's running units draw in proportion to the heat still reaching the group
    (air groups carry the air share, CDUs the liquid share, the plant all of it).
    Returns (feed element, k, kW) arrays."""
    lf = cb.liquid_fraction
    share = np.where(
        cb.group_kind[:, None] == "crahs",
        (1 - lf)[None, :],
        np.where(cb.group_kind[:, None] == "cdus", lf[None, :], 1.0),
    )
    heat = cb.group_racks.multiply(share).tocsr()  # groups x racks, kW heat per kW IT
    duty0 = heat @ rack_kw
    k_n = int(lost_col.max()) + 1 if len(lost_col) else 0
    lost = sp.csr_matrix((rack_kw[lost_rack], (lost_rack, lost_col)), shape=(len(rack_kw), k_n))
    gone = (heat @ lost).tocoo()  # groups x K, heat no longer produced
    g, k = gone.row, gone.col
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.clip(1.0 - gone.data / duty0[g], 0.0, 1.0)
    ng = len(cb.group_names)
    members = sp.csr_matrix(
        (np.ones(len(cb.ids)), (cb.group, np.arange(len(cb.ids)))), shape=(ng, len(cb.ids))
    )
    hit = members[g].tocoo()
    u, kk, ff = hit.col, k[hit.row], f[hit.row]
    kw = np.where(running0[u], e0[u], 0.0) * (ff - 1.0)
    nz = np.abs(kw) > 1e-12
    return on_feeds(cb, u[nz], kk[nz], kw[nz])


def on_feeds(cb: CoolingBase, u, k, kw):
    """(feed element, k, kW) of draw changes `kw` of units `u` in contingencies `k`, on
    their feeds: a dual-fed unit's change splits as its draw does in the base run
    (`share_b`); a single-fed unit's goes to its one feed. Units with no feed drop out.

    A dual-fed unit whose feeds differ in liveness from the base (one of them dead in
    the contingency) gets its base draw moved by `feed_swaps`; changes computed here
    still split as in the base run (a second-order error on the change only)."""
    u, k, kw = np.asarray(u, np.int64), np.asarray(k, np.int64), np.asarray(kw, float)
    sb = cb.share_b[u]
    node = cb.feed[u]
    on = (node >= 0) & (sb < 1.0)
    kw_a = np.where(sb > 0, kw * (1.0 - sb), kw)  # single-fed: kw itself, bit for bit
    dual = (cb.feed_b[u] >= 0) & (sb > 0)
    if not dual.any():
        return node[on], k[on], kw_a[on]
    return (
        np.concatenate([node[on], cb.feed_b[u][dual]]),
        np.concatenate([k[on], k[dual]]),
        np.concatenate([kw_a[on], kw[dual] * sb[dual]]),
    )


def dead_units(cb: CoolingBase, fl, units) -> tuple[np.ndarray, np.ndarray]:
    """(unit, k) pairs where every feed of `units` is dead in contingency k (`fl`: a
    `twin.scenarios.fast_power.BatchFlows`): a single-fed unit whose feed dies, a dual-fed
    one whose two feeds both die. `units` are units with a feed."""
    units = np.asarray(units, np.int64)
    r, k = fl.dead_rows(cb.feed[units])
    single = cb.feed_b[units] < 0
    keep = single[r]
    if single.all():
        return units[r], k
    dual = units[~single]
    ra, ka, rb, kb = _dual_dead(cb, fl, dual)
    span = int(max(ka.max(initial=-1), kb.max(initial=-1))) + 1
    both = np.intersect1d(ra * span + ka, rb * span + kb)
    return (
        np.concatenate([units[r[keep]], dual[both // max(span, 1)]]),
        np.concatenate([k[keep], both % max(span, 1)]),
    )


def _dual_dead(cb: CoolingBase, fl, dual: np.ndarray):
    ra, ka = fl.dead_rows(cb.feed[dual])
    rb, kb = fl.dead_rows(cb.feed_b[dual])
    return ra, ka, rb, kb


def feed_swaps(cb: CoolingBase, fl, units, e0: np.ndarray, running0: np.ndarray):
    """Feed-load changes of dual-fed `units` one of whose feeds dies in a contingency
    while the other lives: the dead feed's share of the unit's base draw moves to the
    survivor. Returns (feed element, k, kW) arrays."""
    units = np.asarray(units, np.int64)
    dual = units[(cb.feed_b[units] >= 0) & running0[units]]
    z = np.zeros(0, np.int64)
    if not len(dual):
        return z, z, np.zeros(0)
    ra, ka, rb, kb = _dual_dead(cb, fl, dual)
    span = int(max(ka.max(initial=-1), kb.max(initial=-1))) + 1
    a_keys, b_keys = ra * span + ka, rb * span + kb
    only_a = np.setdiff1d(a_keys, b_keys)  # feed dead, feed_b live
    only_b = np.setdiff1d(b_keys, a_keys)
    nodes, ks, kws = [], [], []
    for keys, share, gone, stay in (
        (only_a, 1.0 - cb.share_b, cb.feed, cb.feed_b),
        (only_b, cb.share_b, cb.feed_b, cb.feed),
    ):
        u, k = dual[keys // span], keys % span
        moved = e0[u] * share[u]
        nodes += [gone[u], stay[u]]
        ks += [k, k]
        kws += [-moved, moved]
    node, kk, kw = np.concatenate(nodes), np.concatenate(ks), np.concatenate(kws)
    on = np.abs(kw) > 1e-12
    return node[on], kk[on], kw[on]
