"""`twin tenants PATH [--fail ID ...] [--json]`: per-tenant IT and facility power, its
terms (power-chain losses, cooling, site overhead), PUE and PUE share, tokens/s and cost
per year, from one coupled solve (`twin.metrics.tenants`, which states the allocation
rule). A `site` row gives the totals; the tenants (with `unassigned`) add up to it."""

from __future__ import annotations

import json

import pandas as pd

from twin.cli.common import add_list, add_no_calibration, add_path, check_ids, dumps, load_twin
from twin.model.columns import header, number, spec
from twin.model.scenario import Scenario
from twin.solve.results import LAST_ITERATE, SOLVER_KINDS, not_an_answer_lines

GAP_WARN_REL = 1e-6
"""A gap between the tenants' sums and the site totals above this is said, not just printed
(they add up to round-off by construction, `twin.metrics.tenants`)."""

SHOW = [
    "racks",
    "it_kw",
    "power_loss_kw",
    "cooling_kw",
    "overhead_kw",
    "facility_kw",
    "facility_share_pct",
    "pue",
    "pue_share",
    "tokens_s",
    "energy_usd_per_year",
    "cost_usd_per_year",
    "usd_per_mtok",
]


def register(sub) -> None:
    p = sub.add_parser(
        "tenants", help="per-tenant IT and facility power, PUE share, tokens and cost"
    )
    add_path(p)
    add_no_calibration(p)
    add_list(p, "--fail", default=[], metavar="ID", help="components out of service")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from twin.metrics.economics import economics
    from twin.metrics.tenants import PARTS, residuals, tenant_table
    from twin.solve import run as solve

    twin = load_twin(args)
    check_ids(twin, args.fail, "--fail")
    scenario = Scenario(name="tenants", failed=frozenset(args.fail))
    scenario.check(twin.component_ids())
    res = solve(twin, scenario)
    table = tenant_table(twin, res)
    e = economics(twin, res)  # the site row: the same numbers as `twin economics`
    site = {
        "racks": len(twin.racks),
        **{c: float(table[c].sum()) for c in PARTS},
        "facility_kw": float(res.kpis["facility_kw"]),
        "pue": float(res.kpis["pue"]),
        **{
            k: e[k]
            for k in ("tokens_s", "energy_usd_per_year", "cost_usd_per_year", "usd_per_mtok")
        },
    }
    gaps = residuals(twin, res, table)
    v = res.violations
    untrusted = int(v["kind"].isin(SOLVER_KINDS).sum()) if len(v) else 0
    if args.json:
        print(
            dumps(
                {
                    "name": twin.name,
                    "file": twin.layout.source,
                    "scenario": sorted(args.fail),
                    "tenants": json.loads(table.to_json(orient="index", double_precision=15)),
                    "site": site,
                    "conservation_residual_rel": gaps,
                    "violations": len(v),
                    "untrusted": untrusted,
                }
            )
        )
        return 0
    shown = table[SHOW].copy()
    shown.loc["site"] = {c: site.get(c, float("nan")) for c in SHOW}
    shown.loc["site", "facility_share_pct"] = 100.0
    shown.loc["site", "pue_share"] = site["pue"]
    print(f"{twin.name}: per tenant" + (f", with {', '.join(args.fail)} out" if args.fail else ""))
    # a solve that is not a solution says so before its figures, as `twin solve` does, and
    # marks each figure it voids (all but the rack count: every one comes from that solve)
    for line in not_an_answer_lines(v):
        print(f"  {line}")
    mark = f"  {LAST_ITERATE}" if untrusted else ""
    # one line per quantity, one column per tenant: readable however many columns
    lines = pd.DataFrame(
        {t: [number(shown.at[t, c], spec(c).digits) for c in SHOW] for t in shown.index},
        index=[header(c) + ("" if c == "racks" else mark) for c in SHOW],
    )
    print(lines.to_string())
    if untrusted:
        print(f"  WARNING: {untrusted} solver-trust violation(s): these numbers are not a "
              "trustworthy operating point (twin solve lists them)")  # fmt: skip
    elif len(v):
        print(f"  {len(v)} violation(s) in this solve (twin solve lists them)")
    if max(gaps.values()) > GAP_WARN_REL:
        print(f"  WARNING: the tenants do not add up to the site totals (gap "
              f"{max(gaps.values()):.1e} relative): a bug in twin, please report it")  # fmt: skip
    print(
        "  losses follow each rack's power path, cooling each unit's rack heat, overhead pro "
        f"rata to IT (twin.metrics.tenants); largest gap to the site totals "
        f"{max(gaps.values()):.1e} (relative)"
    )
    return 0
