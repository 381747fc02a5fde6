"""The `power:` and `storage:` sections of a layout: utility, generators, transformers,
switchgear, UPS, PDUs and the site BESS (twin.layout.schema re-exports them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

from twin.layout.schema_base import (
    Component,
    Fraction,
    Kv,
    Kva,
    Strict,
    _section,
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


Power = _section("Power", "power", globals())
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


Storage = _section("Storage", "storage", globals())
"""The `storage:` section: one list per storage kind."""
