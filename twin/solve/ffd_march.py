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
of factorising and solving the same matrix again (one of the spread's five tracer solves;
the same numbers to the bit). False: every window solved, as before (tests compare)."""
TAIL_RATIO_MAX = 0.9
"""From this ratio of the windows' moves on (`tail_ratio`) a march's inlets are taken as not
moving less from window to window: no geometric tail, the spread is `TAIL_MOVES_MAX` last
moves and flagged a lower bound (``ffd_march_spread_lower``)."""
TAIL_SAFETY = 2.0
"""`march_spread` takes twice the geometric tail it fits: a march's moves shrink by a ratio
that still grows towards its slowest mode's (the faster ones die first), so the tail read off
the last windows falls short (the 100-rack hall before its units were staggered: a ratio of
0.58-0.6 read, the 0.034 K its march still moved is 1.9 last moves, the geometric tail 1.4)."""
TAIL_MOVES_MAX = 6.0
"""The tail `march_spread` adds is at most this many last moves: part of a window's move is
the flow's own unsteadiness, which averages out over a longer march rather than adds up
(on the measured cases what a 16-turnover march still moved beyond the last window was at
most 4.3 last moves, `floor` stepped; the staggered AI hall's moves grow, 1.7)."""


def pop_windows(info: dict) -> list[np.ndarray]:
    """The mean fluxes of the march's last windows (`ffd_flux`'s info), oldest first, taken out
    of `info` (they are not a result)."""
    keys = [f"ffd_window_mean_{j}" for j in range(MARCH_WINDOWS)]
    return [info.pop(k) for k in keys if k in info]


def tail_ratio(moves: list[float]) -> float:
    """The ratio the windows' moves shrink by, from `moves` (largest |move| over the racks,
    oldest first): with four or more, the square root of the last two's sum over the two
    before's (a move that alternates large and small, as an unsteady hall's do, does not
    swing it), else the last over the one before."""
    if len(moves) >= 4:
        before = moves[-4] + moves[-3]
        return float(np.sqrt((moves[-2] + moves[-1]) / before)) if before > 0.0 else 0.0
    if len(moves) >= 2:
        return moves[-1] / moves[-2] if moves[-2] > 0.0 else (0.0 if moves[-1] == 0.0 else 1.0)
    return 1.0


def tang_inlets(b, rise_k, row_max: float = np.inf) -> np.ndarray:
    """Every rack's inlet rise over the supply, K, on the shares `b` (n, n; dense or sparse),
    rows scaled to at most `row_max`, with every rack at its exhaust rise `rise_k` (a number,
    one per rack, or None: `DESIGN_RISE_K`): Tang's ``theta = (I - B)^-1 B rise``."""
    b = b.toarray() if sp.issparse(b) else np.asarray(b)
    n = b.shape[0]
    rise = np.broadcast_to(np.asarray(DESIGN_RISE_K if rise_k is None else rise_k, float), (n,))
    b = b * np.minimum(1.0, row_max / np.maximum(b.sum(axis=1), 1e-300))[:, None]
    return np.linalg.solve(np.eye(n) - b, b @ rise)


def march_spread(b_windows: list[np.ndarray], b_answer, rise_k, row_max: float) -> dict:
    """How far an FFD hall's rack inlets would still move if its march ran on, K (info keys): a
    bound, not a best guess.

    The inlets ``theta = (I - B)^-1 B rise`` (Tang's, every rack at its exhaust rise
    `rise_k`, `DESIGN_RISE_K` where None) on the shares of each of the march's last windows'
    mean flux (`b_windows`, oldest first, a quarter turnover each, `MARCH_WINDOWS` of them;
    rows scaled to at most `row_max` here, as the field scales its answer's) and on the
    answer's (`b_answer`: the last window's mean where the march settled, else the mean over
    its second half). Per rack: how far the answer is from the last window, plus
    `TAIL_SAFETY` times the geometric tail of the rack's last move, ``|m| rho / (1 - rho)``,
    rho the ratio the windows' moves shrink by (`tail_ratio`, largest |move| over the racks),
    at most `TAIL_MOVES_MAX` times |m|.
    ``ffd_march_spread_k``: the largest over the racks, ``ffd_march_spread_rack`` its rack
    (position in the hall), ``ffd_window_move_k`` the last window's largest move alone,
    ``ffd_march_spread_lower``: the moves do not shrink (rho >= `TAIL_RATIO_MAX`; the tail
    `TAIL_MOVES_MAX` moves), so the spread is only a lower bound.

    Measured against marches of 16 turnovers with no early stop (``python -m bench.air_ffd
    --spread``; docs/validation.md, Speed, has the table; 2026-12-01 19:44-19:59 UTC): 1.04-2.95
    times the true change where the moves shrink, 2.2-3.2 where they do not. Under only on
    `dense` (0.012 and 0.023 K against 0.036 and 0.10 K): its march settles and holds for 35-45
    windows before an opposed unit pair starts to win, which no window foretells. The previous
    estimate (the last of three windows plus the geometric tail of its move, one move where the
    moves did not shrink) was under on `pair` uniform (0.002 against 0.008 K), `tiles` uniform
    (1.99 against 2.37 K), the 100-rack hall (0.030 against 0.034 K) and the staggered AI hall
    (0.86 against 1.08 K).

    Why not the last move alone: on the uniform grid the 100-rack hall's heat kept rising with
    a ~27 s time constant; the last two quarter turnovers' inlets differed by 0.20 K, while its
    answer was 1.81 K (rack 2) from where a 280 s march ends (2026-12-01 15:06 UTC)."""
    if not b_answer.shape[0]:
        return {"ffd_march_spread_k": 0.0, "ffd_march_spread_rack": 0,
                "ffd_march_spread_lower": False, "ffd_window_move_k": 0.0}  # fmt: skip
    th = [tang_inlets(b, rise_k, row_max) for b in b_windows]
    moves = [float(np.abs(b - a).max()) for a, b in zip(th[:-1], th[1:], strict=True)]
    rho = tail_ratio(moves)
    lower = rho >= TAIL_RATIO_MAX  # not shrinking: no geometric tail, a lower bound
    tail = TAIL_MOVES_MAX if lower else min(TAIL_SAFETY * rho / (1.0 - rho), TAIL_MOVES_MAX)
    spread = np.abs(th[-1] - tang_inlets(b_answer, rise_k, row_max)) + tail * np.abs(
        th[-1] - th[-2]
    )
    k = int(np.argmax(spread))
    return {
        "ffd_march_spread_k": float(spread[k]),
        "ffd_march_spread_rack": k,
        "ffd_march_spread_lower": bool(lower),
        "ffd_window_move_k": moves[-1],
    }
