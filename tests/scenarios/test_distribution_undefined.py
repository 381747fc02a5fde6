"""`twin compare-distribution` where the solve's PUE is undefined says n/a, as `twin solve`:

- racks at 0 kW: it died with ZeroDivisionError (an internal error);
- heat left unremoved (CRACs of half the capacity the racks need): it printed PUE 1.065 and
  1.040 where `twin solve` says n/a, the cooling draw being understated (two answers; found
  with the DX condensers off at 59 C outdoors, where the racks now trip instead);
- every rack shut down by heat (59 C outdoors stops every DX compressor): no IT, no PUE;
- with no IT in the hall the DC chain showed 0 kW of conversion loss against the UPS's
  solved 3.75 kW of idle loss, a saving of a model without idle losses: now n/a."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from twin.cli import main
from twin.layout import loads
from twin.model import Twin
from twin.scenarios.distribution import compare_distribution
from twin.solve import run


def _room(layouts_dir, edit) -> dict:
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    edit(doc)
    return doc


def _zero(doc):
    for r in doc["halls"][0]["racks"]:
        r["power_kw"] = 0.0


def _short(doc):
    doc["profiles"]["crac-120kw"]["capacity_kw"] = 60.0  # 180 kW of 189 kW of heat


def _hot(doc):
    doc["site"]["design"] = {"t_db_c": 59.0, "t_wb_c": 35.0}


@pytest.mark.parametrize("edit", [_zero, _short, _hot])
def test_undefined_pue_is_nan_in_the_api_and_n_a_in_the_cli(layouts_dir, tmp_path, capsys, edit):
    doc = _room(layouts_dir, edit)
    twin = Twin.from_layout(loads(yaml.safe_dump(doc)))
    assert math.isnan(run(twin).kpis["pue"])  # the solve's answer
    d = compare_distribution(twin, "ROOM")
    for col in ("ac_415v", "dc_800v"):
        assert math.isnan(d.chains.at["pue", col])
        if edit is _short:  # facility power understated: per facility MW undefined too
            assert math.isnan(d.chains.at["facility_kw", col])
            assert math.isnan(d.chains.at["tokens_s_per_mw_facility", col])
    if edit is not _short:  # no IT: the UPS's idle loss is solved, the DC chain has none
        assert d.chains.at["rack_input_kw", "ac_415v"] == 0
        assert d.chains.at["loss_conversion_kw", "ac_415v"] > 0
        for key in ("loss_conversion_kw", "chain_input_kw", "facility_kw"):
            assert math.isnan(d.chains.at[key, "dc_800v"]), key  # not a saving
            assert math.isnan(d.chains.at[key, "dc_minus_ac"]), key
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["compare-distribution", str(path), "--hall", "ROOM"]) == 0
    out = capsys.readouterr().out
    pue = next(line for line in out.splitlines() if line.strip().startswith("PUE"))
    assert pue.split()[1:] == ["n/a", "n/a", "n/a"]
    assert "nan" not in out
    assert main(["compare-distribution", str(path), "--hall", "ROOM", "--json"]) == 0
    json.loads(capsys.readouterr().out)  # strict JSON: undefined numbers are null


def test_a_cooled_room_keeps_its_pue(layouts_dir):
    twin = Twin.load(layouts_dir / "small-room.yaml")
    d = compare_distribution(twin, "ROOM")
    assert d.chains.at["pue", "ac_415v"] > 1.0 and d.chains.at["pue", "dc_800v"] > 1.0
