"""Parametric site generator: a whole AI factory, from a hall to a gigawatt campus, from a few numbers.

Every generated site follows one design so results are comparable:

- Power, 2N per hall block: utility (154 kV) -> per building and side an HV
  transformer (154/22.9 kV) -> MV switchgear with a generator bank behind an
  ATS -> per block and side an LV transformer (22.9/0.415 kV, 3 MVA, the
  PEERS.md network) -> UPS (2.5 MVA, Li-ion) -> two busways -> racks, cord A
  on side A and cord B on side B. Two mechanical boards per hall (A/B, each
  behind an ATS to the other side) feed cooling, units alternating between them.
- Cooling per hall: racks' liquid share into technology (TCS) loops, one per
  row pair, each with N+1 CDUs; the air share into N+1 CRAHs; both onto a
  facility water loop (W27 class) with dry coolers for free cooling and N+1
  chillers (air-cooled, or water-cooled with cooling towers).

Sizes and defaults trace to ../shared/REFERENCE.md (sections 3-5) or are
marked [est]. `campus(it_mw=1000)` gives ~7,600 NVL72-class racks.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from twin.layout.builtin_profiles import EQUIPMENT_PROFILES, RACK_PROFILES, thaw
from twin.layout.hall_design import (
    BRANCH_DP_KPA,
    HALL_MARGIN_M,
    MAIN_LENGTH_M,
    PIPE_F_EST,
    PIPE_V_M_S,
    RACKS_PER_BUSWAY,
    RACKS_PER_ROW,
    ROW_PAIR_PITCH_M,
    HallSpec,
    SiteParts,
    add_hall,
)
from twin.layout.schema import BUILTIN_ACCELERATORS, Economics

__all__ = [
    "BRANCH_DP_KPA",
    "EQUIPMENT_PROFILES",
    "HALL_MARGIN_M",
    "MAIN_LENGTH_M",
    "PIPE_F_EST",
    "PIPE_V_M_S",
    "RACKS_PER_BUSWAY",
    "RACKS_PER_ROW",
    "RACK_PROFILES",
    "ROW_PAIR_PITCH_M",
    "HallSpec",
    "ai_factory_hall",
    "campus",
    "hybrid_inference",
    "site",
    "to_yaml",
]


def site(
    name: str,
    halls: list[HallSpec],
    *,
    location: str = "",
    grid_margin: float = 1.3,
    design=(33.0, 27.0),
    weather: str | None = None,
) -> dict[str, Any]:
    """A complete layout document (plain data, ready for YAML) for the given halls."""
    s = SiteParts()
    buildings = sorted({h.building for h in halls})
    it_by_building = dict.fromkeys(buildings, 0.0)
    est = {
        h.id: sum(RACK_PROFILES[p]["power_kw"] * n * RACKS_PER_ROW for p, n in h.rows)
        for h in halls
    }
    for h in halls:
        it_by_building[h.building] += est[h.id]
    total = sum(est.values())
    s.power["utilities"].append(
        {
            "id": "GRID",
            "voltage_kv": 154.0,
            "capacity_mva": round(total * grid_margin / 1000 / 0.95, 1),
            "sc_mva": 20000.0,
        }
    )
    for b in buildings:
        kva = 10_000.0 * math.ceil(
            it_by_building[b] * 1.45 / 10_000.0
        )  # IT + cooling + losses, per side [est]
        for side in "AB":
            s.power["generators"].append(
                {"id": f"{b}-GEN-{side}", "voltage_kv": 22.9, "rating_kva": kva, "start_s": 10.0}
            )
            s.power["transformers"].append(
                {
                    "id": f"{b}-HVT-{side}",
                    "upstream": "GRID",
                    "rating_kva": kva,
                    "v_primary_kv": 154.0,
                    "v_secondary_kv": 22.9,
                    "z_pct": 12.0,
                    "x_r": 30.0,
                    "p0_pct": 0.1,
                    "pk_pct": 0.5,
                }
            )
            s.power["switchgear"].append(
                {
                    "id": f"{b}-MV-{side}",
                    "upstream": f"{b}-HVT-{side}",
                    "alternate": f"{b}-GEN-{side}",
                    "rating_kva": kva,
                }
            )
    for h in halls:
        add_hall(s, h, {side: f"{h.building}-MV-{side}" for side in "AB"})
    return {
        "format_version": 1,
        "site": {
            "name": name,
            "location": location,
            "grid_mw": round(total * grid_margin / 1000, 1),
            "design": {"t_db_c": design[0], "t_wb_c": design[1]},
            **({"weather_file": weather} if weather else {}),
            "grid_co2_kg_per_kwh": 0.44,
        },
        "profiles": thaw({**RACK_PROFILES, **EQUIPMENT_PROFILES}),
        "halls": s.halls,
        "power": s.power,
        "cooling": s.cooling,
        # the built-in catalogue entries this site uses, written out so users see and edit them
        "accelerators": {
            k: thaw(BUILTIN_ACCELERATORS[k])
            for k in sorted({RACK_PROFILES[p]["accelerator"] for h in halls for p, _ in h.rows})
            if k in BUILTIN_ACCELERATORS
        },
        "economics": Economics().model_dump(),
    }


def ai_factory_hall() -> dict[str, Any]:
    """One liquid-cooled hall of 96 NVL72-class racks (12.7 MW IT), 2N power, N+1 CDUs,
    every cooling unit fed from both mechanical boards (as a 2N design would)."""
    return site(
        "AI factory hall",
        [HallSpec("H1", [("nvl72", 6)], dual_fed_mechanical=True)],
        location="Seoul, KR (design day)",
        design=(33.0, 27.0),
    )


def hybrid_inference() -> dict[str, Any]:
    """GPU (NVL72) and NPU inference rows side by side in one hall, 2N power with every
    cooling unit on both mechanical boards; the GPU rows and the NPU rows are two tenants."""
    return site(
        "Hybrid inference hall",
        [
            HallSpec(
                "HX",
                [("nvl72", 4), ("npu-inference", 4)],
                dual_fed_mechanical=True,
                tenants=("gpu-cloud", "npu-serving"),
            )
        ],
        location="Seoul, KR (design day)",
    )


def campus(
    it_mw: float = 1000.0,
    halls_per_building: int = 4,
    rows_per_hall: int = 6,
    rack: str = "nvl72",
    condenser: str = "tower",
    dual_fed_mechanical: bool = True,
    tenants: int = 0,
) -> dict[str, Any]:
    """A campus of identical buildings and halls totalling about `it_mw` of IT load.

    `dual_fed_mechanical`: every cooling unit on both mechanical boards of its hall
    (`feed` and `feed_b`), a 2N mechanical design; False puts each on one board.
    `tenants`: that many tenants, `tenant-1`, `tenant-2`, ..., one per hall in turn
    (0: none).

    With the defaults a hall is 96 NVL72 racks (12.7 MW) and 1 GW needs 79 halls
    in 20 buildings: ~7,600 racks, ~4,200 power elements, ~2,900 cooling units.
    """
    if it_mw <= 0:
        raise ValueError("it_mw must be positive")
    hall_kw = RACK_PROFILES[rack]["power_kw"] * RACKS_PER_ROW * rows_per_hall
    n_halls = max(1, round(it_mw * 1000 / hall_kw))
    w, d = HallSpec("x", [(rack, rows_per_hall)]).size_m
    specs = []
    for k in range(n_halls):
        b, i = divmod(k, halls_per_building)
        bx, by = b % 5, b // 5
        origin = (bx * (halls_per_building * (w + 6) + 40) + i * (w + 6), by * (d + 60))
        specs.append(
            HallSpec(
                f"B{b + 1:02d}H{i + 1}",
                [(rack, rows_per_hall)],
                building=f"B{b + 1:02d}",
                origin_m=origin,
                condenser=condenser,
                dual_fed_mechanical=dual_fed_mechanical,
                tenant=f"tenant-{k % tenants + 1}" if tenants > 0 else None,
            )
        )
    return site(f"AI factory campus {it_mw:,.0f} MW", specs, location="Generated campus")


class _FlowDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Block style for the document, one-line flow style for each component."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    flow = not any(isinstance(v, dict | list) and len(v) > 2 for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow and "id" in data)


_FlowDumper.add_representer(dict, _represent_dict)


def to_yaml(doc: dict[str, Any]) -> str:
    """YAML text of a generated layout: short, one line per rack."""
    head = "# Generated by `twin generate`; edit freely or regenerate.\n"
    return head + yaml.dump(doc, Dumper=_FlowDumper, sort_keys=False, width=400)
