"""Cooling units grouped by the duty they share: the base state of the fast cooling N-1.

Redundant cooling units share one duty: the CRAHs of a hall, the CDUs of a
technology loop, the chillers, dry coolers and pumps of a water loop, the
cooling towers of a condenser loop. `cooling_base` lists every unit with its
capacity, group and feeds, each group's duty and the racks it serves, and
the per-hall air state of the base run, once per twin; `twin.scenarios.fast_cooling`
then evaluates thousands of contingencies against it as sparse products.
Duties come from the base coupled results when it has the cooling tables,
else from rack heat (design estimate). Split out of `twin.scenarios.fast_cooling`,
which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.model import registry
from twin.scenarios.pump_n1 import n1_capacity_m3_s
from twin.solve.air_stopped import resolved_halls
from twin.solve.arrays import feed_b_share
from twin.solve.dx_cop import solved_capacity_kw
from twin.solve.plant import design_flow_m3_s

__all__ = [
    "COP_TOWER",
    "CRAC_EVAP_BELOW_SUPPLY_K",
    "UNIT_KINDS",
    "CoolingBase",
    "cooling_base",
    "group_name",
]

UNIT_KINDS = registry.COOLING_UNITS
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
    rack_kw: np.ndarray  # IT demand per rack in the base (its load scale), what risk puts at risk
    liquid_fraction: np.ndarray
    # air side, per CRAH group (hall); NaN when the base run has no air tables
    hall_of_group: np.ndarray  # hall index per group, -1 if not a CRAH group
    hall_ids: pd.Index
    air: dict | None


_GROUP_WORDS = {
    "crahs": ("CRAH/CRAC units", "hall"),
    "cdus": ("CDUs", "technology loop"),
    "pumps": ("pumps", "water loop"),
    "chillers": ("chillers", "water loop"),
    "dry_coolers": ("dry coolers", "water loop"),
    "cooling_towers": ("cooling towers", "condenser loop"),
}
"""Group kind -> (its units, what they share), as the module doc names the groups."""


def group_name(group: str) -> str:
    """A group id (`kind:key`, e.g. ``crahs:ROOM``, as the N-1 rows and `CoolingBase` name
    it) as people read it: "CRAH/CRAC units of hall ROOM". The id stays the key tables and
    the CLI compare; screens show this. An id of no known kind (or "") comes back as is."""
    kind, sep, key = str(group).partition(":")
    if not sep or kind not in _GROUP_WORDS:
        return str(group)
    units, shared = _GROUP_WORDS[kind]
    return f"{units} of {shared} {key}"


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
    if len(twin.pumps):  # pumps: what the others move at full speed in their network
        cap = n1_capacity_m3_s(twin.pumps, tables.get("res_pumps"))
        units.loc[twin.pumps.index, "cap"] = cap.to_numpy(float)
    if len(twin.crahs):  # DX CRACs: their capacity at the base run's outdoor air
        cap = solved_capacity_kw(twin, base if base is not None else tables)
        units.loc[twin.crahs.index, "cap"] = cap.to_numpy(float)
    gnames, gidx = np.unique(units["group"].to_numpy(dtype=str), return_inverse=True)
    gkind = np.array([g.split(":", 1)[0] for g in gnames], dtype=object)
    gkey = np.array([g.split(":", 1)[1] for g in gnames], dtype=object)

    air, liq, water = _design_duties(twin)
    res_loops = tables.get("res_loops")
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
        elif k == "pumps":  # the loop's heat (solved where the base has it) at its design rise
            known = key in twin.loops.index
            dt = float(twin.loops.at[key, "dt_design_k"]) if known else 10.0
            solved = known and res_loops is not None and "q_kw" in res_loops
            solved = solved and key in res_loops.index
            duty_kw[g] = float(res_loops.at[key, "q_kw"]) if solved else water.get(key, 0.0)
            duty[g] = float(design_flow_m3_s(duty_kw[g], dt))
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
        rack_kw=_demand_kw(twin, base),
        liquid_fraction=twin.racks["liquid_fraction"].to_numpy(float),
        hall_of_group=hall_of_group,
        hall_ids=hall_ids,
        air=_air_base(twin, tables, hall_ids, base),
    )


def _demand_kw(twin, base) -> np.ndarray:
    """Per rack, the IT demand of the base run (its load scale applied), design power without
    one: the screen's ``it_at_risk_kw`` read design kW (189.0) where the full solve of the
    same case at load scale 1.35 gave 255.2 (audit 2026-12-04)."""
    if base is None:
        return twin.racks["power_kw"].to_numpy(float)
    from twin.scenarios.fast_power import demand_kw

    return demand_kw(twin, base)


def _air_base(twin, tables: dict, hall_ids: pd.Index, base=None) -> dict | None:
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
    crah_hall = pd.Index(hall_ids).get_indexer(cr["hall"])
    fan_h = np.bincount(crah_hall, fan, len(hall_ids))
    # a DX unit removes at most capacity_kw x this at the base run's outdoor air
    # (twin.solve.dx_cop.capacity_factor, the same for every DX unit that runs)
    rated = cr["capacity_kw"].to_numpy(float)
    f_dx = solved_capacity_kw(twin, base if base is not None else tables).to_numpy(float) / rated
    dx_factor = np.full(len(hall_ids), np.nan)
    dx_on = (cr["type"] == "crac").to_numpy() & (f_dx > 0)
    np.fmin.at(dx_factor, crah_hall[dx_on], f_dx[dx_on])
    return {
        "q_hall": rh["q_air_kw"].to_numpy(float),
        "fan_h": fan_h,
        "v_need": v_need,
        "v_sup": v_sup,
        "rise_max": rise_max,
        "t_in_max": rh["t_inlet_max_c"].to_numpy(float),
        # halls whose field is solved again when a unit stops (twin.solve.air_stopped): the
        # screen cannot tell which racks a stopped unit's air reaches there
        "refield_h": resolved_halls(rh, twin),
        "crah_hall": crah_hall,
        "dx_factor_h": np.nan_to_num(dx_factor, nan=1.0),
        "crah_pos": pd.Series(np.arange(len(cr)), index=cr.index),
        "v_ref": cr["airflow_m3_s"].to_numpy(float),
        "fan_ref": cr["fan_kw"].to_numpy(float),
        "t_set": cr["t_supply_c"].to_numpy(float),
        "t_coil": t_coil,
        "cap": cr["capacity_kw"].to_numpy(float),
        "is_dx": (cr["type"] == "crac").to_numpy(float),
        "running0": rc["running"].reindex(cr.index).to_numpy(bool),
    }
