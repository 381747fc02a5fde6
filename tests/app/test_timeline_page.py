"""The Timeline page: runs the same simulate() as `twin timeline` and shows its numbers."""

from __future__ import annotations

from pathlib import Path

from twin.app.residual import residual_text
from twin.model import Twin
from twin.scenarios.policies import DrEvent
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.workloads import Pattern
from twin.solve.timeline_storage import Store


def _errors(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def words(x: float) -> str:
    """A token count as the page writes it, by hand: 8.62e13 -> '86.2 trillion'."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if x >= size:
            return f"{float(f'{x / size:.3g}'):g} {word}"
    return f"{x:,.0f}"


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_day_with_bess_and_dr_shows_the_api_numbers(app, layouts_tmp):
    at = app("timeline")
    _errors(at)
    assert "press Run" in at.info[0].value
    at.number_input(key="tl_bess_mwh").set_value(4.0)
    at.number_input(key="tl_bess_mw").set_value(3.0)
    at.checkbox(key="tl_dr_on").check()
    at.run()
    at.button(key="tl_run").click().run()
    _errors(at)
    spec = TimelineSpec(hours=24, dt_s=1.0, workload="mixed", pattern=Pattern(swing=0.3),
                        bess=Store(4000.0, 3000.0, 0.9), policy="peak-shaving",
                        dr=DrEvent(18 * 3600.0, 3 * 3600.0, 1000.0, "inference-first"))  # fmt: skip
    api = simulate(Twin.load(layouts_tmp / "ai-factory-hall.yaml"), spec)
    k = api.kpis
    assert _metric(at, "Peak grid import") == f"{k['peak_grid_mw']:,.2f} MW"
    # what the run assumed unasked (no weather year: the design point) is on the page too
    assert any("no weather year" in n for n in api.notes)
    assert any("no weather year" in c.value for c in at.caption)
    assert _metric(at, "Grid energy") == f"{k['grid_mwh']:,.0f} MWh"
    # the residual in kWh and % of the energy supplied, not "0.0e+00"; a nonzero one not "0"
    res = _metric(at, "Energy balance residual")
    assert res == residual_text(k["balance_residual_mwh"], k["balance_residual_rel"])
    assert res.endswith("of the energy supplied)") and "e+" not in res and "e-" not in res
    assert (k["balance_residual_mwh"] == 0) == res.startswith("0 kWh")
    titles = [s.value for s in at.subheader]
    assert any(t.startswith("Grid import") for t in titles)
    assert any(t.startswith("Battery state of charge") for t in titles)
    assert any(t.startswith("Violations over time") for t in titles)
    # token counts in words, not 4.39e+13; no stray text above the title
    hall = next(d.value for d in at.dataframe if "Tokens produced" in d.value)
    assert hall["Tokens produced"].str.fullmatch(r"[\d,.]+( (million|billion|trillion))?").all()
    assert not [m.value for m in at.markdown if "Most points" in m.value]


def test_the_battery_is_twin_timelines(app, layouts_tmp, capsys):
    """The page ran every battery at a round trip of 0.85 where `twin timeline` defaults to
    0.9 (storage losses 55 % higher on one battery), and replaced a layout BESS's efficiency
    and SOC limits by 0.85/0.1/0.9 with its energy rounded to 0.1 MWh (250 kWh ran as 0.2
    MWh). Now a layout's BESS runs as the CLI runs it, and so does one sized on the page."""
    import json

    from twin.cli import main

    path = layouts_tmp / "ai-factory-hall.yaml"
    block = ("\nstorage:\n  bess:\n    - {id: BESS-1, feed: B01-MV-A, energy_kwh: 250.0, "
             "power_kw: 200.0, round_trip_efficiency: 0.82, soc_min: 0.2, soc_max: 0.95}\n")  # fmt: skip
    path.write_text(path.read_text() + block)
    at = app("timeline")
    assert at.number_input(key="tl_bess_mwh").value == 0.25
    assert at.number_input(key="tl_bess_eff").value == 0.82
    args = ["timeline", str(path), "--hours", "24", "--step-s", "1", "--json"]
    for edit, flags in (({}, []), ({"tl_bess_mwh": 0.5, "tl_bess_eff": 0.9},
                                   ["--bess-mwh", "0.5", "--bess-mw", "0.2"])):  # fmt: skip
        for k, v in edit.items():
            at.number_input(key=k).set_value(v)
        at.run()
        at.button(key="tl_run").click().run()
        _errors(at)
        assert main(args + flags) == 0
        k = json.loads(capsys.readouterr().out)["kpis"]
        assert k["storage_loss_mwh"] > 0
        shown = _metric(at, "Peak grid import")
        assert shown == f"{k['peak_grid_mw']:,.2f} MW"
        page = at.session_state["tl_result"][1].kpis
        assert page["storage_loss_mwh"] == k["storage_loss_mwh"]
        assert page["cost_usd"] == k["cost_usd"]


def test_outage_shows_the_ups_batteries(app, layouts_tmp):
    from twin.solve.timeline_outage import Outage

    at = app("timeline")
    at.checkbox(key="tl_out_on").check()
    at.number_input(key="tl_out_start").set_value(12.0)
    at.number_input(key="tl_out_s").set_value(900.0)
    at.run()
    at.button(key="tl_run").click().run()
    _errors(at)
    spec = TimelineSpec(hours=24, dt_s=1.0, workload="mixed", pattern=Pattern(swing=0.3),
                        policy="none", outage=Outage(12 * 3600.0, 900.0))  # fmt: skip
    k = simulate(Twin.load(layouts_tmp / "ai-factory-hall.yaml"), spec).kpis
    assert _metric(at, "Lowest UPS charge") == f"{k['ups_soc_min_frac'] * 100:.0f} %"
    assert _metric(at, "Generator energy") == f"{k['generator_mwh']:,.1f} MWh"
    titles = [s.value for s in at.subheader]
    assert any(t.startswith("UPS batteries through the outage") for t in titles)


def test_row_cap_and_an_outage_inside_an_hourly_step(app, layouts_tmp):
    """A row cap reaches simulate() as the CLI's --row-cap does; an outage shorter than the
    hourly step says its trough (below every step's end) and where to find it."""
    from twin.solve.timeline_outage import Outage

    at = app("timeline")
    at.selectbox(key="tl_horizon").set_value("One year at 1 h steps")
    at.multiselect(key="tl_rows").set_value(["H1-R01"])
    at.slider(key="tl_rack_cap").set_value(60)
    at.checkbox(key="tl_out_on").check()
    at.number_input(key="tl_out_s").set_value(600.0)
    at.run()
    at.button(key="tl_run").click().run()
    _errors(at)
    spec = TimelineSpec(hours=8760, dt_s=3600.0, workload="mixed", pattern=Pattern(swing=0.3),
                        policy="none", row_cap={"H1-R01": 0.6},
                        outage=Outage(12 * 3600.0, 600.0))  # fmt: skip
    tl = simulate(Twin.load(layouts_tmp / "ai-factory-hall.yaml"), spec)
    k = tl.kpis
    assert k["tokens_lost"] > 0
    assert _metric(at, "Tokens lost") == words(k["tokens_lost"])
    assert tl.steps["ups_soc_frac"].min() > k["ups_soc_min_frac"]
    note = [c.value for c in at.caption if "falls inside" in c.value]
    assert note and f"{k['ups_soc_min_frac'] * 100:.1f} %" in note[0]


def test_tenant_cap_control_on_the_hybrid_hall(layouts_tmp, monkeypatch):
    """The tenant picker offers the layout's tenants; capping one gives the API's numbers and
    the per-tenant table says who was hit."""
    from streamlit.testing.v1 import AppTest

    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(layouts_tmp / "hybrid-inference.yaml"))
    root = Path(__file__).resolve().parents[2]
    at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=180)
    at.run()
    at.switch_page("app_pages/timeline.py")
    at.run()
    assert set(at.multiselect(key="tl_tenants").options) >= {"gpu-cloud", "npu-serving"}
    at.selectbox(key="tl_horizon").set_value("One week at 1 min steps")
    at.multiselect(key="tl_tenants").set_value(["npu-serving"])
    at.slider(key="tl_tenant_cap").set_value(50)
    at.run()
    at.button(key="tl_run").click().run()
    _errors(at)
    spec = TimelineSpec(hours=168, dt_s=60.0, workload="mixed", pattern=Pattern(swing=0.3),
                        policy="none", tenant_cap={"npu-serving": 0.5})  # fmt: skip
    tl = simulate(Twin.load(layouts_tmp / "hybrid-inference.yaml"), spec)
    assert _metric(at, "Tokens lost") == words(tl.kpis["tokens_lost"])
    hit = {r["Tenant"]: r["Hit"] for r in at.dataframe[-2].value.to_dict("records")}
    assert hit == {"gpu-cloud": "no", "npu-serving": "yes"}


def test_hours_filled_in_the_weather_year_are_said_on_the_page(app, layouts_tmp):
    """`twin timeline` warns that missing hours of the weather file were interpolated; the
    page read the same file and said nothing."""
    import sys

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "solve"))
    from test_weather_year import epw

    t = np.full(8760, 10.0)
    t[100:103] = 99.9  # EPW's missing dry bulb
    epw(layouts_tmp / "gap.epw", t_db=t)
    path = layouts_tmp / "ai-factory-hall.yaml"
    text = path.read_text()
    path.write_text(text.replace("  grid_mw: 16.5\n", "  grid_mw: 16.5\n  weather_file: gap.epw\n"))
    at = app("timeline")
    _errors(at)
    said = [c.value.replace("\\", "") for c in at.caption if "Weather year" in c.value]
    assert len(said) == 1 and "gap.epw" in said[0]
    assert "dry bulb missing in 3 hour(s)" in said[0] and "interpolation" in said[0]
