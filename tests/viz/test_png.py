"""The off-screen PNG of a scene (the report snapshot) renders without a display or trame."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from twin import viz
from twin.viz.export import render_png_bytes


def test_png_snapshot_has_the_racks_in_colour(small_room):
    png = render_png_bytes(viz.build_scene(small_room), (400, 300))
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    assert img.shape == (300, 400, 3)
    saturation = img.max(axis=2) - img.min(axis=2)
    assert (saturation > 40).mean() > 0.01  # coloured boxes, not a blank background
