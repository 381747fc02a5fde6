"""The compact payload (one bounds row per box) describes the same boxes as the scene:
same count, same owners and colours, and the faces the viewer rebuilds are the scene's."""

from __future__ import annotations

import numpy as np
import pytest

from twin.viz import build_scene, decode, encode
from twin.viz.geometry import boxes
from twin.viz.payload import box_bounds, box_faces, colours
from twin.viz.placement import KINDS, placed


def _scene(twin):
    ups = twin.ups.index[0]
    rack = twin.racks.index[0]
    return build_scene(
        twin, failed={ups}, affected={twin.racks.index[1]}, marks={rack: "too hot"}, lod="rack"
    )


@pytest.fixture(params=["small_room", "hall"])
def twin(request, small_room, layouts_dir):
    if request.param == "small_room":
        return small_room
    from twin.layout import load
    from twin.model import Twin

    return Twin.from_layout(load(layouts_dir / "ai-factory-hall.yaml"))


def test_boxes_are_the_scenes_boxes(twin):
    scene = _scene(twin)
    header, blob = encode(scene)
    arr = decode(header, blob)
    n = sum(len(layer.points) // 8 for layer in scene.layers)
    assert header["n_boxes"] == n == len(arr.bounds) and len(blob) == 31 * n
    start = 0
    for layer in scene.layers:
        k = len(layer.points) // 8
        got = arr.bounds[start : start + k]
        # the rebuilt faces are the layer's faces, corner for corner (float32 exact)
        pts, quads = box_faces(got)
        assert np.array_equal(pts[quads], layer.points[layer.quads])
        if layer.ids is not None:
            assert [header["ids"][i] for i in arr.box_owner[start : start + k]] == list(
                map(str, layer.ids)
            )
        else:
            assert (arr.box_owner[start : start + k] == -1).all()
        start += k


def test_each_component_has_its_box(twin):
    """Racks and equipment against the twin's own tables (positions and sizes)."""
    header, blob = encode(_scene(twin))
    arr = decode(header, blob)
    where = {cid: i for i, cid in enumerate(header["ids"])}
    owner = arr.box_owner
    racks = twin.racks
    for rid in racks.index:
        b = arr.bounds[owner == where[rid]]
        assert len(b) == 1  # one box per rack
        x0, x1, y0, y1, z0, z1 = b[0]
        assert (x0 + x1) / 2 == pytest.approx(racks.at[rid, "x_m"], abs=1e-4)
        assert (y0 + y1) / 2 == pytest.approx(racks.at[rid, "y_m"], abs=1e-4)
        assert z0 == 0.0 and z1 == pytest.approx(racks.at[rid, "height_m"], abs=1e-5)
    eq = placed(twin, KINDS)  # equipment: as twin.viz.placement places it
    failed = twin.ups.index[0]
    for cid, row in eq.iterrows():
        b = arr.bounds[owner == where[cid]]
        assert len(b) == 1
        grow = (1.3, 1.6) if cid == failed else (1.0, 1.0)  # failed: drawn larger
        pts, _ = boxes(
            row["x_m"],
            row["y_m"],
            0.0,
            row["w_m"] * grow[0],
            row["d_m"] * grow[0],
            row["h_m"] * grow[1],
        )
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        assert np.array_equal(b[0], np.array([lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]]))


def test_colours_per_box_and_colour_update_tail(twin):
    header, blob = encode(_scene(twin))
    arr = decode(header, blob)
    assert np.array_equal(arr.rgb, np.repeat(arr.box_rgb, 6, axis=0))
    part, tail = colours(header, blob)
    assert part["colours_only"] and tail == arr.box_rgb.tobytes()
    assert "ids" not in part and "n_boxes" not in part


def test_a_layer_that_is_not_boxes_is_refused(small_room):
    scene = build_scene(small_room)
    layer = scene.layers[-1]
    layer.points = layer.points[:-1]
    with pytest.raises(ValueError, match="not boxes"):
        box_bounds(layer)
