"""The built-in rack and equipment profiles the site generator uses, read-only.

`RACK_PROFILES` (NVL72-class, NPU inference) and `EQUIPMENT_PROFILES`
(transformer, UPS, busway, CDU, CRAH, chiller, dry cooler, tower) are frozen
mappings: every generated layout gets its own deep, changeable copy
(`thaw`), so editing one layout's profiles changes neither these nor the next
generated layout. Sources are named beside each figure. Split out of
`twin.layout.generate`, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from twin.units import CFM_PER_M3_S

__all__ = ["EQUIPMENT_PROFILES", "RACK_PROFILES", "thaw"]


class _Frozen(dict):
    """A dict that cannot be changed (a built-in profile); its copies are plain, changeable dicts."""

    def _read_only(self, *args, **kw):
        raise TypeError("built-in profiles are read-only: change a copy (dict(p) or p.copy())")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def copy(self) -> dict[str, Any]:
        return thaw(self)

    def __copy__(self) -> dict[str, Any]:
        return thaw(self)

    def __deepcopy__(self, memo) -> dict[str, Any]:
        return thaw(self)

    def __reduce__(self):
        return (dict, (thaw(self),))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _Frozen({k: _freeze(v) for k, v in value.items()})
    return value


def thaw(value: Any) -> Any:
    """A deep, plain (changeable) copy of profiles: mappings become dicts, lists are copied."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


RACK_PROFILES: Mapping[str, Mapping[str, Any]] = {
    # GB200/GB300 NVL72 class: 132 kW, ~85 % to liquid [REFERENCE 3]
    "nvl72": {
        "power_kw": 132.0,
        "power_factor": 0.97,
        "liquid_fraction": 0.85,
        "accelerator": "gb200-nvl72",
        "height_m": 2.3,
    },
    # NPU inference rack, air cooled; power is a labelled user estimate [REFERENCE 7: card ratings not found]
    "npu-inference": {
        "power_kw": 25.0,
        "power_factor": 0.96,
        "liquid_fraction": 0.0,
        "accelerator": "rbln-atom-rack",
        "height_m": 2.2,
    },
}

EQUIPMENT_PROFILES: Mapping[str, Mapping[str, Any]] = {
    "tx-3000": {
        "rating_kva": 3000.0,
        "v_primary_kv": 22.9,
        "v_secondary_kv": 0.415,
        "z_pct": 6.0,
        "x_r": 6.0,
        "p0_pct": 0.2,
        "pk_pct": 1.0,
    },
    "ups-2500": {
        "rating_kva": 2500.0,
        "battery": {"chemistry": "li-ion", "energy_kwh": 220.0, "rated_time_h": 0.083},
    },
    "busway-1600": {
        "type": "busway",
        "rating_kva": 1600.0,
        "loss_pct": 0.5,
        "cable_length_m": 30.0,
        "cable_r_ohm_per_km": 0.02,
        "cable_x_ohm_per_km": 0.015,
    },
    "cdu-2000": {"capacity_kw": 2000.0, "approach_k": 3.0, "pump_kw": 15.0},
    # 350 kW fan-wall CRAH at 140 CFM/kW; fan power from 486 Pa at 0.7 efficiency [REFERENCE 1]
    "crah-350": {
        "capacity_kw": 350.0,
        "airflow_m3_s": round(350 * 140 / CFM_PER_M3_S, 2),
        "fan_kw": round(486 * 350 * 140 / CFM_PER_M3_S / 0.7 / 1000, 1),
        "t_supply_c": 24.0,
    },
    "chiller-3500": {"capacity_kw": 3500.0, "cop_ref": 5.5},
    "drycooler-1500": {"capacity_kw": 1500.0, "fan_kw": 30.0, "approach_k": 8.0},
    "tower-4000": {"capacity_kw": 4000.0, "fan_kw": 40.0, "approach_k": 3.5},
}

# read-only: every generated layout gets its own deep copy (`thaw`), so editing one
# layout's profiles changes neither these nor the next generated layout
RACK_PROFILES = MappingProxyType({k: _freeze(v) for k, v in RACK_PROFILES.items()})
EQUIPMENT_PROFILES = MappingProxyType({k: _freeze(v) for k, v in EQUIPMENT_PROFILES.items()})
