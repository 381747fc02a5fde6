"""The recirculation shares B of a hall's racks and their solve, sparse by design.

b_ji ~ c exp(-d_ij / L) (see `twin.solve.airflow`) dropped below `MIN_SHARE`, so
only racks within `cutoff_m` of each other pair up: memory and time grow with the
racks, not their square. `Recirculation` solves ``(I - B) theta = B K^-1 P`` per
call (one sparse LU for halls up to `DIRECT_MAX_RACKS` racks, GMRES above) and
never forms the dense D.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree

DECAY_M = 1.5
"""Distance over which recirculation decays by e [est, approximation]."""
ROW_SHARE_MAX = 0.95
"""Most of a rack's inlet air that can be other racks' exhaust in the geometric model [est]."""
MIN_SHARE = 1e-10
"""Geometric shares b_ji below this are dropped (numerics, not physics: a 20 m wider cutoff
changes inlet temperatures by < 1e-6 K, tests/solve/test_air_memory.py)."""
DIRECT_MAX_RACKS = 3_000
"""Halls up to this many racks are solved by a sparse LU factorised once; larger ones by GMRES
(square halls: the LU fills to 1.7x B in ~1.6 s at 3,000 racks, 2x and 5 s at 5,000,
9x and 9 minutes at 20,000)."""
GMRES_RTOL = 1e-12
"""Relative residual at which GMRES stops (inlet rise error ~1e-11 K)."""
_CHUNK_PAIRS = 1 << 20
"""Rack pairs found per k-d tree query while building B (bounds the build's scratch memory)."""


def cutoff_m(c: float) -> float:
    """Distance beyond which a geometric share c exp(-d / L) is below `MIN_SHARE`."""
    return DECAY_M * math.log(c / MIN_SHARE) if c > MIN_SHARE else 0.0


def pair_counts(inlet: np.ndarray, exhaust: np.ndarray, radius: float) -> np.ndarray:
    """Per inlet, an upper bound on the exhausts within `radius` (cheap: counts, no pairs)."""
    if not len(inlet) or radius <= 0:
        return np.zeros(len(inlet), np.int64)
    bound = radius * (1 + 1e-9) + 1e-9  # never fewer than the pair query finds
    return np.asarray(cKDTree(exhaust).query_ball_point(inlet, bound, return_length=True))


def geometric_shares(
    inlet: np.ndarray,
    exhaust: np.ndarray,
    c: float,
    radius: float | None = None,
    counts: np.ndarray | None = None,
) -> sp.csr_matrix:
    """B of one hall: b_ji = c exp(-|exhaust_i - inlet_j| / L) for pairs within `radius`.

    `radius` defaults to `cutoff_m(c)`; `counts`, `pair_counts` for it, if already
    known. A rack's shares are scaled down where they would sum above
    `ROW_SHARE_MAX`. Built a chunk of inlets at a time, so scratch memory is
    bounded by `_CHUNK_PAIRS`, not by the hall.
    """
    n = len(inlet)
    r = cutoff_m(c) if radius is None else float(radius)
    if c <= 0:
        counts = np.zeros(n, np.int64)
    elif counts is None:
        counts = pair_counts(inlet, exhaust, r)
    total = int(counts.sum())
    itype = np.int32 if max(total, n) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n + 1, itype)
    indices = np.empty(total, itype)
    data = np.empty(total)
    if total:
        tree = cKDTree(exhaust)
        cum = np.cumsum(counts)
        ends = np.unique(
            np.r_[np.searchsorted(cum, np.arange(_CHUNK_PAIRS, total, _CHUNK_PAIRS)), n]
        )
        pos, start = 0, 0
        for end in ends:
            end = max(int(end), start + 1)
            m = cKDTree(inlet[start:end]).sparse_distance_matrix(tree, r, output_type="ndarray")
            rows = m["i"]
            w = c * np.exp(-m["v"] / DECAY_M)
            s = np.bincount(rows, w, end - start)
            w *= np.minimum(1.0, ROW_SHARE_MAX / np.maximum(s, 1e-12))[rows]
            block = sp.csr_matrix((w, (rows, m["j"])), shape=(end - start, n))
            block.sort_indices()
            del m, rows, w
            k = block.nnz
            indices[pos : pos + k] = block.indices
            data[pos : pos + k] = block.data
            indptr[start + 1 : end + 1] = pos + block.indptr[1:].astype(itype)
            pos, start = pos + k, end
            if start >= n:
                break
        indices, data = indices[:pos], data[:pos]
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))


def _block_diag(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
    """Square CSR blocks on a diagonal, without the COO round trip of `scipy.sparse.block_diag`."""
    sizes = np.array([b.shape[0] for b in blocks], np.int64)
    nnz = np.array([b.nnz for b in blocks], np.int64)
    off, noff = np.r_[0, np.cumsum(sizes)], np.r_[0, np.cumsum(nnz)]
    itype = np.int32 if max(off[-1], noff[-1]) < np.iinfo(np.int32).max else np.int64
    indptr = np.concatenate(
        [np.zeros(1, itype)] + [b.indptr[1:].astype(itype) + noff[i] for i, b in enumerate(blocks)]
    )
    indices = np.concatenate(
        [np.zeros(0, itype)] + [b.indices.astype(itype) + off[i] for i, b in enumerate(blocks)]
    )
    data = np.concatenate([np.zeros(0)] + [b.data for b in blocks])
    return sp.csr_matrix((data, indices, indptr), shape=(off[-1], off[-1]))


class Recirculation:
    """Inlet rise over supply ``theta = (I - B)^-1 B K^-1 p`` (= D p), without forming D.

    `blocks`: one (rack positions, B of that hall) per hall, B square over those
    racks; `k`: every rack's airflow heat capacity rate, kW/K. Halls up to
    `DIRECT_MAX_RACKS` racks share one sparse LU of ``I - B``; larger halls are
    solved by GMRES. Safe to share between threads.
    """

    MEMO = 8
    """Rise vectors remembered by the content of p (a coupled solve repeats its rack powers)."""

    def __init__(self, blocks: list[tuple[np.ndarray, sp.csr_matrix]], k: np.ndarray):
        self.k = np.asarray(k, float)
        self.n = len(self.k)
        blocks = [(np.asarray(idx, np.int64), b.tocsr()) for idx, b in blocks if len(idx)]
        small = [(i, b) for i, b in blocks if len(i) <= DIRECT_MAX_RACKS]
        self._large = [(i, b) for i, b in blocks if len(i) > DIRECT_MAX_RACKS]
        # the small halls as one block-diagonal B (racks in `_direct` order) and its LU
        self._direct = np.concatenate([i for i, _ in small]) if small else np.zeros(0, np.int64)
        self._b_direct = _block_diag([b for _, b in small]) if small else None
        del small, blocks
        self._lu = None
        if self._b_direct is not None:
            a = (sp.identity(len(self._direct), format="csr") - self._b_direct).tocsc()
            self._lu = spla.splu(a)
        self._lock = threading.Lock()
        self._memo: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def with_k(self, k: np.ndarray) -> Recirculation:
        """The same halls (B and its LU, shared) with new airflow heat capacity rates `k`:
        B is geometry, so a rack power edit re-solves with the factorisation it has."""
        out = object.__new__(Recirculation)
        out.__dict__.update(self.__dict__)
        out.k = np.asarray(k, float)
        if len(out.k) != self.n:
            raise ValueError(f"{len(out.k)} rates for {self.n} racks")
        out._lock = threading.Lock()
        out._memo = OrderedDict()
        return out

    def _blocks(self) -> list[tuple[np.ndarray, sp.csr_matrix]]:
        small = [] if self._b_direct is None else [(self._direct, self._b_direct)]
        return small + self._large

    @property
    def nnz(self) -> int:
        """Stored shares (rack pairs) over all halls."""
        return sum(b.nnz for _, b in self._blocks())

    def b_matrix(self) -> sp.csr_matrix:
        """B over all racks (n x n, block-diagonal over halls), assembled on request."""
        coo = [(idx, b.tocoo()) for idx, b in self._blocks()]
        if not coo:
            return sp.csr_matrix((self.n, self.n))
        rows = np.concatenate([idx[c.row] for idx, c in coo])
        cols = np.concatenate([idx[c.col] for idx, c in coo])
        vals = np.concatenate([c.data for _, c in coo])
        return sp.csr_matrix((vals, (rows, cols)), shape=(self.n, self.n))

    def rise(self, p: np.ndarray) -> np.ndarray:
        """D p: each rack's inlet rise over supply (K) for rack air heat `p` (kW)."""
        p = np.ascontiguousarray(p, dtype=float)
        key = hashlib.blake2b(p.tobytes(), digest_size=16).digest()
        with self._lock:
            hit = self._memo.get(key)
            if hit is None:
                hit = self._memo[key] = self._solve(p)
                while len(self._memo) > self.MEMO:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(key)
            return hit.copy()

    def _solve(self, p: np.ndarray) -> np.ndarray:
        x = p / self.k
        theta = np.zeros(self.n)
        if self._lu is not None:
            d = self._direct
            theta[d] = self._lu.solve(self._b_direct @ x[d])
        for idx, b in self._large:
            theta[idx] = _gmres(b, b @ x[idx])
        return theta

    def operator(self) -> spla.LinearOperator:
        """D (K/kW) as a LinearOperator: ``op @ p`` is `rise(p)`; columns by ``op @ e_i``."""
        return spla.LinearOperator(
            (self.n, self.n), matvec=lambda v: self.rise(np.ravel(v)), dtype=float
        )


def _gmres(b: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
    """Solve (I - B) y = rhs for one large hall (GMRES, matrix-free on B)."""
    n = b.shape[0]
    op = spla.LinearOperator((n, n), matvec=lambda v: v - b @ v, dtype=float)
    y, info = spla.gmres(op, rhs, rtol=GMRES_RTOL, atol=0.0, restart=50, maxiter=200)
    if info != 0:
        raise RuntimeError(
            f"recirculation solve of a {n}-rack hall did not converge ({info} iterations); "
            "do its racks' shares sum to nearly 1?"
        )
    return y
