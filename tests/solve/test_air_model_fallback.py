"""A hall that asks for the air field and gets the kernel says so: `res_halls.air_model`
names the model its inlets came from and why, and `twin solve` prints the same sentence on
stderr (the dashboard shows it too). Before, only `AirModel.hall_method` knew, and the
hall's caution quoted the field's numbers over the kernel's inlets."""

from __future__ import annotations

import yaml
from one_room import ROOM

import twin.solve
from twin.cli import main
from twin.layout import loads
from twin.model import Twin
from twin.solve import airfield_build
from twin.solve.airflow import air_model_fallbacks


def _twin(model: str, rack_a_kw: float = 12.0) -> Twin:
    """The room on `model`; another `rack_a_kw` is another content (the air model is cached
    by content, so a patched limit needs a layout it has not built)."""
    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0]["air_model"] = model
    doc["halls"][0]["racks"][0]["power_kw"] = rack_a_kw
    return Twin.from_layout(loads(yaml.safe_dump(doc, sort_keys=False), "room.yaml"))


def test_the_model_used_is_in_res_halls_and_a_fallback_is_a_sentence(monkeypatch):
    res = twin.solve.run(_twin("field"))
    assert res["res_halls"]["air_model"].to_dict() == {"T": "field"}
    assert air_model_fallbacks(_twin("field"), res["res_halls"]) == []
    monkeypatch.setattr(airfield_build, "FIELD_MAX_RACKS", 2)  # the 4-rack hall is too big
    t = _twin("field", 12.5)
    res = twin.solve.run(t)
    used = res["res_halls"].at["T", "air_model"]
    assert used == "kernel (4 racks, the air field takes at most 2)"
    assert air_model_fallbacks(t, res["res_halls"]) == [
        "hall T asks for air_model field but its rack inlets come from the kernel: "
        "4 racks, the air field takes at most 2"
    ]
    res_k = twin.solve.run(_twin("kernel", 12.5))  # the inlets are the kernel's indeed
    assert res["res_racks"]["t_inlet_c"].equals(res_k["res_racks"]["t_inlet_c"])
    assert air_model_fallbacks(_twin("kernel"), res_k["res_halls"]) == []


def test_twin_solve_prints_the_fallback_on_stderr(monkeypatch, tmp_path, capsys):
    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0]["air_model"] = "field"
    doc["halls"][0]["racks"][0]["power_kw"] = 12.25  # a content no other test built
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    monkeypatch.setattr(airfield_build, "FIELD_MAX_RACKS", 2)
    assert main(["solve", str(path), "--json", "--no-headroom"]) == 0
    err = capsys.readouterr().err
    assert f"{path}: warning: hall T asks for air_model field but its rack inlets come " in err
