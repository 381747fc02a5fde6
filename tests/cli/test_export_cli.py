"""`twin export --to pandapower`: a pandapower JSON that pandapower reads and solves."""

from __future__ import annotations

import pytest

from twin.cli import main
from twin.model import Scenario, Twin
from twin.solve import run

pp = pytest.importorskip("pandapower")


def test_export_writes_pandapower_json(tmp_path, layouts_dir, capsys):
    out = tmp_path / "net.json"
    path = str(layouts_dir / "small-room.yaml")
    assert main(["export", path, "--to", "pandapower", "-o", str(out), "--fail", "TX-1"]) == 0
    net = pp.from_json(str(out))
    assert not net.trafo.in_service.any() if len(net.trafo) else True  # TX-1 is out
    assert {"GEN-1", "UPS-1", "PDU-1"} <= set(net.bus.name)
    assert len(net.load) == 20 * 2 + 1 + 1  # cords, the UPS input, the CRACs' draw on MSB
    pp.runpp(net)  # pandapower's defaults, as a user would call it
    gen = net.res_ext_grid.p_mw[net.ext_grid.name == "GEN-1"].iloc[0]
    twin = Twin.load(path)
    facility_kw = run(twin, Scenario.fail("TX-1")).kpis["facility_kw"]
    assert gen * 1000.0 == pytest.approx(facility_kw, rel=1e-3)


def test_export_unknown_id_exits_2(tmp_path, layouts_dir):
    path = str(layouts_dir / "small-room.yaml")
    assert main(["export", path, "-o", str(tmp_path / "x.json"), "--fail", "NOPE"]) == 2
    assert not (tmp_path / "x.json").exists()


def test_export_fail_before_the_path(tmp_path, layouts_dir, capsys):
    out = tmp_path / "net.json"
    path = str(layouts_dir / "small-room.yaml")
    assert main(["export", "--fail", "TX-1", path, "-o", str(out)]) == 0
    assert out.exists()


@pytest.mark.parametrize("where", ["missing/net.json", "file/net.json", "folder"])
def test_export_output_checked_before_work(where, tmp_path, layouts_dir, capsys, monkeypatch):
    from twin.model import Twin

    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    monkeypatch.setattr(Twin, "load", lambda *a, **k: pytest.fail("loaded before the check"))
    path = str(layouts_dir / "small-room.yaml")
    assert main(["export", path, "-o", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin export: -o ") and "Traceback" not in err


def test_export_unknown_id_says_did_you_mean(tmp_path, layouts_dir, capsys):
    path = str(layouts_dir / "small-room.yaml")
    assert main(["export", path, "-o", str(tmp_path / "x.json"), "--fail", "PDU1"]) == 2
    assert "did you mean PDU-1" in capsys.readouterr().err
