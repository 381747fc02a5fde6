"""The 3D scene: merged meshes, per-cell scalars, placement, failures, PNG render."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.viz import build_scene, equipment
from twin.viz.geometry import boxes, vtk_faces


def test_boxes_shape_and_extent():
    pts, quads = boxes([0, 10], [0, 0], 0, [1, 2], [1, 1], [2, 3])
    assert pts.shape == (16, 3) and quads.shape == (12, 4)
    assert quads.max() == 15
    assert np.allclose(pts[:8, 2].max(), 2) and np.allclose(pts[8:, 0].min(), 9)
    assert vtk_faces(quads).size == 12 * 5


def test_scene_one_mesh_for_all_racks(small_room):
    scene = build_scene(small_room)
    racks = [layer for layer in scene.layers if layer.name == "racks"]
    assert len(racks) == 1
    n = len(small_room.racks)
    assert racks[0].points.shape == (8 * n, 3)
    assert racks[0].scalars.shape == (6 * n,)
    lo, hi = scene.clim
    assert lo <= small_room.racks["power_kw"].min() and hi >= small_room.racks["power_kw"].max()


def test_equipment_placed_without_overlap_with_racks(small_room):
    eq = equipment(small_room)
    given = pd.concat([getattr(small_room, k)[["pos_x_m"]] for k in set(eq["kind"])])
    auto = eq.index[given.reindex(eq.index)["pos_x_m"].isna()]
    assert len(auto) > 3
    eq = eq.loc[auto]
    assert len(eq) and eq[["x_m", "y_m"]].notna().all().all()
    h = small_room.halls.iloc[0]
    inside = (
        (eq["x_m"] > h.x0_m)
        & (eq["x_m"] < h.x0_m + h.width_m)
        & (eq["y_m"] > h.y0_m)
        & (eq["y_m"] < h.y0_m + h.depth_m)
    )
    assert not inside.any()


def test_failed_and_affected_are_highlighted(small_room):
    ups = small_room.ups.index[0]
    affected = small_room.racks.index[:3]
    scene = build_scene(small_room, failed={ups}, affected=set(affected))
    names = {layer.name: layer for layer in scene.layers}
    assert "failed" in names and len(names["failed"].quads) == 6
    assert len(names["affected racks"].quads) == 6 * 3
    assert len(names["racks"].quads) == 6 * (len(small_room.racks) - 3)
    assert scene.digest() != build_scene(small_room).digest()


def test_colour_by_any_column_and_row_lod(small_room):
    vals = pd.Series(np.arange(len(small_room.racks), dtype=float), index=small_room.racks.index)
    scene = build_scene(small_room, vals, label="t_inlet_c", lod="row")
    racks = next(layer for layer in scene.layers if layer.name == "racks")
    assert len(racks.quads) == 6 * small_room.racks["row"].nunique()
    assert set(racks.ids) == set(small_room.racks["row"])  # a row box is picked as its row
    assert scene.label == "t_inlet_c"


@pytest.mark.slow
def test_png_render_in_the_worker(small_room):
    from twin.viz.export import render_png_bytes

    png = render_png_bytes(build_scene(small_room), (320, 200))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_render_merges_one_colour_layers_into_one_mesh(small_room):
    """The PNG worker draws every one-colour layer as one mesh with the same colour per cell."""
    from twin.viz import _worker
    from twin.viz.export import payload

    scene = build_scene(small_room, failed={small_room.ups.index[0]})
    layers = payload(scene)["layers"]
    merged = _worker._merge_plain(layers)
    plain = [layer for layer in layers if layer.get("scalars") is None]
    assert len(plain) > 2
    assert len(merged) == len(layers) - len(plain) + 1
    m = merged[-1]
    assert len(m["points"]) == sum(len(layer["points"]) for layer in plain)
    assert len(m["quads"]) == len(m["cell_rgb"]) == sum(len(layer["quads"]) for layer in plain)
    assert m["quads"].max() == len(m["points"]) - 1
    start = 0
    for layer in plain:  # each cell keeps its layer's colour (to 1/255) and its corners
        n = len(layer["quads"])
        assert np.allclose(m["cell_rgb"][start : start + n] / 255, layer["rgb"], atol=0.5 / 255)
        corners = m["points"][m["quads"][start : start + n]]
        assert np.allclose(corners, np.asarray(layer["points"])[layer["quads"]])
        start += n
