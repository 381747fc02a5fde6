"""validate names a group of cooling units short of its racks' design heat with every unit
running (audit of 2026-12-05: CDUs at 200 kW, 600 kW a loop for 3.6 MW of liquid heat, and
CRACs at a third of the room's air heat validated without a word; the CDU case then solved
with every rack 'ok'). The heat is summed by hand from the layout's racks."""

from __future__ import annotations

import re

from twin.layout import load
from twin.layout.plausibility import ModelCaution, check_bytes


def _cautions(text: str) -> list[ModelCaution]:
    return [
        w
        for w in check_bytes(text, "x.yaml")
        if isinstance(w, ModelCaution) and "even with every unit running" in w.message
    ]


def _shown_kw(message: str) -> tuple[float, float]:
    cap, need = re.search(
        r"have ([\d,]+) kW of capacity together for ([\d,]+) kW", message
    ).groups()
    return float(cap.replace(",", "")), float(need.replace(",", ""))


def test_cdus_short_of_their_loops_liquid_heat(layouts_dir):
    path = layouts_dir / "ai-factory-hall.yaml"
    text = path.read_text().replace("  cdu-2000:\n    capacity_kw: 2000.0\n",
                                    "  cdu-2000:\n    capacity_kw: 200.0\n")  # fmt: skip
    found = _cautions(text)
    assert found  # one per loop, folded into one at the profile's line
    racks = [r for h in load(path).halls for r in h.racks if r.liquid_loop == "H1-TCS1"]
    need = sum(r.power_kw * r.liquid_fraction for r in racks)
    (w,) = [w for w in found if "H1-TCS1's" in w.message]
    assert _shown_kw(w.message) == (600.0, round(need))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t == "    capacity_kw: 200.0")
    assert w.line == line and w.path == "profiles.cdu-2000.capacity_kw"


def test_cracs_short_of_the_rooms_air_heat(layouts_dir):
    path = layouts_dir / "small-room.yaml"
    text = path.read_text()
    assert text.count("    capacity_kw: 120.0\n") == 1
    (w,) = _cautions(text.replace("    capacity_kw: 120.0\n", "    capacity_kw: 40.0\n"))
    need = sum(r.power_kw * (1 - r.liquid_fraction) for h in load(path).halls for r in h.racks)
    assert _shown_kw(w.message) == (120.0, round(need)) and "hall ROOM's" in w.message


def test_the_shipped_layouts_carry_their_heat(layouts_dir):
    for name in ("ai-factory-hall.yaml", "hybrid-inference.yaml", "small-room.yaml"):
        assert _cautions((layouts_dir / name).read_text()) == []
