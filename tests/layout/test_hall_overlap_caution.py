"""validate cautions halls whose floors overlap (audit of 2026-12-05: a second hall moved
onto the first's footprint, its racks on the first's, validated ok; origin_m defaults to
(0, 0), so halls written without one stack silently). Halls side by side, sharing a wall,
do not."""

from __future__ import annotations

from twin.layout import generate, validate_data
from twin.layout.plausibility import check
from twin.layout.plausibility_site import check_halls


def _two_halls(second_x: float):
    doc = generate.campus(5, rows_per_hall=1, halls_per_building=1)
    a, b = doc["halls"][:2]
    dx = second_x - b["origin_m"][0]
    b["origin_m"] = [second_x, b["origin_m"][1]]
    for u in doc["cooling"]["crahs"]:
        if u["hall"] == b["id"]:
            u["position_m"] = [u["position_m"][0] + dx, u["position_m"][1]]
    return doc, a, b


def _overlaps(doc) -> list:
    layout = validate_data(doc, "two.yaml")
    return check_halls(layout, None, "two.yaml", lambda *a: a)


def test_a_hall_on_anothers_floor_is_named_with_the_overlap():
    doc, a, b = _two_halls(5.0)
    (found,) = _overlaps(doc)
    _, _, path, ids, message, related = found
    w, d = a["size_m"]
    assert path == "halls[1].origin_m" and ids == (b["id"],) and related == (a["id"],)
    assert f"by {(w - 5.0) * d:,.1f} m2" in message
    assert any("overlaps hall" in w.message for w in check(validate_data(doc, "two.yaml")))


def test_halls_side_by_side_and_the_generated_campus_do_not():
    width = _two_halls(0.0)[1]["size_m"][0]
    doc, _, _ = _two_halls(width)  # sharing the first hall's east wall
    assert _overlaps(doc) == []
    assert _overlaps(generate.campus(50)) == []
