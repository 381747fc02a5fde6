"""The site's UPS batteries as a `UpsBank` for a timeline outage (`twin.solve.timeline_outage`).

Each UPS's design draw (output plus its losses, at every rack's design power) comes from
`twin.solve.ride_through_power.power_ride_through`, the same figure `twin ride-through` shows; it
is split among the halls whose racks it feeds in proportion to their rack power behind it
(feed A and B by each rack's `split_a`), so during an outage each UPS carries its share
of each hall's load at that step. Two UPSs whose only dual-fed partner is each other are
a 2N pair (`UpsBank.partner`, `shared`): when one side's battery empties the other picks
up its dual-fed racks (`twin.solve.timeline_pairs`). Racks are mapped to their UPS by walking each rack
feed's `upstream` chain up the power tree (one vectorised map per tree level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.generator_trip import tripped_generators
from twin.solve.power_model import generator_kw_ratings
from twin.solve.ride_through_power import RESTART_S, power_ride_through
from twin.solve.timeline_outage import UpsBank


def _ups_of(twin, feeds: pd.Series) -> pd.Series:
    """The UPS above each feed (None if the feed is not behind a UPS)."""
    nodes = twin.power_nodes
    up, kind = nodes["upstream"], nodes["kind"]
    cur = feeds.copy()
    for _ in range(int(nodes["depth"].max()) + 1 if len(nodes) else 0):
        at_ups = cur.map(kind).eq("ups")
        nxt = cur.where(at_ups, cur.map(up))
        if nxt.equals(cur):
            break
        cur = nxt
    return cur.where(cur.map(kind).eq("ups"))


def ups_bank(twin, groups: list[str], generators: bool = True) -> UpsBank:
    """The UPSs with a battery, their Peukert data, design draw per group and the site's
    generators: start (the slowest generator's `start_s`; inf without generators) and what
    they carry together (sum of rating_kva x power_factor).

    A generator that trips at takeover (`twin.solve.generator_trip`: its loading with the
    utilities lost, `twin ride-through`'s figure, over its rating) is not in the bank: the
    UPSs it was to bridge run on their batteries for the whole outage, and without another
    generator the plant stays off until the utility returns (`tripped`: id -> its start, s,
    and loading, %). Where other generators survive, the site's load not behind a UPS waits
    for the slowest of them [est: the load on the tripped generator's bus is not followed
    apart]. `generators` False skips that coupled solve (only the bank's ids are wanted)."""
    ups = twin.ups
    has = ups["battery_kwh"].fillna(0.0).to_numpy(float) > 0 if len(ups) else np.zeros(0, bool)
    ids = list(ups.index[has])
    gens = twin.of_model("generator")
    ride = power_ride_through(twin, generators=generators) if ids else None
    tripped = tripped_generators(ride) if ride is not None else {}
    if tripped:  # its UPSs get no generator (gap inf), as in `twin ride-through`
        gone = ride["generator"].isin(list(tripped))
        ride = ride.assign(
            generator=ride["generator"].where(~gone, None), gap_s=ride["gap_s"].where(~gone, np.inf)
        )
    up = gens[~gens.index.isin(list(tripped))] if len(gens) else gens
    gen_start = float(up["start_s"].max()) if len(up) else np.inf
    gen_kw = float(generator_kw_ratings(twin).reindex(up.index).sum())
    # what works the loops' backlog off after a stop: the chillers, else the CRAH/CRAC units
    units = [t for t in (getattr(twin, "chillers", None), getattr(twin, "crahs", None))
             if t is not None and len(t) and "capacity_kw" in t]  # fmt: skip
    plant_kw = float(units[0]["capacity_kw"].sum()) if units else np.inf
    load = np.zeros((len(groups), len(ids)))
    partner, shared = np.full(len(ids), -1), np.zeros(len(ids))
    if ids:
        design = ride["load_kw"].reindex(ids).fillna(0.0).to_numpy(float)
        r = twin.racks
        split = r["split_a"].fillna(1.0).to_numpy(float)
        parts = [(r["feed_a"], r["power_kw"].to_numpy(float) * split)]
        if "feed_b" in r:
            parts.append((r["feed_b"], r["power_kw"].to_numpy(float) * (1.0 - split)))
        frames = [
            pd.DataFrame(
                {"ups": _ups_of(twin, f).to_numpy(), "hall": r["hall"].to_numpy(), "kw": kw}
            )
            for f, kw in parts
        ]
        behind = pd.concat(frames).dropna(subset=["ups"]).groupby(["hall", "ups"])["kw"].sum()
        share = behind.unstack("ups").reindex(index=groups, columns=ids).fillna(0.0).to_numpy()
        col = share.sum(axis=0)
        load = np.divide(share, col[None, :], out=np.zeros_like(share), where=col > 0) * design
        if "feed_b" in r:
            partner, shared = _pairs(ids, frames)
    b = ups.loc[ids]
    return UpsBank(
        ids=ids,
        energy_kwh=b["battery_kwh"].to_numpy(float),
        rated_time_h=b["battery_rated_time_h"].to_numpy(float),
        peukert_k=b["battery_peukert_k"].to_numpy(float),
        load_kw=load,
        gen_start_s=gen_start,
        restart_s=float(RESTART_S["chillers"]) if len(getattr(twin, "chillers", [])) else 0.0,
        gen_kw=gen_kw,
        plant_kw=plant_kw,
        partner=partner,
        shared=shared,
        **(_generators(twin, ride, ids, design) if ids else {}),
        tripped={g: (float(gens.at[g, "start_s"]), p) for g, p in tripped.items()},
    )


def _generators(twin, ride: pd.DataFrame, ids: list[str], design: np.ndarray) -> dict:
    """Each UPS's own generator start (`twin ride-through`'s gap: the generator that takes
    its bus when the utilities are lost), and per generator its capacity and its share of
    the UPS load behind generators (what it carries of the generators' total)."""
    gens = twin.of_model("generator")
    gen = ride["generator"].reindex(ids)
    start = ride["gap_s"].reindex(ids).to_numpy(float)
    behind = pd.Series(design, index=ids).groupby(gen.to_numpy()).sum()
    behind = behind[behind.index.isin(gens.index)]
    if not len(behind) or behind.sum() <= 0:
        return {"ups_gen_start_s": start}
    cap = generator_kw_ratings(twin).reindex(behind.index).to_numpy(float)
    pos = pd.Series(np.arange(len(behind)), index=behind.index)
    return {
        "ups_gen_start_s": start,
        "ups_gen": gen.map(pos).fillna(-1).to_numpy(np.int64),
        "gen_ids": tuple(behind.index),
        "gen_cap_kw": cap,
        "gen_share": (behind / behind.sum()).to_numpy(float),
    }


def _pairs(ids: list[str], frames: list[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """2N pairs among the UPSs `ids`: two UPSs whose only dual-fed partner is each other
    (racks fed A from one and B from the other). Per UPS: its partner's index (-1: none,
    or several partners: distributed redundancy, not paired) and the share of its load on
    racks whose other feed is that partner (what the partner picks up)."""
    a, b = frames  # per rack: its A-side UPS and kW, its B-side UPS and kW
    pos = pd.Series(np.arange(len(ids)), index=ids)
    ia, ib = a["ups"].map(pos).to_numpy(float), b["ups"].map(pos).to_numpy(float)
    dual = np.isfinite(ia) & np.isfinite(ib) & (ia != ib)
    links = pd.DataFrame({"u": np.r_[ia[dual], ib[dual]], "p": np.r_[ib[dual], ia[dual]]})
    n_p = links.groupby("u")["p"].nunique()
    only = links.groupby("u")["p"].first()[n_p == 1]
    partner = np.full(len(ids), -1)
    u = only.index.to_numpy(np.int64)
    p = only.to_numpy(np.int64)
    partner[u] = p
    mutual = partner[np.maximum(partner, 0)] == np.arange(len(ids))
    partner = np.where((partner >= 0) & mutual, partner, -1)
    kw = np.r_[a["kw"].to_numpy(float), b["kw"].to_numpy(float)]
    who = np.r_[ia, ib]
    other = np.r_[ib, ia]
    ok = np.isfinite(who)
    total = np.bincount(who[ok].astype(np.int64), kw[ok], len(ids))
    w = who[ok].astype(np.int64)
    picked = ok.copy()
    picked[ok] = partner[w] >= 0
    picked &= np.isfinite(other)
    picked[picked] = other[picked] == partner[who[picked].astype(np.int64)]
    share = np.bincount(who[picked].astype(np.int64), kw[picked], len(ids))
    return partner, np.divide(share, total, out=np.zeros(len(ids)), where=total > 0)
