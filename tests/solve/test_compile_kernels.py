"""`python -m twin.compile_kernels` (run by `make` after installing) marches every FFD kernel
without leaving a trace: no stored flux, the module switches and the environment as before."""

import os

import numpy as np

from twin import compile_kernels
from twin.solve import airfield, airfield_ffd


def test_compile_ffd_marches_both_grids_and_keeps_nothing(empty_ffd_store, monkeypatch):
    monkeypatch.delenv("TWIN_FFD_STORE")
    grids = []
    inner = airfield._solve

    def spy(air):
        grids.append(airfield_ffd.GRID)
        out = inner(air)
        assert np.isfinite(out.b_mean.toarray()).all() and out.info["ffd_steps"] > 0
        return out

    monkeypatch.setattr(airfield, "_solve", spy)
    grid = airfield_ffd.GRID
    assert compile_kernels.compile_ffd() > 0
    assert grids == ["aligned", "uniform"]
    assert airfield_ffd.GRID == grid and "TWIN_FFD_STORE" not in os.environ
    assert not airfield._CACHE and not airfield._FFD_CACHE
    assert not empty_ffd_store.exists() or not any(empty_ffd_store.iterdir())
