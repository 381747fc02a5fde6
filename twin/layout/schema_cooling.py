"""The `cooling:` section of a layout: loops, CRAHs, CDUs, pumps, pipes, chillers and heat
rejectors (twin.layout.schema re-exports them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from twin.layout.schema_base import (
    CapacityKw,
    Component,
    FanKw,
    Fraction,
    _drive_share,
    _section,
)
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

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
        description="sensible cooling capacity (a DX CRAC's at 35 C outdoor air, less on hotter "
        "days: twin.solve.dx_cop); 1 kW to 5 MW (fan walls reach ~1-2 MW)"
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
    t_ambient_max_c: Annotated[float, Field(ge=30, le=60)] | None = Field(
        default=None,
        description="DX CRAC only: highest outdoor dry bulb its condenser runs in; default "
        "51.7 C (125 F, twin.solve.dx_cop); 30-60 C (standard condensers 46 C, high-ambient ~52 C)",
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

    @field_validator("t_ambient_max_c")
    @classmethod
    def _dx_only(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("type") != "crac":
            raise ValueError(
                "t_ambient_max_c is the outdoor limit of a DX unit's condenser (type: crac); a "
                "chilled-water CRAH rejects its heat through its loop's plant"
            )
        return value


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
    t_ambient_max_c: Annotated[float, Field(ge=30, le=60)] | None = Field(
        default=None,
        description="air-cooled only (no condenser_loop): highest outdoor dry bulb its "
        "condenser runs in; default 51.7 C, as DX units (twin.solve.dx_cop); 30-60 C "
        "(standard condensers 46 C, high-ambient ~52 C)",
    )

    @field_validator("t_ambient_max_c")
    @classmethod
    def _air_cooled_only(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("condenser_loop") is not None:
            raise ValueError(
                "t_ambient_max_c is the outdoor limit of an air-cooled condenser; this chiller "
                "rejects its heat to its condenser_loop's towers"
            )
        return value


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


Cooling = _section("Cooling", "cooling", globals())
"""The `cooling:` section: one list per cooling kind."""
