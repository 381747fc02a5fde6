"""Which air model a hall gets when its layout does not say (``air_model: auto``, the default).

Against OpenFOAM (docs/validation.md) the FFD field (``ffd``) is the closest of twin's three
air models: on the shipped small-room layout, predicted blind, 1.14 K RMSE where the distance
kernel was 7.35 K and 15.4 K too cold at the racks beside the units; on the blind `north` room
(a row facing away from the units, 39-50 C in the CFD) 2.0-3.9 K where the kernel was 15.2-16.4
K, up to 27.5 K too cold; over all 22 stored runs of ten rooms 1.0-5.4 K (on its rack-aligned
grid) against the kernel's 0.6-16.4 K. But it needs
to know where the cooling units stand, and it costs seconds per hall (~5-15 s once, then
cached). So a hall whose every unit has ``position_m`` gets ``ffd`` when the layout has at
most `AUTO_FFD_MAX_HALLS` such halls; any other hall the kernel, which cannot see the units
(and says so in its caution). A campus of 79 such halls would march ~15 minutes on its first
load (2026-12-01, the generated 1 GW campus), where the kernel takes well under a second: it
stays on the kernel unless its layout names ``ffd``. A layout that names a model keeps it.
"""

from __future__ import annotations

from typing import Any

AUTO = "auto"
"""The `air_model` value that lets `chosen_air_models` decide (the schema's default)."""
AUTO_FFD_MAX_HALLS = 4
"""Most halls ``auto`` puts on the FFD field in one layout (~1 minute of marching on the first
load at ~15 s a hall); beyond it every ``auto`` hall gets the kernel [est: a cost bound, not a
physical one]."""


def _placed(hall: Any, units: list[Any]) -> bool:
    mine = [u for u in units if u.hall == hall.id]
    return bool(mine) and all(u.position_m is not None for u in mine)


def chosen_air_models(halls: list[Any], units: list[Any]) -> dict[str, str]:
    """The air model each hall runs on, by hall id: its own `air_model`, or for ``auto``
    ``ffd`` where every one of its cooling units has a ``position_m`` and the layout has at
    most `AUTO_FFD_MAX_HALLS` such ``auto`` halls, else ``kernel``."""
    placed = [h for h in halls if getattr(h, "air_model", AUTO) == AUTO and _placed(h, units)]
    ffd = {h.id for h in placed} if len(placed) <= AUTO_FFD_MAX_HALLS else set()
    out = {}
    for h in halls:
        model = getattr(h, "air_model", AUTO)
        out[h.id] = model if model != AUTO else ("ffd" if h.id in ffd else "kernel")
    return out
