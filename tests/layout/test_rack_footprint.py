"""Every rack's whole footprint must fit on its hall's floor, not only its centre: a row 0.1 m
from a wall stood 0.5 m through it and validated (audit 2026-12-04). Said once per row."""

from __future__ import annotations

import pytest

from twin.errors import LayoutError
from twin.layout import loads

ROW = "{id: RA, origin_m: [2.0, 3.0]"


@pytest.mark.parametrize(
    ("origin", "said"),
    [
        ("[2.0, 0.1]", "footprint (y -0.50..0.70 m crosses the wall at y=0 m)"),
        ("[-0.29, 3.0]", "footprint (x -0.29..0.31 m crosses the wall at x=0 m)"),
        ("[6.2, 3.0]", "footprint (x 11.60..12.20 m crosses the wall at x=12 m)"),
    ],
)
def test_a_rack_through_a_wall_is_refused_once_per_row(layouts_dir, origin, said):
    text = (layouts_dir / "small-room.yaml").read_text()
    assert text.count(ROW) == 1
    with pytest.raises(LayoutError) as e:
        loads(text.replace(ROW, "{id: RA, origin_m: " + origin), "room.yaml")
    problems = e.value.problems
    assert len(problems) == 1 and said in problems[0].message, problems
    assert "move the row's origin_m inside" in problems[0].message


def test_a_rack_touching_the_wall_fits(layouts_dir):
    text = (layouts_dir / "small-room.yaml").read_text()
    assert loads(text.replace(ROW, "{id: RA, origin_m: [2.0, 0.6]"))
