"""The IT headroom scales the racks the state feeds: a rack left without power draws nothing
at any scale. Counting it overstated the headroom by today's IT over the fed IT (small-room
with row RA on PDU-1 alone, PDU-1 failed: 268.9 kW where the same site without row RA reads
133.7 kW) and read 'unbounded' with every rack dark (UPS-1 failed), where no rack draws
(audit 2026-12-05 #1). Checked against the same site with the dark racks taken out."""

from __future__ import annotations

import math

import pytest

from tests.scenarios.layouts import load_doc, twin_from_doc
from twin.metrics.headroom import headroom
from twin.model.scenario import Scenario


def _single_fed(layouts_dir, drop_ra: bool = False) -> dict:
    """small-room (kernel air) with row RA fed from PDU-1 only and row RB from PDU-2 only."""
    doc = load_doc(layouts_dir / "small-room.yaml")
    hall = doc["halls"][0]
    hall["air_model"] = "kernel"
    for r in hall["racks"]:
        r.pop("feed_b")
        r["feed_a"] = "PDU-1" if r["row"] == "RA" else "PDU-2"
    if drop_ra:
        hall["racks"] = [r for r in hall["racks"] if r["row"] != "RA"]
    return doc


def test_racks_left_unfed_are_not_scaled(layouts_dir):
    dark = headroom(twin_from_doc(_single_fed(layouts_dir)), Scenario.fail("PDU-1"))
    gone = headroom(twin_from_doc(_single_fed(layouts_dir, drop_ra=True)))
    assert dark.it_now_kw == pytest.approx(gone.it_now_kw)  # row RB's IT only
    assert dark.unfed_kw == pytest.approx(95.0)  # row RA's, dark
    assert dark.binding == gone.binding
    assert dark.it_kw == pytest.approx(gone.it_kw, rel=0.01)


def test_every_rack_dark_is_undefined_not_unbounded(small_room_kernel):
    h = headroom(small_room_kernel, Scenario.fail("UPS-1"))
    assert math.isnan(h.it_kw) and h.it_now_kw == 0.0
    assert h.unfed_kw == pytest.approx(small_room_kernel.it_kw)
    assert "no rack in scope is fed" in h.reason
