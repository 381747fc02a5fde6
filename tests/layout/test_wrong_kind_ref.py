"""A reference to an id that exists but is of the wrong kind says what it is: a rack fed from
UTIL read "unknown distribution element 'UTIL'" while UTIL stood in the file (audit
2026-12-04)."""

from __future__ import annotations

import pytest

from twin.errors import LayoutError
from twin.layout import loads


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            "{id: RA01, row: RA, slot: 0, profile: enterprise-10kw, power_kw: 5.0, feed_a: PDU-1",
            "{id: RA01, row: RA, slot: 0, profile: enterprise-10kw, power_kw: 5.0, feed_a: UTIL",
            "halls[0].racks[0].feed_a: RA01: 'UTIL' is the utility connection at "
            "power.utilities[0]; expected a distribution element (MSB, PDU-1, PDU-2, TX-1, UPS-1)",
        ),
        (
            "{id: PDU-1, upstream: UPS-1,",
            "{id: PDU-1, upstream: RA01,",
            "power.pdus[0].upstream: PDU-1: 'RA01' is the rack at halls[0].racks[0]; expected "
            "a power element",
        ),
    ],
)
def test_a_wrong_kind_is_named(layouts_dir, old, new, said):
    text = (layouts_dir / "small-room.yaml").read_text()
    assert text.count(old) == 1
    with pytest.raises(LayoutError) as e:
        loads(text.replace(old, new), "room.yaml")
    assert said in str(e.value)
    assert "unknown" not in str(e.value)


@pytest.mark.parametrize(("given", "what"), [("RA", "row (10 racks)"), ("ROOM", "hall (20 racks)")])
def test_failing_a_row_or_hall_says_what_it_is(layouts_dir, given, what):
    """`--fail RA` read "unknown component id(s): RA ... did you mean RA10?"."""
    from twin.cli.common import check_ids
    from twin.errors import ScenarioError
    from twin.model import Twin

    with pytest.raises(ScenarioError) as e:
        check_ids(Twin.load(layouts_dir / "small-room.yaml"), [given], "--fail")
    said = str(e.value)
    assert f"{given} is a {what}, not a component that fails" in said
    assert "list its racks: R" in said and "did you mean" not in said
