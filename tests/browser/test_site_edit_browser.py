"""Editing a site in a real browser: the editor checks a typed id as you type, copies a hall
with its equipment (racks and IT double), undoes and redoes it, adds an empty row, fills it
with a rack and removes it again."""

from __future__ import annotations

import pytest
from test_app_browser import (
    IMG,
    metric,
    no_exception,
    open_page,
    racks,
    show_panel,
    until,
    wait_idle,
)

pytestmark = pytest.mark.browser


def mw(page) -> float:
    return float(metric(page, "IT load").split()[0].replace(",", ""))


def test_hall_copied_undone_redone_and_a_row_added_and_removed(page, app_url):
    open_page(page, app_url, "editor", "Layout editor")
    n0, it0 = racks(page), mw(page)
    show_panel(page, "Hall")
    new_id = page.get_by_label("New hall id")
    # validate as you type: a space is not allowed in an id, said under the field at once
    new_id.fill("H 2")
    new_id.press("Enter")
    page.get_by_text("new hall id: 'H 2' is not allowed: 1-80 characters").wait_for()
    new_id.fill("H2")
    new_id.press("Enter")
    page.get_by_text("'H 2' is not allowed").wait_for(state="detached")
    page.get_by_role("button", name="Add / copy hall").click()
    page.get_by_text("Copied hall H1 to H2").wait_for()
    wait_idle(page)
    until(page, lambda: racks(page) == 2 * n0, timeout_s=150)  # a CI run's load: > 60 s
    assert mw(page) == pytest.approx(2 * it0, rel=0.01)  # its own chain and cooling: all served
    no_exception(page)
    page.screenshot(path=str(IMG / "editor-hall-copied.png"))
    page.get_by_role("button", name="↶ Undo").click()
    page.get_by_text("Undid: Copied hall H1 to H2").wait_for()
    wait_idle(page)
    until(page, lambda: racks(page) == n0)
    assert mw(page) == it0
    page.get_by_role("button", name="↷ Redo").click()
    page.get_by_text("Redid: Copied hall H1 to H2").wait_for()
    wait_idle(page)
    until(page, lambda: racks(page) == 2 * n0)
    page.get_by_role("button", name="↶ Undo").click()
    page.get_by_text("Undid: Copied hall").wait_for()
    wait_idle(page)
    until(page, lambda: racks(page) == n0)
    # an empty row, a rack in it, then the row removed with its rack
    show_panel(page, "Rows")
    page.get_by_text("Copy the row's racks").click()  # the label: the box itself is hidden
    until(page, lambda: not page.get_by_label("Copy the row's racks").is_checked())
    row_id = page.get_by_label("New row id (add or copy)")
    row_id.fill("H1-R07")
    row_id.press("Enter")
    y = page.get_by_label("Origin y (m, in the hall)")
    y.fill("21")
    y.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Add / copy row").click()
    page.get_by_text("Added row H1-R07").wait_for()
    wait_idle(page)
    assert racks(page) == n0
    show_panel(page, "Add rack")
    box = page.locator('[data-testid="stSelectbox"]:visible').filter(has_text="Row").first
    box.click()
    page.get_by_role("option", name="H1-R07", exact=True).click()
    wait_idle(page)
    power = page.get_by_label("Power kW (0 = as its neighbours)")  # none in an empty row
    power.fill("40")
    power.press("Enter")
    wait_idle(page)
    feed = page.locator('[data-testid="stSelectbox"]:visible').filter(has_text="Feed A")
    feed.first.click()
    page.keyboard.type("H1-BW-A6a")  # the list is long: filter it, then pick the one match
    page.get_by_role("option", name="H1-BW-A6a", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Add rack").click()
    # a rack in a new row changes the hall's air: its FFD flow is marched afresh (11 s alone
    # on this machine, the app's warm-up says) beside the failures' background marches; on the
    # 2-core CI with the other test worker busy that passed 60 s once (2026-12-04)
    page.get_by_text("Added rack H1-R07-N01").wait_for(timeout=150_000)
    wait_idle(page)
    until(page, lambda: racks(page) == n0 + 1)
    assert mw(page) == pytest.approx(it0 + 0.04, abs=0.006)  # 40 kW more, served
    show_panel(page, "Rows")
    box = page.locator('[data-testid="stSelectbox"]:visible').filter(has_text="Row").first
    box.click()
    page.get_by_role("option", name="H1-R07", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Remove row").click()
    page.get_by_text("Removed row H1-R07 and its 1 racks").wait_for()
    wait_idle(page)
    until(page, lambda: racks(page) == n0)
    assert mw(page) == it0
    no_exception(page)
