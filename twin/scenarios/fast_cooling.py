"""Fast cooling N-1: redistribute each group's duty over the peers still running.

Redundant cooling units share one duty: the CRAHs of a hall, the CDUs of a
technology loop, the chillers, dry coolers and pumps of a water loop, the
cooling towers of a condenser loop. A unit is out when it failed or its
power feed is dead. For every contingency (columns of a sparse
units x contingencies matrix) the running capacity of each group is one
sparse product; the peers' loading is duty / running capacity, the
shortfall is duty - running capacity, and the racks the group serves are
at risk when it falls short.

Air side: the same equations as `twin.solve.airflow.solve_air` for a hall
that loses units: peers share the hall heat in proportion to capacity, fans
speed up to move the racks' air (cube law), an overloaded coil raises the
supply temperature ``T_sup = T_set + (T_set - T_coil)(Q/Q_cap - 1)``, air
the units cannot move is hot return air at the inlets. The racks' own rise
(recirculation) is unchanged, so the hottest inlet follows from the base
solve. Duties come from the base coupled results when it has the cooling
tables, else from rack heat (design estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.model import registry
from twin.solve.arrays import feed_b_share
from twin.units import CP_AIR_J_KGK, CP_WATER_J_KGK, RHO_AIR_KG_M3, RHO_WATER_KG_M3

UNIT_KINDS = registry.COOLING_UNITS
K_AIR_KW_PER_M3S_K = RHO_AIR_KG_M3 * CP_AIR_J_KGK / 1000.0
CRAC_EVAP_BELOW_SUPPLY_K = 12.0
"""DX coil below supply setpoint, as in `twin.solve.airflow` [est]."""
COP_TOWER = 5.5
"""Chiller COP used to size condenser heat (chiller duty x (1 + 1/COP)) [REFERENCE 4, DOE-2]."""


@dataclass
class CoolingBase:
    """Cooling units, their groups and duties, and the air-side base state per hall."""

    ids: pd.Index
    kind: np.ndarray  # table name per unit
    feed: np.ndarray  # power element index feeding it, -1 none
    feed_b: np.ndarray  # second feed (dual-fed units), -1 none
    share_b: np.ndarray  # share of its draw on feed_b in the base run (0 single-fed)
    cap: np.ndarray  # capacity per unit: kW (pumps: m3/s)
    group: np.ndarray  # group index per unit
    group_names: np.ndarray
    group_kind: np.ndarray
    duty: np.ndarray  # per group, kW (pumps: m3/s)
    duty_kw: np.ndarray  # per group, heat carried, kW
    group_racks: sp.csr_matrix  # groups x racks, 1 = the group serves the rack
    rack_kw: np.ndarray
    liquid_fraction: np.ndarray
    # air side, per CRAH group (hall); NaN when the base run has no air tables
    hall_of_group: np.ndarray  # hall index per group, -1 if not a CRAH group
    hall_ids: pd.Index
    air: dict | None


def _col(t: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    if name in t.columns:
        return t[name].to_numpy()
    return np.full(len(t), default, dtype=object if isinstance(default, str) else float)


def _design_duties(twin) -> tuple[dict, dict, dict]:
    """Heat per hall (air), per TCS loop (liquid) and per water loop (kW), from rack power."""
    r = twin.racks
    lf = r["liquid_fraction"].to_numpy(float)
    p = r["power_kw"].to_numpy(float)
    air = pd.Series(p * (1 - lf), index=r.index).groupby(r["hall"]).sum().to_dict()
    liq = pd.Series(p * lf, index=r.index).groupby(r["liquid_loop"]).sum().to_dict()
    water: dict[str, float] = {}
    cd = twin.cdus
    if len(cd):
        share = cd["capacity_kw"] / cd.groupby("loop")["capacity_kw"].transform("sum")
        q = cd["loop"].map(liq).fillna(0.0) * share
        water = q.groupby(cd["facility_loop"]).sum().to_dict()
    cr = twin.crahs
    if len(cr):
        wet = cr[cr["loop"].notna()]
        cap_h = cr.groupby("hall")["capacity_kw"].sum()
        for hall, loop, c in zip(wet["hall"], wet["loop"], wet["capacity_kw"], strict=True):
            water[loop] = water.get(loop, 0.0) + air.get(hall, 0.0) * c / cap_h[hall]
    return air, liq, water


def _group_racks(twin, groups: pd.Index) -> sp.csr_matrix:
    """groups x racks: 1 where the group carries some of the rack's heat (merges, no loops)."""
    racks = twin.racks
    r = pd.DataFrame(
        {
            "rack": np.arange(len(racks)),
            "hall": racks["hall"].to_numpy(),
            "tcs": racks["liquid_loop"].to_numpy(),
            "air": racks["liquid_fraction"].to_numpy(float) < 1,
        }
    )
    pairs = [
        pd.DataFrame(
            {"rack": r.loc[r["air"], "rack"], "group": "crahs:" + r.loc[r["air"], "hall"]}
        ),
        pd.DataFrame(
            {
                "rack": r.loc[r["tcs"].notna(), "rack"],
                "group": "cdus:" + r["tcs"].dropna().astype(str),
            }
        ),
    ]
    cr, cd, ch = twin.crahs, twin.cdus, twin.chillers
    water = []  # (rack, water loop)
    if len(cr):
        hl = cr.loc[cr["loop"].notna(), ["hall", "loop"]].drop_duplicates()
        water.append(r[r["air"]].merge(hl, on="hall")[["rack", "loop"]])
    if len(cd):
        tl = (
            cd[["loop", "facility_loop"]]
            .drop_duplicates()
            .rename(columns={"loop": "tcs", "facility_loop": "wl"})
        )
        water.append(r.merge(tl, on="tcs")[["rack", "wl"]].rename(columns={"wl": "loop"}))
    if water:
        w = pd.concat(water).drop_duplicates()
        for kind in registry.tables(model=("chiller", "dry_cooler", "pump")):
            pairs.append(pd.DataFrame({"rack": w["rack"], "group": kind + ":" + w["loop"]}))
        if len(ch) and ch["condenser_loop"].notna().any():
            lc = ch.loc[ch["condenser_loop"].notna(), ["loop", "condenser_loop"]].drop_duplicates()
            wc = w.merge(lc, on="loop")
            pairs.append(
                pd.DataFrame(
                    {"rack": wc["rack"], "group": "cooling_towers:" + wc["condenser_loop"]}
                )
            )
    allp = pd.concat(pairs).drop_duplicates()
    g = groups.get_indexer(allp["group"])
    ok = g >= 0
    rr = allp["rack"].to_numpy(dtype=np.int64)[ok]
    return sp.csr_matrix((np.ones(ok.sum()), (g[ok], rr)), shape=(len(groups), len(racks)))


def cooling_base(twin, base=None) -> CoolingBase:
    """Units, groups and duties of `twin`; `base` (Results) supplies solved duties if present."""
    tables = base.tables if base is not None else {}
    from twin.solve.power_model import power_model

    pos = power_model(twin).pos
    parts = []
    for kind in UNIT_KINDS:
        t = getattr(twin, kind)
        if not len(t):
            continue
        key = t["hall"] if kind == "crahs" else t["loop"]
        cap = t["flow_m3_s"] if kind == "pumps" else t["capacity_kw"]
        feed = t["feed"] if "feed" in t else pd.Series(None, index=t.index)
        feed_b = t["feed_b"] if "feed_b" in t else pd.Series(None, index=t.index)
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "group": kind + ":" + key.astype(str),
                    "cap": cap.astype(float),
                    "feed": feed.map(pos).fillna(-1).astype(np.int64),
                    "feed_b": feed_b.map(pos).fillna(-1).astype(np.int64),
                },
                index=t.index,
            )
        )
    units = (
        pd.concat(parts)
        if parts
        else pd.DataFrame(
            columns=["kind", "group", "cap", "feed", "feed_b"], index=pd.Index([], name="id")
        )
    )
    # dual-fed units: their draw splits evenly between the feeds live in the base run
    fa, fb = units["feed"].to_numpy(np.int64), units["feed_b"].to_numpy(np.int64)
    res_pn = tables.get("res_power_nodes")
    if res_pn is not None and "live" in res_pn:
        live = res_pn["live"].reindex(power_model(twin).ids).fillna(False).to_numpy(bool)
    else:
        live = np.ones(len(pos), bool)
    live = np.r_[live, False]  # position -1: no feed
    la, lb = live[fa] & (fa >= 0), live[fb] & (fb >= 0)
    share_b = feed_b_share(la, lb)
    # chillers: the capacity the plant solve found available at the present
    # temperatures (DOE-2 CAPFT derating), when the base run has it
    res_ch = tables.get("res_chillers")
    if res_ch is not None and "capacity_avail_kw" in res_ch and len(twin.chillers):
        avail = res_ch["capacity_avail_kw"].reindex(twin.chillers.index)
        avail = avail.where(avail > 0, twin.chillers["capacity_kw"])
        units.loc[avail.index, "cap"] = avail.to_numpy(float)
    gnames, gidx = np.unique(units["group"].to_numpy(dtype=str), return_inverse=True)
    gkind = np.array([g.split(":", 1)[0] for g in gnames], dtype=object)
    gkey = np.array([g.split(":", 1)[1] for g in gnames], dtype=object)

    air, liq, water = _design_duties(twin)
    duty = np.zeros(len(gnames))
    duty_kw = np.zeros(len(gnames))
    res_halls = tables.get("res_halls")
    for g, (k, key) in enumerate(zip(gkind, gkey, strict=True)):
        if k == "crahs":
            if res_halls is not None and key in res_halls.index:
                duty[g] = float(res_halls.at[key, "q_air_kw"])
            else:
                duty[g] = air.get(key, 0.0)
        elif k == "cdus":
            duty[g] = liq.get(key, 0.0)
        elif k == "chillers":
            duty[g] = water.get(key, 0.0)
        elif k == "pumps":
            loop = twin.loops.loc[key] if key in twin.loops.index else None
            dt = float(loop["dt_design_k"]) if loop is not None else 10.0
            duty_kw[g] = water.get(key, 0.0)
            duty[g] = duty_kw[g] * 1000.0 / (RHO_WATER_KG_M3 * CP_WATER_J_KGK * dt)
        elif k == "cooling_towers":
            ch = twin.chillers
            loops = ch.loc[ch["condenser_loop"] == key, "loop"].unique() if len(ch) else []
            duty[g] = sum(water.get(lp, 0.0) for lp in loops) * (1 + 1 / COP_TOWER)
        # dry coolers: economisers; at the design point the chillers carry the loop,
        # so their duty is what the base run put on them (0 without plant results)
    # solved duties where the base run has them: what each group carried
    for kind in registry.tables(model=("cdu", "chiller", "dry_cooler", "cooling_tower")):
        res, t = tables.get(registry.kind(kind).res), getattr(twin, kind)
        if res is None or "load_kw" not in res or not len(t):
            continue
        per = res["load_kw"].reindex(t.index).groupby(t["loop"]).sum()
        for g in np.flatnonzero(gkind == kind):
            duty[g] = float(per.get(gkey[g], 0.0))

    duty_kw = np.where(gkind == "pumps", duty_kw, duty)
    gr = _group_racks(twin, pd.Index(gnames))
    hall_ids = twin.halls.index
    hall_of_group = np.where(gkind == "crahs", pd.Index(hall_ids).get_indexer(gkey), -1)
    return CoolingBase(
        ids=units.index,
        kind=units["kind"].to_numpy(dtype=object),
        feed=fa,
        feed_b=fb,
        share_b=share_b,
        cap=units["cap"].to_numpy(dtype=float),
        group=gidx,
        group_names=gnames,
        group_kind=gkind,
        duty=duty,
        duty_kw=duty_kw,
        group_racks=gr,
        rack_kw=twin.racks["power_kw"].to_numpy(float),
        liquid_fraction=twin.racks["liquid_fraction"].to_numpy(float),
        hall_of_group=hall_of_group,
        hall_ids=hall_ids,
        air=_air_base(twin, tables, hall_ids),
    )


def _air_base(twin, tables: dict, hall_ids: pd.Index) -> dict | None:
    """Per-hall air state of the base run (None if the run has no air tables)."""
    rh, rc, rr = tables.get("res_halls"), tables.get("res_crahs"), tables.get("res_racks")
    if rh is None or rc is None or rr is None or "t_inlet_c" not in rr:
        return None
    cr = twin.crahs
    rh = rh.reindex(hall_ids)
    t_sup = rh["t_supply_c"].to_numpy(float)
    t_ret = rh["t_return_c"].to_numpy(float)
    v_need = rh["airflow_need_m3_s"].to_numpy(float)
    v_sup = rh["airflow_supply_m3_s"].to_numpy(float)
    hidx = pd.Index(hall_ids).get_indexer(twin.racks["hall"])
    v_run0 = np.bincount(
        pd.Index(hall_ids).get_indexer(cr["hall"]),
        cr["airflow_m3_s"].to_numpy(float) * rc["running"].reindex(cr.index).to_numpy(bool),
        len(hall_ids),
    )
    r0 = np.where(
        v_need > 0,
        1.0
        - np.minimum(1.0, np.divide(v_run0, v_need, where=v_need > 0, out=np.ones_like(v_need))),
        0.0,
    )
    # the hottest inlet is the top of the rack (res_racks.t_inlet_max_c; = the mean in kernel halls)
    top = "t_inlet_max_c" if "t_inlet_max_c" in rr else "t_inlet_c"
    t_in = rr[top].reindex(twin.racks.index).to_numpy(float)
    hot = (
        rr["air_kw"].reindex(twin.racks.index).to_numpy(float) > 0
        if "air_kw" in rr
        else np.ones(len(t_in), bool)
    )
    rise = (t_in - t_sup[hidx] - r0[hidx] * (t_ret[hidx] - t_sup[hidx])) / np.maximum(
        1 - r0[hidx], 1e-9
    )
    rise_max = np.full(len(hall_ids), np.nan)
    if len(hidx):
        np.fmax.at(rise_max, hidx, np.where(hot, rise, np.nan))
    fan = rc["fan_kw"].reindex(cr.index).to_numpy(float)
    loops = twin.loops
    t_coil = np.where(
        (cr["type"] == "crac").to_numpy(),
        cr["t_supply_c"].to_numpy(float) - CRAC_EVAP_BELOW_SUPPLY_K,
        cr["loop"].map(loops["t_supply_c"] if len(loops) else {}).to_numpy(float),
    )
    fan_h = np.bincount(pd.Index(hall_ids).get_indexer(cr["hall"]), fan, len(hall_ids))
    return {
        "q_hall": rh["q_air_kw"].to_numpy(float),
        "fan_h": fan_h,
        "v_need": v_need,
        "v_sup": v_sup,
        "rise_max": rise_max,
        "t_in_max": rh["t_inlet_max_c"].to_numpy(float),
        "crah_hall": pd.Index(hall_ids).get_indexer(cr["hall"]),
        "crah_pos": pd.Series(np.arange(len(cr)), index=cr.index),
        "v_ref": cr["airflow_m3_s"].to_numpy(float),
        "fan_ref": cr["fan_kw"].to_numpy(float),
        "t_set": cr["t_supply_c"].to_numpy(float),
        "t_coil": t_coil,
        "cap": cr["capacity_kw"].to_numpy(float),
        "is_dx": (cr["type"] == "crac").to_numpy(float),
        "running0": rc["running"].reindex(cr.index).to_numpy(bool),
    }


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


@dataclass
class CoolingBatch:
    """Per contingency: units out, worst group, shortfall, racks at risk, hottest inlet."""

    units_out: np.ndarray  # (K,) count
    worst_group: np.ndarray  # (K,) group name or ""
    max_loading_pct: np.ndarray
    shortfall_kw: np.ndarray
    racks_at_risk: np.ndarray
    it_at_risk_kw: np.ndarray
    t_inlet_max_c: np.ndarray  # NaN without air tables
    at_risk: sp.csr_matrix | None = None  # (K x racks) 1 = rack at risk (powered, short of cooling)


def solve_cooling_batch(
    cb: CoolingBase,
    out: sp.csr_matrix,
    t_in_max0: float,
    unpowered: sp.csr_matrix | None = None,
) -> CoolingBatch:
    """Evaluate contingencies given `out` (units x K, 1 = unit out of service).

    `unpowered` (K x racks, 1 = rack without power) takes those racks off the at-risk list.
    """
    k_n = out.shape[1]
    ng = len(cb.group_names)
    g_of = sp.csr_matrix(
        (np.ones(len(cb.ids)), (cb.group, np.arange(len(cb.ids)))), shape=(ng, len(cb.ids))
    )
    cap_total = np.bincount(cb.group, cb.cap, ng)
    lost = (g_of @ sp.diags(cb.cap) @ out).tocoo()  # groups x K, capacity lost
    g, k, c_lost = lost.row, lost.col, lost.data
    cap_rem = cap_total[g] - c_lost
    duty = cb.duty[g]
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(cap_rem > 0, duty / cap_rem * 100.0, np.where(duty > 0, np.inf, 0.0))
    short = np.maximum(duty - np.maximum(cap_rem, 0.0), 0.0)
    # pumps carry m3/s: the missing share of flow leaves that share of the loop heat
    short_kw = np.where(duty > 0, short / np.where(duty > 0, duty, 1.0), 0.0) * cb.duty_kw[g]
    max_load = np.zeros(k_n)
    worst = np.full(k_n, "", dtype=object)
    if len(g):
        order = np.lexsort((-load, k))
        first = np.r_[True, k[order][1:] != k[order][:-1]]
        sel = order[first]
        max_load[k[sel]] = load[sel]
        worst[k[sel]] = cb.group_names[g[sel]]
    shortfall = np.bincount(k, short_kw, k_n)
    at_risk = (
        sp.csr_matrix(((short > 1e-9).astype(float), (k, g)), shape=(k_n, ng)) @ cb.group_racks
    )
    at_risk = (at_risk > 0).astype(float)
    if unpowered is not None and unpowered.nnz:
        at_risk = at_risk - at_risk.multiply(unpowered > 0)
        at_risk.eliminate_zeros()
    racks_risk = np.asarray(at_risk.sum(axis=1)).ravel()
    it_risk = at_risk @ cb.rack_kw
    t_max = np.full(k_n, t_in_max0)
    if cb.air is not None:
        t_max = _air_t_max(cb, out, g, k, t_max)
    else:
        t_max[:] = np.nan
    return CoolingBatch(
        units_out=np.asarray(out.sum(axis=0)).ravel(),
        worst_group=worst,
        max_loading_pct=max_load,
        shortfall_kw=shortfall,
        racks_at_risk=racks_risk,
        it_at_risk_kw=np.asarray(it_risk).ravel(),
        t_inlet_max_c=t_max,
        at_risk=at_risk.tocsr(),
    )


def _air_t_max(cb: CoolingBase, out: sp.csr_matrix, g, k, t_max) -> np.ndarray:
    """Hottest rack inlet per contingency from the air equations of the touched halls."""
    a = cb.air
    is_air = cb.group_kind[g] == "crahs"
    g, k = g[is_air], k[is_air]
    if not len(g):
        return t_max
    h = cb.hall_of_group[g]
    crah_rows = a["crah_pos"].reindex(cb.ids).to_numpy()
    crah_units = ~np.isnan(crah_rows)
    # per (hall, k) pair: running airflow, capacity, sum of setpoint terms over running units
    sub = out[crah_units]
    cr_idx = crah_rows[crah_units].astype(np.int64)
    coo = sub.tocoo()
    out_cr = sp.csr_matrix(
        (np.ones(len(coo.row)), (cr_idx[coo.row], coo.col)), shape=(len(a["v_ref"]), out.shape[1])
    )
    run0 = a["running0"].astype(float)
    hall_m = sp.csr_matrix(
        (np.ones(len(a["crah_hall"])), (a["crah_hall"], np.arange(len(a["crah_hall"])))),
        shape=(len(cb.hall_ids), len(a["v_ref"])),
    )

    # quantities lost per (hall, k): airflow, capacity, weighted setpoints, fans
    def lost(w):
        return np.asarray((hall_m @ sp.diags(w * run0) @ out_cr)[h, k]).ravel()

    def total(w):
        return np.asarray(hall_m @ (w * run0)).ravel()[h]

    v_ref, cap, t_set, t_coil, fan_ref = a["v_ref"], a["cap"], a["t_set"], a["t_coil"], a["fan_ref"]
    v_run = total(v_ref) - lost(v_ref)
    cap_run = total(cap) - lost(cap)
    v_need = a["v_need"][h]
    speed = np.where(v_run > 0, np.minimum(1.0, v_need / np.maximum(v_run, 1e-12)), 0.0)
    fan_run = (total(fan_ref) - lost(fan_ref)) * speed**3
    q = a["q_hall"][h] - a["fan_h"][h] + fan_run
    over = np.maximum(np.where(cap_run > 0, q / np.maximum(cap_run, 1e-12), np.inf) - 1.0, 0.0)
    # airflow-weighted supply: sum v (t_set + (t_set - t_coil) over) / sum v over running units
    sv_set = total(v_ref * t_set) - lost(v_ref * t_set)
    sv_dt = total(v_ref * (t_set - t_coil)) - lost(v_ref * (t_set - t_coil))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_sup = (sv_set + sv_dt * over) / v_run
        v_sup = np.minimum(v_need, v_run)
        t_ret = t_sup + q / (K_AIR_KW_PER_M3S_K * v_sup)
        r = np.where(v_need > 0, 1.0 - np.minimum(1.0, v_run / v_need), 0.0)
        t_h = t_sup + (1 - r) * a["rise_max"][h] + r * (t_ret - t_sup)
    # a DX compressor cannot pump more than its capacity: a hall whose running units are
    # overloaded with a DX unit among them keeps heat it cannot remove (no steady state),
    # as twin.solve.coupled reports it ('uncooled', unremoved kW)
    dx_run = total(cap * a["is_dx"]) - lost(cap * a["is_dx"])
    t_h = np.where((cap_run > 0) & ~((over > 1e-9) & (dx_run > 0)), t_h, np.inf)
    # contingency max: the touched halls' new values and the untouched halls' base values
    base_h = a["t_in_max"]
    order = np.argsort(-np.nan_to_num(base_h, nan=-np.inf))
    touched = sp.csr_matrix((np.ones(len(h)), (k, h)), shape=(len(t_max), len(base_h))).tocsr()
    for kk in np.unique(k):
        hs = touched.indices[touched.indptr[kk] : touched.indptr[kk + 1]]
        rest = order[~np.isin(order, hs)]
        t_max[kk] = base_h[rest[0]] if len(rest) else -np.inf
    np.fmax.at(t_max, k, t_h)
    return t_max
