"""Each page's logic, through Streamlit's AppTest (no browser)."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.proto.MultiSelect_pb2 import MultiSelect

from twin.layout import dump, load


def shown(markdown: str) -> str:
    """The text a Markdown string shows (the pages escape ids and names with `plain`)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label.startswith(label):
            return m.value
    raise KeyError(label)


def panel(at, name: str):
    """Show the editor's panel `name` (one panel is drawn at a time)."""
    return at.radio(key="ed_panel").set_value(name).run()


@pytest.mark.parametrize("page", ["site", "editor", "failures", "dashboard"])
def test_every_page_loads(app, page):
    at = app(page)
    no_errors(at)
    if page != "dashboard":
        assert len(at.get("component_instance")) == 1  # the 3D viewer


def test_site_details_show_power_and_cooling_paths(app):
    at = app("site")
    at.text_input(key="site_search").set_value("H1-R01-01").run()
    at.selectbox(key="site_pick").set_value("H1-R01-01").run()
    no_errors(at)
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "Power path, feed A" in text and "H1-UPS-A1" in text
    assert "Cooling path" in text and "H1-TCS1" in text
    # colour by another column sends a new scene
    cols = at.selectbox(key="site_colour").options
    assert "Rack power (design) (kW)" in cols  # human label and unit, not power_kw
    at.selectbox(key="site_colour").set_value("power_kw").run()
    no_errors(at)


def test_failing_both_feeds_loses_load_and_changes_kpis(app):
    at = app("failures")
    assert metric(at, "IT lost") == "0.000 MW"
    at.multiselect(key="fail_pick").set_value(["H1-UPS-A1", "H1-UPS-B1"])
    at.button[0].click().run()  # "Fail selected"
    no_errors(at)
    assert metric(at, "IT lost") != "0.000 MW"
    assert int(metric(at, "Racks without power").replace(",", "")) > 0
    assert any("Ride-through" in h.value for h in at.subheader)
    metric(at, "First rack limit")
    at.button(key="fail_n1").click().run()
    no_errors(at)
    assert len(at.session_state["n1"][1]) > 0
    # the dashboard shows the same session's failure
    at.switch_page("app_pages/dashboard.py").run()
    no_errors(at)
    assert "H1-UPS-A1" in " ".join(shown(c.value) for c in at.caption)


def test_editor_bad_value_is_a_message_next_to_the_field(app):
    at = panel(app("editor"), "Change rack")
    # as you type (no click): the schema's bounds, the rack first, the path in the file after it
    at.number_input(key="ed_ch_power_H1-R01-01").set_value(5000.0).run()
    errs = [shown(e.value) for e in at.error]
    assert errs == [
        "rack H1-R01-01, power_kw: 5,000.0 kW is not allowed: 0 to 1,000 kW "
        "(at halls[0].racks[0].power_kw)"
    ], errs
    layout = at.session_state["layout"]
    at.button(key="ed_change_btn").click().run()  # not applied; the same message, once
    assert not at.exception and [shown(e.value) for e in at.error] == errs
    assert at.session_state["layout"] is layout


def test_editor_change_add_remove_and_save(app, layouts_tmp):
    at = app("editor")
    racks0 = int(metric(at, "Racks").replace(",", ""))
    panel(at, "Change rack").number_input(key="ed_ch_power_H1-R01-01").set_value(50.0)
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    it1 = metric(at, "IT load")
    assert any("Changed rack" in s.value for s in at.success)
    panel(at, "Add rack").button(key="ed_add_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == racks0 + 1
    assert metric(at, "IT load") != it1
    panel(at, "Move / remove rack").selectbox(key="ed_mv_rack").set_value("H1-R01-02")
    at.button(key="ed_remove_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == racks0
    at.text_input(key="ed_fname").set_value("edited-hall.yaml")
    at.button(key="ed_save").click().run()
    no_errors(at)
    saved = layouts_tmp / "edited-hall.yaml"
    assert saved.exists()
    again = load(saved)
    assert len(again.halls[0].racks) == racks0
    assert dump(again) == dump(at.session_state["layout"])
    # saving never overwrites
    at.button(key="ed_save").click().run()
    assert any("already exists" in shown(e.value) for e in at.error)


def test_editor_edit_applies_in_one_run_and_other_rack_keeps_values(app):
    """The forms apply edits in a callback: the same run shows the new layout's KPIs."""
    at = panel(app("editor"), "Change rack")
    it0 = metric(at, "IT load")
    # a rack picked in the form but not drawn yet: its fields are its current values
    at.selectbox(key="ed_ch_rack").set_value("H1-R01-02")
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    assert any("Changed rack H1-R01-02" in shown(s.value) for s in at.success)
    assert metric(at, "IT load") == it0
    at.number_input(key="ed_ch_power_H1-R01-02").set_value(10.0)
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    assert metric(at, "IT load") != it0
    layout = at.session_state["layout"]
    rack = next(r for h in layout.halls for r in h.racks if r.id == "H1-R01-02")
    assert rack.power_kw == 10.0


def test_dashboard_report_and_comparison(app):
    at = app("dashboard")
    no_errors(at)
    assert metric(at, "IT load").endswith("MW")
    at.button(key="dash_report").click().run()
    no_errors(at)
    html = at.session_state["dash_report_html"]
    assert "Key figures" in html and "<img" in html
    for part in ("<svg", "Assumptions", "Energy price", "Violations", "N-1: top risks"):
        assert part in html, part
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"<th[^>]*>[a-z0-9]+(_[a-z0-9]+)+</th>", html)  # no column names
    # the capacity bars are drawn in the colour their legend names
    chart = html[html.index("aria-label='Capacity used'") :].split("</svg>")[0]
    # named by its basis, with the figure `twin solve` prints under the same label (97.0 %:
    # tests/app/test_grid_labels_cli_page.py)
    assert "fill='#d9534f'><title>Contracted grid limit used (16.5 MW): 97.0<" in chart


def test_the_report_names_its_failure(app):
    """Audit: a report built with failures set showed the failed state's key figures
    (IT load 0.00 MW) under 'twin report: AI factory hall' and never named the failure."""
    at = app("dashboard")
    at.session_state["failed"] = ["H1-CRAH1"]
    at.selectbox(key="dash_b").set_value("current layout, with its failures").run()
    at.button(key="dash_report").click().run()
    no_errors(at)
    html = at.session_state["dash_report_html"]
    assert "<h1>twin report: AI factory hall, with H1-CRAH1 failed</h1>" in html
    assert "B = current layout, with H1-CRAH1 failed" in html


def test_dashboard_assumptions_move_cost_per_token(app):
    """Energy price and throughput per rack are the dashboard's to change (this session)."""
    at = app("dashboard")
    cost0 = metric(at, "Cost per million tokens")
    at.number_input(key="dash_econ_energy_price_usd_per_kwh").set_value(0.5).run()
    no_errors(at)
    cost1 = metric(at, "Cost per million tokens")
    assert float(cost1.split()[0]) > float(cost0.split()[0])
    # the layout keeps its own prices
    assert at.session_state["layout"].economics.energy_price_usd_per_kwh == pytest.approx(0.0806)


FILTER_CONTAINS = (
    MultiSelect.DESCRIPTOR.fields_by_name["filter_mode"]
    .enum_type.values_by_name["FILTER_MODE_CONTAINS"]
    .number
)
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def headers(at) -> list[str]:
    return [str(c) for d in at.dataframe for c in d.value.columns]


@pytest.mark.parametrize("page", ["site", "failures", "dashboard", "editor"])
def test_pages_show_human_labels(app, page):
    """No snake_case column or metric label, no index column, no unrounded float."""
    at = app(page)
    if page == "failures":
        at.multiselect(key="fail_pick").set_value(["H1-UPS-A1"])
        at.button[0].click().run()
    no_errors(at)
    cols = headers(at)
    assert cols or page == "editor", "the page shows tables"
    assert not [c for c in cols if SNAKE.match(c) or c in ("index", "level_0")], cols
    assert not [m.label for m in at.metric if "_" in m.label]
    for m in at.metric:
        assert "None" not in m.value and not re.search(r"\.\d{5,}", m.value), (m.label, m.value)
    for d in at.dataframe:
        for c in d.value.select_dtypes("float").columns:
            v = d.value[c].dropna()
            # rounded to the column's digits (at most 4, the coolant flows in m3/s)
            assert ((v * 1e4).round() == v * 1e4).all(), c


def test_failing_both_facility_pumps_shows_the_hall_uncooled(app):
    """ai-factory-hall: both FWS pumps out stops all water; every rack trips on heat: all
    IT lost, all 96 hit by heat, none still running at risk (the headline once read 0
    racks at thermal risk beside its own help's 96 shut down)."""
    at = app("failures")
    at.multiselect(key="fail_pick").set_value(["H1-FWS-P1", "H1-FWS-P2"])
    at.button[0].click().run()
    no_errors(at)
    assert metric(at, "IT lost") == "12.672 MW"
    assert int(metric(at, "Racks hit by heat").replace(",", "")) == 96
    help_text = next(m.help for m in at.metric if m.label == "Racks hit by heat")
    assert help_text.startswith("96 shut down by heat") and "0 still running" in help_text
    assert any("96 racks shut down by heat" in w.value for w in at.warning)
    kinds = {str(k) for d in at.dataframe if "Kind" in d.value for k in d.value["Kind"]}
    assert "Uncooled" in kinds, kinds


def test_failure_picker_is_exact(app):
    """The picker matches by substring, never fuzzily, and offers no 'select all matches'."""
    at = app("failures")
    proto = at.multiselect(key="fail_pick").proto
    assert proto.filter_mode == FILTER_CONTAINS, proto.filter_mode
    assert not proto.select_all, proto.select_all


def test_editor_rows_bulk_edit_undo_redo(app):
    at = app("editor")
    racks0 = int(metric(at, "Racks").replace(",", ""))
    it0 = metric(at, "IT load")
    lay0 = at.session_state["layout"]
    n_row = sum(r.row == "H1-R01" for h in lay0.halls for r in h.racks)
    panel(at, "Rows").selectbox(key="ed_row_src").set_value("H1-R01")
    at.text_input(key="ed_row_new").set_value("H1-R09")
    at.number_input(key="ed_row_at_x").set_value(4.0)
    at.number_input(key="ed_row_at_y").set_value(21.0)
    at.button(key="ed_row_add_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == racks0 + n_row
    assert metric(at, "IT load") != it0
    # bulk edit: every rack of the new row at 100 kW
    panel(at, "Edit a whole row").selectbox(key="ed_bulk_row").set_value("H1-R09")
    at.number_input(key="ed_bulk_power").set_value(100.0)
    at.button(key="ed_bulk_btn").click().run()
    no_errors(at)
    lay = at.session_state["layout"]
    new = [r for h in lay.halls for r in h.racks if r.row == "H1-R09"]
    assert len(new) == n_row and all(r.power_kw == 100.0 for r in new)
    # undo twice: back to the file's layout; redo once: the copied row again
    at.button(key="ed_undo_btn").click().run()
    at.button(key="ed_undo_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == racks0 and metric(at, "IT load") == it0
    at.button(key="ed_redo_btn").click().run()
    assert int(metric(at, "Racks").replace(",", "")) == racks0 + n_row
    # remove the row and its racks
    panel(at, "Rows").selectbox(key="ed_row_src").set_value("H1-R09")
    at.button(key="ed_row_remove_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == racks0


def test_editor_shows_headroom_after_each_edit(app):
    """The editor shows `twin.metrics.headroom`'s answer (what `twin solve` prints) and
    its binding constraint; lowering a rack's power leaves more room."""
    from twin.metrics.headroom import headroom
    from twin.model import Twin
    from twin.model import columns as C

    def searched(at):  # the search runs in the background; the page redraws when it is in
        for _ in range(120):
            if metric(at, "IT headroom") != "searching...":
                return metric(at, "IT headroom")
            time.sleep(0.5)
            at.run()
        raise AssertionError("the IT headroom search did not finish in 60 s")

    at = app("editor")
    no_errors(at)
    room = headroom(Twin.from_layout(at.session_state["layout"]))
    assert searched(at) == C.fmt_kw(room.it_kw, "it_headroom_site_kw")  # kW as twin solve
    assert any(f"binding: {room.binding}" in shown(c.value) for c in at.caption)
    panel(at, "Change rack").number_input(key="ed_ch_power_H1-R01-01").set_value(50.0)
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    after = searched(at).split()
    assert float(after[0].replace(",", "")) * (1000 if after[1] == "MW" else 1) > room.it_kw


def test_what_changed_leads_with_what_matters(app):
    """After a failure: worst loadings and new violations first; the per-quantity details
    (pipe Reynolds numbers...) only on request, violations at their top."""
    at = app("failures")
    at.multiselect(key="fail_pick").set_value(["H1-UPS-A1", "H1-UPS-B1"])
    at.button[0].click().run()
    no_errors(at)
    heads = [s.value for s in at.subheader]
    assert heads.index("What changed") < len(heads)
    assert "Loading after (%)" in headers(at) and "Quantity" not in headers(at)
    at.toggle(key="fail_details").set_value(True).run()
    no_errors(at)
    details = next(d.value for d in at.dataframe if "Quantity" in d.value)
    assert list(details.columns) == ["Component", "Quantity", "Unit", "Before", "After", "Change"]
    assert details["Quantity"].iloc[0].startswith("violation: ")
