"""Building blocks of the layout schema: bounded number types, ids, the strict base model
and the shared component fields (twin.layout.schema re-exports them)."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)

from twin.model import registry

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


def _section(name: str, section: str, namespace: dict) -> type[Strict]:
    """A layout section model with one list per registered kind of `section`
    (twin.model.registry), its classes looked up by name in `namespace` (a module's globals)."""
    fields = {
        table: (list[namespace[registry.kind(table).schema]], Field(default_factory=list))
        for table in registry.tables(section=section)
    }
    return create_model(name, __base__=Strict, __module__=namespace["__name__"], **fields)
