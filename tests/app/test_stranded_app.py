"""The stranded-capacity picture (issue 17): twin.app.stranded and the Dashboard's chart."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_pages import no_errors

from twin.app import stranded as SC
from twin.metrics.stranded import stranded
from twin.model import Twin


def test_picture_stacks_the_metric_numbers(layouts_dir):
    twin = Twin.load(layouts_dir / "small-room.yaml")
    t = stranded(twin)
    long, notes = SC.picture(t)
    assert notes == []
    got = long.set_index("part")["kw"]
    r = t.loc["ROOM"]
    assert list(got.index) == list(SC.PARTS.values())
    for col, label in SC.PARTS.items():
        assert got[label] == pytest.approx(r[col])
    # the bar's top: IT now + headroom + stranded power + cooling + floor beyond both sides
    assert got.sum() == pytest.approx(
        r["it_now_kw"]
        + r["it_headroom_kw"]
        + r["stranded_power_kw"]
        + r["stranded_cooling_kw"]
        + r["stranded_floor_kw"]
    )
    # small room by hand: 12 free slots x 10 kW = 120 kW of floor; the sides feed the larger
    # margin of the two (power 49 kW here), the rest of the floor has neither
    assert got["Floor without power or cooling"] == pytest.approx(
        120.0 - max(r["power_margin_kw"], r["cooling_margin_kw"])
    )


def test_the_table_starts_with_the_site_and_marks_shared_limits(layouts_dir):
    """/work/audit3 finding 4: the halls' rows alone invited a sum; the site's row is the
    site headroom split (`site_row`), first, and each hall says how many halls share its
    binding limits."""
    from twin.metrics.stranded import site_row

    twin = Twin.load(layouts_dir / "small-room.yaml")
    t = SC.table(twin)
    assert list(t.index) == [SC.SITE_LABEL, "ROOM"]
    want = site_row(twin).iloc[0]
    for col in ("power_margin_kw", "cooling_margin_kw", "stranded_power_kw"):
        assert t.at[SC.SITE_LABEL, col] == pytest.approx(want[col])
    assert t.at["ROOM", "power_shared_halls"] == 1
    assert {"power_shared_halls", "cooling_shared_halls"} <= set(SC.TABLE)
    long, _ = SC.picture(t)
    assert SC.SITE_LABEL in set(long["hall"])


def test_picture_names_what_it_cannot_draw():
    t = pd.DataFrame(
        {
            "it_now_kw": [100.0],
            "it_headroom_kw": [-5.0],
            "stranded_power_kw": [0.0],
            "stranded_cooling_kw": [math.inf],
            "stranded_floor_kw": [0.0],
        },
        index=pd.Index(["H9"], name="hall"),
    )
    long, notes = SC.picture(t)
    assert len(long) == 4 and (long["kw"] >= 0).all()
    assert any("H9: cooling without power (stranded) is unbounded" in n for n in notes)
    assert any("already broken" in n for n in notes)


def test_dashboard_draws_the_stranded_chart(app):
    at = app("dashboard")
    no_errors(at)
    assert any(s.value == "Stranded capacity per hall" for s in at.subheader)
    heads = [list(d.value.columns) for d in at.dataframe]
    assert any("Floor without power or cooling (kW)" in h for h in heads)
    assert any("Power without cooling (stranded) (kW)" in h for h in heads)


def test_the_search_runs_once_per_layout_version(app, monkeypatch):
    """Cached by layout content like the solves: a second session on the same layout (and
    a rerun) reads the first one's table; the numbers stay twin.metrics.stranded's."""
    from app_pages import stranded_chart

    stranded_chart._table.clear()
    calls = []
    real = SC.table
    monkeypatch.setattr(
        SC, "table", lambda twin, *a, **k: calls.append(twin.name) or real(twin, *a, **k)
    )
    first = app("dashboard")
    no_errors(first)
    first.run()
    second = app("dashboard")
    no_errors(second)
    assert len(calls) == 1
    shown = next(d.value for d in second.dataframe if "IT now (kW)" in d.value)
    want = SC.table(Twin.from_layout(second.session_state["layout"]))  # site, then halls
    assert shown["IT now (kW)"].tolist() == want["it_now_kw"].round(0).tolist()
