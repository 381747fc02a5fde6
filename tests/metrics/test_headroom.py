"""IT headroom (issue 12): one answer for how much more IT fits and what stops it.

Adding the reported headroom plus 1 % breaks exactly the named constraint and
nothing else; adding it minus 1 % breaks nothing (checked with full solves)."""

from __future__ import annotations

import math

import pytest

from twin.metrics import headroom
from twin.metrics.headroom_constraints import constraint_utilisation
from twin.metrics.headroom_n1 import n1_utilisation, scope_failures
from twin.model.scenario import Scenario
from twin.scenarios.sweep import contingencies
from twin.solve import run


def _scaled(twin, h, frac):
    """The solve at `frac` of the headroom and the constraints it breaks: first-order ones
    and single failures (N-1 sweep) that do not lose IT at today's load already."""
    s = (h.it_now_kw + frac * h.it_kw) / h.it_now_kw
    sc = Scenario(load_scale={"*": s})
    r = run(twin, sc)
    u = constraint_utilisation(twin, r)
    sets = [(c,) for c in contingencies(twin)]
    _, spof = n1_utilisation(twin, Scenario(), run(twin), sets)
    n1u, _ = n1_utilisation(twin, sc, r, [x for x in sets if x[0] not in spof])
    broken = {k for k, v in {**u, **n1u}.items() if v > 1.0}
    return r, broken


def test_plus_one_percent_breaks_only_the_binding_constraint(reference_twin):
    twin = reference_twin
    h = headroom(twin)
    assert h.binding is not None and 0 < h.it_kw < math.inf
    assert h.table.loc[h.binding, "binding"]
    assert h.solves <= 12

    r, broken = _scaled(twin, h, 0.99)
    assert broken == set()
    assert r.violations.empty, r.violations.to_string()

    r, broken = _scaled(twin, h, 1.01)
    # the binding constraint, and only constraints that bind within 2 % of it (the small
    # room's three CRACs are alike: losing any of them binds at 44.25-44.29 kW)
    assert h.binding in broken
    assert all(h.table.loc[b, "margin_kw"] <= 1.02 * h.it_kw for b in broken), broken
    for _, v in r.violations.iterrows():  # the solve's own violations name the same limit
        if h.binding == "grid connection":
            assert v["kind"] == "grid_limit"
        elif h.binding.startswith("N-1"):  # a failure breaks it; the normal state is fine
            pytest.fail(f"normal state broken at +1 %: {v.to_dict()}")
        else:
            assert str(v["component"]) in h.binding


def test_ai_factory_hall_grid_connection_binds_not_the_power_chain_margin(layouts_dir):
    """The reproducer: the power solve's power_failover_margin_kw says 1.82 MW; the grid
    connection (16.5 MW, 97 % used) takes about 0.38 MW more IT (facility power
    grows ~1.28 kW per kW of IT: losses and cooling), and less inside the worst single
    failure (a CRAH lost: its peers' fans speed up, audit 6 #4): 0.36 MW."""
    from twin.model import Twin

    twin = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    h = headroom(twin)
    assert h.binding.startswith("N-1 grid connection: "), h.binding
    assert h.table.loc["grid connection", "margin_kw"] == pytest.approx(381, abs=5)
    assert 300 < h.it_kw < h.table.loc["grid connection", "margin_kw"]
    # no row of the table binds before the headroom (the stranded table's power and cooling
    # margins are its smallest rows of each domain)
    assert (h.table["margin_kw"] >= h.it_kw).all(), h.table.head()
    assert run(twin).kpis["power_failover_margin_kw"] > 1800  # the power chain's own margin only
    # a hall scope of the only hall is the site
    hh = headroom(twin, scope="H1")
    assert hh.binding == h.binding and hh.it_kw == pytest.approx(h.it_kw, rel=3e-3)


def test_unknown_scope(small_room):
    with pytest.raises(ValueError, match="unknown scope"):
        headroom(small_room, scope="NOPE")


def test_cli_solve_and_info_show_the_same_answer(capsys, layouts_dir):
    import json

    from twin.cli import main
    from twin.model import Twin

    path = str(layouts_dir / "hybrid-inference.yaml")  # the quickest N-1-checked search
    h = headroom(Twin.load(path))
    for cmd in ("solve", "info"):
        assert main([cmd, path, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        # one IT headroom per output: the power chain's own first-order margin has its own
        # name (it said it_headroom_kw beside this one, 49.7 vs 44.2 kW on the small room)
        assert "it_headroom_kw" not in out
        d = out["headroom"]
        assert d["binding_constraint"] == h.binding
        assert d["it_headroom_kw"] == pytest.approx(h.it_kw, rel=1e-9)
        assert main([cmd, path]) == 0
        text = capsys.readouterr().out
        assert f"binding constraint: {h.binding}" in text
        assert f"{h.it_kw:,.1f}  kW" in text
    assert main(["info", path, "--json", "--no-headroom"]) == 0
    assert "headroom" not in json.loads(capsys.readouterr().out)


def test_dashboard_shows_the_same_headroom(tmp_path, monkeypatch):
    import shutil
    import sys
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from twin.app import warm
    from twin.model import Twin

    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:  # the app imports `app_pages` from its own folder
        sys.path.insert(0, str(root))
    d = tmp_path / "layouts"
    shutil.copytree(root / "layouts", d)
    monkeypatch.setattr(warm, "LAYOUTS", d)
    monkeypatch.setattr(warm, "DEFAULT", str(d / "ai-factory-hall.yaml"))
    at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=180)
    at.run()
    at.switch_page("app_pages/dashboard.py")
    at.run()
    assert not at.exception
    h = headroom(Twin.load(d / "ai-factory-hall.yaml"))
    (value,) = [m.value for m in at.metric if m.label == "IT headroom"]
    from twin.model import columns as C

    assert value == C.fmt_kw(h.it_kw, "it_headroom_site_kw")  # kW, 1 decimal, as twin solve
    from twin.app.text import plain

    assert any(plain(h.binding) in c.value for c in at.caption)
    # the HTML report's key figures carry the same headroom (kW, 1 decimal)
    at.button(key="dash_report").click().run()
    html = at.session_state["dash_report_html"]
    row = f"<tr><td class=t>IT headroom</td><td>{h.it_kw:,.1f}</td><td class=t>kW</td></tr>"
    assert row in html


@pytest.mark.slow
def test_hall_scope_on_a_campus_scales_only_that_hall(tmp_path):
    """A 40 MW generated campus (9 halls): scaling one hall binds that hall's CRAH air
    long before the site's grid connection."""
    from twin.cli import main
    from twin.model import Twin

    path = tmp_path / "campus.yaml"
    assert (
        main(["generate", "campus", "--it-mw", "40", "--rows-per-hall", "2", "-o", str(path)]) == 0
    )
    twin = Twin.load(path)
    hall = str(twin.racks["hall"].iloc[0])
    h = headroom(twin, scope=hall)
    assert h.failover == "N-1 solved"  # the hall's own failures: under N1_CHECK_MAX_CASES
    site = headroom(twin, n1_check=False)  # ~800 failures: first-order, and says so
    assert site.failover == "first-order"
    assert h.it_kw < site.it_kw and hall in h.binding
    ids = twin.racks.index[twin.racks["hall"] == hall]
    sets = [(c,) for c in scope_failures(twin, twin.racks.loc[ids])]
    table = h.table
    # one answer: the binding row's margin is the headroom, every other row's at least that
    assert table.at[h.binding, "margin_kw"] == h.it_kw
    assert (table["margin_kw"] >= h.it_kw).all(), table.head()
    searched = set(table.index[table["margin_basis"] == "searched"])
    assert h.binding in searched and (table.loc[list(searched), "margin_kw"] == h.it_kw).all()
    for frac, expect in ((0.99, False), (1.0, False), (1.01, True)):
        # fresh solves at each load, every failure of the hall checked anew (no memo)
        sc = Scenario(load_scale=dict.fromkeys(ids, (h.it_now_kw + frac * h.it_kw) / h.it_now_kw))
        r = run(twin, sc)
        u = constraint_utilisation(twin, r)
        u.update(n1_utilisation(twin, sc, r, sets)[0])
        broken = {k for k, v in u.items() if v > 1.0}
        assert (h.binding in broken) == expect
        if expect:
            # every row broken 1 % past the headroom says so in the table: its margin is the
            # search's bracket (the hall's CRAH2 and CRAH3 read 241 kW for ~153, 2026-12-03),
            # and every row the table calls searched does break there
            far = {b: table.at[b, "margin_kw"] for b in broken if b not in searched}
            assert not far, far
            assert searched <= broken, searched - broken
        else:  # nothing breaks at the headroom, nor 1 % below it
            assert not broken, broken


GENSET_POWER = """
  utilities: [{id: U, voltage_kv: 0.415, capacity_mva: 1.0}]
  generators: [{id: G, voltage_kv: 0.415, rating_kva: 300.0, power_factor: 0.8}]
  switchgear: [{id: S, upstream: U, alternate: G, rating_kva: 1000.0}]
  pdus: [{id: P, upstream: S, rating_kva: 1000.0}]
cooling:
  crahs:
    - {id: C1, hall: H, type: crac, capacity_kw: 2000.0, airflow_m3_s: 50.0, fan_kw: 10.0}
    - {id: C2, hall: H, type: crac, capacity_kw: 2000.0, airflow_m3_s: 50.0, fan_kw: 10.0}
"""


def test_headroom_under_an_outage_binds_on_the_generators_kw_rating():
    """With the utility failed the generator (300 kVA, 240 kW at pf 0.8) carries the room:
    its engine's kW binds before its kVA (racks at pf 0.97). An audit found `twin solve
    --fail GRID B01-GEN-A` reporting 176 kW of headroom where 108 kW more put the other
    generator over its kW rating: generators were no constraint at all."""
    from solve.layouts import HEAD, racks

    from twin.layout import loads
    from twin.model import Twin

    twin = Twin.from_layout(loads(HEAD + racks(4, 50.0, "P") + "power:\n" + GENSET_POWER, "g.yaml"))
    outage = Scenario.fail("U")
    # N-1 on top of the outage: losing G too drops every rack, so no headroom survives one
    # more failure, and it says why (audit 6 #15: one rule for power and cooling)
    n1 = headroom(twin, outage)
    assert n1.it_kw == 0 and n1.redundancy_lost == ("G",), n1.reason
    h = headroom(twin, outage, n1_check=False)  # what the generator alone carries
    assert h.binding == "generator G capacity", h.table.head()
    assert 0 < h.it_kw < math.inf

    def generator_at(frac):
        s = (h.it_now_kw + frac * h.it_kw) / h.it_now_kw
        r = run(twin, Scenario(failed=outage.failed, load_scale={"*": s}))
        v = r.violations
        return r["res_power_nodes"].at["G", "p_kw"], v[v["component"] == "G"]

    p_kw, v = generator_at(0.99)
    assert p_kw <= 240.0 and v.empty, v
    p_kw, v = generator_at(1.01)
    assert p_kw > 240.0 and list(v["unit"]) == ["kW"]  # the kW rating, by hand and by the solve
