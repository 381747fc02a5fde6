"""FFD fluxes kept by content, in memory and on disk (`twin.solve.ffd_store`), failed marches
included: split from `twin.solve.airfield`, which marches a hall's flux through
`ffd_flux_cached` and re-exports these names."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np

from twin.solve import ffd_store

_LOCK = threading.Lock()
_FFD_CACHE: OrderedDict[bytes, tuple[np.ndarray, dict]] = OrderedDict()
FFD_CACHE_FLUXES = 32
"""FFD fluxes kept by content without the tracer's diffusivity, which the flux does not
depend on: a calibration (`twin.solve.air_calibrate_ffd`) varies the diffusivity at a fixed
flux, and re-marching the FFD (seconds) for each of its values would dominate its cost."""


FFD_FAILED = "ffd_failed"
"""The info key of a march that failed (its reason), kept in memory and on disk like a flux:
a march that does not settle (the staggered AI hall's without H1-CRAH1 took 11 CPU s to find
out, 2026-12-02 05:00 UTC) is not tried again on every solve that asks."""


def ffd_flux_known(air) -> bool:
    """Has `air`'s FFD flux been marched already (in memory, or in the store on disk)?"""
    key = dataclasses.replace(air, diffusivity_m2_s=0.0).key()
    with _LOCK:
        if key in _FFD_CACHE:
            return True
    return ffd_store.has(key)


def ffd_flux_cached(air, compute) -> tuple[np.ndarray, dict]:
    """`compute()` (the FFD flux of `air` and its info), cached by `air` less its diffusivity,
    in memory and on disk (`twin.solve.ffd_store`)."""
    key = dataclasses.replace(air, diffusivity_m2_s=0.0).key()
    with _LOCK:
        hit = _FFD_CACHE.get(key)
        if hit is not None:
            _FFD_CACHE.move_to_end(key)
            return _unless_failed(hit[0].copy(), dict(hit[1]))
    stored = ffd_store.get(key)  # marched by an earlier run (on disk)
    if stored is None:
        try:
            flux, info = compute()
        except FloatingPointError as exc:  # kept too: a march that fails, fails again
            flux, info = np.zeros(0), {FFD_FAILED: str(exc)}
        ffd_store.put(key, flux, info)
    else:
        flux, info = stored
    with _LOCK:
        _FFD_CACHE[key] = (flux.copy(), dict(info))
        while len(_FFD_CACHE) > FFD_CACHE_FLUXES:
            _FFD_CACHE.popitem(last=False)
    return _unless_failed(flux, info)


def _unless_failed(flux: np.ndarray, info: dict) -> tuple[np.ndarray, dict]:
    if FFD_FAILED in info:
        raise FloatingPointError(info[FFD_FAILED])
    return flux, info
