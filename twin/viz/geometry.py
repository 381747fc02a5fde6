"""Boxes as numpy arrays: 8 points and 6 quads per box, for thousands of boxes at once.

Pure numpy (no pyvista): the scene is built as arrays in the Streamlit process
and only turned into VTK objects where it is rendered or exported.
"""

from __future__ import annotations

import numpy as np

# corner order: bottom (z0) counter-clockwise, then top (z1) counter-clockwise
_CORNERS = np.array(
    [
        [-0.5, -0.5, 0.0],
        [0.5, -0.5, 0.0],
        [0.5, 0.5, 0.0],
        [-0.5, 0.5, 0.0],
        [-0.5, -0.5, 1.0],
        [0.5, -0.5, 1.0],
        [0.5, 0.5, 1.0],
        [-0.5, 0.5, 1.0],
    ]
)
# outward-facing quads (indices into the 8 corners)
_QUADS = np.array(
    [
        [0, 3, 2, 1],  # bottom
        [4, 5, 6, 7],  # top
        [0, 1, 5, 4],  # -y
        [1, 2, 6, 5],  # +x
        [2, 3, 7, 6],  # +y
        [3, 0, 4, 7],  # -x
    ]
)


def boxes(cx, cy, z0, w, d, h) -> tuple[np.ndarray, np.ndarray]:
    """`n` axis-aligned boxes centred at (cx, cy) on the plane z0, size w (x) x d (y) x h.

    Returns (points (8n, 3) float32, quads (6n, 4) int64). All inputs broadcast to n.
    """
    cx, cy, z0, w, d, h = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (cx, cy, z0, w, d, h))
    )
    n = cx.size
    size = np.stack([w.ravel(), d.ravel(), h.ravel()], axis=1)  # (n, 3)
    base = np.stack([cx.ravel(), cy.ravel(), z0.ravel()], axis=1)
    pts = base[:, None, :] + _CORNERS[None, :, :] * size[:, None, :]
    quads = _QUADS[None, :, :] + (8 * np.arange(n))[:, None, None]
    return pts.reshape(-1, 3).astype(np.float32), quads.reshape(-1, 4)


def vtk_faces(quads: np.ndarray) -> np.ndarray:
    """Quads (m, 4) as a flat VTK cell array [4, a, b, c, d, 4, ...]."""
    m = len(quads)
    return np.hstack([np.full((m, 1), 4, dtype=np.int64), quads]).ravel()


def per_cell(values: np.ndarray) -> np.ndarray:
    """One value per box repeated for its 6 faces."""
    return np.repeat(np.asarray(values), 6, axis=0)
