"""A hall on the opt-in air field that was never calibrated gets a located caution, and so do
the halls on the default kernel, which missed the same CFD rooms by as much."""

from __future__ import annotations

from pathlib import Path

import yaml
from one_room import room_text

from twin.layout.plausibility import (
    AIR_FFD_CFD,
    AIR_FIELD_BLIND,
    AIR_KERNEL_CFD,
    ModelCaution,
    check_bytes,
)


def _text(**hall) -> str:
    """The shared test room on the opt-in air field, with the hall's fields `hall`."""
    return room_text("field", hall)


def test_uncalibrated_air_field_is_named_with_its_line_and_blind_error():
    text = _text()
    (w,) = [w for w in check_bytes(text, "room.yaml") if isinstance(w, ModelCaution)]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "air_model: field" in t)
    assert w.line == line and w.component == "T" and w.path == "halls[0].air_model"
    assert str(w).startswith(f"room.yaml:{line}: halls[0].air_model: warning: T: ")
    assert AIR_FIELD_BLIND in str(w) and "twin calibrate" in str(w)


def _cautions(text: str) -> list[ModelCaution]:
    return [w for w in check_bytes(text, "r.yaml") if isinstance(w, ModelCaution)]


def test_a_calibrated_field_hall_gets_no_caution():
    assert _cautions(_text(air_diffusivity_m2_s=0.05)) == []


def test_a_calibrated_ffd_hall_gets_no_caution():
    """`twin calibrate` writes the FFD's eddy viscosity for an ffd hall; before it, the hall
    is cautioned with the FFD's numbers."""
    (w,) = _cautions(room_text("ffd"))
    assert AIR_FFD_CFD in w.message
    assert _cautions(room_text("ffd", {"air_eddy_viscosity_m2_s": 0.1})) == []


def test_a_kernel_hall_is_cautioned_at_its_air_model_line_or_its_own():
    written = _text(air_model="kernel")
    (w,) = _cautions(written)
    line = next(i for i, t in enumerate(written.splitlines(), 1) if "air_model: kernel" in t)
    assert (w.line, w.path, w.component) == (line, "halls[0].air_model", "T")
    assert AIR_KERNEL_CFD in w.message and "air_model: ffd" in w.message
    doc = yaml.safe_load(written)
    del doc["halls"][0]["air_model"]  # the default: no air_model line, the hall's own
    default = yaml.safe_dump(doc, sort_keys=False)
    (w,) = _cautions(default)
    lines = default.splitlines()
    line = 1 + lines.index("halls:") + 1  # the hall's entry (its first key's line)
    assert lines[line - 1].startswith("- ")
    assert (w.line, w.path, w.component) == (line, "halls[0]", "T")


def test_a_hall_whose_racks_send_no_heat_to_air_gets_no_kernel_caution():
    doc = yaml.safe_load(_text(air_model="kernel"))
    for rack in doc["halls"][0]["racks"]:
        rack["power_kw"] = 0.0  # empty positions
    assert _cautions(yaml.safe_dump(doc, sort_keys=False)) == []


def test_one_caution_per_air_model_naming_its_halls():
    """Two field halls and an ffd hall: one caution for the field, naming both, one for ffd."""
    doc = yaml.safe_load(_text())
    second = yaml.safe_load(yaml.safe_dump(doc["halls"][0]))
    second["id"] = "T2"
    second["rows"] = [dict(second["rows"][0], id="S")]
    second["racks"] = [dict(r, id=f"S{i}", row="S") for i, r in enumerate(second["racks"])]
    third = yaml.safe_load(yaml.safe_dump(second))
    third.update(id="T3", air_model="ffd")
    third["rows"] = [dict(third["rows"][0], id="Q")]
    third["racks"] = [dict(r, id=f"Q{i}", row="Q") for i, r in enumerate(third["racks"])]
    doc["halls"] += [second, third]
    units = doc["cooling"]["crahs"]
    units += [dict(units[0], id="U2", hall="T2"), dict(units[0], id="U3", hall="T3")]
    found = _cautions(yaml.safe_dump(doc, sort_keys=False))
    # the copies stand on T's floor: each cautioned as overlapping it, besides the air model's
    assert [w.components for w in found if "overlaps hall" in w.message] == [
        ("T2", "T"),
        ("T3", "T"),
    ]
    field, ffd = [w for w in found if "overlaps hall" not in w.message]
    assert field.components == ("T", "T2") and field.component == "T and T2"
    assert AIR_FIELD_BLIND in field.message and field.path == "halls[0].air_model"
    assert ffd.components == ("T3",) and ffd.path == "halls[2].air_model"
    assert AIR_FFD_CFD in ffd.message and "does not meet its validation targets" in ffd.message


def test_the_ffd_caution_says_whether_the_layout_named_it_or_auto_chose_it():
    """A named ffd hall is cautioned at its air_model line as named; the shipped room, whose
    layout leaves air_model out, is told that auto chose the FFD field because every unit has
    a position (it said "the default" even where the layout named ffd)."""
    (named,) = _cautions(room_text("ffd"))
    assert "(air_model: ffd)" in named.message and "auto" not in named.message
    shipped = Path(__file__).parents[2] / "layouts" / "small-room.yaml"
    (chosen,) = _cautions(shipped.read_text(encoding="utf-8"))
    assert "air_model: auto, the default, picks ffd where every unit has a position" in (
        chosen.message
    )
    assert chosen.path == "halls[0]"
