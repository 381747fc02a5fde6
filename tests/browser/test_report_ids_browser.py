"""In Chromium, every id cell of the HTML report's N-1 table is one line tall (the page is
rendered by the session's browser, `chromium` in conftest: a second sync Playwright inside
it cannot start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app import report
from twin.app import state as S
from twin.model import Twin

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"
COLS = ["contingency", "kinds", "it_lost_kw", "racks_lost", "max_loading_pct", "worst_element"]


@pytest.fixture(scope="module")
def n1_html() -> tuple[str, list[str]]:
    """The report as the dashboard builds it, with the hall's real N-1 ranking."""
    twin = Twin.load(HALL)
    res = S.solve(twin)
    top = S.n1_ranking(twin)[COLS].head(10)
    html = report.report_html("t", S.kpis(twin, res), {"N-1: top risks": top})
    return html, list(top["contingency"])


def test_ids_stay_on_one_line_in_chromium(n1_html, chromium):
    """Rendered 420 px wide (a phone, a narrow print column): every id cell is as tall as a
    one-line cell."""
    html, ids = n1_html
    ctx = chromium.new_context(viewport={"width": 420, "height": 800})
    try:
        pg = ctx.new_page()
        pg.set_content(html)
        lines = pg.eval_on_selector_all(
            "td.id",
            """cs => cs.map(c => {const r = document.createRange(); r.selectNodeContents(c);
               const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
               return [c.textContent, tops.size];})""",
        )
    finally:
        ctx.close()
    assert {t for t, _ in lines} >= set(ids)
    assert all(n == 1 for _, n in lines), [t for t, n in lines if n != 1]
