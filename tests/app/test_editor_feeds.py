"""The editor's feed pickers list the feeds the rack's hall uses (any other id can be typed)."""

from __future__ import annotations

from test_pages import panel

from twin.layout import load


def test_feed_lists_are_the_halls_feeds(app, layouts_tmp):
    at = panel(app("editor"), "Change rack")
    rid = at.selectbox(key="ed_ch_rack").value
    racks = load(layouts_tmp / "ai-factory-hall.yaml").halls[0].racks
    used = {r.feed_a for r in racks} | {r.feed_b for r in racks}
    for side in ("fa", "fb"):
        box = at.selectbox(key=f"ed_ch_{side}_{rid}")
        assert set(box.options) == {"none (no feed)"} | (used - {None})  # blank, labelled
    assert box.value == next(r.feed_b for r in racks if r.id == rid)
    assert not at.exception
