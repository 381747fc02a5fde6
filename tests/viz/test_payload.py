"""The scene packed for the browser viewer: round trip, colours from the colour map, id map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.viz import build_scene, decode, encode
from twin.viz.payload import NAN_RGB, colormap_lut, scalar_rgb


def test_round_trip_keeps_geometry(small_room):
    scene = build_scene(small_room)
    header, blob = encode(scene, layout_key="k1")
    arr = decode(header, blob)
    pts = np.vstack([layer.points for layer in scene.layers])
    assert arr.points.dtype == np.float32 and np.array_equal(arr.points, pts)
    assert header["n_cells"] == sum(len(layer.quads) for layer in scene.layers)
    # every cell's corners are the same points as in its layer
    start_p = start_c = 0
    for layer in scene.layers:
        n = len(layer.quads)
        got = arr.points[arr.quads[start_c : start_c + n]]
        assert np.array_equal(got, layer.points[layer.quads])
        start_c += n
        start_p += len(layer.points)
    # per box: bounds float32 x 6, owner int32, rgb uint8 x 3 (not 8 points and 6 faces)
    assert header["layout"] == "k1" and len(blob) == header["n_boxes"] * 31 == len(pts) // 8 * 31


def test_rack_colours_come_from_the_colour_map(small_room):
    values = pd.Series(np.linspace(10.0, 30.0, len(small_room.racks)), index=small_room.racks.index)
    scene = build_scene(small_room, values, label="t_inlet_c", clim=(10.0, 30.0), cmap="viridis")
    header, blob = encode(scene)
    arr = decode(header, blob)
    lut = colormap_lut("viridis")
    ids = np.array(header["ids"], dtype=object)
    for rack in (small_room.racks.index[0], small_room.racks.index[-1]):
        cells = arr.owner == header["ids"].index(rack)
        assert cells.sum() == 6
        t = (values[rack] - 10.0) / 20.0
        assert np.array_equal(arr.rgb[cells][0], lut[int(round(t * 255))])
    assert np.array_equal(
        arr.rgb[arr.owner == list(ids).index(small_room.racks.index[0])][0], lut[0]
    )
    assert header["clim"] == [10.0, 30.0] and header["label"] == "t_inlet_c"
    assert header["has_scalars"]
    stops = np.array(header["stops"])  # the scalar bar's colours: the same map
    assert stops[0, 0] == 0.0 and stops[-1, 0] == 1.0
    assert np.allclose(stops[0, 1:] * 255, lut[0], atol=0.51)
    assert np.allclose(stops[-1, 1:] * 255, lut[-1], atol=0.51)


def test_scalar_rgb_clips_and_greys_nan():
    rgb = scalar_rgb(np.array([-5.0, 0.0, 1.0, 9.0, np.nan]), (0.0, 1.0), "viridis")
    lut = colormap_lut("viridis")
    assert np.array_equal(rgb[0], lut[0]) and np.array_equal(rgb[3], lut[-1])
    assert np.array_equal(rgb[2], lut[-1]) and tuple(rgb[4]) == NAN_RGB


def test_id_map_names_racks_equipment_and_failures(small_room):
    ups = small_room.ups.index[0]
    hit = small_room.racks.index[:2]
    header, blob = encode(build_scene(small_room, failed={ups}, affected=set(hit)))
    arr = decode(header, blob)
    ids = header["ids"]
    assert len(ids) == len(set(ids))
    assert set(small_room.racks.index) <= set(ids) and ups in ids
    for cid in (*hit, ups, small_room.racks.index[-1]):
        assert (arr.owner == ids.index(cid)).sum() == 6  # one box each
    failed_rgb = arr.rgb[arr.owner == ids.index(ups)][0]
    assert tuple(failed_rgb) == (219, 20, 61)  # FAILED_RGB
    assert tuple(arr.rgb[arr.owner == ids.index(hit[0])][0]) == (255, 0, 140)  # AFFECTED_RGB
    assert (arr.owner == -1).sum() == 6 * len(small_room.halls)  # floors are not selectable
    assert ("failed", "#db143d") in [tuple(x) for x in header["legend"]]


def test_digest_changes_with_content_not_with_repeats(small_room):
    a, _ = encode(build_scene(small_room), "k")
    b, _ = encode(build_scene(small_room), "k")
    c, _ = encode(build_scene(small_room, failed={small_room.ups.index[0]}), "k")
    assert a["digest"] == b["digest"] != c["digest"]


def test_hall_payload_is_small(layouts_dir):
    from twin.layout import load
    from twin.model import Twin

    hall = Twin.from_layout(load(layouts_dir / "ai-factory-hall.yaml"))
    header, blob = encode(build_scene(hall))
    assert len(blob) < 1_000_000


def test_camera_key_survives_rack_edits_not_another_layout(small_room, layouts_dir):
    from twin.app import edit as E
    from twin.layout import load
    from twin.model import Twin
    from twin.viz import camera_key

    layout = load(layouts_dir / "small-room.yaml")
    rid = small_room.racks.index[0]
    edited = Twin.from_layout(E.apply(E.set_rack(E.to_data(layout), rid, power_kw=3.0), "x"))
    assert camera_key(edited) == camera_key(small_room)
    hall = Twin.from_layout(load(layouts_dir / "ai-factory-hall.yaml"))
    assert camera_key(hall) != camera_key(small_room)
