"""Every reference layout validates and builds; the generator writes valid sites of the asked size."""

from __future__ import annotations

import pytest

from twin.cli import main
from twin.layout import generate, load, validate_data
from twin.model import Twin


def test_reference_layout_builds(reference_twin):
    t = reference_twin
    assert len(t.racks) > 0 and t.it_kw > 0
    assert list(t.unfed_racks()) == []  # every rack is fed in the normal state


def test_small_room_matches_its_brief(small_room):
    assert 15 <= len(small_room.racks) <= 25
    assert small_room.racks["power_kw"].between(5, 15).all()
    assert len(small_room.ups) == 1 and len(small_room.transformers) == 1
    # N+1 CRAC by capacity: without the largest unit the rest still carry all the IT heat
    cap = small_room.crahs["capacity_kw"]
    assert cap.sum() - cap.max() >= small_room.it_kw


def test_ai_factory_hall_matches_its_brief(layouts_dir):
    t = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    assert len(t.racks) >= 96
    assert t.racks["power_kw"].between(120, 140).all()
    assert t.racks["liquid_fraction"].eq(0.85).all()
    assert t.halls["containment"].eq("hot-aisle").all()
    # 2N: every rack has cords on two different UPS systems
    ups_a = t.racks["feed_a"].map(t.pdus["upstream"])
    ups_b = t.racks["feed_b"].map(t.pdus["upstream"])
    assert (ups_a != ups_b).all()
    # N+1 CDUs per loop: capacity without the largest unit still covers the loop's liquid heat
    q = (t.racks["power_kw"] * t.racks["liquid_fraction"]).groupby(t.racks["liquid_loop"]).sum()
    cap = t.cdus.groupby("loop")["capacity_kw"]
    assert ((cap.sum() - cap.max()) >= q).all()
    assert len(t.chillers) and len(t.dry_coolers)


def test_hybrid_has_gpu_and_npu_racks(layouts_dir):
    t = Twin.load(layouts_dir / "hybrid-inference.yaml")
    assert set(t.racks["profile"]) == {"nvl72", "npu-inference"}


@pytest.mark.parametrize("it_mw", [50.0, 200.0])
def test_campus_generator_hits_its_size_and_validates(it_mw):
    doc = generate.campus(it_mw)
    layout = validate_data(doc, "campus.yaml")
    it_kw = Twin.from_layout(layout).it_kw
    assert it_kw == pytest.approx(it_mw * 1000, rel=0.07)


def test_gigawatt_campus_has_the_promised_scale(tmp_path):
    out = tmp_path / "campus.yaml"
    assert main(["generate", "campus", "--it-mw", "1000", "-o", str(out)]) == 0
    t = Twin.from_layout(load(out))
    assert len(t.racks) >= 7500
    assert 950_000 <= t.it_kw <= 1_050_000
    assert len(t.halls["building"].unique()) > 1
    assert list(t.unfed_racks()) == []


def test_reference_files_are_what_the_generator_writes(layouts_dir):
    for name, make in (
        ("ai-factory-hall.yaml", generate.ai_factory_hall),
        ("hybrid-inference.yaml", generate.hybrid_inference),
    ):
        assert load(layouts_dir / name).model_dump() == validate_data(make(), name).model_dump()
