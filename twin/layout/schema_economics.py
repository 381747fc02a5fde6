"""The `accelerators:` catalogue and `economics:` prices of a layout (twin.layout.schema
re-exports them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    model_validator,
)

from twin.layout.generations import ACCELERATORS as GENERATION_ACCELERATORS
from twin.layout.schema_base import (
    Fraction,
    Strict,
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
