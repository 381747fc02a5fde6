"""Which air model a hall gets when its layout does not say (``air_model: auto``, the default).

Against OpenFOAM (docs/validation.md) the FFD field (``ffd``) is the closest of twin's three
air models: on the shipped small-room layout, predicted blind, 1.14 K RMSE where the distance
kernel was 7.35 K and 15.4 K too cold at the racks beside the units; over all 19 stored runs of
eight rooms 1.0-5.4 K (on its rack-aligned grid) against the kernel's 1.0-7.4 K. But it needs to know where the cooling
units stand. So a hall whose every unit has ``position_m`` gets ``ffd``; any other hall the
kernel, which cannot see the units (and says so in its caution). A layout that names a model
keeps it.
"""

from __future__ import annotations

from typing import Any

AUTO = "auto"
"""The `air_model` value that lets `chosen_air_model` decide (the schema's default)."""


def chosen_air_model(hall: Any, units: list[Any]) -> str:
    """The air model hall `hall` runs on: its own `air_model`, or for ``auto`` ``ffd`` where
    it has cooling units and every one has a ``position_m``, else ``kernel``. `units` are the
    layout's cooling units (any order; those of other halls are skipped)."""
    model = getattr(hall, "air_model", AUTO)
    if model != AUTO:
        return model
    mine = [u for u in units if u.hall == hall.id]
    return "ffd" if mine and all(u.position_m is not None for u in mine) else "kernel"
