"""The Sites page: runs the same compare() as `twin compare-sites` and shows its table."""

from __future__ import annotations

import pytest

from twin.model import Twin
from twin.scenarios.sites import compare, load_site, side_by_side
from twin.scenarios.timeline import TimelineSpec


@pytest.mark.slow
def test_one_site_for_a_week_shows_the_api_table(app, layouts_tmp):
    at = app("sites")
    assert not at.exception, [e.value for e in at.exception]
    assert "press Compare" in at.info[0].value
    at.multiselect(key="st_sites").set_value(["sand-point-ak.yaml"])
    at.selectbox(key="st_horizon").set_value("One week at 1 h steps (quick look)")
    at.run()
    at.button(key="st_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    twin = Twin.load(layouts_tmp / "ai-factory-hall.yaml")
    c = compare(twin, [load_site(layouts_tmp / "sites" / "sand-point-ak.yaml")],
                TimelineSpec(hours=168.0))  # fmt: skip
    shown = at.dataframe[0].value
    # the API's table, its index a first column with a capitalised header (not "figure")
    assert shown.equals(side_by_side(c).rename_axis("Figure").reset_index())
    assert list(shown.columns) == ["Figure", "Sand Point, AK"]
    titles = [s.value for s in at.subheader]
    assert titles[-3:] == [
        "PUE per month", "Energy and water cost per month", "Carbon per month"
    ]  # fmt: skip


def test_a_bad_site_file_is_a_message_naming_it(app, layouts_tmp):
    (layouts_tmp / "sites" / "zz-bad.yaml").write_text("name: bad\ngrid_mw: -1\n")
    at = app("sites")
    at.multiselect(key="st_sites").set_value(["zz-bad.yaml"])
    at.run()
    at.button(key="st_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = [e.value.replace("\\", "") for e in at.error]  # shown as plain text (escaped)
    assert any("layouts/sites/zz-bad.yaml:2: grid_mw" in t for t in text), text
