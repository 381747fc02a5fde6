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


GRID_MARGIN = 1.3
"""Grid connection over the halls' IT: cooling and losses [est, PUE ~1.3 at design]."""
GRID_POWER_FACTOR = 0.95
"""Power factor at the grid connection: its MVA from its MW [est]."""


def grid_connection(it_kw: float, margin: float = GRID_MARGIN) -> tuple[float, float]:
    """The generated site's grid connection for `it_kw` of IT: (utility capacity_mva,
    site.grid_mw)."""
    return round(it_kw * margin / 1000 / GRID_POWER_FACTOR, 1), round(it_kw * margin / 1000, 1)


def building_kva(it_kw: float) -> float:
    """Each side's generator, HV transformer and MV board of a building carrying `it_kw`:
    IT + cooling + losses, 1.45 x IT in 10 MVA steps [est]."""
    return 10_000.0 * math.ceil(it_kw * 1.45 / 10_000.0)


def _schema_le(model, name: str) -> float:
    """The upper bound (`le`) the schema puts on `model.name`: the one place it is written."""
    return min(float(m.le) for m in model.model_fields[name].metadata if hasattr(m, "le"))


def campus_hall_kw(rows_per_hall: int, rack: str = "nvl72") -> float:
    """IT of one campus hall: `rows_per_hall` rows of `RACKS_PER_ROW` racks of `rack`."""
    return RACK_PROFILES[rack]["power_kw"] * RACKS_PER_ROW * rows_per_hall


def campus_ranges(rows_per_hall: int, rack: str = "nvl72") -> dict[str, tuple[float, float]]:
    """What a campus of halls of `rows_per_hall` rows can be and still validate, read from
    the schema's caps: `it_mw` (0, whole halls whose grid connection fits Utility.capacity_mva
    and Site.grid_mw], `halls_per_building` [1, halls whose building's generators, HV
    transformers and MV boards fit their rating_kva] (so `generate` refuses an option out
    of range up front, naming it, not the layout it would have written)."""
    from twin.layout.schema import Site
    from twin.layout.schema_power import Generator, Switchgear, Transformer, Utility

    hall_kw = campus_hall_kw(rows_per_hall, rack)
    cap_mva, cap_mw = _schema_le(Utility, "capacity_mva"), _schema_le(Site, "grid_mw")

    def fits(n: int) -> bool:
        mva, mw = grid_connection(n * hall_kw)
        return mva <= cap_mva and mw <= cap_mw

    n = max(1, math.floor(cap_mva * 1000 * GRID_POWER_FACTOR / GRID_MARGIN / hall_kw))
    while n > 1 and not fits(n):
        n -= 1
    while fits(n + 1):
        n += 1
    cap_kva = min(_schema_le(k, "rating_kva") for k in (Generator, Transformer, Switchgear))
    per_building = 1
    while building_kva((per_building + 1) * hall_kw) <= cap_kva:
        per_building += 1
    return {"it_mw": (0.0, n * hall_kw / 1000.0), "halls_per_building": (1, per_building)}


def site(
    name: str,
    halls: list[HallSpec],
    *,
    location: str = "",
    grid_margin: float = GRID_MARGIN,
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
    capacity_mva, grid_mw = grid_connection(total, grid_margin)
    s.power["utilities"].append(
        {"id": "GRID", "voltage_kv": 154.0, "capacity_mva": capacity_mva, "sc_mva": 20000.0}
    )
    for b in buildings:
        kva = building_kva(it_by_building[b])
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
            "grid_mw": grid_mw,
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
    hall_kw = campus_hall_kw(rows_per_hall, rack)
    n_halls = max(1, round(it_mw * 1000 / hall_kw))
    bad = campus_out_of_range(it_mw, halls_per_building, rows_per_hall, rack)
    if bad:
        name, value, (lo, hi) = bad[0]
        raise ValueError(f"{name} {value:g} is out of range {lo:g}-{hi:g} (the schema's caps)")
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


def campus_out_of_range(it_mw, halls_per_building, rows_per_hall, rack="nvl72") -> list:
    """(parameter, value, allowed range) of each campus parameter whose layout would break a
    schema cap (`campus_ranges`); halls per building count only as far as the campus has
    halls to put in one building."""
    r = campus_ranges(rows_per_hall, rack)
    hall_kw = campus_hall_kw(rows_per_hall, rack)
    n_halls = max(1, round(it_mw * 1000 / hall_kw)) if it_mw > 0 else 0
    out = []
    if not r["it_mw"][0] < it_mw <= r["it_mw"][1]:
        out.append(("it_mw", it_mw, r["it_mw"]))
    elif min(halls_per_building, n_halls) > r["halls_per_building"][1]:
        out.append(("halls_per_building", halls_per_building, r["halls_per_building"]))
    return out


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
