"""A self-contained HTML report of the dashboard (tables and an optional 3D snapshot)."""

from __future__ import annotations

import base64
import html
import math
from datetime import UTC, datetime

import pandas as pd

LABELS = {
    "it_mw": ("IT load", "MW"),
    "facility_mw": ("Facility power", "MW"),
    "pue": ("PUE", ""),
    "wue_l_per_kwh": ("WUE", "L/kWh"),
    "grid_mw": ("Grid connection", "MW"),
    "power_used_pct": ("Grid capacity used", "%"),
    "it_headroom_mw": (
        "Power chain's own IT margin (failover)",
        "MW",
    ),
    "cooling_capacity_mw": ("Cooling capacity (CDU + CRAH)", "MW"),
    "cooling_used_pct": ("Cooling capacity used", "%"),
    "floor_used_pct": ("Floor used by racks", "%"),
    "tokens_per_s_per_mw": ("Tokens/s per MW of facility power", ""),
    "cost_per_mtok": ("Cost per million tokens", "USD"),
    "violations": ("Violations", ""),
    "it_lost_mw": ("IT lost", "MW"),
}


def kpi_rows(k: dict) -> pd.DataFrame:
    rows = []
    for key, (name, unit) in LABELS.items():
        v = k.get(key, float("nan"))
        if isinstance(v, float) and math.isnan(v):
            text = "n/a"
        elif isinstance(v, float):
            text = f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        else:
            text = f"{v:,}"
        rows.append({"metric": name, "value": text, "unit": unit})
    return pd.DataFrame(rows)


def report_html(
    title: str,
    kpis: dict,
    tables: dict[str, pd.DataFrame] | None = None,
    png: bytes | None = None,
    notes: list[str] | None = None,
) -> str:
    """One HTML file: KPIs, any tables, a PNG of the site. No external resources."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font:14px sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eef}"
        "h1{font-size:1.6em}img{max-width:100%;border:1px solid #ccc}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by twin.</p>",
    ]
    for n in notes or []:
        parts.append(f"<p><i>{html.escape(n)}</i></p>")
    parts.append("<h2>Key figures</h2>" + kpi_rows(kpis).to_html(index=False, escape=True))
    if png:
        b64 = base64.b64encode(png).decode()
        parts.append(
            f"<h2>Site</h2><img alt='3D view of the site' src='data:image/png;base64,{b64}'>"
        )
    for name, t in (tables or {}).items():
        if t is not None and len(t):
            parts.append(f"<h2>{html.escape(name)}</h2>" + t.head(200).to_html(escape=True))
    parts.append("</body></html>")
    return "\n".join(parts)
