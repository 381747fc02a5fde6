"""The Hardware refresh page: runs the same refresh() as `twin refresh` and shows its numbers."""

from __future__ import annotations

from twin.model import Twin
from twin.model.columns import display
from twin.scenarios.refresh import refresh


def test_refresh_page_shows_the_api_first_break_and_table(app, layouts_tmp):
    at = app("refresh")
    assert not at.exception, [e.value for e in at.exception]
    assert "press Refresh and solve" in at.info[0].value
    at.selectbox(key="rf_from").set_value("gb200-nvl72")
    at.selectbox(key="rf_to").set_value("vr-nvl144")
    at.multiselect(key="rf_rows").set_value(["H1-R01"])
    at.checkbox(key="rf_dc").check()
    at.run()
    at.button(key="rf_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    twin = Twin.load(layouts_tmp / "ai-factory-hall.yaml")
    r = refresh(twin, "gb200-nvl72", "vr-nvl144", rows=["H1-R01"])
    u = r.table.at[r.first_break, "utilisation_after"]
    shown = [e.value.replace("\\", "") for e in at.error]  # plain text, escaped
    assert shown == [f"First break: {r.first_break} at {u:.1%}"]
    assert r.failover == "N-1 solved"
    notes = [c.value.replace("\\", "") for c in at.caption]
    assert r.failover_note in notes  # how failover was judged, as `twin refresh` prints it
    limits = r.table[r.table["kind"] == "limit"]
    cols = ["domain", "utilisation_before", "utilisation_after", "add"]
    want = display(limits[cols].head(200), index="constraint")
    assert at.dataframe[1].value.equals(want)
    titles = [s.value for s in at.subheader]
    assert "Hall H1: 415 V AC (solved) vs 800 V DC (first order)" in titles
    dc = at.dataframe[-2].value  # options x quantities, labelled
    assert list(dc.iloc[:, 0]) == ["415 V AC", "800 V DC", "800 V DC − 415 V AC"]  # not keys
