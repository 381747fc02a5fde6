"""The ride-through's integration pieces (`twin.solve.transient.cooling_ride_through`): the
racks that trip on the way (each an event of the integration, which restarts with their
heat off), the integration's pieces joined as one function of time, and the band order of
its states (split out of `twin.solve.transient`)."""

from __future__ import annotations

import numpy as np


def band_order(n: int, sink: np.ndarray, nh: int) -> tuple[np.ndarray, int, int]:
    """Reverse Cuthill-McKee order of the nodes by the right-hand side's coupling (each node
    with its sink; hall air h with equipment h, nodes h and nh + h), and its bandwidths."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    i = np.flatnonzero(sink >= 0)
    h = np.arange(nh)
    rows = np.r_[np.arange(n), i, sink[i], h, nh + h]
    cols = np.r_[np.arange(n), sink[i], i, nh + h, h]
    a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    perm = np.asarray(reverse_cuthill_mckee(a, symmetric_mode=True), np.int64)
    pos = np.argsort(perm)
    d = pos[rows] - pos[cols]
    return perm, int(max(d.max(), 0)), int(max(-d.min(), 0))


class Unpermuted:
    """The solver's dense output with the states back in their own order."""

    def __init__(self, dense, back: np.ndarray):
        self._dense, self._back, self.ts = dense, back, dense.ts

    def __call__(self, t):
        return self._dense(t)[self._back]


TRIP_TOL_K = 1e-6
"""A rack within this of its shutdown margin at a trip event trips with it (root tolerance)."""


class Trips:
    """Racks tripping during the ride-through: which are off, when each first tripped, and
    each node's next shutdown margin (the lowest among the racks on it still running).

    `node`, `margin`, `rack`: one entry per (rack, node carrying it) with a finite margin;
    a rack's heat is `air_kw` on its hall's air node `air_node` and `liq_kw` on its TCS
    loop `liq_node`."""

    def __init__(self, n, node, margin, rack, n_racks, air_node, liq_node, air_kw, liq_kw):
        ok = np.isfinite(margin)
        self.n, self.node, self.margin, self.rack = n, node[ok], margin[ok], rack[ok]
        self.air_node, self.liq_node = air_node, liq_node
        self.air_kw, self.liq_kw = air_kw, liq_kw
        self.down = np.zeros(n_racks, bool)
        self.dark = np.zeros(n_racks, bool)  # lost power (a battery emptied): no heat, no trip
        self.first_s = np.full(n_racks, np.inf)
        self.again_s = np.full(n_racks, np.inf)  # first trip after a restore
        self.restored = False

    def thresholds(self) -> np.ndarray:
        thr = np.full(self.n, np.inf)
        act = ~self.off[self.rack]
        np.minimum.at(thr, self.node[act], self.margin[act])
        return thr

    def trip_at(self, t: float, rise: np.ndarray, force: bool = False) -> None:
        """Trip the running racks whose node's `rise` is at their margin at `t` (`force`: an
        event fired, so at least the closest one: its root can fall just short)."""
        act = ~self.off[self.rack]
        if not act.any():
            return
        gap = np.where(act, self.margin - rise[self.node], np.inf)
        hit = gap <= TRIP_TOL_K
        if force and not hit.any():
            hit = gap <= gap.min() + TRIP_TOL_K
        r = np.unique(self.rack[hit])
        self.down[r] = True
        self.first_s[r] = np.minimum(self.first_s[r], t)
        if self.restored:
            self.again_s[r] = np.minimum(self.again_s[r], t)

    @property
    def off(self) -> np.ndarray:
        """Racks putting no heat in: tripped or without power."""
        return self.down | self.dark

    def unpower(self, racks: np.ndarray) -> None:
        """Racks (mask) whose last feed's battery emptied: their heat stops, they cannot trip."""
        self.dark |= racks

    def heat_off(self) -> np.ndarray:
        """kW the tripped or unpowered racks no longer put into each node (n,)."""
        d = self.off
        air = np.bincount(self.air_node[d], self.air_kw[d], self.n)
        return air + np.bincount(self.liq_node[d], self.liq_kw[d], self.n)

    def restore(self) -> None:
        self.down[:] = False
        self.dark[:] = False
        self.restored = True


class Segments:
    """The dense output of an integration restarted at each trip, as one function of t."""

    def __init__(self, parts):
        self.parts = parts
        self._hi = np.array([p[1] for p in parts])
        self.ts = np.concatenate([np.clip(p[2].ts, p[0], p[1]) for p in parts])

    def __call__(self, t):
        ta = np.atleast_1d(np.asarray(t, float))
        k = np.minimum(np.searchsorted(self._hi, ta, side="left"), len(self.parts) - 1)
        out = None
        for j in np.unique(k):
            sel = k == j
            v = np.asarray(self.parts[j][2](ta[sel]))
            if out is None:
                out = np.empty((v.shape[0], len(ta)))
            out[:, sel] = v
        return out[:, 0] if np.ndim(t) == 0 else out
