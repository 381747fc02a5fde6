"""The layout file format (version 1) as pydantic models.

Every model forbids unknown keys (typos are errors, not silently ignored) and
rejects NaN and infinity. Every number has a lower and an upper bound, and the
field's description says why: they are physical plausibility bounds that stop a
5 MW rack, a negative rating or a 1e300 kW fan at the door (values that would
turn into NaN or absurd results downstream), not design choices. Where one bound
per field is not enough, a validator checks fields against each other (a CRAH's
airflow against its capacity, a pump's head times flow, a wet bulb above the dry
bulb). Defaults cite ../shared/REFERENCE.md (section numbers in brackets) or
[est] where the reference gives a range and we pick a typical value.

See docs/layout-format.md for the format with examples.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from twin.layout.generations import ACCELERATORS as GENERATION_ACCELERATORS
from twin.model import registry
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

FORMAT_VERSION = 1

MAX_HALL_RACKS = 50_000
"""Racks in one hall the air model accepts, ~10x the largest real halls (bench/air.py: 50,000
racks in a square hall without containment, 84 M pairs: 16 s to build, 1.0 GB, 7 s per solve);
checked at load so a file too big for the solver is refused where it enters."""

POWER_KINDS = registry.POWER_KINDS
COOLING_KINDS = registry.COOLING_KINDS
"""The component lists under `power:` and `cooling:`, in feed order (from twin.model.registry)."""

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Fraction = Annotated[float, Field(ge=0, le=1)]
UNASSIGNED_TENANT = "unassigned"
"""The row for racks with no tenant in per-tenant tables (twin.metrics.tenants); reserved."""


def _tenant_ok(value: str | None) -> str | None:
    """A tenant id other than the reserved name of the no-tenant row."""
    if value == UNASSIGNED_TENANT:
        raise ValueError(
            f"'{UNASSIGNED_TENANT}' is reserved for racks without a tenant; leave tenant out "
            "or pick another id"
        )
    return value


TenantId = Annotated[
    Id,
    AfterValidator(_tenant_ok),
    Field(
        description="tenant the racks belong to (an id: letters, digits and _.:/-); a rack's "
        "own tenant overrides its row's, a row's its hall's; 'unassigned' is reserved"
    ),
]
"""A tenant id; `twin.model.tables.hall_tables` resolves each rack's (rack, else row, else hall)."""
SITE_M = 50_000.0
"""Largest site coordinate, m: a site fits within 50 km of its origin (a generated 1 GW
campus spans ~0.7 km); beyond that a position is a unit mix-up (mm for m)."""
Coord = Annotated[float, Field(ge=-SITE_M, le=SITE_M)]
XY = tuple[Coord, Coord]
Kva = Annotated[
    float,
    Field(
        ge=1,
        le=2_000_000,
        description="apparent power rating, kVA; 1 kVA to 2 GVA (the largest power "
        "transformers are ~1.5 GVA)",
    ),
]
Kv = Annotated[
    float,
    Field(
        ge=0.1,
        le=800,
        description="line-to-line voltage, kV; 0.1 kV (below 208 V LV systems) to 800 kV "
        "(the highest AC transmission in common use, 765 kV)",
    ),
]
CapacityKw = Annotated[float, Field(ge=1, le=50_000)]
"""A cooling unit's capacity, kW: from 1 kW to 50 MW (the largest chillers and towers
are ~10-20 MW; a bigger entry is a unit mix-up, W for kW)."""
FanKw = Annotated[float, Field(ge=0, le=1000)]
"""Fan or pump power of one unit, kW: at most 1 MW (a 2 MW CDU pumps with ~15 kW, a
350 kW CRAH moves air with ~16 kW [REFERENCE 3])."""
MAX_DRIVE_SHARE = 0.25
"""Largest fan or pump power of a cooling unit as a share of its capacity: real units
draw 1-8 % [REFERENCE 3, 4]; a fan that draws a quarter of what it cools is a typo."""


class Strict(BaseModel):
    """Base for every layout model: no unknown keys, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: object, info: ValidationInfo) -> object:
        """pydantic takes true as 1.0; in a layout 'capacity_kw: yes' is a mistake, not 1 kW."""
        items = value if isinstance(value, list | tuple) else (value,)
        flag = next((v for v in items if isinstance(v, bool)), None)
        if flag is not None and info.field_name in _numeric_fields(cls):
            word = "true" if flag else "false"
            raise ValueError(
                f"must be a number; got {word} (YAML reads yes/no/on/off/true/false as true/false)"
            )
        return value


@functools.cache
def _numeric_fields(cls: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of `cls` that hold a plain number (int or float, maybe None) or a
    tuple of numbers (a position)."""

    def numeric(tp: object) -> bool:
        if typing.get_origin(tp) is Annotated:
            return numeric(typing.get_args(tp)[0])
        if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            return bool(args) and all(numeric(a) for a in args)
        if typing.get_origin(tp) is tuple:
            args = [a for a in typing.get_args(tp) if a is not Ellipsis]
            return bool(args) and all(numeric(a) for a in args)
        return tp in (int, float)

    return frozenset(n for n, f in cls.model_fields.items() if numeric(f.annotation))


class Component(Strict):
    """Fields every component shares."""

    id: Id
    profile: str | None = None
    name: str | None = None
    position_m: XY | None = Field(
        default=None,
        description="site (x, y) in metres, for the 3D view; placed automatically if absent; "
        "within 50 km of the site origin",
    )


def _drive_share(value: float, info: ValidationInfo, what: str) -> float:
    """A fan/pump power `value` within MAX_DRIVE_SHARE of the unit's capacity_kw."""
    cap = info.data.get("capacity_kw")
    if cap is not None and value > MAX_DRIVE_SHARE * cap:
        raise ValueError(
            f"{what} {value:g} kW is {value / cap:.0%} of the {cap:g} kW capacity; real units "
            f"draw 1-8 %, at most {MAX_DRIVE_SHARE:.0%} is accepted ({what} of the whole unit, "
            "in kW)"
        )
    return value


# --------------------------------------------------------------------------- site


class DesignConditions(Strict):
    """Ambient design point used when no weather file is given."""

    t_db_c: Annotated[float, Field(ge=-60, le=60)] = Field(
        35.0,
        description="dry bulb, C; -60 to 60 C (the highest air temperature recorded is "
        "56.7 C, Death Valley)",
    )
    t_wb_c: Annotated[float, Field(ge=-60, le=40)] = Field(
        24.0,
        description="wet bulb, C; at most the dry bulb (equal at 100 % humidity) and 40 C "
        "(the highest wet bulbs measured are ~35 C)",
    )

    @field_validator("t_wb_c")
    @classmethod
    def _wet_bulb_below_dry_bulb(cls, value: float, info: ValidationInfo) -> float:
        t_db = info.data.get("t_db_c")
        if t_db is not None and value > t_db:
            raise ValueError(
                f"wet bulb {value:g} C is above the dry bulb {t_db:g} C; a wet bulb is at most "
                "the dry bulb (equal in saturated air): are the two swapped?"
            )
        return value


class Site(Strict):
    name: str = Field(min_length=1)
    location: str = ""
    latitude_deg: Annotated[float, Field(ge=-90, le=90)] | None = Field(
        default=None, description="for weather and sun position; optional; -90 to 90 (a pole)"
    )
    longitude_deg: Annotated[float, Field(ge=-180, le=180)] | None = Field(
        default=None, description="optional; -180 to 180 (east positive)"
    )
    grid_mw: Annotated[float, Field(ge=0.01, le=20_000)] = Field(
        description="grid connection capacity, MW; 10 kW to 20 GW (the largest campuses "
        "planned are ~5 GW)"
    )
    design: DesignConditions = DesignConditions()
    weather_file: str | None = Field(
        default=None,
        description="EPW or TMY3 file, relative to the layout, or 'pvlib:723170TYA' for "
        "pvlib's bundled TMY3; a regular file of at most 50 MB (a year is ~1.5 MB)",
    )
    grid_co2_kg_per_kwh: Annotated[float, Field(ge=0, le=2)] = Field(
        0.45,
        description="grid emission factor [est, Korea ~0.44 2023]; at most 2 (lignite "
        "plants emit ~1.1-1.3 kg/kWh)",
    )


# -------------------------------------------------------------------------- power


class CableMixin(Strict):
    """The cable from the upstream element to this one (optional; zero length = none)."""

    cable_length_m: Annotated[float, Field(ge=0, le=50_000)] = Field(
        0.0,
        description="length of the cable from the upstream element; 0 = no cable modelled; "
        "at most 50 km (an MV feeder from a distant substation)",
    )
    cable_r_ohm_per_km: Annotated[float, Field(ge=0.001, le=50)] = Field(
        0.0754,
        description="per conductor at 20 C; 240 mm2 Cu [src: IEC 60228 class 2]; 0.001-50 "
        "ohm/km (2500 mm2 Cu is 0.0073, 1 mm2 Cu 18.1)",
    )
    cable_x_ohm_per_km: Annotated[float, Field(ge=0, le=2)] = Field(
        0.08,
        description="[est] typical LV multicore; at most 2 ohm/km (cables 0.07-0.15, "
        "overhead lines ~0.4)",
    )
    cable_parallel: Annotated[int, Field(ge=1, le=64)] = Field(
        1, description="parallel conductors per phase; 1-64"
    )


class Utility(Component):
    voltage_kv: Kv
    capacity_mva: Annotated[float, Field(ge=0.01, le=20_000)] = Field(
        description="capacity of the grid connection; 10 kVA to 20 GVA"
    )
    sc_mva: Annotated[float, Field(ge=1, le=1_000_000)] = Field(
        10_000.0,
        description="short-circuit power at the connection [est, strong HV grid]; above "
        "capacity_mva (a connection cannot deliver its short-circuit power), at most 1,000,000 "
        "MVA (an infinite bus)",
    )

    @field_validator("sc_mva")
    @classmethod
    def _stronger_than_capacity(cls, value: float, info: ValidationInfo) -> float:
        cap = info.data.get("capacity_mva")
        if cap is not None and value <= cap:
            raise ValueError(
                f"short-circuit power {value:g} MVA is not above the {cap:g} MVA capacity; a "
                "grid connection's short-circuit power is several times what it delivers"
            )
        return value


class Generator(Component):
    voltage_kv: Kv
    rating_kva: Kva
    power_factor: Annotated[float, Field(ge=0.5, le=1)] = Field(
        0.8,
        description="rated power factor; gensets are conventionally rated at 0.8, none below 0.5",
    )
    start_s: Annotated[float, Field(ge=0, le=600)] = Field(
        10.0,
        description="time to accept load [src: NFPA 110 Type 10]; at most 600 s (NFPA 110's "
        "slowest class is 120 s)",
    )


class Turbine(Generator):
    """An on-site gas turbine generator set: a power source like a generator, slower to start."""

    fuel: Literal["natural-gas", "hydrogen-blend", "diesel"] = "natural-gas"
    power_factor: Annotated[float, Field(ge=0.5, le=1)] = Field(
        0.85, description="rated power factor [est, aeroderivative gensets 0.8-0.9]; 0.5-1"
    )
    start_s: Annotated[float, Field(ge=0, le=1800)] = Field(
        300.0,
        description="time to accept load [est, aeroderivative gas turbines 5-10 min to full "
        "load]; at most 30 min (heavy-duty turbines)",
    )


class Branch(CableMixin, Component):
    """A power element fed from `upstream`, optionally transferable to `alternate`."""

    upstream: str | None = None
    alternate: str | None = Field(
        default=None, description="second source behind a transfer switch (ATS/STS) or generator"
    )


class Transformer(Branch):
    rating_kva: Kva
    v_primary_kv: Kv
    v_secondary_kv: Kv
    z_pct: Annotated[float, Field(ge=1, le=30)] = Field(
        6.0,
        description="short-circuit impedance [est]; 1-30 % (IEC 60076-5 minimums are 4-6 %, "
        "furnace transformers reach ~20 %)",
    )
    x_r: Annotated[float, Field(ge=0.5, le=100)] = Field(
        6.0,
        description="X/R ratio of the windings [est]; 0.5-100 (small units ~2, large ~40)",
    )
    p0_pct: Annotated[float, Field(ge=0, le=5)] = Field(
        0.2, description="no-load loss, % of rating [REFERENCE 5, 0.1-0.3]; at most 5 %"
    )
    pk_pct: Annotated[float, Field(ge=0, le=5)] = Field(
        1.0, description="load loss at rating, % of rating [REFERENCE 5, 0.8-1.2]; at most 5 %"
    )


class Switchgear(Branch):
    rating_kva: Kva


class Battery(Strict):
    chemistry: Literal["li-ion", "vrla"] = "li-ion"
    energy_kwh: Annotated[float, Field(ge=0.1, le=1_000_000)] = Field(
        description="usable energy at rated_time_h; 0.1 kWh to 1 GWh"
    )
    peukert_k: Annotated[float, Field(ge=1.0, le=1.6)] | None = Field(
        default=None,
        description="default by chemistry: 1.05 li-ion, 1.2 vrla [REFERENCE 5]; 1-1.6",
    )
    rated_time_h: Annotated[float, Field(ge=0.01, le=100)] = Field(
        0.25,
        description="discharge time at which energy_kwh is rated (Peukert H); 0.01-100 h "
        "(datasheets rate from minutes to C/100)",
    )


class Ups(Branch):
    rating_kva: Kva
    mode: Literal["double-conversion", "eco"] = "double-conversion"
    loss_noload: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.0125, description="l0, fraction of rating [REFERENCE 5]; at most 0.2"
    )
    loss_prop: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.01, description="l1, fraction of load [REFERENCE 5]; at most 0.2"
    )
    loss_square: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.01, description="l2, fraction at rated load, ~load^2 [REFERENCE 5]; at most 0.2"
    )
    battery: Battery | None = None


class Pdu(Branch):
    type: Literal["pdu", "rpp", "busway"] = "pdu"
    rating_kva: Kva
    loss_pct: Annotated[float, Field(ge=0, le=10)] = Field(
        0.75, description="loss at rated load, % [REFERENCE 5: PDU/RPP 0.5-1 %]; at most 10 %"
    )


def _section(name: str, section: str) -> type[Strict]:
    """A layout section model with one list per registered kind of `section` (twin.model.registry)."""
    fields = {
        table: (list[globals()[registry.kind(table).schema]], Field(default_factory=list))
        for table in registry.tables(section=section)
    }
    return create_model(name, __base__=Strict, __module__=__name__, **fields)


Power = _section("Power", "power")
"""The `power:` section: one list per power kind."""


class Bess(Component):
    """A site battery energy storage system, on the bus of `feed` (a utility connection or
    switchgear). Not in the steady power solve: it acts over time (twin.solve.timeline)."""

    feed: str = Field(description="power element whose bus it connects to (utility or switchgear)")
    energy_kwh: Annotated[float, Field(gt=0, le=100_000_000)] = Field(
        description="usable energy at 100 % state of charge, kWh; up to 100 GWh"
    )
    power_kw: Annotated[float, Field(gt=0, le=10_000_000)] = Field(
        description="charge and discharge power rating, kW; up to 10 GW"
    )
    round_trip_efficiency: Annotated[float, Field(ge=0.5, le=1)] = Field(
        0.85,
        description="AC-to-AC round trip, 0.5-1 [src: NREL Annual Technology Baseline 2023, "
        "utility-scale Li-ion 85 %]",
    )
    soc_min: Fraction = Field(0.1, description="lowest state of charge used, 0-1 [est]")
    soc_max: Fraction = Field(
        0.9, description="highest state of charge used, 0-1, above soc_min [est]"
    )

    @field_validator("soc_max")
    @classmethod
    def _above_min(cls, value: float, info: ValidationInfo) -> float:
        lo = info.data.get("soc_min")
        if lo is not None and value <= lo:
            raise ValueError(f"soc_max {value:g} must be above soc_min {lo:g}")
        return value


Storage = _section("Storage", "storage")
"""The `storage:` section: one list per storage kind."""


# ------------------------------------------------------------------------ cooling


FREEZE_C = {"water": 0.0, "pg25": -10.0}
"""Freezing points of the loop fluids, C (25 % propylene glycol: ~-10 C [src: ASHRAE
Handbook Fundamentals 2017, ch. 31])."""


class Loop(Component):
    kind: Literal["tcs", "facility", "chilled", "condenser"]
    fluid: Literal["water", "pg25"] = "water"
    t_supply_c: Annotated[float, Field(ge=-10, le=90)] = Field(
        description="supply temperature setpoint, C; above the fluid's freezing point "
        "(water 0 C, pg25 -10 C) and at most 90 C (liquid in an unpressurised loop)"
    )
    dt_design_k: Annotated[float, Field(ge=1, le=40)] = Field(
        10.0,
        description="design return - supply temperature difference; 1-40 K (loops are "
        "designed at 5-15 K)",
    )

    @field_validator("t_supply_c")
    @classmethod
    def _liquid(cls, value: float, info: ValidationInfo) -> float:
        fluid = info.data.get("fluid")
        if fluid in FREEZE_C and value <= FREEZE_C[fluid]:
            raise ValueError(
                f"{fluid} freezes at {FREEZE_C[fluid]:g} C; a {value:g} C supply needs "
                f"{'fluid: pg25' if fluid == 'water' else 'a brine twin does not model'}"
            )
        return value


class CoolingUnit(Component):
    """A cooling component that draws electric power.

    A unit with two feeds (`feed` and `feed_b`: dual-corded, or behind an ATS) runs
    while either is live; its draw splits evenly between the live feeds (a rack's dual
    cords with ``split_a: 0.5``), all of it on the survivor when one dies.
    """

    feed: str | None = Field(
        default=None,
        description="power element supplying its fans/pumps/compressors; none = off the modelled chain",
    )
    feed_b: str | None = Field(
        default=None,
        description="second power element (dual-fed or ATS): the unit runs while either feed "
        "is live, its draw split evenly between the live feeds; needs `feed`, differs from it",
    )


AIR_DT_K = (3.0, 40.0)
"""Air temperature rise across a CRAH at its rated capacity and airflow, K: units are
designed for 8-20 K (hot-aisle containment up to ~25 K) [REFERENCE 2]; outside 3-40 K
the capacity or the airflow has a unit mix-up (m3/h or CFM for m3/s)."""


class Crah(CoolingUnit):
    hall: str
    type: Literal["crah", "crac"] = "crah"
    capacity_kw: Annotated[float, Field(ge=1, le=5000)] = Field(
        description="sensible cooling capacity; 1 kW to 5 MW (fan walls reach ~1-2 MW)"
    )
    airflow_m3_s: Annotated[float, Field(ge=0.1, le=200)] = Field(
        description="rated airflow; 0.1-200 m3/s (a 350 kW CRAH moves ~23 m3/s), and with "
        "capacity_kw an air temperature rise of 3-40 K"
    )
    t_supply_c: Annotated[float, Field(ge=5, le=45)] = Field(
        20.0,
        description="supply air setpoint [REFERENCE 2, in 18-27]; 5-45 C (ASHRAE A4 allows "
        "inlets up to 45 C)",
    )
    fan_kw: FanKw = Field(
        description="fan power at rated airflow, kW; at most 1000 kW and a quarter of the capacity"
    )
    loop: str | None = Field(
        default=None, description="chilled-water loop (CRAH); none for DX CRAC"
    )
    facing: Literal["+x", "-x", "+y", "-y"] | None = Field(
        default=None,
        description="direction its front (supply side) faces, for the air field; default: "
        "toward the hall's centre",
    )
    supply_opening: Literal["front", "top", "floor"] | None = Field(
        default=None,
        description="where supply air leaves: front (low half of the front face), top, or "
        "floor (raised-floor plenum, out of the tiles in front of every rack); default: floor "
        "when the hall has a plenum (plenum_m > 0), else front",
    )
    return_opening: Literal["ceiling", "top", "front"] = Field(
        "ceiling",
        description="where return air is drawn: ceiling (the hot layer under the ceiling, or a "
        "ceiling plenum), top of the unit, or the upper half of its front; default ceiling",
    )

    @field_validator("airflow_m3_s")
    @classmethod
    def _air_rise(cls, value: float, info: ValidationInfo) -> float:
        cap = info.data.get("capacity_kw")
        if cap is None:
            return value
        rise = cap * 1000.0 / (RHO_AIR_KG_M3 * CP_AIR_J_KGK * value)
        lo, hi = AIR_DT_K
        if not lo <= rise <= hi:
            need = cap * 1000.0 / (RHO_AIR_KG_M3 * CP_AIR_J_KGK)
            raise ValueError(
                f"{value:g} m3/s for {cap:g} kW heats the air by {rise:.3g} K; a CRAH is "
                f"designed for a rise of {lo:g}-{hi:g} K, so {cap:g} kW needs "
                f"{need / hi:.3g}-{need / lo:.3g} m3/s (is the airflow in m3/h or CFM?)"
            )
        return value

    @field_validator("fan_kw")
    @classmethod
    def _fan_share(cls, value: float, info: ValidationInfo) -> float:
        return _drive_share(value, info, "fan_kw")


class Cdu(CoolingUnit):
    hall: str | None = None
    loop: str = Field(description="technology (rack-side) loop this CDU supplies")
    facility_loop: str = Field(description="facility water loop that takes the heat")
    capacity_kw: Annotated[float, Field(ge=1, le=20_000)] = Field(
        description="heat transfer capacity at the design approach; 1 kW to 20 MW (the "
        "largest CDUs are ~2-10 MW)"
    )
    approach_k: Annotated[float, Field(ge=0.5, le=20)] = Field(
        3.0,
        description="design T_TCS,sup - T_FWS,sup [REFERENCE 3, 2-5 K]; 0.5-20 K (below "
        "0.5 K the exchanger would be unboundedly large)",
    )
    pump_kw: FanKw = Field(
        0.0,
        description="secondary pump power at design flow, kW; at most 1000 kW and a quarter "
        "of the capacity",
    )

    @field_validator("pump_kw")
    @classmethod
    def _pump_share(cls, value: float, info: ValidationInfo) -> float:
        return _drive_share(value, info, "pump_kw")


MAX_PUMP_KW = 5000.0
"""Largest hydraulic power of one pump at its rated point, kW: the biggest chilled-water
pumps are ~1-3 MW; more is a unit mix-up (m3/h for m3/s, Pa for kPa)."""


class Pump(CoolingUnit):
    loop: str
    head_kpa: Annotated[float, Field(ge=10, le=3000)] = Field(
        description="shut-off head H0, kPa; 10-3000 kPa (1-300 m of water)"
    )
    flow_m3_s: Annotated[float, Field(ge=0.0001, le=50)] = Field(
        description="rated flow; 0.1 L/s to 50 m3/s, and head x flow at most 5 MW of "
        "hydraulic power"
    )
    efficiency: Annotated[float, Field(ge=0.1, le=0.95)] = Field(
        0.87, description="[REFERENCE 3]; 0.1-0.95 (the best large pumps reach ~0.9)"
    )
    from_node: str = Field(alias="from")
    to_node: str = Field(alias="to")

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

    @field_validator("flow_m3_s")
    @classmethod
    def _hydraulic_power(cls, value: float, info: ValidationInfo) -> float:
        head = info.data.get("head_kpa")
        # rated point at 75 % of shut-off head (twin.solve.hydraulics); kPa x m3/s = kW
        if head is not None and 0.75 * head * value > MAX_PUMP_KW:
            raise ValueError(
                f"{head:g} kPa at {value:g} m3/s is {0.75 * head * value:,.0f} kW of hydraulic "
                f"power at the rated point; the largest pumps deliver ~3 MW, at most "
                f"{MAX_PUMP_KW:,.0f} kW is accepted (is the flow in m3/h or L/s?)"
            )
        return value


MAX_RELATIVE_ROUGHNESS = 0.05
"""Largest roughness / diameter: the end of the Moody chart (Colebrook's range)."""


class Pipe(Component):
    loop: str
    from_node: str = Field(alias="from")
    to_node: str = Field(alias="to")
    length_m: Annotated[float, Field(ge=0.1, le=100_000)] = Field(
        description="length, or equivalent length including fittings; 0.1 m to 100 km"
    )
    diameter_m: Annotated[float, Field(ge=0.005, le=5)] = Field(
        description="inner diameter; 5 mm (capillary tubing) to 5 m (the largest penstocks)"
    )
    roughness_m: Annotated[float, Field(ge=0, le=0.01)] = Field(
        4.5e-5,
        description="commercial steel [src: fluids.roughness, 'Steel, commercial']; at most "
        "1 cm and 5 % of the diameter (the Moody chart's range)",
    )

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

    @field_validator("roughness_m")
    @classmethod
    def _relative_roughness(cls, value: float, info: ValidationInfo) -> float:
        d = info.data.get("diameter_m")
        if d is not None and value > MAX_RELATIVE_ROUGHNESS * d:
            raise ValueError(
                f"roughness {value:g} m is {value / d:.0%} of the {d:g} m diameter; friction "
                f"is known up to {MAX_RELATIVE_ROUGHNESS:.0%} (the Moody chart), and pipes are "
                "far smoother (commercial steel 4.5e-05 m)"
            )
        return value


COP_MAX = 10.0
"""Largest reference COP of a chiller. cop_ref is at the DOE-2 reference point, 6.67 C
leaving chilled water and 29.4 C entering condenser water [REFERENCE 4], where a
Carnot machine reaches 279.8 K / 22.8 K = 12.3; the best centrifugal chillers reach
~7-8 there, so more than 10 (80 % of Carnot) is not a chiller."""


class Chiller(CoolingUnit):
    loop: str = Field(description="chilled or facility water loop it cools")
    condenser_loop: str | None = Field(default=None, description="none = air-cooled")
    capacity_kw: CapacityKw = Field(
        description="rated cooling capacity; 1 kW to 50 MW (the largest chillers are ~10-20 MW)"
    )
    cop_ref: Annotated[float, Field(ge=1, le=COP_MAX)] = Field(
        5.5,
        description="[REFERENCE 4, DOE-2]; 1-10: at the reference point (6.67 C chilled, "
        "29.4 C condenser water) Carnot allows 12.3, the best chillers reach ~7-8",
    )
    min_plr: Fraction = Field(0.1, description="minimum part-load ratio before cycling; 0-1")


class HeatRejector(CoolingUnit):
    loop: str = Field(description="the loop whose heat it rejects to ambient")
    capacity_kw: CapacityKw = Field(
        description="heat rejection capacity at the design approach; 1 kW to 50 MW"
    )
    fan_kw: FanKw = Field(
        description="fan power at full speed, kW; at most 1000 kW and a quarter of the capacity"
    )

    @field_validator("fan_kw")
    @classmethod
    def _fan_share(cls, value: float, info: ValidationInfo) -> float:
        return _drive_share(value, info, "fan_kw")


class CoolingTower(HeatRejector):
    approach_k: Annotated[float, Field(ge=1, le=20)] = Field(
        3.5, description="[REFERENCE 4, 3-4 K]; 1-20 K (towers are not built below ~2 K)"
    )


class DryCooler(HeatRejector):
    approach_k: Annotated[float, Field(ge=1, le=30)] = Field(
        8.0, description="[REFERENCE 4, 5-10 K]; 1-30 K"
    )


Cooling = _section("Cooling", "cooling")
"""The `cooling:` section: one list per cooling kind."""


# -------------------------------------------------------------------- halls/racks


class Row(Strict):
    id: Id
    origin_m: XY = Field(description="(x, y) of slot 0 relative to the hall origin; within 50 km")
    axis: Literal["x", "y"] = "x"
    facing: Literal["+", "-"] = Field("+", description="side the rack fronts (inlets) face")
    rack_width_m: Annotated[float, Field(gt=0.2, le=3)] = Field(
        0.6, description="width of one slot; 0.6 m is the common 600 mm rack; 0.2-3 m"
    )
    rack_depth_m: Annotated[float, Field(gt=0.2, le=3)] = Field(
        1.2, description="rack depth (front to back); 1.2 m is a deep GPU/OCP rack; 0.2-3 m"
    )
    tenant: TenantId | None = None


class Rack(Component):
    row: str
    slot: Annotated[int, Field(ge=0, le=10_000)] = Field(
        description="position along the row, 0 = first slot at the row origin; at most "
        "10,000 (a 6 km row)"
    )
    power_kw: Annotated[float, Field(ge=0, le=1_000)] = Field(
        description="IT power at design load; 0-1000 kW (Vera Rubin NVL72 ~227 kW) [REFERENCE 3]"
    )
    power_factor: Annotated[float, Field(gt=0.5, le=1)] = Field(
        0.97,
        description="server PSU power factor [PEERS: 0.95-0.99]; above 0.5 (PSUs have "
        "power-factor correction)",
    )
    liquid_fraction: Fraction = Field(
        0.0,
        description="share of the heat taken by liquid (direct-to-chip); the rest goes to the "
        "room air. Default 0: air-cooled; 0-1",
    )
    accelerator: str | None = None
    feed_a: str | None = None
    feed_b: str | None = None
    split_a: Fraction = Field(0.5, description="share of load on feed A while both are live; 0-1")
    liquid_loop: str | None = None
    height_m: Annotated[float, Field(gt=0.5, le=4)] = Field(
        2.2,
        description="rack height, for the 3D view and the air field; 0.5-4 m (a 52U rack is 2.5 m)",
    )
    airflow_m3_s: Annotated[float, Field(gt=0, le=50)] | None = Field(
        default=None,
        description="server airflow at design load, m3/s; default 140 CFM (0.066 m3/s) per kW of "
        "air-side heat [REFERENCE 1: 120-160 CFM/kW]; at most 50 m3/s",
    )
    blanking: Fraction = Field(
        1.0,
        description="share of empty U spaces closed by blanking panels; open ones let exhaust "
        "back to the front (twin.solve.airfield); 0-1, default 1",
    )
    tenant: TenantId | None = None


HallSide = Annotated[float, Field(ge=1, le=1000)]
"""A hall's side, m: the largest data halls are a few hundred metres long."""


class Hall(Strict):
    id: Id
    name: str | None = None
    building: str | None = None
    origin_m: XY = Field(
        (0.0, 0.0),
        description="(x, y) of the hall's corner on the site; rows are placed relative to it; "
        "within 50 km",
    )
    size_m: tuple[HallSide, HallSide] = Field(
        description="floor size (along x, along y); every rack must fit on it; 1-1000 m a side"
    )
    height_m: Annotated[float, Field(gt=2, le=30)] = Field(
        4.5, description="floor to ceiling; 2-30 m"
    )
    containment: Literal["none", "hot-aisle", "cold-aisle"] = "none"
    ashrae_class: Literal["A1", "A2", "A3", "A4", "H1"] = "A1"
    air_model: Literal["kernel", "field"] = Field(
        "kernel",
        description="rack inlet model: kernel (distance kernel calibrated on HPE rooms) or "
        "field (3D potential flow and heat transport, twin.solve.airfield; not the default "
        "until it meets its validation targets, docs/validation.md)",
    )
    plenum_m: Annotated[float, Field(ge=0, le=3)] = Field(
        0.0,
        description="raised-floor plenum depth, m; > 0: units supply through the floor tiles "
        "in front of the racks; 0-3 m, default 0 (no raised floor)",
    )
    air_diffusivity_m2_s: Annotated[float, Field(ge=0.0005, le=1)] | None = Field(
        default=None,
        description="effective turbulent diffusivity of the air field (twin calibrate sets "
        "it); default 0.03 m2/s [twin.solve.airfield]; 0.0005-1",
    )
    supply_throw_scale: Annotated[float, Field(ge=0, le=5)] | None = Field(
        default=None,
        description="multiplies the units' supply-jet throw in the air field (twin calibrate "
        "sets it); default 1 (ASHRAE free-jet throw) [twin.solve.airfield]; 0-5",
    )
    air_buoyant_drift_m_s: Annotated[float, Field(ge=0, le=0.3)] | None = Field(
        default=None,
        description="upward drift of warm air in the air field, m/s (twin calibrate sets it); "
        "default 0 [twin.solve.airfield]; 0-0.3",
    )
    containment_leak: Fraction | None = Field(
        default=None,
        description="share of the racks' air bypassing containment (twin calibrate sets it); "
        "default hot-aisle 0.08, cold-aisle 0.10 [twin.solve.airfield]; 0-1",
    )
    floor_load_kg_m2: Annotated[float, Field(ge=100, le=50_000)] | None = Field(
        default=None,
        description="allowed floor loading under a rack, kg/m2 (rack mass over its footprint); "
        "none = not checked; 100-50,000 (a raised floor ~1,200, a slab several times that)",
    )
    tenant: TenantId | None = None
    rows: list[Row] = Field(default_factory=list)
    racks: list[Rack] = Field(
        default_factory=list,
        max_length=MAX_HALL_RACKS,
        description=f"at most {MAX_HALL_RACKS:,} per hall: the air model's size limit",
    )


# -------------------------------------------------------------------- economics


class Accelerator(Strict):
    """One rack type's inference throughput, power curve and cost (the `accelerators:` catalogue).

    Throughput at a rack power fraction s = P / P_design (a power cap, or
    `load_scale`): ``((s - idle_fraction) / (1 - idle_fraction)) ** throughput_exponent``
    of `throughput_tokens_s`, or linear interpolation of `curve` when given.
    """

    model: str = Field(min_length=1, description="model and serving setting the throughput is for")
    throughput_tokens_s: Annotated[float, Field(ge=0.001, le=1e12)] = Field(
        description="tokens/s per rack at full design power; 0.001 to 10^12 (a GB200 NVL72 "
        "serves ~10^6)"
    )
    power_kw: Annotated[float, Field(ge=0.1, le=1000)] | None = Field(
        default=None,
        description="rack IT power the throughput and capex are given at; a rack of other "
        "design power scales both linearly (more or fewer accelerators); none = per rack as "
        "laid out; 0.1-1000 kW like a rack's power_kw",
    )
    source: str | None = Field(default=None, description="citation for the throughput figure")
    user_estimate: bool = Field(False, description="true when the figures are the user's estimate")
    idle_fraction: Annotated[float, Field(ge=0, le=0.95)] = Field(
        0.25,
        description="rack power with no tokens served, fraction of design power [est]; at "
        "most 0.95",
    )
    throughput_exponent: Annotated[float, Field(ge=0.05, le=3)] = Field(
        0.5,
        description="alpha in throughput ~ ((s - idle) / (1 - idle))**alpha; DVFS cube law gives "
        "1/3 for compute, memory-bound decode less [est, see twin.metrics.catalogue]; 0.05-3",
    )
    curve: list[tuple[Fraction, Fraction]] | None = Field(
        default=None,
        description="(power fraction, throughput fraction) points, increasing, ending at (1, 1); "
        "replaces the exponent law",
    )
    capex_usd: Annotated[float, Field(ge=0, le=1e9)] = Field(
        0.0,
        description="purchase cost per rack (at power_kw), USD; at most 10^9 (an NVL72 rack "
        "costs ~3 M USD)",
    )
    lifetime_years: Annotated[float, Field(ge=0.5, le=30)] = Field(
        5.0,
        description="straight-line depreciation period of the rack [est: 5-6 y server "
        "life]; 0.5-30 years",
    )

    @model_validator(mode="after")
    def _sourced(self) -> Accelerator:
        if not (self.source and self.source.strip()) and not self.user_estimate:
            raise ValueError(
                "give a 'source' (citation) for the figures or set user_estimate: true"
            )
        if self.curve is not None:
            xs = [x for x, _ in self.curve]
            ys = [y for _, y in self.curve]
            if len(xs) < 2 or any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
                raise ValueError("curve needs two or more points with increasing power fraction")
            if any(b < a for a, b in zip(ys, ys[1:], strict=False)) or self.curve[-1] != (1, 1):
                raise ValueError("curve throughput must not fall and must end at (1, 1)")
        return self


BUILTIN_ACCELERATORS: dict[str, dict] = {
    "gb200-nvl72": {
        "model": "Llama-2-70B, MLPerf Inference v4.1 benchmark, 18 nodes of one rack in parallel",
        "throughput_tokens_s": 865_000.0,
        "power_kw": 132.0,
        "source": "865,000 tokens/s on one GB200 NVL72, unverified MLPerf Inference v4.1 "
        "submission (Microsoft Azure HPC blog, ND GB200 v6, 2025) [REFERENCE 7]; "
        "rack power 132 kW [REFERENCE 3]",
        "idle_fraction": 0.25,  # GPUs idle ~10-15 % of TDP, plus CPUs/switches/fans [est]
        "throughput_exponent": 0.5,  # [est, see twin.metrics.catalogue]
        "capex_usd": 3_000_000.0,  # [est, secondary: press/analyst figures ~3 M USD per NVL72]
        "lifetime_years": 5.0,
    },
    "rbln-atom-rack": {
        "model": "Llama-2-70B-class serving (user estimate)",
        "throughput_tokens_s": 200_000.0,
        "power_kw": 25.0,
        "source": "USER ESTIMATE: NPU rack throughput and cost not published [REFERENCE 7]; "
        "placeholder 8 M tokens/s per MW, replace with a measurement",
        "user_estimate": True,
        "idle_fraction": 0.14,  # ATOM+ card 6.1 W idle / 43.9 W busy [REFERENCE 7]
        "throughput_exponent": 0.5,
        "capex_usd": 600_000.0,  # user estimate, placeholder
        "lifetime_years": 5.0,
    },
    **GENERATION_ACCELERATORS,  # gb300-nvl72, vr-nvl144, rubin-ultra-nvl576 (refresh planning)
}
"""Catalogue entries every layout gets unless it overrides them (see twin.metrics.catalogue)."""


class Economics(Strict):
    """Prices for cost per token; every field optional with a documented default."""

    energy_price_usd_per_kwh: Annotated[float, Field(ge=0, le=10)] = Field(
        0.0806,
        description="[src: EIA Electric Power Annual 2023, US industrial average 8.06 c/kWh]; "
        "at most 10 USD/kWh (100x the dearest grids)",
    )
    facility_capex_usd_per_kw: Annotated[float, Field(ge=0, le=1_000_000)] = Field(
        10_000.0,
        description="building + M&E per kW of design IT [est: ~10 M USD/MW build cost]; at "
        "most 10^6 USD/kW (100x)",
    )
    depreciation_years: Annotated[float, Field(ge=1, le=60)] = Field(
        20.0, description="straight-line depreciation of the facility capex [est]; 1-60 years"
    )
    opex_usd_per_kw_year: Annotated[float, Field(ge=0, le=100_000)] = Field(
        200.0,
        description="operations and maintenance per kW of design IT, energy excluded [est]; "
        "at most 10^5 USD/kW/year",
    )
    load_factor: Annotated[float, Field(ge=0.01, le=1)] = Field(
        1.0,
        description="share of the year spent at the solved operating point; 0.01-1",
    )


# ------------------------------------------------------------------------- layout


class Layout(Strict):
    """A whole site: the root of a layout file."""

    format_version: Literal[1]
    site: Site
    profiles: dict[str, dict] = Field(default_factory=dict)
    halls: list[Hall] = Field(min_length=1)
    power: Power
    cooling: Cooling = Cooling()
    storage: Storage = Storage()
    accelerators: dict[str, Accelerator] = Field(
        default_factory=dict, description="overrides/additions to BUILTIN_ACCELERATORS, by name"
    )
    economics: Economics = Economics()

    @field_validator("format_version", mode="before")
    @classmethod
    def _version_not_bool(cls, value: object) -> object:
        """`format_version: yes` is true, which equals 1 in Python: a mistake, not version 1."""
        if isinstance(value, bool):
            raise ValueError("must be the number 1; got a yes/no/true/false value")
        return value

    _source: str = PrivateAttr("<layout>")

    @property
    def source(self) -> str:
        """The file (or upload name) this layout was read from."""
        return self._source
