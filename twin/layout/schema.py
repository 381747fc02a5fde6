"""The layout file format (version 1) as pydantic models.

Every model forbids unknown keys (typos are errors, not silently ignored) and
rejects NaN and infinity. Ranges are physical plausibility bounds: they stop a
5 MW rack or a negative rating at the door, not design choices. Defaults cite
../shared/REFERENCE.md (section numbers in brackets) or [est] where the
reference gives a range and we pick a typical value.

See docs/layout-format.md for the format with examples.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from twin.model import registry

FORMAT_VERSION = 1

POWER_KINDS = registry.POWER_KINDS
COOLING_KINDS = registry.COOLING_KINDS
"""The component lists under `power:` and `cooling:`, in feed order (from twin.model.registry)."""

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Pos = Annotated[float, Field(gt=0)]
NonNeg = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
XY = tuple[float, float]
PosXY = tuple[Pos, Pos]
Kva = Annotated[float, Field(gt=0, le=2_000_000, description="apparent power rating, kVA")]
Kw = Annotated[float, Field(gt=0, le=2_000_000, description="thermal or electrical kW")]
Kv = Annotated[float, Field(gt=0, le=800, description="line-to-line voltage, kV")]
TempC = Annotated[float, Field(ge=-60, le=120)]


class Strict(BaseModel):
    """Base for every layout model: no unknown keys, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: object, info: ValidationInfo) -> object:
        """pydantic takes true as 1.0; in a layout 'capacity_kw: yes' is a mistake, not 1 kW."""
        if isinstance(value, bool) and info.field_name in _numeric_fields(cls):
            word = "true" if value else "false"
            raise ValueError(
                f"must be a number; got {word} (YAML reads yes/no/on/off/true/false as true/false)"
            )
        return value


@functools.cache
def _numeric_fields(cls: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of `cls` that hold a plain number (int or float, maybe None)."""

    def numeric(tp: object) -> bool:
        if typing.get_origin(tp) is Annotated:
            return numeric(typing.get_args(tp)[0])
        if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
            args = [a for a in typing.get_args(tp) if a is not type(None)]
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
        description="site (x, y) in metres, for the 3D view; placed automatically if absent",
    )


# --------------------------------------------------------------------------- site


class DesignConditions(Strict):
    """Ambient design point used when no weather file is given."""

    t_db_c: TempC = Field(35.0, description="dry bulb, C")
    t_wb_c: TempC = Field(24.0, description="wet bulb, C")


class Site(Strict):
    name: str = Field(min_length=1)
    location: str = ""
    latitude_deg: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude_deg: Annotated[float, Field(ge=-180, le=180)] | None = None
    grid_mw: Annotated[float, Field(gt=0, le=20_000)]
    design: DesignConditions = DesignConditions()
    weather_file: str | None = Field(
        default=None,
        description="EPW or TMY3 file, relative to the layout, or 'pvlib:723170TYA' for pvlib's bundled TMY3",
    )
    grid_co2_kg_per_kwh: Annotated[float, Field(ge=0, le=2)] = Field(
        0.45, description="grid emission factor [est, Korea ~0.44 2023]"
    )


# -------------------------------------------------------------------------- power


class CableMixin(Strict):
    """The cable from the upstream element to this one (optional; zero length = none)."""

    cable_length_m: NonNeg = 0.0
    cable_r_ohm_per_km: Pos = Field(
        0.0754, description="per conductor at 20 C; 240 mm2 Cu [src: IEC 60228 class 2]"
    )
    cable_x_ohm_per_km: NonNeg = Field(0.08, description="[est] typical LV multicore")
    cable_parallel: Annotated[int, Field(ge=1, le=64)] = 1


class Utility(Component):
    voltage_kv: Kv
    capacity_mva: Annotated[float, Field(gt=0, le=20_000)]
    sc_mva: Annotated[float, Field(gt=0, le=1_000_000)] = Field(
        10_000.0, description="short-circuit power at the connection [est, strong HV grid]"
    )


class Generator(Component):
    voltage_kv: Kv
    rating_kva: Kva
    power_factor: Annotated[float, Field(gt=0, le=1)] = 0.8
    start_s: Annotated[float, Field(ge=0, le=600)] = Field(
        10.0, description="time to accept load [src: NFPA 110 Type 10]"
    )


class Turbine(Generator):
    """An on-site gas turbine generator set: a power source like a generator, slower to start."""

    fuel: Literal["natural-gas", "hydrogen-blend", "diesel"] = "natural-gas"
    power_factor: Annotated[float, Field(gt=0, le=1)] = Field(
        0.85, description="rated power factor [est, aeroderivative gensets 0.8-0.9]"
    )
    start_s: Annotated[float, Field(ge=0, le=1800)] = Field(
        300.0,
        description="time to accept load [est, aeroderivative gas turbines 5-10 min to full load]",
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
    z_pct: Annotated[float, Field(gt=0, le=30)] = Field(
        6.0, description="short-circuit impedance [est]"
    )
    x_r: Annotated[float, Field(gt=0, le=100)] = Field(
        6.0, description="X/R ratio of the windings [est]"
    )
    p0_pct: Annotated[float, Field(ge=0, le=5)] = Field(
        0.2, description="no-load loss, % of rating [REFERENCE 5, 0.1-0.3]"
    )
    pk_pct: Annotated[float, Field(ge=0, le=5)] = Field(
        1.0, description="load loss at rating, % of rating [REFERENCE 5, 0.8-1.2]"
    )


class Switchgear(Branch):
    rating_kva: Kva


class Battery(Strict):
    chemistry: Literal["li-ion", "vrla"] = "li-ion"
    energy_kwh: Annotated[float, Field(gt=0, le=1_000_000)]
    peukert_k: Annotated[float, Field(ge=1.0, le=1.6)] | None = Field(
        default=None, description="default by chemistry: 1.05 li-ion, 1.2 vrla [REFERENCE 5]"
    )
    rated_time_h: Annotated[float, Field(gt=0, le=100)] = Field(
        0.25, description="discharge time at which energy_kwh is rated (Peukert H)"
    )


class Ups(Branch):
    rating_kva: Kva
    mode: Literal["double-conversion", "eco"] = "double-conversion"
    loss_noload: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.0125, description="l0, fraction of rating [REFERENCE 5]"
    )
    loss_prop: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.01, description="l1, fraction of load [REFERENCE 5]"
    )
    loss_square: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.01, description="l2, fraction at rated load, ~load^2 [REFERENCE 5]"
    )
    battery: Battery | None = None


class Pdu(Branch):
    type: Literal["pdu", "rpp", "busway"] = "pdu"
    rating_kva: Kva
    loss_pct: Annotated[float, Field(ge=0, le=10)] = Field(
        0.75, description="loss at rated load, % [REFERENCE 5: PDU/RPP 0.5-1 %]"
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


# ------------------------------------------------------------------------ cooling


class Loop(Component):
    kind: Literal["tcs", "facility", "chilled", "condenser"]
    fluid: Literal["water", "pg25"] = "water"
    t_supply_c: TempC = Field(description="supply temperature setpoint, C")
    dt_design_k: Annotated[float, Field(gt=0, le=40)] = 10.0


class CoolingUnit(Component):
    """A cooling component that draws electric power."""

    feed: str | None = Field(
        default=None,
        description="power element supplying its fans/pumps/compressors; none = off the modelled chain",
    )


class Crah(CoolingUnit):
    hall: str
    type: Literal["crah", "crac"] = "crah"
    capacity_kw: Kw
    airflow_m3_s: Annotated[float, Field(gt=0, le=200)]
    t_supply_c: TempC = Field(20.0, description="supply air setpoint [REFERENCE 2, in 18-27]")
    fan_kw: NonNeg = Field(description="fan power at rated airflow, kW")
    loop: str | None = Field(
        default=None, description="chilled-water loop (CRAH); none for DX CRAC"
    )


class Cdu(CoolingUnit):
    hall: str | None = None
    loop: str = Field(description="technology (rack-side) loop this CDU supplies")
    facility_loop: str = Field(description="facility water loop that takes the heat")
    capacity_kw: Kw
    approach_k: Annotated[float, Field(gt=0, le=20)] = Field(
        3.0, description="design T_TCS,sup - T_FWS,sup [REFERENCE 3, 2-5 K]"
    )
    pump_kw: NonNeg = Field(0.0, description="secondary pump power at design flow, kW")


class Pump(CoolingUnit):
    loop: str
    head_kpa: Annotated[float, Field(gt=0, le=3000)] = Field(description="shut-off head H0, kPa")
    flow_m3_s: Annotated[float, Field(gt=0, le=50)] = Field(description="rated flow")
    efficiency: Annotated[float, Field(gt=0, le=1)] = Field(0.87, description="[REFERENCE 3]")
    from_node: str = Field(alias="from")
    to_node: str = Field(alias="to")

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Pipe(Component):
    loop: str
    from_node: str = Field(alias="from")
    to_node: str = Field(alias="to")
    length_m: Annotated[float, Field(gt=0, le=100_000)]
    diameter_m: Annotated[float, Field(gt=0, le=5)]
    roughness_m: Annotated[float, Field(ge=0, le=0.01)] = Field(
        4.5e-5, description="commercial steel [src: fluids.roughness, 'Steel, commercial']"
    )

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Chiller(CoolingUnit):
    loop: str = Field(description="chilled or facility water loop it cools")
    condenser_loop: str | None = Field(default=None, description="none = air-cooled")
    capacity_kw: Kw
    cop_ref: Annotated[float, Field(gt=0, le=30)] = Field(5.5, description="[REFERENCE 4, DOE-2]")
    min_plr: Fraction = 0.1


class HeatRejector(CoolingUnit):
    loop: str = Field(description="the loop whose heat it rejects to ambient")
    capacity_kw: Kw
    fan_kw: NonNeg


class CoolingTower(HeatRejector):
    approach_k: Annotated[float, Field(gt=0, le=20)] = Field(
        3.5, description="[REFERENCE 4, 3-4 K]"
    )


class DryCooler(HeatRejector):
    approach_k: Annotated[float, Field(gt=0, le=30)] = Field(
        8.0, description="[REFERENCE 4, 5-10 K]"
    )


Cooling = _section("Cooling", "cooling")
"""The `cooling:` section: one list per cooling kind."""


# -------------------------------------------------------------------- halls/racks


class Row(Strict):
    id: Id
    origin_m: XY = Field(description="(x, y) of slot 0 relative to the hall origin")
    axis: Literal["x", "y"] = "x"
    facing: Literal["+", "-"] = Field("+", description="side the rack fronts (inlets) face")
    rack_width_m: Annotated[float, Field(gt=0.2, le=3)] = 0.6
    rack_depth_m: Annotated[float, Field(gt=0.2, le=3)] = 1.2


class Rack(Component):
    row: str
    slot: Annotated[int, Field(ge=0, le=10_000)]
    power_kw: Annotated[float, Field(ge=0, le=1_000)] = Field(
        description="IT power at design load; 0-1000 kW (Vera Rubin NVL72 ~227 kW) [REFERENCE 3]"
    )
    power_factor: Annotated[float, Field(gt=0.5, le=1)] = Field(
        0.97, description="server PSU power factor [PEERS: 0.95-0.99]"
    )
    liquid_fraction: Fraction = 0.0
    accelerator: str | None = None
    feed_a: str | None = None
    feed_b: str | None = None
    split_a: Fraction = Field(0.5, description="share of load on feed A while both are live")
    liquid_loop: str | None = None
    height_m: Annotated[float, Field(gt=0.5, le=4)] = 2.2


class Hall(Strict):
    id: Id
    name: str | None = None
    building: str | None = None
    origin_m: XY = (0.0, 0.0)
    size_m: PosXY
    height_m: Annotated[float, Field(gt=2, le=30)] = 4.5
    containment: Literal["none", "hot-aisle", "cold-aisle"] = "none"
    ashrae_class: Literal["A1", "A2", "A3", "A4", "H1"] = "A1"
    rows: list[Row] = Field(default_factory=list)
    racks: list[Rack] = Field(default_factory=list)


# -------------------------------------------------------------------- economics


class Accelerator(Strict):
    """One rack type's inference throughput, power curve and cost (the `accelerators:` catalogue).

    Throughput at a rack power fraction s = P / P_design (a power cap, or
    `load_scale`): ``((s - idle_fraction) / (1 - idle_fraction)) ** throughput_exponent``
    of `throughput_tokens_s`, or linear interpolation of `curve` when given.
    """

    model: str = Field(min_length=1, description="model and serving setting the throughput is for")
    throughput_tokens_s: Annotated[float, Field(gt=0, le=1e12)] = Field(
        description="tokens/s per rack at full design power"
    )
    power_kw: Kw | None = Field(
        default=None,
        description="rack IT power the throughput and capex are given at; a rack of other "
        "design power scales both linearly (more or fewer accelerators); none = per rack as laid out",
    )
    source: str | None = Field(default=None, description="citation for the throughput figure")
    user_estimate: bool = Field(False, description="true when the figures are the user's estimate")
    idle_fraction: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.25, description="rack power with no tokens served, fraction of design power [est]"
    )
    throughput_exponent: Annotated[float, Field(gt=0, le=3)] = Field(
        0.5,
        description="alpha in throughput ~ ((s - idle) / (1 - idle))**alpha; DVFS cube law gives "
        "1/3 for compute, memory-bound decode less [est, see twin.metrics.catalogue]",
    )
    curve: list[tuple[Fraction, Fraction]] | None = Field(
        default=None,
        description="(power fraction, throughput fraction) points, increasing, ending at (1, 1); "
        "replaces the exponent law",
    )
    capex_usd: NonNeg = Field(0.0, description="purchase cost per rack (at power_kw), USD")
    lifetime_years: Annotated[float, Field(gt=0, le=30)] = Field(
        5.0, description="straight-line depreciation period of the rack [est: 5-6 y server life]"
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
}
"""Catalogue entries every layout gets unless it overrides them (see twin.metrics.catalogue)."""


class Economics(Strict):
    """Prices for cost per token; every field optional with a documented default."""

    energy_price_usd_per_kwh: Annotated[float, Field(ge=0, le=10)] = Field(
        0.0806,
        description="[src: EIA Electric Power Annual 2023, US industrial average 8.06 c/kWh]",
    )
    facility_capex_usd_per_kw: NonNeg = Field(
        10_000.0, description="building + M&E per kW of design IT [est: ~10 M USD/MW build cost]"
    )
    depreciation_years: Annotated[float, Field(gt=0, le=60)] = Field(
        20.0, description="straight-line depreciation of the facility capex [est]"
    )
    opex_usd_per_kw_year: NonNeg = Field(
        200.0, description="operations and maintenance per kW of design IT, energy excluded [est]"
    )
    load_factor: Annotated[float, Field(gt=0, le=1)] = Field(
        1.0, description="share of the year spent at the solved operating point"
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
    accelerators: dict[str, Accelerator] = Field(
        default_factory=dict, description="overrides/additions to BUILTIN_ACCELERATORS, by name"
    )
    economics: Economics = Economics()

    _source: str = PrivateAttr("<layout>")

    @property
    def source(self) -> str:
        """The file (or upload name) this layout was read from."""
        return self._source
