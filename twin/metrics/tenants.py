"""Per-tenant IT and facility power, tokens, cost and PUE share from one solve.

A rack's tenant is the racks table's `tenant` column (its own, else its row's,
else its hall's; `twin.model.tables`); racks with none form the
`UNASSIGNED_TENANT` row. Every kW of the solved facility power goes to exactly
one tenant, by this rule:

1. IT: a rack's solved power (`res_racks.p_kw`) is its tenant's.
2. Cooling: each cooling unit's electric draw (the `electric_cols` of its kind,
   `twin.model.registry`) is split by the rack heat that reaches it along the
   cooling graph (`twin.model.graphs.cooling_graph`), one share per cooling
   domain: the air heat (`res_racks.air_kw`) of the racks of a hall reaches that
   hall's CRAHs and what is downstream of them; the liquid heat (`p_kw - air_kw`)
   of the racks on a TCS loop reaches its CDUs, pumps and what is downstream.
   A chiller serving both gets both, each in proportion to the kW. A unit no rack
   heat reaches (a loop carrying only UPS heat, say) is site overhead.
3. Power-chain losses: proportional sharing along the actual path. Each element's
   input (its output plus its own and its feeder cable's loss) is attributed to
   what it supplies now (`res_power_nodes.fed_from`, so after transfers), in
   proportion to each one's share of its output: rack cords carry their
   tenant's kW, a cooling unit's feed carries that unit's split from step 2. So
   a rack bears the losses of the elements it draws through, and an element's
   no-load loss is shared by its loads. An energised element with no load, or a
   load that is neither a rack nor a cooling unit, is site overhead.
4. Site overhead is shared pro rata to IT (when no IT runs, to design IT).

So the tenants' facility power sums to `kpis["facility_kw"]` (tested to 1e-9
relative). Tokens come from `twin.metrics.economics.rack_tokens`; cost per year
splits `twin.metrics.economics.economics`: energy by facility kW, rack capex by
rack, facility capex and opex by design IT, so the tenants' costs sum to the
site's. `pue` is the tenant's facility over its IT; `pue_share` its facility
over the site's IT, so the shares sum to the site PUE.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from twin.layout.schema import UNASSIGNED_TENANT, Economics
from twin.metrics.economics import HOURS_PER_YEAR, SECONDS_PER_HOUR, rack_tokens
from twin.model import registry
from twin.solve.arrays import feed_b_share
from twin.solve.results import Results

PARTS = ["it_kw", "power_loss_kw", "cooling_kw", "overhead_kw"]
"""The terms of a tenant's facility power; they add up to `facility_kw`."""

COLUMNS = [
    "racks",
    "design_kw",
    *PARTS,
    "facility_kw",
    "it_share_pct",
    "facility_share_pct",
    "pue",
    "pue_share",
    "tokens_s",
    "tokens_s_per_mw_facility",
    "energy_usd_per_year",
    "cost_usd_per_year",
    "usd_per_mtok",
]
"""Columns of `tenant_table`, one row per tenant (index `tenant`)."""


def rack_tenants(twin) -> pd.Series:
    """Tenant per rack (index rack ids); `UNASSIGNED_TENANT` where none is set."""
    t = twin.racks["tenant"] if "tenant" in twin.racks else pd.Series("", index=twin.racks.index)
    t = t.fillna("").astype(str)
    return t.where(t != "", UNASSIGNED_TENANT).rename("tenant")


def has_tenants(twin) -> bool:
    """Whether any rack has a tenant."""
    return "tenant" in twin.racks and bool(twin.racks["tenant"].fillna("").ne("").any())


def tenant_ids(twin) -> list[str]:
    """The tenants of the layout, sorted, with `UNASSIGNED_TENANT` last if any rack has none;
    a layout with no racks has `UNASSIGNED_TENANT` alone (its facility power, idle losses and
    the like, is overhead that must still add up to the site's)."""
    names = set(rack_tenants(twin)) or {UNASSIGNED_TENANT}
    return sorted(names - {UNASSIGNED_TENANT}) + [UNASSIGNED_TENANT] * (UNASSIGNED_TENANT in names)


def _unit_draws(twin, results: Results) -> dict[str, pd.Series]:
    """Electric draw (kW) per cooling unit, by kind."""
    out = {}
    for k in registry.COOLING_UNITS:
        t = getattr(twin, k)
        res = results.tables.get(registry.kind(k).res)
        cols = [c for c in registry.kind(k).electric_cols if res is not None and c in res]
        kw = res[cols].sum(axis=1) if cols else pd.Series(0.0, index=t.index)
        out[k] = kw.reindex(t.index).fillna(0.0).astype(float)
    return out


def _unit_shares(twin, results: Results, tenants: list[str]) -> dict[str, np.ndarray]:
    """Rule 2: per kind, a (units x tenants) array of each unit's rack heat by tenant (kW)."""
    racks, rr = twin.racks, results["res_racks"]
    tenant = rack_tenants(twin)
    p = rr["p_kw"].reindex(racks.index).fillna(0.0).to_numpy(float)
    air = rr["air_kw"].reindex(racks.index).fillna(0.0).to_numpy(float) if "air_kw" in rr else p
    col = pd.Series(np.arange(len(tenants)), index=tenants)[tenant].to_numpy()
    heat: dict[str, np.ndarray] = {}  # cooling-graph entry node -> heat by tenant (kW)

    def add(entries: pd.Series, kw: np.ndarray) -> None:
        frame = pd.DataFrame({"e": entries.to_numpy(), "c": col, "kw": kw}).dropna(subset=["e"])
        for e, part in frame.groupby("e"):
            heat.setdefault(e, np.zeros(len(tenants)))
            heat[e] += np.bincount(part["c"], part["kw"], len(tenants))

    add("air:" + racks["hall"].astype(str), air)
    add(racks["liquid_loop"], np.maximum(p - air, 0.0))
    g = twin.cooling_graph
    entries = [e for e in heat if e in g]
    reach = [list(nx.descendants(g, e) | {e}) for e in entries]
    nodes = pd.Index(sorted({n for r in reach for n in r}, key=str))
    rows = np.repeat(np.arange(len(entries)), [len(r) for r in reach])
    cols = nodes.get_indexer([n for r in reach for n in r])
    r = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(entries), len(nodes)))
    h = np.array([heat[e] for e in entries]).reshape(len(entries), len(tenants))
    at_node = np.vstack([np.asarray(r.T @ h), np.zeros((1, len(tenants)))])  # last: unreached
    out = {}
    for k in registry.COOLING_UNITS:
        t = getattr(twin, k)
        # a pump is reached with its loop; every other unit is a node of the graph
        key = t["loop"] if k == "pumps" and "loop" in t else pd.Series(t.index, index=t.index)
        pos = nodes.get_indexer(key.to_numpy()) if len(t) else np.zeros(0, np.int64)
        out[k] = at_node[np.where(pos >= 0, pos, len(nodes))]
    return out


def _chain_attribution(
    twin, results: Results, direct: np.ndarray, pn: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 3: attribute each source's draw to the columns of `direct` (elements x columns,
    kW put on each element by racks and cooling units). Returns (source kW per column,
    element kW left unattributed: no-load elements and loads that are neither)."""
    n = len(pn)
    pos = pd.Series(np.arange(n), index=pn.index)
    p_in = pn["p_kw"].to_numpy(float)
    p_out = pn["p_out_kw"].to_numpy(float)
    parent = pn["fed_from"].map(pos).fillna(-1).to_numpy(np.int64)
    child = np.flatnonzero((parent >= 0) & (parent != np.arange(n)))
    c = sp.csr_matrix((np.ones(len(child)), (parent[child], child)), shape=(n, n))
    # direct load at an element not explained by its children and known loads: overhead
    known = direct.sum(axis=1) + np.asarray(c @ p_in).ravel()
    other = p_out - known
    loaded = p_out > 1e-12
    ratio = np.where(loaded, p_in / np.where(loaded, p_out, 1.0), 0.0)
    rhs = np.column_stack([direct, other]) * ratio[:, None]
    rhs[~loaded, -1] += p_in[~loaded]  # energised with no load: its loss is overhead
    a = (sp.identity(n, format="csc") - sp.diags(ratio) @ c).tocsc()
    x = spsolve(a, rhs)
    x = np.asarray(x).reshape(n, rhs.shape[1])
    src = np.flatnonzero(parent == np.arange(n))
    return x[src].sum(axis=0), other


def allocate(twin, results: Results) -> pd.DataFrame:
    """Per tenant (index): it_kw, power_loss_kw, cooling_kw, overhead_kw, facility_kw
    by the module's rule; `facility_kw` sums to the solve's `kpis["facility_kw"]`."""
    tenants = tenant_ids(twin)
    nt = len(tenants)
    pn = results["res_power_nodes"]
    rr = results["res_racks"]
    n = len(pn)
    pos = pd.Series(np.arange(n), index=pn.index)
    tcol = pd.Series(np.arange(nt), index=tenants)[rack_tenants(twin)].to_numpy()
    it_direct = np.zeros((n, nt))
    it_kw = np.zeros(nt)
    for cord in ("a", "b"):
        at = twin.racks[f"feed_{cord}"].map(pos).fillna(-1).to_numpy(np.int64)
        kw = rr[f"p_{cord}_kw"].reindex(twin.racks.index).fillna(0.0).to_numpy(float)
        ok = at >= 0
        np.add.at(it_direct, (at[ok], tcol[ok]), kw[ok])
        it_kw += np.bincount(tcol, kw, nt)
    # cooling: each unit's draw split by rule 2; what reaches no rack heat is overhead
    draws, shares = _unit_draws(twin, results), _unit_shares(twin, results, tenants)
    live = np.r_[pn["live"].to_numpy(bool), False]
    cool_direct = np.zeros((n, nt + 1))  # last column: cooling that serves no rack heat
    cool_off = np.zeros(nt + 1)
    for k, kw in draws.items():
        t = getattr(twin, k)
        if not len(t):
            continue
        w = shares[k]
        tot = w.sum(axis=1)
        split = (
            np.column_stack([w / np.where(tot > 0, tot, 1.0)[:, None], (tot <= 0).astype(float)])
            * kw.to_numpy()[:, None]
        )
        fa = (
            t["feed"].map(pos).fillna(-1).to_numpy(np.int64) if "feed" in t else np.full(len(t), -1)
        )
        fb = (
            t["feed_b"].map(pos).fillna(-1).to_numpy(np.int64)
            if "feed_b" in t
            else np.full(len(t), -1)
        )
        on = fa >= 0
        cool_off += split[~on].sum(axis=0)
        share_b = feed_b_share(live[fa], (fb >= 0) & live[fb])[:, None]
        np.add.at(cool_direct, fa[on], (split * (1.0 - share_b))[on])
        on_b = on & (fb >= 0)
        np.add.at(cool_direct, fb[on_b], (split * share_b)[on_b])
    direct = np.column_stack([it_direct, cool_direct])
    src, _ = _chain_attribution(twin, results, direct, pn)
    it_src, cool_src, other_src = src[:nt], src[nt : 2 * nt + 1], src[-1]
    cool_unit = cool_direct.sum(axis=0) + cool_off  # unit draws per column
    loss = (it_src - it_direct.sum(axis=0)) + (cool_src[:nt] - cool_direct[:, :nt].sum(axis=0))
    overhead = float(cool_src[nt] + cool_off[nt] + other_src)
    it_total = it_kw.sum()
    design = twin.racks["power_kw"].groupby(rack_tenants(twin)).sum().reindex(tenants)
    design = design.fillna(0.0).to_numpy(float)
    weight = it_kw if it_total > 0 else design  # no IT runs: by the capacity each holds
    spread = weight / weight.sum() if weight.sum() > 0 else np.full(nt, 1.0 / max(nt, 1))
    out = pd.DataFrame(
        {
            "it_kw": it_kw,
            "power_loss_kw": loss,
            "cooling_kw": cool_unit[:nt],
            "overhead_kw": overhead * spread,
        },
        index=pd.Index(tenants, name="tenant"),
    )
    out["facility_kw"] = out[PARTS].sum(axis=1)
    return out


def tenant_table(twin, results: Results, prices: Economics | None = None) -> pd.DataFrame:
    """One row per tenant, `COLUMNS`: racks, design and solved kW, facility power and its
    terms (`allocate`), shares, PUE and PUE share, tokens/s and cost per year."""
    prices = prices or twin.layout.economics
    out = allocate(twin, results)
    tenant = rack_tenants(twin)
    tok = rack_tokens(twin, results)
    by = tok.assign(tenant=tenant).groupby("tenant")
    out["racks"] = tenant.value_counts().reindex(out.index).fillna(0).astype(int)
    out["design_kw"] = by["design_kw"].sum().reindex(out.index).fillna(0.0)
    out["tokens_s"] = by["tokens_s"].sum().reindex(out.index).fillna(0.0)
    life = tok["lifetime_years"].to_numpy(float)
    rack_capex = pd.Series(
        np.nan_to_num(tok["capex_usd"].to_numpy(float) / np.where(life > 0, life, np.nan)),
        index=tok.index,
    )
    k = results.kpis
    it_site = float(out["it_kw"].sum())
    fac_site = float(out["facility_kw"].sum())
    hours = HOURS_PER_YEAR * prices.load_factor
    per_design_kw = (
        prices.facility_capex_usd_per_kw / prices.depreciation_years + prices.opex_usd_per_kw_year
    )
    out["energy_usd_per_year"] = out["facility_kw"] * hours * prices.energy_price_usd_per_kwh
    out["cost_usd_per_year"] = (
        out["energy_usd_per_year"]
        + rack_capex.groupby(tenant).sum().reindex(out.index).fillna(0.0)
        + out["design_kw"] * per_design_kw
    )
    tokens_year = out["tokens_s"] * SECONDS_PER_HOUR * hours
    out["usd_per_mtok"] = out["cost_usd_per_year"] * 1e6 / tokens_year.where(tokens_year > 0)
    out["tokens_s_per_mw_facility"] = out["tokens_s"] / (out["facility_kw"] / 1000.0).where(
        out["facility_kw"] > 0
    )
    out["it_share_pct"] = 100.0 * out["it_kw"] / it_site if it_site > 0 else np.nan
    out["facility_share_pct"] = 100.0 * out["facility_kw"] / fac_site if fac_site > 0 else np.nan
    undefined = not np.isfinite(float(k.get("pue", np.nan)))  # no steady state: no PUE
    out["pue"] = out["facility_kw"] / out["it_kw"].where((out["it_kw"] > 0) & (not undefined))
    out["pue_share"] = np.nan if undefined or it_site <= 0 else out["facility_kw"] / it_site
    return out[COLUMNS]


def residuals(twin, results: Results, table: pd.DataFrame) -> dict[str, float]:
    """Relative gaps between the tenants' sums and the site totals (0 when conserved):
    IT and facility kW against `kpis`, tokens/s and cost against `economics`."""
    from twin.metrics.economics import economics

    e = economics(twin, results)
    k = results.kpis

    def rel(a: float, b: float) -> float:
        return abs(a - b) / max(abs(b), 1e-12)

    return {
        "it_kw": rel(float(table["it_kw"].sum()), float(k["it_kw"])),
        "facility_kw": rel(float(table["facility_kw"].sum()), float(k["facility_kw"])),
        "tokens_s": rel(float(table["tokens_s"].sum()), e["tokens_s"]),
        "cost_usd_per_year": rel(float(table["cost_usd_per_year"].sum()), e["cost_usd_per_year"]),
    }
