"""Two cooling units blowing at each other along one line get a located caution on a field or
ffd hall: where their jets meet is unstable (the 'dense' CFD room settled with one jet
winning, docs/validation.md), which no air model here predicts."""

from __future__ import annotations

import yaml
from one_room import room_text

from twin.layout.plausibility import OPPOSED_JETS, ModelCaution, check_bytes


def _text(model: str = "field", second: dict | None = None, first: dict | None = None) -> str:
    """The shared test room (unit U at (0.5, 0.5) facing +x) with a second unit V at the east
    wall facing it, V's and U's fields changed by `second` and `first`."""
    doc = yaml.safe_load(room_text(model))
    u = doc["cooling"]["crahs"][0]
    u.update(first or {})
    v = dict(u, id="V", position_m=[4.5, 0.5], facing="-x") | (second or {})
    doc["cooling"]["crahs"].append(v)
    return yaml.safe_dump(doc, sort_keys=False)


def _opposed(text: str) -> list[ModelCaution]:
    return [
        w
        for w in check_bytes(text, "r.yaml")
        if isinstance(w, ModelCaution) and OPPOSED_JETS in w.message
    ]


def test_units_blowing_at_each_other_are_named_at_the_first_units_line():
    text = _text()
    (w,) = _opposed(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "crahs:") + 1
    assert w.components == ("U", "V") and w.path == "cooling.crahs[0]"
    assert w.line == line and str(w).startswith(f"r.yaml:{line}: cooling.crahs[0]: warning: ")
    assert len(_opposed(_text("ffd"))) == 1


def test_a_unit_facing_the_hall_centre_by_default_counts():
    assert len(_opposed(_text(second={"facing": None}))) == 1  # V at the east wall: -x


def test_no_caution_where_the_jets_do_not_meet():
    assert _opposed(_text("kernel")) == []  # the kernel has no jets to meet
    assert _opposed(_text(second={"position_m": [4.5, 2.5]})) == []  # parallel lines, 2 m apart
    assert _opposed(_text(second={"facing": "+x"})) == []  # both blowing east
    # back to back in the middle: blowing apart
    apart = {"position_m": [2.0, 0.5], "facing": "-x"}
    assert _opposed(_text(first=apart, second={"position_m": [3.0, 0.5], "facing": "+x"})) == []
    assert _opposed(_text(second={"supply_opening": "top"})) == []  # no front jet
