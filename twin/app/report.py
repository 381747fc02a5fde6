"""A self-contained HTML report of the dashboard: key figures, charts, the 3D snapshot with its
legend, assumptions, violations, N-1 top risks and any other tables.

Every label, unit and number comes from the one label map (`twin.model.columns`),
so the report reads like the pages. Charts are inline SVG (no script, no
network), with axis titles, units and legends; a print style sheet keeps tables
and charts whole on a page when printed to PDF.
"""

from __future__ import annotations

import base64
import html
import math
from datetime import UTC, datetime

import pandas as pd

from twin.model import columns as C

KPI_ORDER = [
    "it_mw",
    "facility_mw",
    "pue",
    "wue_l_per_kwh",
    "grid_mw",
    "grid_used_pct",
    "cooling_capacity_mw",
    "cooling_used_pct",
    "floor_used_pct",
    "tokens_per_s_per_mw",
    "cost_per_mtok",
    "violations",
    "it_lost_mw",
]
"""The headline numbers the report and the dashboard's comparison show, in order."""
IF_GIVEN = ["it_headroom_site_kw"]
"""Headline numbers the report shows after `KPI_ORDER` when the page computed them: the IT
headroom (`twin.metrics.headroom`, the dashboard's metric; several solves, so not in
`state.kpis`)."""
ID_COLUMNS = ("id", "contingency", "worst_element", "component")
"""Columns of component ids: kept on one line (`td.id`, white-space: nowrap), as a browser
would otherwise break 'B01-H1-UPS-A' at its hyphens and the id reads as two."""
LABELS = {k: (C.label(k), C.spec(k).unit) for k in KPI_ORDER}
"""(label, unit) of each headline number, from `twin.model.columns`."""

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1100px}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#eef2f7}td.t,th.t{text-align:left}td.id{white-space:nowrap}
img{max-width:100%;border:1px solid #ccc}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;border:1px solid #888;
vertical-align:middle}
figure{margin:.8em 0}figcaption{color:#555;font-size:.9em}
@media print{body{margin:1cm;max-width:none}h2{break-after:avoid}
table,figure,svg,img{break-inside:avoid}}
"""


def _num(v, name: str) -> str:
    return C.number(v, C.spec(name).digits)


def kpi_rows(k: dict) -> pd.DataFrame:
    """(metric, value, unit) of the headline numbers, values as text ('n/a' if missing)."""
    rows = []
    for key in KPI_ORDER + [key for key in IF_GIVEN if key in k]:
        v = k.get(key, float("nan"))
        rows.append({"metric": C.label(key), "value": _num(v, key), "unit": C.spec(key).unit})
    return pd.DataFrame(rows)


def comparison(ka: dict, kb: dict) -> pd.DataFrame:
    """Headline numbers of two runs side by side, as text: Metric, A, B, B - A."""
    rows = []
    for key in KPI_ORDER:
        va, vb = ka.get(key, float("nan")), kb.get(key, float("nan"))
        try:
            d = float(vb) - float(va)
        except (TypeError, ValueError):
            d = float("nan")
        sign = "+" if d == d and d > 0 else ""
        rows.append(
            {
                "Metric": C.header(key),
                "A": _num(va, key),
                "B": _num(vb, key),
                "B − A": sign + _num(d, key),
            }
        )
    return pd.DataFrame(rows)


def _table_html(df: pd.DataFrame) -> str:
    """A table with human headers and formatted numbers; text columns left-aligned."""
    t = C.text_table(df.head(200))
    head = "".join(f"<th class='t'>{html.escape(str(c))}</th>" for c in t.columns)
    body = []
    numeric = {
        C.header(c)
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    }
    ids = {C.header(c) for c in [*df.columns, df.index.name or "id"] if c in ID_COLUMNS}
    cls = {c: "" if c in numeric else " class='t id'" if c in ids else " class=t" for c in t}
    for _, row in t.iterrows():
        cells = "".join(f"<td{cls[c]}>{html.escape(str(v))}</td>" for c, v in row.items())
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _nice_step(raw: float) -> float:
    """The tick step of 1, 2 or 5 x 10^k nearest above `raw`."""
    if not raw > 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def bar_chart_svg(
    items: list[tuple[str, float]],
    axis: str,
    title: str,
    colour: str = "#4c78a8",
    xmax: float | None = None,
    limit: float | None = None,
    legend: list[tuple[str, str]] | None = None,
) -> str:
    """A horizontal bar chart as inline SVG: one bar per (name, value), an x axis titled
    `axis` (label and unit), an optional dashed limit line and a legend."""
    items = [(n, v) for n, v in items if v is not None and math.isfinite(v)]
    if not items:
        return ""
    w, left, right, bar, gap, top = 720, 190, 30, 18, 6, 30
    h = top + len(items) * (bar + gap) + 50 + (20 if legend else 0)
    vmax = xmax or max(max(v for _, v in items), limit or 0.0) * 1.1 or 1.0
    step = _nice_step(vmax / 5)
    vmax = step * math.ceil(vmax / step - 1e-9)
    sx = (w - left - right) / vmax
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' "
        f"role='img' aria-label='{html.escape(title)}' font-family='sans-serif' font-size='12'>",
        f"<text x='{left}' y='18' font-size='14' font-weight='bold'>{html.escape(title)}</text>",
    ]
    for i, (name, v) in enumerate(items):
        y = top + i * (bar + gap)
        out.append(
            f"<text x='{left - 6}' y='{y + bar - 5}' text-anchor='end'>{html.escape(name)}</text>"
            f"<rect x='{left}' y='{y}' width='{max(v, 0) * sx:.1f}' height='{bar}' "
            f"fill='{colour}'><title>{html.escape(name)}: {v:,.1f}</title></rect>"
            f"<text x='{left + max(v, 0) * sx + 4:.1f}' y='{y + bar - 5}'>{v:,.1f}</text>"
        )
    base = top + len(items) * (bar + gap)
    out.append(f"<line x1='{left}' y1='{base}' x2='{w - right}' y2='{base}' stroke='#333'/>")
    for j in range(round(vmax / step) + 1):
        x = left + j * step * sx
        out.append(
            f"<line x1='{x:.1f}' y1='{base}' x2='{x:.1f}' y2='{base + 4}' stroke='#333'/>"
            f"<text x='{x:.1f}' y='{base + 16}' text-anchor='middle'>{j * step:,.6g}</text>"
        )
    if limit is not None:
        x = left + limit * sx
        out.append(
            f"<line x1='{x:.1f}' y1='{top - 4}' x2='{x:.1f}' y2='{base}' stroke='#d62728' "
            "stroke-dasharray='4 3'/>"
        )
    out.append(
        f"<text x='{(left + w - right) / 2}' y='{base + 34}' text-anchor='middle'>"
        f"{html.escape(axis)}</text>"
    )
    if legend:
        x = left
        for name, col in legend:
            out.append(
                f"<rect x='{x}' y='{base + 42}' width='11' height='11' fill='{col}'/>"
                f"<text x='{x + 15}' y='{base + 52}'>{html.escape(name)}</text>"
            )
            x += 20 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def report_html(
    title: str,
    kpis: dict,
    tables: dict[str, pd.DataFrame] | None = None,
    png: bytes | None = None,
    notes: list[str] | None = None,
    charts: list[str] | None = None,
    legend: list[tuple[str, str]] | None = None,
    scene_caption: str = "",
) -> str:
    """One HTML file: key figures, charts (inline SVG), the site picture with its legend,
    then the tables (assumptions, violations, N-1 top risks...). No external resources."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by twin.</p>",
    ]
    for n in notes or []:
        parts.append(f"<p><i>{html.escape(n)}</i></p>")
    rows = "".join(
        f"<tr><td class=t>{html.escape(r.metric)}</td><td>{html.escape(r.value)}</td>"
        f"<td class=t>{html.escape(r.unit)}</td></tr>"
        for r in kpi_rows(kpis).itertuples()
    )
    parts.append(
        "<h2>Key figures</h2><table><thead><tr><th class=t>Metric</th><th>Value</th>"
        f"<th class=t>Unit</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    if charts:
        parts.append("<h2>Charts</h2>")
        parts += [f"<figure>{c}</figure>" for c in charts if c]
    if png:
        b64 = base64.b64encode(png).decode()
        sw = "".join(
            f"<span><i style='background:{html.escape(col)}'></i>{html.escape(name)}</span>"
            for name, col in legend or []
        )
        parts.append(
            "<h2>Site</h2><figure>"
            f"<img alt='3D view of the site' src='data:image/png;base64,{b64}'>"
            f"<figcaption><div class=legend>{sw}</div>{html.escape(scene_caption)}"
            "</figcaption></figure>"
        )
    for name, t in (tables or {}).items():
        if t is not None and len(t):
            parts.append(f"<h2>{html.escape(name)}</h2>" + _table_html(t))
        elif t is not None:
            parts.append(f"<h2>{html.escape(name)}</h2><p>Nothing to report.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
