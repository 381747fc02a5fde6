"""`twin tenants`: the per-tenant table with human labels, --json that adds up to the site,
--fail, and N-2 output naming the tenants hit."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twin.cli import main
from twin.metrics.economics import economics
from twin.model import Twin
from twin.solve import run

HYBRID = "layouts/hybrid-inference.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_human_table(capsys):
    assert main(["tenants", HYBRID]) == 0
    out = capsys.readouterr().out
    for words in ("gpu-cloud", "npu-serving", "site", "Facility power (kW)", "PUE"):
        assert words in out
    assert "facility_kw" not in out  # labels, not column names


def test_json_adds_up_to_the_site(capsys, layouts_dir):
    assert main(["tenants", HYBRID, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    tenants = pd.DataFrame(doc["tenants"]).T
    assert list(tenants.index) == ["gpu-cloud", "npu-serving"]
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    res = run(twin)
    assert tenants["facility_kw"].sum() == pytest.approx(res.kpis["facility_kw"], rel=1e-9)
    assert doc["site"]["usd_per_mtok"] == pytest.approx(economics(twin, res)["usd_per_mtok"])
    assert max(doc["conservation_residual_rel"].values()) <= 1e-9


def test_fail_and_bad_id(capsys):
    assert main(["tenants", HYBRID, "--json", "--fail", "HX-BW-A1a", "HX-BW-B1a"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["tenants"]["gpu-cloud"]["it_kw"] == pytest.approx(8448.0 - 8 * 132.0)
    assert main(["tenants", HYBRID, "--fail", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err


def test_n2_names_tenants_hit(capsys, tmp_path):
    out = tmp_path / "n2.csv"
    args = ["n1", HYBRID, "--n2", "HX-BW-A1a", "HX-BW-B1a", "HX-BW-A8b", "--out", str(out)]
    assert main([*args, "--no-progress"]) == 0
    out_text = capsys.readouterr().out
    assert "Tenants hit" in out_text  # the terminal table has the column, labelled
    assert "gpu-cloud" in out_text
    table = pd.read_csv(out, keep_default_na=False).set_index("contingency")
    assert table.at["HX-BW-A1a+HX-BW-B1a", "tenants_hit"] == "gpu-cloud"
    assert table.at["HX-BW-A1a+HX-BW-B1a", "it_lost_by_tenant"] == "gpu-cloud: 1056.0 kW"
    assert table.at["HX-BW-A1a+HX-BW-A8b", "tenants_hit"] == ""


TL = ["timeline", HYBRID, "--hours", "24", "--step-s", "120", "--workload", "inference"]


def test_timeline_tenant_cap_json_equals_the_api(capsys, layouts_dir):
    from twin.scenarios.timeline import TimelineSpec, simulate

    assert main([*TL, "--design-weather", "--tenant-cap", "npu-serving=0.6", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = pd.DataFrame(doc["tenants"]).set_index("tenant")
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    spec = TimelineSpec(
        hours=24, dt_s=120, workload="inference", weather=False, tenant_cap={"npu-serving": 0.6}
    )
    api = simulate(twin, spec).tenants
    for col in ("it_mwh", "it_cut_mwh", "tokens", "tokens_lost"):
        assert got[col].to_numpy() == pytest.approx(api[col].to_numpy(), rel=1e-12)
    assert got["hit"].to_dict() == {"gpu-cloud": False, "npu-serving": True}
    assert {r["tenants_hit"] for r in doc["tokens_lost"]} == {"npu-serving"}


def test_timeline_text_and_bad_tenant_options(capsys):
    args = [*TL, "--design-weather", "--dr-mw", "1", "--shed-order", "npu-serving"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "per tenant" in out and "npu-serving" in out and "hits" in out
    assert main([*TL, "--tenant-cap", "nobody=0.5"]) == 2
    assert "no tenant 'nobody'" in capsys.readouterr().err
    assert main([*TL, "--tenant-cap", "npu-serving"]) == 2
    assert "TENANT=FRACTION" in capsys.readouterr().err
    assert main([*TL, "--shed-order", "npu-serving"]) == 2
    assert "--dr-mw" in capsys.readouterr().err


def test_generate_campus_with_tenants(tmp_path):
    from twin.layout import load

    out = tmp_path / "campus.yaml"
    assert main(["generate", "campus", "--it-mw", "60", "--tenants", "2", "-o", str(out)]) == 0
    layout = load(out)
    assert [h.tenant for h in layout.halls] == [
        "tenant-1",
        "tenant-2",
        "tenant-1",
        "tenant-2",
        "tenant-1",
    ][: len(layout.halls)]
    twin = Twin.from_layout(layout)
    assert set(twin.racks["tenant"]) == {"tenant-1", "tenant-2"}
