"""Tenants in the app: the dashboard's per-tenant table and report section, the Site page's
tenant filter and colouring, on the hybrid hall (GPU rows gpu-cloud, NPU rows npu-serving)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from twin.app import report
from twin.app import state as S
from twin.app import tenants as T
from twin.metrics.tenants import tenant_table
from twin.model import Twin

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT_S = 600  # the hybrid dashboard marches its ten units' failures once a session (~2-4 min)


@pytest.fixture
def hybrid_app(layouts_tmp, monkeypatch):
    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(layouts_tmp / "hybrid-inference.yaml"))

    def open_page(page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        at.run()
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


def test_report_has_a_tenant_section(layouts_dir):
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    res = S.solve(twin)
    tab = T.table(twin, res)
    html = report.report_html("t", S.kpis(twin, res), {"Tenants": tab})
    assert "<h2>Tenants</h2>" in html and "gpu-cloud" in html and "npu-serving" in html
    assert "Facility power (kW)" in html and "facility_kw" not in html
    # the report's figure is the metrics' figure, rounded as the label says
    fac = tenant_table(twin, res).at["gpu-cloud", "facility_kw"]
    assert f"{fac:,.1f}" in html


def test_filter_and_colour_code(layouts_dir, small_room):
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    assert T.choices(twin) == [T.ALL, "gpu-cloud", "npu-serving"]
    kept = T.keep(twin, "npu-serving")
    assert len(kept) == 64 and set(twin.racks.loc[kept, "accelerator"]) == {"rbln-atom-rack"}
    assert len(T.keep(twin, T.ALL)) == len(twin.racks)
    coded = T.with_tenant_code(twin, twin.racks)
    assert set(coded["tenant_code"]) == {1, 2} and "tenant_code" in S.colour_columns(coded)
    assert T.legend(twin) == "1 = gpu-cloud, 2 = npu-serving"
    assert not T.has_tenants(small_room)
    # the 3D view colours from the same rack table (twin.app.warm.scene_payload)
    assert S.rack_table(twin, None)["tenant_code"].tolist() == coded["tenant_code"].tolist()
    assert "tenant_code" not in S.rack_table(small_room, None)


def test_dashboard_tenants_and_report(hybrid_app):
    at = hybrid_app("dashboard")
    assert any(h.value == "Tenants" for h in at.subheader)
    at.button(key="dash_report").click().run()
    assert not at.exception
    html = at.session_state["dash_report_html"]
    assert "<h2>Tenants</h2>" in html and "gpu-cloud" in html
    assert not re.search(r"<th[^>]*>[a-z0-9]+(_[a-z0-9]+)+</th>", html)  # no column names


def test_site_tenant_filter(hybrid_app):
    at = hybrid_app("site")
    at.selectbox(key="site_tenant").set_value("npu-serving").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert len(shown) == 64
    at.selectbox(key="site_colour").set_value("tenant_code").run()
    assert not at.exception
    assert any("1 = gpu-cloud" in re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)


def test_failures_n1_ranking_shows_tenants_as_text(hybrid_app):
    at = hybrid_app("failures")
    at.button(key="fail_n1").click().run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert {"Tenants hit", "IT lost per tenant"} <= set(shown.columns)
    assert all(isinstance(v, str) for v in shown["IT lost per tenant"])


def test_timeline_page_per_tenant(hybrid_app):
    at = hybrid_app("timeline")
    at.checkbox(key="tl_dr_on").check()
    at.run()
    at.button(key="tl_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Per tenant" in [s.value for s in at.subheader]
    tables = [d.value for d in at.dataframe]
    per = next(t for t in tables if "Tenant" in t.columns)
    assert list(per["Tenant"]) == ["gpu-cloud", "npu-serving"]
    assert any("Tenants hit" in t.columns for t in tables)
