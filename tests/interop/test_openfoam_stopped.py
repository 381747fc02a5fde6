"""`twin cfd export --fail UNIT`: the case of a hall with a cooling unit stopped, as the air
field solves it (`twin.solve.air_stopped`): the unit's cabinet stays a solid, its supply and
return are walls (no patch), the others supply the racks' air; calibration refuses it."""

from __future__ import annotations

import json
import re

import pytest

from twin.cli import main
from twin.errors import ScenarioError
from twin.interop import openfoam
from twin.model import Twin

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def _patches(case) -> set[str]:
    return set(re.findall(r"name (\w+);", (case / "system/createPatchDict").read_text()))


def _solid_boxes(case) -> int:
    return (case / "system/topoSetDict.cells").read_text().count("source boxToCell")


def test_a_stopped_unit_keeps_its_cabinet_and_loses_its_openings(tmp_path):
    twin = Twin.load(SMALL)
    every = openfoam.export_hall(twin, "ROOM", tmp_path / "every", cell_m=0.3)
    one = openfoam.export_hall(twin, "ROOM", tmp_path / "one", cell_m=0.3, stopped=["CRAC-1"])
    units = {p for p in _patches(every) if p.startswith("u")}
    assert {"u0_ret", "u1_ret", "u2_ret"} <= units
    assert {p for p in _patches(one) if p.startswith("u")} == {
        p for p in units if not p.startswith("u0_")
    }
    assert _solid_boxes(one) == _solid_boxes(every)  # the cabinet is still there
    man = json.loads((one / openfoam.MANIFEST).read_text())
    assert man["stopped_units"] == [0]
    # the two running units supply all the racks' air between them, alike (equal units)
    u = (one / "0.orig/U").read_text()
    flows = [float(v) for v in re.findall(r"u\d_sup\s*\{[^}]*volumetricFlowRate ([\d.e+-]+)", u)]
    assert len(flows) == 2 and flows[0] == flows[1]
    assert sum(flows) == pytest.approx(sum(man["rack_flow_m3_s"]), rel=1e-5)


def test_bad_stopped_units_are_refused_by_name(tmp_path, capsys):
    twin = Twin.load(SMALL)
    with pytest.raises(ScenarioError, match="not a cooling unit of hall 'ROOM'"):
        openfoam.export_hall(twin, "ROOM", tmp_path / "a", stopped=["PDU-1"])
    with pytest.raises(ScenarioError, match="stops every cooling unit"):
        openfoam.export_hall(twin, "ROOM", tmp_path / "b", stopped=["CRAC-1", "CRAC-2", "CRAC-3"])
    out = tmp_path / "c"
    argv = ["cfd", "export", SMALL, "--hall", "ROOM", "-o", str(out), "--fail", "CRAC-2"]
    assert main([*argv, "--cell", "0.3"]) == 0
    assert json.loads((out / openfoam.MANIFEST).read_text())["stopped_units"] == [1]
    capsys.readouterr()
    assert main(["calibrate", SMALL, "--from-cfd", str(out)]) == 2
    assert "export it without --fail" in capsys.readouterr().err


def test_a_mesh_that_would_merge_racks_is_refused_and_the_cell_count_printed(tmp_path, capsys):
    """At --cell 1 m the small room's 0.6 m racks RA02 (x 2.6-3.2 m) and RA03 (3.2-3.8 m)
    both snap to the cell x 3-4 m: the case was written with one body for two racks, in
    silence. At 0.6 m each keeps its own cells, and the export says how big the mesh is."""
    argv = ["cfd", "export", SMALL, "--hall", "ROOM", "-o"]
    assert main([*argv, str(tmp_path / "coarse"), "--cell", "1.0"]) == 2
    err = capsys.readouterr().err
    assert "rack 'RA02' and rack 'RA03' snap onto the same cells" in err
    assert "at most 0.6 m" in err and not (tmp_path / "coarse").exists()
    assert main([*argv, str(tmp_path / "fine"), "--cell", "0.6"]) == 0
    man = json.loads((tmp_path / "fine" / openfoam.MANIFEST).read_text())
    nx, ny, nz = man["cells"]
    assert f"{nx} x {ny} x {nz} = {nx * ny * nz:,} cells" in capsys.readouterr().out
