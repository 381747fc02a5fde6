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

The models live in schema_base (types, base model), schema_power,
schema_cooling and schema_economics by section; this module holds the site, halls and the
layout root and re-exports the rest, so `twin.layout.schema.X` names every model.

See docs/layout-format.md for the format with examples.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)

from twin.layout.schema_base import (
    COOLING_KINDS,
    FORMAT_VERSION,
    MAX_DRIVE_SHARE,
    MAX_HALL_RACKS,
    POWER_KINDS,
    SITE_M,
    UNASSIGNED_TENANT,
    XY,
    CapacityKw,
    Component,
    Coord,
    FanKw,
    Fraction,
    Id,
    Kv,
    Kva,
    Strict,
    TenantId,
)
from twin.layout.schema_cooling import (
    AIR_DT_K,
    COP_MAX,
    FREEZE_C,
    MAX_PUMP_KW,
    MAX_RELATIVE_ROUGHNESS,
    Cdu,
    Chiller,
    Cooling,
    CoolingTower,
    CoolingUnit,
    Crah,
    DryCooler,
    HeatRejector,
    Loop,
    Pipe,
    Pump,
)
from twin.layout.schema_economics import (
    BUILTIN_ACCELERATORS,
    Accelerator,
    Economics,
)
from twin.layout.schema_power import (
    Battery,
    Bess,
    Branch,
    CableMixin,
    Generator,
    Pdu,
    Power,
    Storage,
    Switchgear,
    Transformer,
    Turbine,
    Ups,
    Utility,
)

__all__ = [
    "AIR_DT_K",
    "Accelerator",
    "BUILTIN_ACCELERATORS",
    "Battery",
    "Bess",
    "Branch",
    "COOLING_KINDS",
    "COP_MAX",
    "CableMixin",
    "CapacityKw",
    "Cdu",
    "Chiller",
    "Component",
    "Cooling",
    "CoolingTower",
    "CoolingUnit",
    "Coord",
    "Crah",
    "DesignConditions",
    "DryCooler",
    "Economics",
    "FORMAT_VERSION",
    "FREEZE_C",
    "FanKw",
    "Fraction",
    "Generator",
    "Hall",
    "HallSide",
    "HeatRejector",
    "Id",
    "Kv",
    "Kva",
    "Layout",
    "Loop",
    "MAX_DRIVE_SHARE",
    "MAX_HALL_RACKS",
    "MAX_PUMP_KW",
    "MAX_RELATIVE_ROUGHNESS",
    "POWER_KINDS",
    "Pdu",
    "Pipe",
    "Power",
    "Pump",
    "Rack",
    "Row",
    "SITE_M",
    "Site",
    "Storage",
    "Strict",
    "Switchgear",
    "TenantId",
    "Transformer",
    "Turbine",
    "UNASSIGNED_TENANT",
    "Ups",
    "Utility",
    "XY",
]

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
    generator_co2_kg_per_kwh: Annotated[float, Field(ge=0, le=2)] = Field(
        0.70,
        description="emission factor of the standby generators' output: diesel burns to "
        "10.21 kg CO2 a US gallon (US EPA GHG Emission Factors Hub, 2024) at ~0.07 gal/kWh "
        "near full load (gensets' data sheets) [est]; 0 for renewable fuel; at most 2",
    )


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
        "air-side heat [REFERENCE 1: 120-160 CFM/kW]; at most 50 m3/s, and at least enough to "
        "carry the rack's air heat within a 40 K rise",
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
        description="floor size (along x, along y); every rack's whole footprint must fit on "
        "it; 1-1000 m a side"
    )
    height_m: Annotated[float, Field(gt=2, le=30)] = Field(
        4.5, description="floor to ceiling; 2-30 m"
    )
    containment: Literal["none", "hot-aisle", "cold-aisle"] = "none"
    ashrae_class: Literal["A1", "A2", "A3", "A4", "H1"] = "A1"
    air_model: Literal["auto", "kernel", "field", "ffd"] = Field(
        "auto",
        description="rack inlet model: auto (the default: ffd where every cooling unit of "
        "the hall has position_m, else kernel; twin.layout.air_choice), kernel (distance "
        "kernel calibrated on HPE rooms; cannot see the units), field (3D potential flow and "
        "heat transport, twin.solve.airfield) or ffd (the same air field on a Fast Fluid "
        "Dynamics flow with momentum and buoyancy, twin.solve.airfield_ffd; ~1-10 s per hall "
        "once, then cached); none meets its validation targets, docs/validation.md",
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
    air_eddy_viscosity_m2_s: Annotated[float, Field(ge=0.001, le=1)] | None = Field(
        default=None,
        description="eddy viscosity of the FFD flow (air_model: ffd only; twin calibrate "
        "sets it); default 0.03 m2/s [twin.solve.airfield_ffd.NU_M2_S]; 0.001-1",
    )
    supply_throw_scale: Annotated[float, Field(ge=0, le=5)] | None = Field(
        default=None,
        description="multiplies the units' supply-jet throw in the air field (twin calibrate "
        "sets it); default 1 (ASHRAE free-jet throw) [twin.solve.airfield]; 0-5",
    )
    air_buoyant_drift_m_s: Annotated[float, Field(ge=0, le=0.3)] | None = Field(
        default=None,
        description="upward drift of warm air in the air field, m/s (twin calibrate sets it); "
        "default from the hall's geometry: 0 with containment or where the exhaust's ceiling "
        "layer is deeper than the clearance above the racks "
        "[twin.solve.airfield_build.buoyant_drift_m_s]; 0-0.3",
    )
    air_plume_share: Fraction | None = Field(
        default=None,
        description="share of a rack's exhaust released at the top of its buoyant plume in the "
        "air field (twin calibrate sets it); default 0.9 [twin.solve.airfield]; 0-1",
    )
    jet_entrainment_scale: Annotated[float, Field(ge=0, le=5)] | None = Field(
        default=None,
        description="multiplies the room air the units' supply jets entrain in the air field "
        "(twin calibrate sets it); default 1 (ASHRAE free jet) [twin.solve.airfield]; 0-5",
    )
    containment_leak: Fraction | None = Field(
        default=None,
        description="share of the racks' air bypassing containment (twin calibrate sets it); "
        "default hot-aisle 0.08, cold-aisle 0.10 [twin.solve.airfield]; 0-1",
    )

    @field_validator("air_eddy_viscosity_m2_s")
    @classmethod
    def _eddy_viscosity_needs_ffd(cls, value: float | None, info: ValidationInfo):
        model = info.data.get("air_model", "ffd")  # absent: air_model itself was refused
        if value is not None and model != "ffd":
            raise ValueError(
                f"the FFD flow's eddy viscosity, but this hall's air_model is {model}, which "
                "does not use it: set air_model: ffd, or remove the field"
            )
        return value

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
    _air_calibration: list = PrivateAttr(default_factory=list)
    """What loading did with the air calibration beside the file (twin.layout.calibration)."""

    @property
    def source(self) -> str:
        """The file (or upload name) this layout was read from."""
        return self._source
