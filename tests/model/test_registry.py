"""The component registry: every kind declared once, and a kind added there flows through.

`turbines` is the worked example of docs/architecture.md: a registry row, a schema
class and its docs section. These tests check that the rest of twin (tables, the
power solve, pandapower export, N-1, 3D and the app) sees it without further edits.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from twin.interop.pandapower import element_results, runpp_twin, to_pandapower
from twin.layout import loads
from twin.layout import schema as s
from twin.model import Scenario, Twin, registry
from twin.solve import run
from twin.solve.power import solve_power

ROOT = Path(__file__).resolve().parents[2]
SMALL_ROOM = (ROOT / "layouts" / "small-room.yaml").read_text(encoding="utf-8")


def _with_turbine(rating_kva: float = 500.0) -> Twin:
    """small-room.yaml with its standby generator replaced by an on-site turbine."""
    text = SMALL_ROOM.replace(
        "  generators:\n    - {id: GEN-1, voltage_kv: 0.415, rating_kva: 500.0}",
        f"  turbines:\n    - {{id: GT-1, voltage_kv: 0.415, rating_kva: {rating_kva}}}",
    ).replace("alternate: GEN-1", "alternate: GT-1")
    assert "GT-1" in text and "GEN-1" not in text, "small-room.yaml changed; update this test"
    return Twin.from_layout(loads(text, "turbine-room.yaml"))


def test_every_kind_has_a_schema_class_a_section_and_a_table() -> None:
    for k in registry.KINDS:
        assert k.section in registry.SECTIONS and k.domain in registry.DOMAINS
        assert k.model in registry.MODELS, k
        assert issubclass(getattr(s, k.schema), s.Strict), k
        assert k.res == f"res_{k.table}"
        if k.failable:
            assert k.size_m and k.rgb, f"{k.table}: failable equipment needs a 3D size and colour"
    assert tuple(s.Power.model_fields) == registry.POWER_KINDS
    assert tuple(s.Cooling.model_fields) == registry.COOLING_KINDS
    twin = Twin.load(ROOT / "layouts" / "ai-factory-hall.yaml")
    assert set(twin.counts()) == {k.table for k in registry.KINDS}


def test_result_tables_follow_the_naming_rule() -> None:
    twin = Twin.load(ROOT / "layouts" / "ai-factory-hall.yaml")
    names = set(run(twin).tables)
    tables = {k.table for k in registry.KINDS} | {"power_nodes"}
    own = {n for n in names if n.startswith("res_") and n[4:] in tables}
    assert {"res_racks", "res_halls", "res_crahs", "res_power_nodes", "res_chillers"} <= own
    # the others are solver-internal networks (buses, loop nodes), not component tables
    assert names - own <= {"res_bus", "res_nodes", "res_node"}, names - own


KIND_WORD = "|".join(sorted((k.table for k in registry.KINDS), key=len, reverse=True))
HAND_LIST = re.compile(rf"""["']({KIND_WORD})["']\s*,\s*(#.*)?\s*["']({KIND_WORD})["']""")


def test_no_list_of_kinds_is_written_by_hand_outside_the_registry() -> None:
    """Two kind names side by side in a literal is a list someone must keep up to date."""
    found = []
    files = [*(ROOT / "twin").rglob("*.py"), *(ROOT / "app_pages").rglob("*.py")]
    for path in [*files, ROOT / "streamlit_app.py"]:
        if path.name == "registry.py":
            continue
        text = path.read_text(encoding="utf-8")
        for m in HAND_LIST.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if "models, not kinds" in text.splitlines()[line - 1]:
                continue  # physics model names that happen to equal a table name
            found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)!r}")
    assert not found, "derive these from twin.model.registry:\n" + "\n".join(found)


def test_a_new_kind_solves_like_its_model() -> None:
    """A turbine behind the ATS carries the room exactly as the generator it replaces."""
    twin = _with_turbine()
    assert list(twin.turbines.index) == ["GT-1"] and twin.generators.empty
    assert twin.turbines.at["GT-1", "fuel"] == "natural-gas"
    base = Twin.load(ROOT / "layouts" / "small-room.yaml")
    grid_out = Scenario.fail("UTIL")
    mine = solve_power(twin, grid_out)["res_power_nodes"]
    ref = solve_power(base, grid_out)["res_power_nodes"]
    assert mine.at["GT-1", "kind"] == "turbines"
    assert mine.at["GT-1", "p_kw"] > 100.0
    assert mine.at["GT-1", "p_kw"] == pytest.approx(ref.at["GEN-1", "p_kw"], rel=1e-12)
    assert mine.at["UPS-1", "loading_pct"] == pytest.approx(ref.at["UPS-1", "loading_pct"])


def test_a_new_kind_is_checked_against_its_rating() -> None:
    small = _with_turbine(rating_kva=150.0)
    v = run(small, Scenario.fail("UTIL")).violations
    assert ((v["component"] == "GT-1") & (v["kind"] == "over_capacity")).any(), v


def test_a_new_kind_exports_to_pandapower_as_a_source() -> None:
    twin = _with_turbine()
    scenario = Scenario.fail("UTIL")
    res = solve_power(twin, scenario)
    net = to_pandapower(twin, scenario, res)
    runpp_twin(net, fresh=True, lightsim2grid=False, numba=False)
    el = element_results(net)
    tw = res["res_power_nodes"].loc[el.index]
    assert np.abs(el["loading_pct"] - tw["loading_pct"]).max() < 0.5
    assert "GT-1" in set(net.ext_grid.name) or "GT-1" in set(net.gen.name)


def test_a_new_kind_is_an_n1_contingency() -> None:
    from twin.scenarios import n1

    table = n1(_with_turbine())
    row = table.loc[table["contingency"] == "GT-1"]
    assert len(row) == 1 and row["kinds"].item() == "turbines"
    assert row["it_lost_kw"].item() == 0.0  # the grid still feeds the room


def test_a_new_kind_is_drawn_and_offered_by_the_app() -> None:
    from twin.app.state import details, failable
    from twin.viz.placement import equipment
    from twin.viz.scene import build_scene

    twin = _with_turbine()
    eq = equipment(twin)
    assert tuple(eq.loc["GT-1", ["w_m", "d_m", "h_m"]]) == registry.kind("turbines").size_m
    scene = build_scene(twin)
    ids = {i for layer in scene.layers if layer.ids is not None for i in layer.ids}
    assert "GT-1" in ids
    assert failable(twin).at["GT-1", "kind"] == "turbines"
    info = details(twin, "GT-1", run(twin, Scenario.fail("UTIL")))
    assert info["kind"] == "turbines" and info["results"]["p_kw"] > 100.0


def test_a_new_kind_bridges_the_ups_with_its_own_start_time() -> None:
    """Ride-through reads every generator-model source: the UPS waits for the turbine's start."""
    from twin.solve.transient import power_ride_through

    ride = power_ride_through(_with_turbine())
    assert ride.at["UPS-1", "generator"] == "GT-1"
    assert ride.at["UPS-1", "gap_s"] == 300.0  # the Turbine schema's default start_s
