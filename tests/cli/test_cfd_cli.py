"""twin cfd export / run: a case folder with its manifest; clear errors for bad input."""

from __future__ import annotations

import json

from twin.cli import main


def test_export_small_room(tmp_path, capsys):
    out = tmp_path / "case"
    assert main(["cfd", "export", "layouts/small-room.yaml", "--hall", "ROOM", "-o", str(out),
                 "--cell", "0.3", "--iterations", "50"]) == 0  # fmt: skip
    assert "twin cfd run" in capsys.readouterr().out
    man = json.loads((out / "twin-case.json").read_text())
    assert len(man["rack_ids"]) == 20 and man["iterations"] == 50 and man["t_supply_c"] == 18.0
    assert (out / "system/blockMeshDict").exists() and (out / "Allrun").exists()
    # a second export into the same folder refuses to overwrite it
    assert main(["cfd", "export", "layouts/small-room.yaml", "--hall", "ROOM", "-o", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_bad_hall_and_missing_case(tmp_path, capsys):
    assert main(["cfd", "export", "layouts/small-room.yaml", "--hall", "NOPE", "-o",
                 str(tmp_path / "x")]) == 2  # fmt: skip
    assert "no hall 'NOPE'" in capsys.readouterr().err
    assert main(["cfd", "run", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
