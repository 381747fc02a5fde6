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


def test_export_reports_pandapower_s_own_answer(tmp_path, layouts_dir, capsys):
    """Audit F-T: the export printed the twin's facility power 'after pandapower.runpp(net)'
    for a net on which runpp raises LoadflowNotConverged. It now runs runpp on the file it
    wrote and prints pandapower's figure beside the twin's, or says runpp does not converge
    and exits 1."""
    from layout_edit import with_pdu_cables

    path = str(layouts_dir / "small-room.yaml")
    out = tmp_path / "net.json"
    assert main(["export", path, "-o", str(out)]) == 0
    said = capsys.readouterr().out
    net = pp.from_json(str(out))
    pp.runpp(net)
    peer_kw = net.res_ext_grid.p_mw.sum() * 1000.0
    assert f"facility {peer_kw:,.1f} kW after pandapower.runpp(net)" in said
    twin_kw = run(Twin.load(path)).kpis["facility_kw"]
    assert f"the twin's {twin_kw:,.1f} kW" in said
    # a 20 km LV feeder: no operating point; pandapower agrees, and the export says so
    bad = with_pdu_cables(layouts_dir / "small-room.yaml", tmp_path, "km.yaml", 20000.0)
    assert main(["export", bad, "-o", str(tmp_path / "km.json")]) == 1
    cap = capsys.readouterr()
    assert "after pandapower.runpp" not in cap.out
    assert "pandapower.runpp(net) does not converge" in cap.err
    with pytest.raises(pp.LoadflowNotConverged):
        pp.runpp(pp.from_json(str(tmp_path / "km.json")))
