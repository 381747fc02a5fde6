"""Chen and Xu's wall distance on the FFD's rectilinear grid (bench's ``--zero-equation``)."""

from types import SimpleNamespace

import numpy as np

from twin.solve.airfield_ffd import _wall_distance


def _geo(xe, ye, ze):
    xe, ye, ze = (np.asarray(a, float) for a in (xe, ye, ze))
    mid = [0.5 * (e[1:] + e[:-1]) for e in (xe, ye, ze)]
    widths = np.array([np.diff(xe).min(), np.diff(ye).min(), np.diff(ze).min()])
    return SimpleNamespace(coords=(xe, mid[0], ye, mid[1], ze, mid[2]), min_width=widths)


def test_an_empty_box_gives_each_centre_its_nearest_wall():
    geo = _geo([0, 0.5, 1.5, 3.0], [0, 1, 2], [0, 0.4, 1.0, 2.0])
    d = _wall_distance(geo, np.ones((3, 2, 3), bool)).reshape(3, 2, 3)
    # centre (0.25, 0.5, 0.2): 0.2 to the floor; (2.25, 1.5, 1.5): 0.5 to the ceiling and y wall
    assert np.isclose(d[0, 0, 0], 0.2)
    assert np.isclose(d[2, 1, 2], 0.5)
    assert np.isclose(d[1, 0, 1], 0.5)  # (1.0, 0.5, 0.7): 0.5 to the y = 0 wall
    assert d.min() >= 0.5 * 0.4 - 1e-12


def test_a_body_is_a_wall_at_its_face():
    geo = _geo(np.arange(0, 5.5, 0.5), [0, 4.0], [0, 4.0])  # ten 0.5 m columns, 4 m high
    fluid = np.ones((10, 1, 1), bool)
    fluid[0] = False  # a body filling the first column, face at x = 0.5
    d = _wall_distance(geo, fluid).reshape(10)
    # the fluid cell at x 1.75 is 1.25 m from the body's face (the walls are 2 m off)
    assert np.isclose(d[3], 1.25)
    assert np.isclose(d[9], 0.25)  # next to the far wall
