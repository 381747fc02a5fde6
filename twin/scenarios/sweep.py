"""N-1 and N-2 sweeps over power and cooling components, ranked by severity.

`n1(twin)` fails every power element and cooling unit in turn; `n2(twin, ids)`
every pair of `ids`. Both use the fast path (`fast_power`, `fast_cooling`:
one base solve, then sparse subtree sums per batch of contingencies);
`brute_force` re-solves each contingency with `twin.solve.run` and gives
the same table, for checking and for anything the fast path does not model.

Severity order: IT load lost (racks with no live feed), IT at risk (racks a
cooling group can no longer carry), worst element loading, hottest inlet.

Agreement with `brute_force` (tests/scenarios): power contingencies exact
against the power solve with the cooling draw held (1e-6 kW); against the
coupled re-solve, which also re-balances cooling power (fan cube law, chiller
part load), element loadings within 1 %-point. A stopped cooling unit's draw
moves to its running peers' feeds in proportion to their own draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from twin.errors import ScenarioError
from twin.model import registry
from twin.model.registry import POWER_SOURCES
from twin.model.scenario import Scenario
from twin.scenarios.fast_cooling import (
    cooling_base,
    duty_shift,
    electric_shift,
    solve_cooling_batch,
    unit_electric_kw,
)
from twin.scenarios.fast_power import OVERLOAD_PCT, demand_kw, power_base, solve_batch
from twin.solve import Results, run

POWER_KINDS = registry.tables(section="power", failable=True)
COOLING_KINDS = registry.tables(section="cooling", failable=True)
KIND_ALIASES = {"power": POWER_KINDS, "cooling": COOLING_KINDS}

SWEEP_COLUMNS = [
    "contingency",
    "kinds",
    "it_lost_kw",
    "racks_lost",
    "max_loading_pct",
    "worst_element",
    "overloads",
    "min_vm_pu",
    "cooling_units_out",
    "max_cooling_loading_pct",
    "worst_cooling_group",
    "cooling_shortfall_kw",
    "racks_at_risk",
    "it_at_risk_kw",
    "t_inlet_max_c",
]
RANK_BY = ["it_lost_kw", "it_at_risk_kw", "max_loading_pct", "t_inlet_max_c"]
CHUNK = 512
"""Contingencies per batch: bounds memory (dense elements x batch flags) [est, ~20 MB]."""


def _kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if not kinds:
        return POWER_KINDS + COOLING_KINDS
    out: list[str] = []
    for k in kinds:
        k = k.replace("-", "_")
        if k in KIND_ALIASES:
            out += KIND_ALIASES[k]
        elif k in POWER_KINDS + COOLING_KINDS:
            out.append(k)
        else:
            allowed = ", ".join(("power", "cooling", *POWER_KINDS, *COOLING_KINDS))
            raise ScenarioError(f"unknown component kind {k!r}; allowed: {allowed}")
    return tuple(dict.fromkeys(out))


def contingencies(twin, kinds: Iterable[str] | None = None) -> list[str]:
    """Ids of every failable power element and cooling unit of the given kinds."""
    return [i for k in _kinds(kinds) for i in getattr(twin, k).index]


def rank(table: pd.DataFrame) -> pd.DataFrame:
    """Most severe first; `rank` column 1..n."""
    key = table[RANK_BY].fillna(-np.inf)
    order = np.lexsort([-key[c].to_numpy(float) for c in reversed(RANK_BY)])
    out = table.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _kind_label(twin, ids: Sequence[str]) -> str:
    return "+".join(twin.kind_of(i) for i in ids)


# ----------------------------------------------------------------- fast path


class FastSweep:
    """The fast path for one twin and base scenario: build once, evaluate batches."""

    def __init__(self, twin, scenario: Scenario | None = None, base: Results | None = None):
        self.twin = twin
        self.scenario = scenario or Scenario()
        self.base = base if base is not None else run(twin, self.scenario)
        self.pb = power_base(twin, self.base)
        self.cb = cooling_base(twin, self.base)
        rr = self.base.tables.get("res_racks")
        self.t_in_max0 = (
            float(rr["t_inlet_c"].max()) if rr is not None and "t_inlet_c" in rr else np.nan
        )
        self._rack_kw = self.pb.rack_kw
        self._p_pos = dict(zip(self.pb.m.ids, range(self.pb.m.n), strict=True))
        self._c_pos = dict(zip(self.cb.ids, range(len(self.cb.ids)), strict=True))
        self._known = set(twin.component_ids())
        self._kind = {
            i: k for k in ("racks", *POWER_KINDS, *COOLING_KINDS) for i in getattr(twin, k).index
        }
        cb, live0 = self.cb, self.pb.live0
        dead_feed = (cb.feed >= 0) & ~live0[np.maximum(cb.feed, 0)]
        self._cool_out0 = cb.ids.isin(list(self.scenario.out_of_service)) | dead_feed
        self._e0 = unit_electric_kw(cb, self.base.tables)
        self._running0 = ~self._cool_out0
        self._fed_running = np.flatnonzero((cb.feed >= 0) & self._running0)
        self._base_stats = self._power_stats([np.zeros(0, dtype=np.int64)])[0]

    def _power_stats(self, p_idx: list[np.ndarray], extra=None):
        """Per contingency: IT lost, worst loading, overloads, lowest voltage; and the first
        solve's `BatchFlows` (its outages: extra loads don't change who is dead).

        Racks that lose power stop heating: their groups' cooling units draw less
        (in proportion to the heat they still carry). Cooling units whose feed dies
        stop, and their running peers take over their draw on their own feeds. The
        batch is solved once more for the contingencies where either happens (one
        coupling round).
        """
        fl = solve_batch(self.pb, p_idx, extra)
        k_n = len(p_idx)
        shifts = []
        if len(fl.lost_rack):
            shifts.append(
                duty_shift(
                    self.cb, self._e0, self._running0, self._rack_kw, fl.lost_rack, fl.lost_col
                )
            )
        fed = self._fed_running
        r_dead, k_dead = fl.dead_rows(self.cb.feed[fed])
        if len(r_dead):
            shifts.append(electric_shift(self.cb, self._e0, self._running0, fed[r_dead], k_dead))
        stats = fl.stats
        stats["_lost"] = (fl.lost_rack, fl.lost_col)  # liveness: extra loads don't change it
        hit = np.unique(np.concatenate([s[1] for s in shifts])) if shifts else []
        if len(hit):  # one coupling round, only for the contingencies that shift load
            x = extra if extra is not None else (np.zeros(0, int),) * 2 + (np.zeros(0),)
            sub = np.full(k_n, -1)
            sub[hit] = np.arange(len(hit))
            node = np.concatenate([s[0] for s in (x, *shifts)]).astype(np.int64)
            col = sub[np.concatenate([s[1] for s in (x, *shifts)]).astype(np.int64)]
            kw = np.concatenate([s[2] for s in (x, *shifts)])
            keep = col >= 0
            fl2 = solve_batch(self.pb, [p_idx[j] for j in hit], (node[keep], col[keep], kw[keep]))
            for key, value in fl2.stats.items():
                stats[key][hit] = value
        return stats, fl

    def evaluate(self, sets: Sequence[Sequence[str]]) -> pd.DataFrame:
        """One row per contingency (unranked), columns `SWEEP_COLUMNS`."""
        pb, cb = self.pb, self.cb
        m = pb.m
        flat = [i for s in sets for i in s]
        col = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
        unknown = sorted(set(flat) - self._known)
        if unknown:
            raise ScenarioError(f"unknown component id(s): {', '.join(unknown)}")
        p_at = np.array([self._p_pos.get(i, -1) for i in flat], dtype=np.int64)
        c_at = np.array([self._c_pos.get(i, -1) for i in flat], dtype=np.int64)
        p_idx = np.split(p_at, np.cumsum([len(s) for s in sets])[:-1]) if len(sets) else []
        p_idx = [a[a >= 0] for a in p_idx]
        k_n = len(sets)
        has_p = np.array([len(x) > 0 for x in p_idx], dtype=bool)
        st = {k: np.repeat(v, k_n) for k, v in self._base_stats.items() if k != "_lost"}
        lost_pairs = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        rows, cols = [c_at[c_at >= 0]], [col[c_at >= 0]]
        # cooling units that stop shift their electric draw onto their peers' feeds
        # (for power contingencies `_power_stats` does this for units whose feed dies)
        pure = ~has_p[col] & (c_at >= 0)
        x_node, x_col, x_kw = electric_shift(cb, self._e0, self._running0, c_at[pure], col[pure])
        nz = np.abs(x_kw) > 1e-12
        x_node, x_col, x_kw = x_node[nz], x_col[nz], x_kw[nz]
        has_x = np.bincount(x_col, minlength=k_n) > 0
        if (has_p | has_x).any():
            which = np.flatnonzero(has_p | has_x)
            remap = np.full(k_n, -1)
            remap[which] = np.arange(len(which))
            sub, fl = self._power_stats([p_idx[j] for j in which], (x_node, remap[x_col], x_kw))
            lost_r, lost_k = sub.pop("_lost")
            lost_pairs = (lost_r, which[lost_k])
            for k, v in sub.items():
                st[k][which] = v
            fed = cb.feed >= 0
            r2, c2 = fl.dead_rows(cb.feed[fed])
            rows.append(np.flatnonzero(fed)[r2])
            cols.append(which[c2])
        r2, c2 = np.nonzero(np.repeat(self._cool_out0[:, None], k_n, axis=1))
        rows.append(r2)
        cols.append(c2)
        r, c = np.concatenate(rows), np.concatenate(cols)
        out = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(cb.ids), k_n))
        out.data[:] = 1.0
        # racks without power produce no heat: not at risk from cooling
        nr = len(self._rack_kw)
        lost0 = np.flatnonzero(~(pb.live_a0 | pb.live_b0))
        lr = np.concatenate([lost_pairs[0], np.repeat(lost0, k_n)])
        lk = np.concatenate([lost_pairs[1], np.tile(np.arange(k_n), len(lost0))])
        lost = sp.csr_matrix((np.ones(len(lr)), (lk, lr)), shape=(k_n, nr))
        cool = solve_cooling_batch(cb, out, self.t_in_max0, lost)
        # No rack with power (or no racks at all): no heat, so no hottest inlet (NaN, as
        # the full solve reports) and no cooling duty. The batch cooling model keeps the
        # base heat and would report inf, -inf (a max over no heated hall) or a stale value.
        dark = np.asarray((lost > 0).sum(axis=1)).ravel() >= nr
        t_in = np.where(dark | np.isneginf(cool.t_inlet_max_c), np.nan, cool.t_inlet_max_c)
        return pd.DataFrame(
            {
                "contingency": ["+".join(s) for s in sets],
                "kinds": ["+".join(self._kind[i] for i in s) for s in sets],
                "it_lost_kw": st["it_lost_kw"],
                "racks_lost": st["racks_lost"],
                "max_loading_pct": st["max_loading_pct"],
                "worst_element": np.asarray(m.ids)[st["worst"]] if m.n else "",
                "overloads": st["overloads"],
                "min_vm_pu": st["min_vm_pu"],
                "cooling_units_out": cool.units_out,
                "max_cooling_loading_pct": np.where(dark, 0.0, cool.max_loading_pct),
                "worst_cooling_group": cool.worst_group,
                "cooling_shortfall_kw": np.where(dark, 0.0, cool.shortfall_kw),
                "racks_at_risk": cool.racks_at_risk,
                "it_at_risk_kw": cool.it_at_risk_kw,
                "t_inlet_max_c": t_in,
            },
            columns=SWEEP_COLUMNS,
        )


def sweep(
    twin,
    sets: Sequence[Sequence[str]],
    scenario: Scenario | None = None,
    base: Results | None = None,
    chunk: int = CHUNK,
    progress: bool = False,
) -> pd.DataFrame:
    """Fast evaluation of many contingencies (unranked), in batches of `chunk`."""
    fast = FastSweep(twin, scenario, base)
    parts = []
    with tqdm(total=len(sets), disable=not progress, unit="case", desc="N-1") as bar:
        for s in range(0, len(sets), chunk):
            batch = list(sets[s : s + chunk])
            parts.append(fast.evaluate(batch))
            bar.update(len(batch))
    if not parts:
        return pd.DataFrame(columns=SWEEP_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def n1(twin, kinds: Iterable[str] | None = None, **kw) -> pd.DataFrame:
    """Every power element and cooling unit (of `kinds`) failed in turn, ranked."""
    return rank(sweep(twin, [(i,) for i in contingencies(twin, kinds)], **kw))


def n2(twin, ids: Sequence[str], **kw) -> pd.DataFrame:
    """Every pair of `ids` failed together, ranked."""
    return rank(sweep(twin, list(combinations(ids, 2)), **kw))


# ---------------------------------------------------------------- brute force


COOLING_TROUBLE = ("over_temperature", "uncooled", "over_capacity", "coolant_temperature")
"""Violation kinds that put racks at risk: the rack itself, or a unit, hall or loop serving it."""


def racks_at_risk(twin, violations: pd.DataFrame) -> set[str]:
    """Racks named in, or served by a component named in, a cooling violation."""
    v = violations[violations["kind"].isin(COOLING_TROUBLE)]
    racks = set(twin.racks.index)
    g = twin.cooling_graph
    out: set[str] = set()
    for comp in set(v["component"]):
        if comp in racks:
            out.add(comp)
            continue
        node = f"air:{comp}" if comp in twin.halls.index else comp
        if node in g:
            out |= {n for n in nx.ancestors(g, node) if n in racks}
    return out


def summarise(twin, ids: Sequence[str], res: Results) -> dict:
    """One sweep-table row from a full solve of the contingency `ids`."""
    rp, rr = res["res_power_nodes"], res["res_racks"]
    non_src = ~rp["kind"].isin(POWER_SOURCES)
    lp = rp.loc[non_src, "loading_pct"]
    lost = ~rr["fed"].to_numpy(dtype=bool)
    v = res.violations
    risk = racks_at_risk(twin, v)
    rack_kw = pd.Series(demand_kw(twin, res), index=twin.racks.index)
    t_in = res.kpis.get("t_inlet_max_c", np.nan)
    if (v["kind"] == "uncooled").any():
        t_in = np.inf  # a hall or loop with no running unit: no steady state
    return {
        "contingency": "+".join(ids),
        "kinds": _kind_label(twin, ids),
        "it_lost_kw": float(rack_kw.to_numpy(float) @ lost),
        "racks_lost": float(lost.sum()),
        "max_loading_pct": float(lp.max()) if len(lp) else 0.0,
        "worst_element": lp.idxmax() if len(lp) else "",
        "overloads": float((rp["loading_pct"] > OVERLOAD_PCT).sum()),
        "min_vm_pu": float(res["res_bus"]["vm_pu"].min()),
        "cooling_units_out": np.nan,
        "max_cooling_loading_pct": np.nan,
        "worst_cooling_group": "",
        "cooling_shortfall_kw": float(res.kpis.get("heat_unremoved_kw", np.nan)),
        "racks_at_risk": float(len(risk)),
        "it_at_risk_kw": float(rack_kw.reindex(sorted(risk)).sum()),
        "t_inlet_max_c": float(t_in),
    }


def brute_force(
    twin,
    sets: Sequence[Sequence[str]],
    scenario: Scenario | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Re-solve every contingency with `twin.solve.run` (unranked)."""
    scenario = scenario or Scenario()
    known = set(twin.component_ids())
    rows = []
    for s in tqdm(sets, disable=not progress, unit="case", desc="N-1 (full solves)"):
        sc = Scenario(
            name="+".join(s),
            failed=scenario.failed | frozenset(s),
            maintenance=scenario.maintenance,
            load_scale=scenario.load_scale,
            t_db_c=scenario.t_db_c,
            t_wb_c=scenario.t_wb_c,
        )
        sc.check(known)
        rows.append(summarise(twin, s, run(twin, sc)))
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)
