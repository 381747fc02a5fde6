"""How far an FFD hall's rack inlets still depend on how long its march ran (`march_spread`),
and when that earns a caution (`MARCH_SPREAD_CAUTION_K`). Split from `twin.solve.airfield_ffd`
(the march itself), which keeps the last windows' mean fluxes for it (`MARCH_WINDOWS`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from twin.solve.airfield_ffd import DESIGN_RISE_K, MARCH_WINDOWS

MARCH_SPREAD = True
"""`twin.solve.airfield` measures `march_spread` on an FFD hall's last windows (False: the
previous build, for bench.air_ffd to time the cost)."""
MARCH_SPREAD_CAUTION_K = 0.5
"""A hall whose rack inlets would still move by more than this if its march ran on
(`march_spread`) gets a caution naming the rack (`twin.solve.airfield_build.
ffd_march_cautions`): the CFD the FFD is read against wanders by 0.1-0.9 K from iteration to
iteration and moved by at most 0.5 K between meshes (../shared/CFD.md), so below this the
march's own length is within the reference's noise; above it the number read depends on
how long the march ran more than on the CFD's own uncertainty."""
SETTLED_REUSE = True
"""A settled march's answer is its last window's mean (`airfield_ffd.ffd_flux`), so
`twin.solve.airfield` takes that window's shares from the answer's own tracer solve instead
of factorising and solving the same matrix again (one of the spread's three tracer solves;
the same numbers to the bit). False: every window solved, as before (tests compare)."""
TAIL_RATIO_MAX = 0.9
"""The largest ratio of two windows' moves `march_spread` extrapolates with (a tail of at most
nine times the last move): a march whose inlets do not move less from window to window has
no geometric tail, and its spread is a lower bound (``ffd_march_spread_lower``)."""


def pop_windows(info: dict) -> list[np.ndarray]:
    """The mean fluxes of the march's last windows (`ffd_flux`'s info), oldest first, taken out
    of `info` (they are not a result)."""
    keys = [f"ffd_window_mean_{j}" for j in range(MARCH_WINDOWS)]
    return [info.pop(k) for k in keys if k in info]


def march_spread(b_windows: list[np.ndarray], b_answer, rise_k, row_max: float) -> dict:
    """How far an FFD hall's rack inlets would still move if its march ran on, K (info keys).

    The inlets ``theta = (I - B)^-1 B rise`` (Tang's, every rack at its exhaust rise
    `rise_k`, `DESIGN_RISE_K` where None) on the shares of each of the march's last windows'
    mean flux (`b_windows`, oldest first, a quarter turnover each; rows scaled to at most
    `row_max` here, as the field scales its answer's) and on the answer's (`b_answer`: the
    last window's mean where the march settled, else the mean over its second half). Where the march is
    heading: the last window's inlets plus the geometric tail of the windows' moves, ``m
    rho / (1 - rho)`` with m the last move and rho its ratio to the move before (largest
    |move| over the racks; as `_settled` reads the flux). ``ffd_march_spread_k``: the largest
    |heading - answer| over the racks, ``ffd_march_spread_rack`` its rack (position in the
    hall), ``ffd_window_move_k`` the last window's largest move alone.

    Why not the last move alone: in the generated 100-rack hall (`python -m bench.air_ffd
    --hall 100`) the heat keeps rising with a ~27 s time constant, the last two quarter
    turnovers' inlets differ by only 0.20 K, but its answer (the mean over 35-70 s) is 1.21 K
    from the last window and 1.81 K (rack 2) from where a 280 s march ends; this estimate says
    1.72 K (rack 2) and lands within 0.15 K of the 280 s march's inlets (2026-12-01 15:06 UTC,
    /tmp helper run, load ~1.5)."""
    n = b_answer.shape[0]
    rise = np.broadcast_to(np.asarray(DESIGN_RISE_K if rise_k is None else rise_k, float), (n,))

    def inlets(b) -> np.ndarray:
        b = b.toarray() if sp.issparse(b) else np.asarray(b)
        b = b * np.minimum(1.0, row_max / np.maximum(b.sum(axis=1), 1e-300))[:, None]
        return np.linalg.solve(np.eye(n) - b, b @ rise)

    th = [inlets(b) for b in b_windows]
    move = th[-1] - th[-2]
    last = float(np.abs(move).max()) if n else 0.0
    before = float(np.abs(th[-2] - th[-3]).max()) if len(th) >= 3 and n else 0.0
    rho = last / before if before > 0.0 else (0.0 if last == 0.0 else TAIL_RATIO_MAX)
    lower = rho >= TAIL_RATIO_MAX  # not shrinking: one more window's move, a lower bound
    tail = 1.0 if lower else rho / (1.0 - rho)
    off = th[-1] + move * tail - inlets(b_answer)
    r = int(np.argmax(np.abs(off))) if n else 0
    return {
        "ffd_march_spread_k": float(abs(off[r])) if n else 0.0,
        "ffd_march_spread_rack": r,
        "ffd_march_spread_lower": bool(lower),
        "ffd_window_move_k": last,
    }
