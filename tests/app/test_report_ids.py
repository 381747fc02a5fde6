"""The HTML report keeps component ids on one line: its N-1 table's failure ids (and the
worst loaded element, the violations' component) are in `td.id` cells, white-space:
nowrap, the id's text unbroken (in Chromium: tests/browser/test_report_ids_browser.py)."""

from __future__ import annotations

import re
from html import unescape
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


def _id_cells(html: str) -> list[str]:
    return [unescape(v) for v in re.findall(r"<td class='t id'>([^<]*)</td>", html)]


def test_failure_ids_sit_in_nowrap_cells_unbroken(n1_html):
    html, ids = n1_html
    assert any("-" in i for i in ids)  # ids a browser would break at their hyphens
    assert re.search(r"td\.id\{[^}]*white-space:\s*nowrap", html)
    cells = _id_cells(html)
    for i in ids:
        assert i in cells  # the whole id in one cell: no <br>, soft hyphen or zero-width space
    assert not re.search("[\u00ad\u200b]|<wbr", html)
    # numbers stay right-aligned cells, not id cells
    assert len(cells) == 2 * len(ids)  # failure and worst loaded element, per row
