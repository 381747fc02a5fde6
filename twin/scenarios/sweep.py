"""N-1 and N-2 sweeps over power and cooling components, ranked by severity.

`n1(twin)` fails every power element and cooling unit in turn; `n2(twin, ids)`
every pair of `ids`. Both use the fast path (`fast_power`, `fast_cooling`:
one base solve, then sparse subtree sums per batch of contingencies);
`brute_force` re-solves each contingency with `twin.solve.run` and gives
the same table, for checking and for anything the fast path does not model.

The fast path screens; it does not have the last word (DESIGN.md, "Fast paths
and full solves"). Its cooling model is linear: a group short of capacity
keeps its base duty, its shortfall is duty minus what is left, and the hall's
hottest inlet comes from the base air solution. Where cooling is short the
coupled solve differs (units run past capacity at a warmer supply, chillers
run hot, the loop never settles: no steady state), by up to 28 %-points of
loading, 5.6 MW of shortfall and a finite inlet where there is none on the
reference layouts. So `sweep` re-solves with `twin.solve.run` every case the
screen puts at risk (`at_risk`) and replaces its row with the full solve's
(`verified` True); on a small site, with at most `VERIFY_ALL_CASES` cases, it
re-solves them all. Rows left unverified keep the fast
path's numbers and say so (`verified` False).

Severity order (`RANK_BY`): IT load lost (racks with no live feed), IT at risk
(racks whose cooling is short), cooling shortfall, worst element loading,
hottest inlet.

Agreement with `brute_force` (tests/scenarios): power contingencies exact
against the power solve with the cooling draw held (1e-6 kW); against the
coupled re-solve, which also re-balances cooling power (fan cube law, chiller
part load), element loadings within 1 %-point. A stopped cooling unit's draw
moves to its running peers' feeds in proportion to their own draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from twin.errors import ScenarioError
from twin.model import registry
from twin.model.scenario import Scenario
from twin.scenarios import tenants_hit
from twin.scenarios.fast_cooling import (
    cooling_base,
    dead_units,
    duty_shift,
    electric_shift,
    feed_swaps,
    solve_cooling_batch,
    unit_electric_kw,
)
from twin.scenarios.fast_power import power_base, solve_batch
from twin.scenarios.rack_risk import COOLING_TROUBLE, rack_risk, racks_at_risk  # noqa: F401
from twin.scenarios.sweep_risk import (  # noqa: F401 - the rule, re-exported
    HOTTER_K,
    LOADING_MARGIN_PCT,
    at_risk,
    recommended_max_c,
)
from twin.scenarios.sweep_rows import (  # noqa: F401 - the full solve's row, re-exported
    IDLE_PCT,
    cooling_groups,
    cooling_groups_at_demand,
    min_vm_pu,
    summarise,
    untrusted,
)
from twin.solve import Results, run
from twin.solve.ffd_ahead import march_ahead

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
    "grid_used_pct",
    "verified",
    "untrusted",
    "tenants_hit",
    "tenants_at_risk",
    "it_lost_by_tenant",
]
"""`untrusted`: '' or why the case's full solve is not a solution (`untrusted`: its
power flow did not converge, a number is not finite, a balance does not close, each with
its residual); its numbers are then not an answer and it ranks first. `tenants_hit`: ids of the tenants whose racks lose IT, comma-joined; `tenants_at_risk`: ids
of the tenants whose racks keep power but are short of cooling (the racks counted in
`racks_at_risk` or, in a full solve, throttled or tripped by heat: `res_racks.thermal_state`);
`it_lost_by_tenant`: tenant -> kW lost (a dict, for Python; `twin.scenarios.tenants_hit`).
`grid_used_pct`: the utility draw against `site.grid_mw` (the full solve's; the screen's is the
base's plus its change of draw, exact for the power chain but blind to the survivors' faster
fans after a cooling unit stops, +0.2 % of the draw on hybrid-inference.yaml: a case the
screen puts past the contract is re-solved, and a hall's cases all are, `VERIFY_ALL_CASES`;
the IT headroom's grid check solves near-contract cases in full); past 100 the case breaks
the grid connection and ranks by how far, after the cooling shortfall."""
RANK_BY = [
    "it_lost_kw",
    "it_at_risk_kw",
    "cooling_shortfall_kw",
    "max_loading_pct",
    "t_inlet_max_c",
]
"""Consequence first: IT lost, then IT whose cooling is short, then how short, then margins.
A case whose full solve is `untrusted` (no solution) comes before all of them: its
consequence is unknown, so it is never ranked below a case whose consequence is known."""
VERIFY_ALL_CASES = 300
"""Re-solve every case, not only the at-risk ones, when there are at most this many (a hall:
the reference halls have 10-104 cases at 30-50 ms each). A count, not a time budget: the
same layout gives the same table on any machine at any load (a 5 s budget re-solved the
hybrid-inference hall's 104 cases on a quiet machine and kept screen rows under load) [est]."""
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
    """Most severe first (`untrusted` cases, then `RANK_BY`); `rank` column 1..n."""
    key = table[RANK_BY].fillna(-np.inf)
    if "grid_used_pct" in table:  # past the grid contract: after the cooling shortfall
        over = np.maximum(table["grid_used_pct"].to_numpy(float) - 100.0, 0.0)
        key.insert(RANK_BY.index("cooling_shortfall_kw") + 1, "grid_over_pct", over)
    keys = [-key[c].to_numpy(float) for c in reversed(key.columns)]
    keys.append(-no_solution(table).astype(float))
    order = np.lexsort(keys)
    out = table.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# ----------------------------------------------------------------- fast path


class FastSweep:
    """The fast path for one twin and base scenario: build once, evaluate batches."""

    def __init__(self, twin, scenario: Scenario | None = None, base: Results | None = None):
        self.twin = twin
        self.scenario = scenario or Scenario()
        self.base = base if base is not None else run(twin, self.scenario)
        self.pb = power_base(twin, self.base)
        self.cb = cooling_base(twin, self.base)
        self.t_in_max0 = _hottest_inlet(self.base)
        self._rack_kw = self.pb.rack_kw
        self._p_pos = dict(zip(self.pb.m.ids, range(self.pb.m.n), strict=True))
        self._c_pos = dict(zip(self.cb.ids, range(len(self.cb.ids)), strict=True))
        self._known = set(twin.component_ids())
        self._kind = {
            i: k for k in ("racks", *POWER_KINDS, *COOLING_KINDS) for i in getattr(twin, k).index
        }
        cb, live0 = self.cb, self.pb.live0
        dead_feed = (cb.feed >= 0) & ~live0[np.maximum(cb.feed, 0)]
        # dual-fed: out only when both feeds are dead
        dead_feed &= ~((cb.feed_b >= 0) & live0[np.maximum(cb.feed_b, 0)])
        self._cool_out0 = cb.ids.isin(list(self.scenario.out_of_service)) | dead_feed
        self._e0 = unit_electric_kw(cb, self.base.tables)
        self._running0 = ~self._cool_out0
        self._fed_running = np.flatnonzero((cb.feed >= 0) & self._running0)
        self._base_stats = self._power_stats([np.zeros(0, dtype=np.int64)])[0]
        self._base_row: pd.Series | None = None
        self._grid_pct0 = float(self.base.kpis["grid_used_pct"])
        self._pct_per_kw = 100.0 / (twin.layout.site.grid_mw * 1000.0)

    def base_row(self) -> pd.Series:
        """The screen's row of the scenario itself, no failure on top (`at_risk`'s base)."""
        if self._base_row is None:
            self._base_row = self.evaluate([()]).iloc[0]
        return self._base_row

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
        u_dead, k_dead = dead_units(self.cb, fl, fed)
        if len(u_dead):
            shifts.append(electric_shift(self.cb, self._e0, self._running0, u_dead, k_dead))
        swaps = feed_swaps(self.cb, fl, fed, self._e0, self._running0)
        if len(swaps[0]):  # dual-fed units that lost one feed: the survivor takes it all
            shifts.append(swaps)
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

    def evaluate(self, sets: Sequence[Sequence[str]], utility: bool = False) -> pd.DataFrame:
        """One row per contingency (unranked), columns `SWEEP_COLUMNS`; with `utility`, a
        column ``utility_dkw`` too: the utility connections' change of draw from the base, kW,
        exact with the cooling units' draw held (a stopped unit's moved to its peers' feeds
        unchanged: the survivors' faster fans are not in it)."""
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
            u2, c2 = dead_units(cb, fl, np.flatnonzero(cb.feed >= 0))
            rows.append(u2)
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
        tenants, by_tenant = tenants_hit.hit(
            self.twin, (lost > 0).astype(float) @ sp.diags(self._rack_kw)
        )
        cool = solve_cooling_batch(cb, out, self.t_in_max0, lost)
        # No rack with power (or no racks at all): no heat, so no hottest inlet (NaN, as
        # the full solve reports) and no cooling duty. The batch cooling model keeps the
        # base heat and would report inf, -inf (a max over no heated hall) or a stale value.
        # Racks that keep power and lose their cooling are not dark: their group reads inf
        # (heat, no capacity left), as the full solve before the racks shut down by heat.
        dark = np.asarray((lost > 0).sum(axis=1)).ravel() >= nr
        t_in = np.where(dark | np.isneginf(cool.t_inlet_max_c), np.nan, cool.t_inlet_max_c)
        at_risk, _ = tenants_hit.hit(self.twin, cool.at_risk)
        table = pd.DataFrame(
            {
                "contingency": ["+".join(s) for s in sets],
                "kinds": ["+".join(self._kind[i] for i in s) for s in sets],
                "it_lost_kw": st["it_lost_kw"],
                "racks_lost": st["racks_lost"],
                "max_loading_pct": st["max_loading_pct"],
                "worst_element": (  # none where nothing carries load (a dead site)
                    np.where(st["max_loading_pct"] > IDLE_PCT, np.asarray(m.ids)[st["worst"]], "")
                    if m.n
                    else ""
                ),
                "overloads": st["overloads"],
                "min_vm_pu": st["min_vm_pu"],
                "cooling_units_out": cool.units_out,
                "max_cooling_loading_pct": np.where(dark, 0.0, cool.max_loading_pct),
                "worst_cooling_group": cool.worst_group,
                "cooling_shortfall_kw": np.where(dark, 0.0, cool.shortfall_kw),
                "racks_at_risk": cool.racks_at_risk,
                "it_at_risk_kw": cool.it_at_risk_kw,
                "t_inlet_max_c": t_in,
                "grid_used_pct": self._grid_pct0 + st["utility_dkw"] * self._pct_per_kw,
                "verified": np.zeros(k_n, dtype=bool),
                "untrusted": np.full(k_n, "", dtype=object),  # the screen has no residual
                "tenants_hit": tenants,
                "tenants_at_risk": at_risk,
                "it_lost_by_tenant": by_tenant,
            },
            columns=SWEEP_COLUMNS,
        )
        if utility:
            table["utility_dkw"] = st["utility_dkw"]
        return table


def sweep(
    twin,
    sets: Sequence[Sequence[str]],
    scenario: Scenario | None = None,
    base: Results | None = None,
    chunk: int = CHUNK,
    progress: bool = False,
    verify: str | bool = "auto",
) -> pd.DataFrame:
    """Every contingency screened by the fast path in batches of `chunk`, then re-solved in
    full where `verify` says (see `verify_table`; False: the screen only). Unranked."""
    scenario = scenario or Scenario()
    fast = FastSweep(twin, scenario, base)
    parts = []
    with tqdm(total=len(sets), disable=not progress, unit="case", desc="N-1") as bar:
        for s in range(0, len(sets), chunk):
            batch = list(sets[s : s + chunk])
            parts.append(fast.evaluate(batch))
            bar.update(len(batch))
    if not parts:
        return pd.DataFrame(columns=SWEEP_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    if verify is False or verify == "none":
        return table
    return verify_table(
        twin,
        table,
        sets,
        scenario,
        mode=verify,
        progress=progress,
        t_inlet_base_c=fast.t_in_max0,
        base_row=fast.base_row(),
    )


def verify_table(
    twin,
    table: pd.DataFrame,
    sets: Sequence[Sequence[str]],
    scenario: Scenario | None = None,
    mode: str | bool = "auto",
    progress: bool = False,
    verify_all_max: int | None = None,
    t_inlet_base_c: float | None = None,
    base_row: Mapping | None = None,
) -> pd.DataFrame:
    """Replace rows of a fast-path table (rows in the order of `sets`) by full coupled
    re-solves; those rows get `verified` True.

    `mode`: ``"risk"`` re-solves the cases `at_risk` flags; ``"all"`` (or True) every case;
    ``"auto"`` the at-risk cases, and all the others too when the table has at most
    `verify_all_max` cases (default `VERIFY_ALL_CASES`: a small site; the choice never
    depends on the machine's speed). `t_inlet_base_c`, `base_row`: the scenario's hottest
    inlet and its own row (`at_risk`), from a full solve of it where not given.
    """
    if mode is True:
        mode = "all"
    if mode not in ("auto", "risk", "all"):
        raise ValueError("verify must be 'auto', 'risk', 'all', True or False")
    scenario = scenario or Scenario()
    sets = [tuple(s) for s in sets]
    out = table.copy()
    if "verified" not in out:
        out["verified"] = False
    out["verified"] = out["verified"].astype(bool)
    done = out["verified"].to_numpy(bool)
    if mode == "all":
        first = np.flatnonzero(~done)
    else:
        if t_inlet_base_c is None or base_row is None:  # what is not given, from a full solve
            res = run(twin, scenario)
            t_inlet_base_c = _hottest_inlet(res) if t_inlet_base_c is None else t_inlet_base_c
            base_row = summarise(twin, (), res) if base_row is None else base_row
        first = np.flatnonzero(at_risk(twin, out, t_inlet_base_c, base_row) & ~done)
    limit = VERIFY_ALL_CASES if verify_all_max is None else verify_all_max
    if mode == "auto" and len(sets) <= limit:
        first = np.r_[first, np.setdiff1d(np.flatnonzero(~done), first)]
    known = set(twin.component_ids())
    # an ffd hall's flow without each failed unit: marched on every core first (ffd_ahead)
    march_ahead(twin, [scenario.failed | set(sets[i]) for i in first], progress=progress)
    rows: dict[int, dict] = {}
    with tqdm(total=len(first), disable=not progress, unit="case", desc="N-1 full re-solve") as bar:
        for i in first:
            rows[int(i)] = summarise(twin, sets[i], run(twin, _case(scenario, sets[i], known)))
            bar.update(1)
    if rows:
        idx = np.fromiter(rows, dtype=np.int64)
        full = pd.DataFrame([rows[i] for i in idx], columns=SWEEP_COLUMNS, index=out.index[idx])
        for col in SWEEP_COLUMNS:
            if out[col].dtype.kind in "biuf" and full[col].dtype.kind not in "biuf":
                full[col] = pd.to_numeric(full[col])
            out[col] = out[col].astype(np.result_type(out[col].dtype, full[col].dtype))
            out.loc[full.index, col] = full[col]
    return out


def _hottest_inlet(res: Results) -> float:
    """The hottest rack inlet of a solve (top of the rack), NaN without rack inlets."""
    rr = res.tables.get("res_racks")
    return float(rr[_top(rr)].max()) if rr is not None and "t_inlet_c" in rr else np.nan


def _top(rr: pd.DataFrame) -> str:
    """The hottest-inlet column: top of the rack (= the mean in kernel halls)."""
    return "t_inlet_max_c" if "t_inlet_max_c" in rr else "t_inlet_c"


def _case(scenario: Scenario, ids: Sequence[str], known) -> Scenario:
    """`scenario` with the contingency `ids` failed on top."""
    sc = replace(scenario, name="+".join(ids), failed=scenario.failed | frozenset(ids))
    sc.check(known)
    return sc


def n1(twin, kinds: Iterable[str] | None = None, **kw) -> pd.DataFrame:
    """Every power element and cooling unit (of `kinds`) failed in turn, ranked."""
    return rank(sweep(twin, [(i,) for i in contingencies(twin, kinds)], **kw))


def n2(twin, ids: Sequence[str], **kw) -> pd.DataFrame:
    """Every pair of `ids` failed together, ranked."""
    return rank(sweep(twin, list(combinations(ids, 2)), **kw))


# ---------------------------------------------------------------- brute force


def no_solution(table: pd.DataFrame) -> np.ndarray:
    """Per row of a sweep table: its full solve is not a solution (`untrusted` non-empty);
    all False for a table without the column."""
    if "untrusted" not in table:
        return np.zeros(len(table), bool)
    return table["untrusted"].fillna("").astype(str).to_numpy() != ""


def verified_text(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its `verified` column as words for a screen: "yes" (a full solve),
    "no" (fast-screen numbers) or "no solution" (a full solve whose numbers are not a
    solution, `no_solution`): never "yes" for a row with no answer."""
    if "verified" not in table:
        return table
    done = table["verified"].astype(bool).to_numpy()
    words = np.where(no_solution(table), "no solution", np.where(done, "yes", "no"))
    return table.assign(verified=words)


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
        rows.append(summarise(twin, s, run(twin, _case(scenario, s, known))))
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)
