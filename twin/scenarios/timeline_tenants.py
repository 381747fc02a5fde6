"""Tenants in a timeline: a cap per tenant, demand response shed in tenant order, and which
tenants each cap or event hits.

A timeline's groups are halls (`twin.scenarios.timeline`). Inside a hall the racks of
each tenant form a cell (hall, tenant; `unassigned` for racks without one). Every cell
of a hall follows the hall's demand fraction (one workload pattern per hall) and draws
``min(demand fraction, hall cap, tenant cap) x its design kW``, so with no tenant caps
a hall draws what it drew before, and a tenant cap holds each of its racks at that
fraction of design in every hall.

Demand response (`twin.scenarios.policies`): without a tenant order the event sheds
hall by hall as before (kind order) and each hall's cut is shared among its cells in
proportion to what each can give above the floor; with `DrEvent.tenant_order` the
cells are shed tenant by tenant instead: every cell of the first tenant down to the
floor, then the next, tenants not named last (their kind order no longer applies).

Tokens per cell come from the catalogue at the cell's own power fraction
(`twin.metrics.catalogue`), so a capped tenant loses its own tokens. `summary` gives,
per tenant, design kW, energy asked and drawn, IT energy cut by caps, events and what
the site could not serve, tokens produced and lost, and whether it was hit;
`hits` adds the tenants hit to each row of the timeline's curtailment table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.metrics.catalogue import catalogue, rack_catalogue, throughput_fraction
from twin.metrics.tenants import rack_tenants, tenant_ids

HIT_TOL = 1e-9
"""A cell losing at most this share of its uncapped tokens/s (or kW) is not hit."""


@dataclass(frozen=True)
class Cells:
    """The (hall, tenant) cells of a timeline's groups."""

    group: np.ndarray  # group position per cell
    tenant: np.ndarray  # tenant id per cell
    design_kw: np.ndarray  # design kW per cell
    cap: np.ndarray  # the tenant's cap per cell, fraction of design (1: none)
    tokens_full: np.ndarray  # (cells, accelerators) full-power tokens/s
    accelerators: list[str]
    n_groups: int
    tenant_cap: np.ndarray | None = None  # the tenant's own cap per cell (before rack caps)
    rack_cell: pd.Series | None = None  # the cell of each rack (index rack ids)

    def spread(self, per_group: np.ndarray, design_kw: np.ndarray) -> np.ndarray:
        """(n, G) kW of groups -> (n, C) kW of cells, each at its group's fraction."""
        d = np.asarray(design_kw, float)[self.group]
        frac = np.divide(self.design_kw, d, out=np.zeros(len(self.group)), where=d > 0)
        return np.asarray(per_group, float)[:, self.group] * frac[None, :]

    def gather(self, per_cell: np.ndarray) -> np.ndarray:
        """(n, C) -> (n, G): the sum over each group's cells."""
        x = np.asarray(per_cell, float)
        out = np.zeros((x.shape[0], self.n_groups))
        np.add.at(out.T, self.group, x.T)
        return out

    def tokens_per_s(self, twin, power_fraction: np.ndarray) -> np.ndarray:
        """(n, C) tokens/s at each cell's power fraction."""
        cat = catalogue(twin.layout)
        out = np.zeros_like(power_fraction, dtype=float)
        for j, name in enumerate(self.accelerators):
            full = self.tokens_full[:, j]
            if full.any():
                out += throughput_fraction(cat[name], power_fraction) * full[None, :]
        return out


def check(twin, tenant_cap: dict[str, float], tenant_order=()) -> None:
    """Tenant caps and a shed order name tenants of the layout; caps are fractions 0-1."""
    known = tenant_ids(twin)
    for t in [*tenant_cap, *tenant_order]:
        if t not in known:
            raise ScenarioError(
                f"no tenant {t!r} in this layout; tenants: {', '.join(known) or 'none'}"
            )
    for t, c in tenant_cap.items():
        if not 0.0 <= float(c) <= 1.0:
            raise ScenarioError(f"tenant cap for {t!r}: {c:g} is not a fraction of design (0-1)")
    if len(set(tenant_order)) != len(tuple(tenant_order)):
        raise ScenarioError("the shed order names a tenant twice")


def cells(
    twin, groups: list[str], tenant_cap: dict[str, float] | None = None, rack_cap=None
) -> Cells:
    """The cells of `groups` (hall ids) with each tenant's cap (checked: known tenant, 0-1).

    `rack_cap` (a fraction per rack, `twin.scenarios.timeline_caps.per_rack`) splits a
    hall's tenant further: racks under one cap form one cell, whose cap is the lower of
    its tenant's and its racks'."""
    tenant_cap = dict(tenant_cap or {})
    check(twin, tenant_cap)
    racks = twin.racks
    tenant = rack_tenants(twin)
    gpos = pd.Series(np.arange(len(groups)), index=groups)
    rc = rack_catalogue(twin)
    cat = catalogue(twin.layout)
    accs = sorted(a for a in rc["accelerator"].unique() if a in cat)
    rcap = 1.0 if rack_cap is None else rack_cap.reindex(racks.index).fillna(1.0)
    frame = pd.DataFrame(
        {"group": racks["hall"].map(gpos), "tenant": tenant, "rcap": rcap, "kw": racks["power_kw"]}
    )
    for a in accs:
        frame[a] = np.where(rc["accelerator"] == a, rc["tokens_s_full"], 0.0)
    frame = frame.dropna(subset=["group"])
    by = frame.groupby(["group", "tenant", "rcap"], sort=True).sum()
    g = by.index.get_level_values("group").to_numpy(np.int64)
    t = by.index.get_level_values("tenant").to_numpy(object)
    rk = by.index.get_level_values("rcap").to_numpy(float)
    return Cells(
        group=g,
        tenant=t,
        design_kw=by["kw"].to_numpy(float),
        cap=np.minimum([float(tenant_cap.get(x, 1.0)) for x in t], rk),
        tenant_cap=np.array([float(tenant_cap.get(x, 1.0)) for x in t]),
        rack_cell=pd.Series(
            by.index.get_indexer(pd.MultiIndex.from_frame(frame[["group", "tenant", "rcap"]])),
            index=frame.index,
        ),
        tokens_full=by[accs].to_numpy(float) if accs else np.zeros((len(g), 0)),
        accelerators=accs,
        n_groups=len(groups),
    )


def capped(c: Cells, demand_kw: np.ndarray, cap: np.ndarray, design_kw: np.ndarray, at_cap=None):
    """(n, C) demand and draw of the cells under the hall caps `cap` (G) and the tenant caps.

    `at_cap(g, fraction)`: group g's kW, each step the mean of its power capped at that
    fraction at every instant (`twin.scenarios.timeline_capmean`); without it the step's
    mean is capped."""
    dem = c.spread(demand_kw, design_kw)
    frac = np.minimum(np.asarray(cap, float)[c.group], c.cap)
    out = np.minimum(dem, (frac * c.design_kw)[None, :])
    if at_cap is not None:
        d = np.asarray(design_kw, float)
        for g, f in {(int(g), float(f)) for g, f in zip(c.group, frac, strict=True) if f < 1}:
            cols = np.flatnonzero((c.group == g) & (frac == f))
            share = c.design_kw[cols] / d[g] if d[g] > 0 else np.zeros(len(cols))
            out[:, cols] = np.minimum(dem[:, cols], at_cap(g, f)[:, None] * share[None, :])
    return dem, out


def share_cut(c: Cells, before_c: np.ndarray, after_g: np.ndarray, floor: float) -> np.ndarray:
    """Cells' draw after a hall-level shed: each hall's cut (its draw before minus
    `after_g`) shared among its cells by what each can give above `floor` x design."""
    cut_g = np.maximum(c.gather(before_c) - after_g, 0.0)
    give = np.maximum(before_c - floor * c.design_kw[None, :], 0.0)
    give_g = c.gather(give)
    share = np.divide(
        give, give_g[:, c.group], out=np.zeros_like(give), where=give_g[:, c.group] > 0
    )
    return before_c - cut_g[:, c.group] * share


def fraction(c: Cells, kw: np.ndarray) -> np.ndarray:
    """(n, C) power fraction of each cell's design (0 for a cell of no design kW, at most 1)."""
    d = c.design_kw[None, :]
    return np.divide(np.minimum(kw, d), d, out=np.zeros_like(kw, dtype=float), where=d > 0)


def summary(
    c: Cells, dt_s: float, demand_c: np.ndarray, drawn_c: np.ndarray, tok0, tok
) -> pd.DataFrame:
    """Per tenant over the run: design kW, MWh asked and drawn, MWh cut, tokens produced and
    lost, hit (any cut or token lost above `HIT_TOL`)."""
    h = dt_s / 3600.0 / 1000.0
    frame = pd.DataFrame(
        {
            "tenant": c.tenant,
            "design_kw": c.design_kw,
            "demand_mwh": demand_c.sum(axis=0) * h,
            "it_mwh": drawn_c.sum(axis=0) * h,
            "tokens": tok.sum(axis=0) * dt_s,
            "tokens_lost": (tok0 - tok).sum(axis=0) * dt_s,
        }
    )
    out = frame.groupby("tenant", sort=False).sum()
    out["it_cut_mwh"] = np.maximum(out["demand_mwh"] - out["it_mwh"], 0.0)
    own = c.cap if c.tenant_cap is None else c.tenant_cap
    out["cap"] = pd.Series(own, index=c.tenant).groupby(level=0).first().reindex(out.index)
    scale = np.maximum(out[["demand_mwh"]].to_numpy().ravel(), 1e-12)
    out["hit"] = (out["it_cut_mwh"].to_numpy() > HIT_TOL * scale) | (
        out["tokens_lost"].to_numpy() > HIT_TOL * np.maximum(out["tokens"].to_numpy(), 1.0)
    )
    return out.rename_axis("tenant")


def hits(curtailment: pd.DataFrame, c: Cells, groups: list[str], dt_s: float, lost_c):
    """The curtailment table with `tenants_hit`: the tenants of the row's hall whose cells
    lose tokens/s in the row's steps, comma-joined."""
    out = curtailment.copy()
    names = []
    gpos = {g: i for i, g in enumerate(groups)}
    for _, r in out.iterrows():
        s = round(r["start_s"] / dt_s)
        e = s + round(r["duration_s"] / dt_s)
        mine = np.flatnonzero(c.group == gpos.get(r["group"], -1))
        lost = lost_c[s:e, mine].sum(axis=0) if len(mine) else np.zeros(0)
        names.append(
            ",".join(sorted({c.tenant[j] for j, x in zip(mine, lost, strict=True) if x > 0}))
        )
    out["tenants_hit"] = names
    return out
