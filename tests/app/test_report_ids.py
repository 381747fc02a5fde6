"""The HTML report keeps component ids on one line: its N-1 table's failure ids (and the
worst loaded element, the violations' component) are in `td.id` cells, white-space:
nowrap, the id's text unbroken (in Chromium: tests/browser/test_report_ids_browser.py)."""

from __future__ import annotations

import re
from html import unescape


def _id_cells(html: str) -> list[str]:
    return [unescape(v) for v in re.findall(r"<td class='t id'>([^<]*)</td>", html)]


def test_failure_ids_sit_in_nowrap_cells_unbroken(report_n1_html):
    html, ids = report_n1_html
    assert any("-" in i for i in ids)  # ids a browser would break at their hyphens
    assert re.search(r"td\.id\{[^}]*white-space:\s*nowrap", html)
    cells = _id_cells(html)
    for i in ids:
        assert i in cells  # the whole id in one cell: no <br>, soft hyphen or zero-width space
    assert not re.search("[\u00ad\u200b]|<wbr", html)
    # numbers stay right-aligned cells, not id cells
    assert len(cells) == 2 * len(ids)  # failure and worst loaded element, per row
