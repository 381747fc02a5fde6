"""Placement in the editor (issue 17): twin.app.placement and the "Place racks" panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_pages import metric, no_errors, shown
from test_viewer import viewer_args

from twin.app import edit as E
from twin.app import placement as AP
from twin.errors import ScenarioError
from twin.model import Twin
from twin.solve import run
from twin.viz.payload import decode, encode, legend
from twin.viz.scene import GHOST_RGB, build_scene

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


@pytest.fixture(scope="module")
def hall():
    twin = Twin.load(HALL)
    return twin, run(twin)


def test_candidates_ghosts_and_apply_agree_with_the_built_layout(hall):
    twin, res = hall
    p = AP.find(twin, res, "nvl72", 4)
    t = AP.table(p)
    assert list(t.index) == list(range(1, len(t) + 1)) and len(t) >= 3
    # the same answer as the Python API (and so `twin place`)
    q = AP.P.place(twin, "nvl72", 4, base_results=res)
    assert t["slots"].tolist() == q.table["slots"].tolist()
    assert np.allclose(t["binding_utilisation_pct"], q.table["binding_utilisation"] * 100)
    for rank in (1, len(t)):  # an existing row and, last, another kind
        g = AP.ghosts(twin, p, rank)
        data = AP.added_data(E.to_data(twin.layout), p, rank)
        placed = Twin.from_layout(E.apply(data))
        assert len(placed.racks) == len(twin.racks) + 4
        built = placed.racks.loc[g.index]  # where the model puts them (rack_record)
        for col in ("hall", "row", "slot"):
            assert g[col].tolist() == built[col].tolist()
        for col in ("x_m", "y_m", "face_x", "face_y", "width_m", "depth_m", "height_m"):
            np.testing.assert_allclose(g[col].to_numpy(float), built[col].to_numpy(float))
        # no ghost stands on a rack of the layout
        here = set(zip(twin.racks["row"], twin.racks["slot"], strict=True))
        assert not here & set(zip(g["row"], g["slot"], strict=True))
    assert "kW" in AP.label(p, 1) and AP.label(p, 1).startswith("1. H1")
    assert AP.what(p, 1).startswith("Placed 4 x nvl72 in H1")


def test_hall_filter_and_bad_input(hall):
    twin, res = hall
    p = AP.find(twin, res, "nvl72", 2, hall="H1", verify=0)
    assert set(p.table["hall"]) == {"H1"}
    with pytest.raises(ScenarioError, match="no hall H9"):
        AP.find(twin, res, "nvl72", 2, hall="H9", verify=0)
    with pytest.raises(ScenarioError):
        AP.find(twin, res, "no-such-profile", 2)
    with pytest.raises(ScenarioError, match="no candidate 999"):
        AP.added_data(E.to_data(twin.layout), p, 999)


def test_scene_draws_ghosts_and_dims_filtered_racks(hall):
    twin, res = hall
    p = AP.find(twin, res, "nvl72", 4, verify=0)
    g = AP.ghosts(twin, p, 1)
    dim = set(twin.racks.index[:10])
    plain_scene = build_scene(twin)
    scene = build_scene(twin, ghosts=g, dimmed=dim)
    layers = {layer.name: layer for layer in scene.layers}
    assert list(layers["new racks"].ids) == list(g.index)
    assert set(layers["filtered racks"].ids) == dim
    assert len(layers["racks"].ids) == len(twin.racks) - 10
    assert scene.n_boxes == plain_scene.n_boxes + 4
    # the ghost boxes stand at the slots: box centres are the racks' x, y
    pts = layers["new racks"].points.reshape(4, 8, 3)
    np.testing.assert_allclose(pts[:, :, 0].mean(axis=1), g["x_m"], atol=1e-9)
    np.testing.assert_allclose(pts[:, :, 1].mean(axis=1), g["y_m"], atol=1e-9)
    header, blob = encode(scene)
    arr = decode(header, blob)
    lime = (arr.rgb == np.round(np.array(GHOST_RGB) * 255)).all(axis=1)
    assert lime.sum() == 4 * 6  # 6 faces per box
    names = [n for n, _ in legend(scene)]
    assert "new rack (placement, not applied)" in names and "rack filtered out" in names


def test_editor_places_applies_and_undoes(app):
    at = app("editor")
    n0, it0 = int(metric(at, "Racks").replace(",", "")), metric(at, "IT load")
    at.selectbox(key="pl_profile").set_value("nvl72")
    at.number_input(key="pl_count").set_value(4)
    at.button(key="pl_find").click().run()
    no_errors(at)
    assert at.selectbox(key="pl_rank").value == 1
    # the 3D view gets the scene with the top candidate's 4 racks in it
    args, sent = viewer_args(at, "ed_scene")
    assert sent and args["header"]["kinds"].count("new rack (placement, not applied)") == 4
    assert any("candidates for 4 x nvl72" in shown(c.value) for c in at.caption)
    heads = [list(d.value.columns) for d in at.dataframe]
    assert [
        "Rank",
        "Hall",
        "Kind",
        "Slots (row:first-last)",
        "Racks",
        "IT added (kW)",
        "Feasible",
    ] in [h[:7] for h in heads]
    at.button(key="pl_apply").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == n0 + 4
    assert metric(at, "IT load") != it0
    assert any("Placed 4 x nvl72 in H1" in shown(s.value) for s in at.success)
    at.button(key="ed_undo_btn").click().run()
    no_errors(at)
    assert int(metric(at, "Racks").replace(",", "")) == n0 and metric(at, "IT load") == it0


def test_a_screened_candidate_is_not_verified_never_infeasible(hall):
    """/work/audit3 finding 9: candidates the panel had only screened read "Feasible: no"
    with nothing breaking; the CLI says "screened only (not verified)"."""
    twin, res = hall
    p = AP.find(twin, res, "nvl72", 2, verify=1)
    t = AP.table(p)
    screened = ~p.table["verified"].astype(bool)
    assert screened.any() and (~screened).any()
    assert set(t.loc[screened, "feasible"]) == {"not verified"}
    assert set(t.loc[screened, "verified"]) == {"no"}
    top = p.table.loc[~screened].iloc[0]
    assert t.at[top.name, "feasible"] == ("yes" if top["feasible"] else "no")
    assert "screened only" in AP.label(p, int(t.index[screened][0]))


def test_editor_offers_rack_profiles_only():
    """The editor's rack pickers listed small-room's CRAC profile (crac-120kw), which gave
    four raw schema errors on "Add rack" (audit 2026-12-05 #2): the layout's rack profiles
    only, those placement offers too."""
    from twin.layout import load

    small = load(HALL.parent / "small-room.yaml")
    assert "crac-120kw" in small.profiles
    assert AP.layout_rack_profiles(small) == ["enterprise-10kw"]
    hall = load(HALL)
    shown = AP.layout_rack_profiles(hall)
    assert shown == ["npu-inference", "nvl72"]
    assert set(shown) <= set(AP.P.rack_profiles(hall)) & set(hall.profiles)
