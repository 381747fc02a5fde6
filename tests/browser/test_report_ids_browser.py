"""In Chromium, every id cell of the HTML report's N-1 table is one line tall (the page is
rendered by the session's browser, `chromium` in conftest: a second sync Playwright inside
it cannot start)."""

from __future__ import annotations


def test_ids_stay_on_one_line_in_chromium(report_n1_html, chromium):
    """Rendered 420 px wide (a phone, a narrow print column): every id cell is as tall as a
    one-line cell."""
    html, ids = report_n1_html
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
