"""The dashboard's "Cooling capacity used" is the solve's loading: on a hot day a DX CRAC's
capacity is the one the solve checked (res_crahs.capacity_avail_kw), not its 35 C rating."""

from __future__ import annotations

import pytest

from twin.app import report
from twin.app import state as S
from twin.layout import loads
from twin.model import Twin
from twin.model import columns as C


def _small_room_at(layouts_dir, t_db_c: float) -> Twin:
    """small-room (three 120 kW DX CRACs, no CDUs) with its design dry bulb at `t_db_c`."""
    text = (layouts_dir / "small-room.yaml").read_text(encoding="utf-8")
    old = "design: {t_db_c: 35.0, t_wb_c: 24.0}"
    assert text.count(old) == 1
    new = f"design: {{t_db_c: {t_db_c}, t_wb_c: {t_db_c - 11.0}}}"
    return Twin.from_layout(loads(text.replace(old, new), "small-room-hot.yaml"))


@pytest.mark.parametrize("t_db_c", [35.0, 48.0])
def test_cooling_used_is_the_solves_loading(layouts_dir, t_db_c):
    twin = _small_room_at(layouts_dir, t_db_c)
    res = S.solve(twin)
    k = S.kpis(twin, res)
    rc = res["res_crahs"]
    f = 1.0 if t_db_c == 35.0 else 0.8782 - 0.0117 * 2.0  # capacity_factor by hand
    assert rc["capacity_avail_kw"].to_numpy() == pytest.approx(120.0 * f, rel=1e-12)
    load = float(rc["load_kw"].sum())
    assert k["cooling_capacity_mw"] == pytest.approx(3 * 120.0 * f / 1000, rel=1e-12)
    assert k["cooling_used_pct"] == pytest.approx(100.0 * load / (3 * 120.0 * f), rel=1e-12)
    # three equal units share the heat equally: each one's loading is the dashboard's figure
    assert rc["loading_pct"].to_numpy() == pytest.approx(k["cooling_used_pct"], rel=1e-12)
    if t_db_c > 35.0:  # and not the rated figure the dashboard used to show
        assert k["cooling_used_pct"] > 100.0 * load / 360.0 + 5.0
    # the report's key figure is the same number, as displayed
    shown = report.kpi_rows(k).set_index("metric").at[C.label("cooling_used_pct"), "value"]
    assert float(shown) == pytest.approx(
        round(k["cooling_used_pct"], C.spec("cooling_used_pct").digits)
    )


@pytest.mark.parametrize(
    ("layout", "failed"),
    [("small-room.yaml", ("CRAC-1", "CRAC-2")), ("small-room.yaml", ("CRAC-2",))],
)
def test_with_units_failed_it_is_the_survivors_loading(layouts_dir, layout, failed):
    """Two of three CRACs failed read 54 % (the dead units counted at full capacity) while the
    third ran at 163 % with 75 kW of heat not removed (audit 2026-12-04)."""
    twin = Twin.load(layouts_dir / layout)
    res = S.solve(twin, set(failed))
    rc = res["res_crahs"]
    running = rc[rc["running"]]
    assert len(running) == 3 - len(failed)
    k = S.kpis(twin, res)
    # by hand: the heat the running units carry over their capacity (equal units share it)
    want = 100.0 * running["load_kw"].sum() / running["capacity_avail_kw"].sum()
    assert k["cooling_used_pct"] == pytest.approx(want, rel=1e-12)
    assert k["cooling_used_pct"] == pytest.approx(running["loading_pct"].max(), rel=1e-9)
    if len(failed) == 2:
        assert k["cooling_used_pct"] > 150.0


@pytest.mark.parametrize(
    ("layout", "failed"),
    [
        ("small-room.yaml", ("CRAC-1", "CRAC-2", "CRAC-3")),
        ("ai-factory-hall.yaml", ("H1-FWS-P1", "H1-FWS-P2")),
    ],
)
def test_with_no_unit_running_it_is_unbounded_not_zero(layouts_dir, layout, failed):
    """Every rack shut down by heat read 0.0 % used (the units carry nothing once the racks
    have tripped): heat is asked of cooling that does not run."""
    twin = Twin.load(layouts_dir / layout)
    res = S.solve(twin, set(failed))
    assert res.kpis["it_shutdown_kw"] > 0
    k = S.kpis(twin, res)
    assert k["cooling_used_pct"] == float("inf")
    shown = report.kpi_rows(k).set_index("metric").at[C.label("cooling_used_pct"), "value"]
    assert shown == "∞"
