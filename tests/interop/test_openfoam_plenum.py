"""A raised-floor hall with two units exported to OpenFOAM: one tile patch for both."""

from __future__ import annotations

import copy
import json
import re

import pytest

from twin.interop import openfoam, openfoam_run
from twin.layout.validate import validate_data
from twin.model import Twin

from .test_openfoam_case import ROOM


def _floor_room() -> Twin:
    doc = copy.deepcopy(ROOM)
    doc["halls"][0]["plenum_m"] = 0.6
    unit = doc["cooling"]["crahs"][0]
    doc["cooling"]["crahs"] = [
        {**unit, "id": "U1", "position_m": [0.5, 0.5]},
        {**unit, "id": "U2", "position_m": [3.5, 0.5], "facing": "-x"},
    ]
    return Twin.from_layout(validate_data(doc, "floor.yaml"))


def test_units_over_one_raised_floor_share_one_tile_patch(tmp_path):
    """Both units supply through the same tiles: one supply patch with both flows (two
    patches on the same faces left the second empty, and buoyantSimpleFoam stopped on a
    floating-point exception dividing by its zero area)."""
    case = openfoam.export_hall(_floor_room(), "T", tmp_path / "c", cell_m=0.25, iterations=50)
    u = (case / "0.orig/U").read_text()
    sups = re.findall(r"(u\d+_sup)\s*\{[^}]*volumetricFlowRate ([0-9.e+-]+);", u)
    assert [name for name, _ in sups] == ["u0_sup"]
    rack_flows = json.loads((case / openfoam.MANIFEST).read_text())["rack_flow_m3_s"]
    assert float(sups[0][1]) == pytest.approx(sum(rack_flows), rel=1e-5)
    faces = (case / "system/topoSetDict.faces").read_text()
    assert "u1_sup" not in faces and "name u0_sup" in faces


def test_raised_floor_room_runs(tmp_path):
    if why := openfoam_run.available():
        pytest.skip(why)
    case = openfoam.export_hall(_floor_room(), "T", tmp_path / "c", cell_m=0.25, iterations=60)
    openfoam_run.run_case(case, np_cores=1)
    inlets, summary = openfoam_run.read_inlets(case)
    assert list(inlets.index) == ["A", "B"]
    assert inlets["t_inlet_c"].between(17.0, 40.0).all(), inlets
