"""The `bess` component kind: declared once in the registry, read from a layout, used by
the timeline, and a steady solve that ignores it exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.errors import LayoutError
from twin.layout import loads
from twin.model import Twin, registry
from twin.scenarios.timeline import TimelineSpec, layout_bess, simulate
from twin.solve import run

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


def _with_bess(text: str, feed: str, extra: str = "") -> Twin:
    block = (
        f"\nstorage:\n  bess:\n    - {{id: BESS-1, feed: {feed}, energy_kwh: 8000.0, "
        f"power_kw: 3000.0{extra}}}\n"
    )
    return Twin.from_layout(loads(text + block, "hall+bess.yaml"))


@pytest.fixture(scope="module")
def text():
    return HALL.read_text()


def _feeds(twin):
    nodes = twin.power_nodes
    swg = nodes.index[nodes["kind"] == "switchgear"][0]
    ups = nodes.index[nodes["kind"] == "ups"][0]
    return swg, ups


def test_registry_declares_it_once():
    k = registry.kind("bess")
    assert k.section == "storage" and k.model == "bess" and k.res == "res_bess"
    assert "bess" in registry.STORAGE_KINDS and "bess" not in registry.POWER_KINDS


def test_layout_bess_is_a_table_and_does_not_change_the_steady_solve(text):
    plain = Twin.from_layout(loads(text, "hall.yaml"))
    swg, _ = _feeds(plain)
    twin = _with_bess(text, swg, ", round_trip_efficiency: 0.9")
    assert list(twin.bess.index) == ["BESS-1"] and twin.counts()["bess"] == 1
    assert twin.kind_of("BESS-1") == "bess" and "BESS-1" in twin.component_ids()
    assert run(twin).kpis["facility_kw"] == run(plain).kpis["facility_kw"]
    store = layout_bess(twin)
    assert store.energy_kwh == 8000 and store.power_kw == 3000 and store.round_trip == 0.9


def test_timeline_uses_the_layout_bess_for_peak_shaving(text):
    twin = _with_bess(text, _feeds(Twin.from_layout(loads(text, "h.yaml")))[0])
    tl = simulate(twin, TimelineSpec(hours=24, dt_s=60, policy="peak-shaving"))
    k = tl.kpis
    assert k["bess_mwh"] == 8 and k["peak_grid_mw"] < tl.steps["facility_kw"].max() / 1000
    soc = tl.solved.soc_kwh
    assert soc.min() >= 0.1 * 8000 - 1e-9 and soc.max() <= 0.9 * 8000 + 1e-9
    assert abs(k["balance_residual_rel"]) < 1e-6 and np.isfinite(k["cost_usd"])


def test_a_bess_on_a_ups_bus_is_refused_at_load_by_name(text):
    """`twin validate` and every load refuse it (file, path, what is allowed), not only the
    timeline."""
    swg, ups = _feeds(Twin.from_layout(loads(text, "h.yaml")))
    with pytest.raises(LayoutError) as err:
        _with_bess(text, ups)
    (p,) = err.value.problems
    assert p.path == "storage.bess[0].feed" and p.line is not None
    assert "is a UPS" in p.message and "switchgear bus" in p.message
    with pytest.raises(LayoutError, match=r"unknown utility or switchgear bus 'NOPE'"):
        _with_bess(text, "NOPE")
    with pytest.raises(LayoutError, match="duplicate id 'BESS-1'"):
        _with_bess(text, swg, f"}}\n    - {{id: BESS-1, feed: {swg}, energy_kwh: 1, power_kw: 1")


def test_soc_window_is_validated_with_its_line(text):
    with pytest.raises(LayoutError, match="soc_max 0.2 must be above soc_min 0.5"):
        _with_bess(text, "X", ", soc_min: 0.5, soc_max: 0.2")


def test_the_3d_scene_draws_the_bess_with_its_energy_and_power(text):
    """Placed with the halls its bus serves (south, with the power equipment), drawn in the
    registry's colour and size, and the hover says its ratings."""
    from twin.viz.payload import encode
    from twin.viz.placement import equipment
    from twin.viz.scene import build_scene

    swg, _ = _feeds(Twin.load(HALL))
    twin = _with_bess(text, swg)
    eq = equipment(twin)
    row = eq.loc["BESS-1"]
    assert row["kind"] == "bess" and row["hall"] == "H1"
    assert (row["w_m"], row["d_m"], row["h_m"]) == registry.kind("bess").size_m
    hall = twin.halls.loc["H1"]
    assert row["y_m"] < hall["y0_m"]  # south of the hall, with the power equipment
    header, _ = encode(build_scene(twin))
    i = header["ids"].index("BESS-1")
    assert header["kinds"][i] == "Battery energy storage · 8.0 MWh, 3.0 MW"
    assert ("Battery energy storage", "#66994c") in [tuple(x) for x in header["legend"]]
