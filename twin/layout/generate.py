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
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import yaml

from twin.layout.schema import BUILTIN_ACCELERATORS, Economics
from twin.layout.validate import COOLING_KINDS, POWER_KINDS
from twin.units import CFM_PER_M3_S


class _Frozen(dict):
    """A dict that cannot be changed (a built-in profile); its copies are plain, changeable dicts."""

    def _read_only(self, *args, **kw):
        raise TypeError("built-in profiles are read-only: change a copy (dict(p) or p.copy())")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def copy(self) -> dict[str, Any]:
        return _thaw(self)

    def __copy__(self) -> dict[str, Any]:
        return _thaw(self)

    def __deepcopy__(self, memo) -> dict[str, Any]:
        return _thaw(self)

    def __reduce__(self):
        return (dict, (_thaw(self),))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _Frozen({k: _freeze(v) for k, v in value.items()})
    return value


def _thaw(value: Any) -> Any:
    """A deep, plain (changeable) copy of profiles: mappings become dicts, lists are copied."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
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

# read-only: every generated layout gets its own deep copy (`_thaw`), so editing one
# layout's profiles changes neither these nor the next generated layout
RACK_PROFILES = MappingProxyType({k: _freeze(v) for k, v in RACK_PROFILES.items()})
EQUIPMENT_PROFILES = MappingProxyType({k: _freeze(v) for k, v in EQUIPMENT_PROFILES.items()})

RACKS_PER_ROW = 16
RACKS_PER_BUSWAY = 8
ROW_PAIR_PITCH_M = 5.4  # 2 x 1.2 m racks + 1.2 m hot aisle + 1.8 m cold aisle [est]
HALL_MARGIN_M = 4.0


@dataclass
class HallSpec:
    """One hall: rows of racks by profile, e.g. ``[("nvl72", 6)]`` = 6 rows of NVL72."""

    id: str
    rows: list[tuple[str, int]]
    building: str = "B01"
    origin_m: tuple[float, float] = (0.0, 0.0)
    condenser: str = "air"  # "air": air-cooled chillers; "tower": cooling towers
    containment: str = "hot-aisle"
    dual_fed_mechanical: bool = False
    """Each cooling unit also on the other mechanical board (`feed_b`): a 2N mechanical
    design, where losing one board stops no unit."""
    tenants: tuple[str | None, ...] = ()
    """One tenant per entry of `rows` (those rows get `tenant:`); empty: no tenants."""
    tenant: str | None = None
    """Tenant of the whole hall (the hall gets `tenant:`); rows' tenants override it."""

    @property
    def n_rows(self) -> int:
        return sum(n for _, n in self.rows)

    @property
    def size_m(self) -> tuple[float, float]:
        pairs = math.ceil(self.n_rows / 2)
        return (
            round(2 * HALL_MARGIN_M + RACKS_PER_ROW * 0.6, 3),
            round(2 * HALL_MARGIN_M + pairs * ROW_PAIR_PITCH_M, 3),
        )


@dataclass
class _Site:
    halls: list[dict] = field(default_factory=list)
    power: dict[str, list] = field(default_factory=lambda: {k: [] for k in POWER_KINDS})
    cooling: dict[str, list] = field(default_factory=lambda: {k: [] for k in COOLING_KINDS})


def _hall(site: _Site, spec: HallSpec, mv: dict[str, str]) -> float:
    """Add one hall with its power blocks and cooling; return its IT kW."""
    h = spec.id
    rows, racks = [], []
    profiles = [p for p, n in spec.rows for _ in range(n)]
    if spec.tenants and len(spec.tenants) != len(spec.rows):
        raise ValueError(f"hall {h}: {len(spec.tenants)} tenants for {len(spec.rows)} row groups")
    row_tenant = [t for t, (_, n) in zip(spec.tenants, spec.rows, strict=False) for _ in range(n)]
    for i in range(len(profiles)):
        pair, second = divmod(i, 2)
        y = HALL_MARGIN_M + pair * ROW_PAIR_PITCH_M + 0.6 + second * 2.4
        rows.append(
            {
                "id": f"{h}-R{i + 1:02d}",
                "origin_m": [HALL_MARGIN_M, round(y, 3)],
                "axis": "x",
                "facing": "+" if second else "-",
                **({"tenant": row_tenant[i]} if row_tenant and row_tenant[i] else {}),
            }
        )
    it_kw, blocks = 0.0, 0
    air_kw, liquid = 0.0, {}
    for i, prof in enumerate(profiles):
        p = RACK_PROFILES[prof]
        loop = f"{h}-TCS{i // 2 + 1}" if p["liquid_fraction"] > 0 else None
        for slot in range(RACKS_PER_ROW):
            n = i * RACKS_PER_ROW + slot
            block, half = divmod(n // RACKS_PER_BUSWAY, 2)
            bw = f"{block + 1}{'ab'[half]}"
            rack = {
                "id": f"{h}-R{i + 1:02d}-{slot + 1:02d}",
                "row": f"{h}-R{i + 1:02d}",
                "slot": slot,
                "profile": prof,
                "feed_a": f"{h}-BW-A{bw}",
                "feed_b": f"{h}-BW-B{bw}",
            }
            if loop:
                rack["liquid_loop"] = loop
                liquid[loop] = liquid.get(loop, 0.0) + p["power_kw"] * p["liquid_fraction"]
            racks.append(rack)
            it_kw += p["power_kw"]
            air_kw += p["power_kw"] * (1 - p["liquid_fraction"])
            blocks = max(blocks, block + 1)
    site.halls.append(
        {
            "id": h,
            "name": f"Hall {h}",
            "building": spec.building,
            "origin_m": list(spec.origin_m),
            "size_m": list(spec.size_m),
            "height_m": 6.0,
            "containment": spec.containment,
            "ashrae_class": "A1",
            **({"tenant": spec.tenant} if spec.tenant else {}),
            "rows": rows,
            "racks": racks,
        }
    )

    pw = site.power
    for side in "AB":
        for b in range(1, blocks + 1):
            pw["transformers"].append(
                {
                    "id": f"{h}-TX-{side}{b}",
                    "profile": "tx-3000",
                    "upstream": mv[side],
                    "cable_length_m": 60.0,
                    "cable_r_ohm_per_km": 0.5,
                    "cable_x_ohm_per_km": 0.12,
                }
            )
            pw["ups"].append(
                {
                    "id": f"{h}-UPS-{side}{b}",
                    "profile": "ups-2500",
                    "upstream": f"{h}-TX-{side}{b}",
                    "cable_length_m": 15.0,
                    "cable_r_ohm_per_km": 0.01,
                    "cable_x_ohm_per_km": 0.01,
                }
            )
            for half in "ab":
                pw["pdus"].append(
                    {
                        "id": f"{h}-BW-{side}{b}{half}",
                        "profile": "busway-1600",
                        "upstream": f"{h}-UPS-{side}{b}",
                    }
                )
    heat_kw = it_kw * 1.04  # IT plus distribution losses, for sizing only [est]
    mech_kva = 500.0 * math.ceil(
        heat_kw / 5.5 * 1.6 / 500.0
    )  # chillers at COP 5.5 plus fans/pumps, rounded up [est]
    # Mechanical power, 2N: a transformer and a board per side, each board behind an
    # ATS to the other side's transformer; cooling units alternate between boards so
    # an N+1 group keeps units on both (`dual_fed_mechanical`: each unit on both).
    mcc = {}
    for side in "AB":
        pw["transformers"].append(
            {
                "id": f"{h}-MTX-{side}",
                "upstream": mv[side],
                "rating_kva": mech_kva,
                "v_primary_kv": 22.9,
                "v_secondary_kv": 0.415,
                "cable_length_m": 60.0,
                "cable_r_ohm_per_km": 0.5,
                "cable_x_ohm_per_km": 0.12,
            }
        )
    for side, other in (("A", "B"), ("B", "A")):
        mcc[side] = f"{h}-MCC-{side}"
        pw["switchgear"].append(
            {
                "id": mcc[side],
                "upstream": f"{h}-MTX-{side}",
                "alternate": f"{h}-MTX-{other}",
                "rating_kva": mech_kva,
            }
        )

    def feed(k: int) -> str:
        return mcc["AB"[k % 2]]

    def feeds(k: int) -> dict[str, str]:
        """`feed`, and with a 2N mechanical design the other board as `feed_b`."""
        out = {"feed": feed(k)}
        if spec.dual_fed_mechanical:
            out["feed_b"] = feed(k + 1)
        return out

    cl = site.cooling
    fws = f"{h}-FWS"
    cl["loops"].append({"id": fws, "kind": "facility", "t_supply_c": 20.0, "dt_design_k": 10.0})
    for loop, q in liquid.items():
        cl["loops"].append({"id": loop, "kind": "tcs", "t_supply_c": 25.0, "dt_design_k": 12.0})
        for k in range(math.ceil(q / 2000.0) + 1):  # N+1
            cl["cdus"].append(
                {
                    "id": f"{loop}-CDU{k + 1}",
                    "profile": "cdu-2000",
                    "hall": h,
                    "loop": loop,
                    "facility_loop": fws,
                    **feeds(k),
                }
            )
    w, d = spec.size_m
    n_crah = math.ceil(air_kw / 350.0) + 1  # N+1
    for k in range(n_crah):
        x = HALL_MARGIN_M / 2 if k % 2 == 0 else w - HALL_MARGIN_M / 2
        y = d * (k // 2 + 1) / (n_crah // 2 + 2)
        cl["crahs"].append(
            {
                "id": f"{h}-CRAH{k + 1}",
                "profile": "crah-350",
                "hall": h,
                "loop": fws,
                **feeds(k),
                "position_m": [round(spec.origin_m[0] + x, 2), round(spec.origin_m[1] + y, 2)],
            }
        )
    flow = heat_kw / (4.18 * 10.0) / 995.7  # m3/s at the loop's 10 K design rise
    for k in range(2):  # N+1: either pump alone carries the design flow
        cl["pumps"].append(
            {
                "id": f"{fws}-P{k + 1}",
                "loop": fws,
                "from": "ret",
                "to": "sup",
                "head_kpa": 300.0,
                "flow_m3_s": round(flow * 1.2, 4),
                **feeds(k),
            }
        )
    n_ch = math.ceil(heat_kw / 3500.0) + 1  # N+1
    cap = {
        p: EQUIPMENT_PROFILES[p]["capacity_kw"] for p in ("cdu-2000", "crah-350", "chiller-3500")
    }
    loads = [(c["id"], cap[c["profile"]]) for c in cl["cdus"] if c["facility_loop"] == fws]
    loads += [(c["id"], cap[c["profile"]]) for c in cl["crahs"] if c["hall"] == h]
    plant = [(f"{h}-CH{k + 1}", cap["chiller-3500"]) for k in range(n_ch)]
    _fws_pipes(cl["pipes"], fws, flow, loads, plant)
    cond = None
    if spec.condenser == "tower":
        cond = f"{h}-CW"
        cl["loops"].append(
            {"id": cond, "kind": "condenser", "t_supply_c": 29.4, "dt_design_k": 5.6}
        )
        for k in range(math.ceil(heat_kw * 1.2 / 4000.0) + 1):
            cl["cooling_towers"].append(
                {"id": f"{h}-CT{k + 1}", "profile": "tower-4000", "loop": cond, **feeds(k)}
            )
    for k in range(n_ch):
        ch = {"id": f"{h}-CH{k + 1}", "profile": "chiller-3500", "loop": fws, **feeds(k)}
        if cond:
            ch["condenser_loop"] = cond
        cl["chillers"].append(ch)
    for k in range(math.ceil(heat_kw / 1500.0)):
        cl["dry_coolers"].append(
            {"id": f"{h}-DC{k + 1}", "profile": "drycooler-1500", "loop": fws, **feeds(k)}
        )
    return it_kw


PIPE_V_M_S = 2.5
"""Design velocity of mains [est: 1.5-3 m/s for chilled-water mains]."""
PIPE_F_EST = 0.015
"""Friction factor used only to size equivalent lengths [est; the solver uses `fluids`]."""
BRANCH_DP_KPA = {"load": 120.0, "plant": 80.0}
"""Design drop of a consumer branch (HX/coil, valves) and of a chiller branch [est]."""
MAIN_LENGTH_M = 100.0


def _fws_pipes(pipes: list, loop: str, flow: float, loads: list, plant: list) -> None:
    """A facility water network: pump ret->sup, supply main, one branch per consumer
    (CDU or CRAH: pipe plus heat exchanger as an equivalent length), return main,
    one branch per chiller back to the pump suction. Branch flows in proportion
    to capacity; `loads`/`plant` are (id, capacity_kw) pairs."""
    rho = 995.7

    def d_for(q: float) -> float:
        return round(math.sqrt(4.0 * q / (math.pi * PIPE_V_M_S)), 3)

    def equiv_length(q: float, d: float, dp_kpa: float) -> float:
        v = q / (math.pi * d * d / 4.0)
        return round(dp_kpa * 1000.0 * d * 2.0 / (PIPE_F_EST * rho * v * v), 1)

    d_main = d_for(flow)
    pipes.append(
        {
            "id": f"{loop}-MS",
            "loop": loop,
            "from": "sup",
            "to": "hs",
            "length_m": MAIN_LENGTH_M,
            "diameter_m": d_main,
        }
    )
    pipes.append(
        {
            "id": f"{loop}-MR",
            "loop": loop,
            "from": "hr",
            "to": "rp",
            "length_m": MAIN_LENGTH_M,
            "diameter_m": d_main,
        }
    )
    for group, ids, frm, to in (("load", loads, "hs", "hr"), ("plant", plant, "rp", "ret")):
        total = sum(kw for _, kw in ids) or 1.0
        for cid, kw in ids:
            q = flow * kw / total
            d = d_for(q)
            length = equiv_length(q, d, BRANCH_DP_KPA[group])
            pipes.append(
                {
                    "id": f"{cid}-PIPE",
                    "loop": loop,
                    "from": frm,
                    "to": to,
                    "length_m": length,
                    "diameter_m": d,
                }
            )


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
    s = _Site()
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
        _hall(s, h, {side: f"{h.building}-MV-{side}" for side in "AB"})
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
        "profiles": _thaw({**RACK_PROFILES, **EQUIPMENT_PROFILES}),
        "halls": s.halls,
        "power": s.power,
        "cooling": s.cooling,
        # the built-in catalogue entries this site uses, written out so users see and edit them
        "accelerators": {
            k: _thaw(BUILTIN_ACCELERATORS[k])
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
    in 20 buildings: ~7,600 racks, ~5,000 power elements, ~3,500 cooling units.
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
