"""One generated hall: rows of racks, 2N power blocks, N+1 cooling and its facility water pipes.

The building block of the parametric site generator (`twin.layout.generate`,
which re-exports these names): `add_hall` writes a hall described by a
`HallSpec` into the layout being built, with the design and sizes the
generator's docstring lists ([REFERENCE 3-5] or marked [est]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from twin.layout.builtin_profiles import EQUIPMENT_PROFILES, RACK_PROFILES
from twin.layout.validate import COOLING_KINDS, POWER_KINDS

__all__ = [
    "HALL_MARGIN_M",
    "RACKS_PER_BUSWAY",
    "RACKS_PER_ROW",
    "ROW_PAIR_PITCH_M",
    "HallSpec",
    "SiteParts",
    "add_hall",
]


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
class SiteParts:
    """The lists of a layout being built: halls, power tables, cooling tables."""

    halls: list[dict] = field(default_factory=list)
    power: dict[str, list] = field(default_factory=lambda: {k: [] for k in POWER_KINDS})
    cooling: dict[str, list] = field(default_factory=lambda: {k: [] for k in COOLING_KINDS})


def add_hall(site: SiteParts, spec: HallSpec, mv: dict[str, str]) -> float:
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
        # staggered: the far wall's units sit half a pitch along, between the near wall's,
        # so no two units blow at each other along one line (their meeting jets are unstable:
        # docs/validation.md 'dense'; twin validate cautions such pairs)
        y = d * (k // 2 + 1 + 0.5 * (k % 2)) / (n_crah // 2 + 2)
        cl["crahs"].append(
            {
                "id": f"{h}-CRAH{k + 1}",
                "profile": "crah-350",
                "hall": h,
                "loop": fws,
                **feeds(k),
                "position_m": [round(spec.origin_m[0] + x, 2), round(spec.origin_m[1] + y, 2)],
                # across the hall from its wall: left to the hall's-centre rule, the end units
                # of a long hall (22 rows and more) turned along it and blew at each other
                "facing": "+x" if k % 2 == 0 else "-x",
            }
        )
    flow = _design_flow_m3_s(heat_kw)
    # N+1: either pump alone carries the loop in its own network (branch drops 120 + 80 kPa
    # and mains, `_fws_pipes`): the nvl72 hall's heat needs 0.324 m3/s, which one 400 kPa pump
    # moves at 88 % speed (300 kPa: 99 %; it fell short, 0.319, while the chiller branches were
    # sized on a share of the loop: twin.scenarios.pump_n1; measured 2026-12-04)
    for k in range(2):
        cl["pumps"].append(
            {
                "id": f"{fws}-P{k + 1}",
                "loop": fws,
                "from": "ret",
                "to": "sup",
                "head_kpa": PUMP_HEAD_KPA,
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


PUMP_HEAD_KPA = 400.0
"""Shut-off head of a generated facility-water pump, kPa [est: sized so that one pump at full
speed carries the loop's heat at its design rise through the generated network, with ~10 %
margin on the reference halls (measured 2026-12-02: 0.359 against 0.324 m3/s, 0.281 against
0.262; since the chiller branches are sized on their chillers' flow one pump carries each at
88 and 87 % speed, 2026-12-04); ~300-400 kPa is typical of data-center loop pumps]."""
PIPE_V_M_S = 2.5
"""Design velocity of mains [est: 1.5-3 m/s for chilled-water mains]."""
PIPE_F_EST = 0.015
"""Friction factor used only to size equivalent lengths [est; the solver uses `fluids`]."""
BRANCH_DP_KPA = {"load": 120.0, "plant": 80.0}
"""Design drop of a consumer branch (HX/coil, valves) and of a chiller branch [est]."""
MAIN_LENGTH_M = 100.0


def _design_flow_m3_s(heat_kw: float) -> float:
    """Facility water flow carrying `heat_kw` at the loop's 10 K design rise, m3/s."""
    return heat_kw / (4.18 * 10.0) / 995.7


def _fws_pipes(pipes: list, loop: str, flow: float, loads: list, plant: list) -> None:
    """A facility water network: pump ret->sup, supply main, one branch per consumer
    (CDU or CRAH: pipe plus heat exchanger as an equivalent length), return main,
    one branch per chiller back to the pump suction. A consumer branch carries the loop's
    flow in proportion to capacity; a chiller branch its chiller's own design flow (capacity
    at the loop's 10 K rise), since a staged-off chiller's branch is shut and the running ones
    carry the loop (audit 7 F4: sized on a share of the loop over all chillers, the N running
    of N+1 ran at ~3.2 m/s). `loads`/`plant` are (id, capacity_kw) pairs."""
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
            q = flow * kw / total if group == "load" else _design_flow_m3_s(kw)
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
