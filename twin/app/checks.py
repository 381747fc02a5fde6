"""One typed value checked against the layout schema (twin.layout.schema), so the editor can
validate as you type: the message names the component, the field, what is allowed and the
path in the file, like the check of a whole layout (`twin.app.edit.component_errors`).

The bounds are read from the pydantic fields themselves (`Field(ge=..., le=...)`), never
copied here, so the editor and a layout file can never disagree on what is allowed.
"""

from __future__ import annotations

import functools
import typing
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import TypeAdapter, ValidationError

from twin.layout import schema
from twin.model import columns as C
from twin.model import registry

ID_CHARS = "letters, digits and _ . : / -"


def _field(table: str, field: str, index: int | None):
    """(annotation, metadata) of `field` of `table`'s schema; of its element `index` for a
    pair such as origin_m."""
    model = getattr(schema, registry.kind(table).schema)
    info = model.model_fields[field]
    ann, meta = info.annotation, list(info.metadata)
    if index is not None:
        ann = typing.get_args(ann)[index]
    if typing.get_origin(ann) is Annotated:
        args = typing.get_args(ann)
        ann = args[0]
        for m in args[1:]:
            meta += list(getattr(m, "metadata", [m]))
    return ann, meta


@functools.cache
def _adapter(table: str, field: str, index: int | None) -> TypeAdapter:
    ann, meta = _field(table, field, index)
    return TypeAdapter(Annotated[ann, *meta] if meta else ann)


def _n(x: float) -> str:
    return C.number(x, 0) if float(x).is_integer() else f"{x:,g}"


def allowed(table: str, field: str, index: int | None = None) -> str:
    """What the schema allows for `field` of `table`, in words with the unit: '0 to 1,000 kW',
    'more than 0.2 and at most 3 m', '1-80 characters: letters, digits and _ . : / -'."""
    ann, meta = _field(table, field, index)
    unit = C.spec(field).unit
    u = f" {unit}" if unit else ""
    if ann is str:
        lo = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
        hi = next((m.max_length for m in meta if isinstance(m, MaxLen)), None)
        size = f"{lo}-{hi} characters" if hi else f"at least {lo} characters"
        pattern = any(getattr(m, "pattern", None) for m in meta)
        return f"{size}: {ID_CHARS}" if pattern else size
    lo = hi = None  # (bound, open)
    for m in meta:
        if isinstance(m, Ge | Gt):
            lo = (m.ge, False) if isinstance(m, Ge) else (m.gt, True)
        elif isinstance(m, Le | Lt):
            hi = (m.le, False) if isinstance(m, Le) else (m.lt, True)
    if lo and hi and not lo[1] and not hi[1]:
        return f"{_n(lo[0])} to {_n(hi[0])}{u}"
    parts = []
    if lo:
        parts.append(f"{'more than' if lo[1] else 'at least'} {_n(lo[0])}")
    if hi:
        parts.append(f"{'less than' if hi[1] else 'at most'} {_n(hi[0])}")
    if parts:
        return " and ".join(parts) + u
    return "any number" if ann in (int, float) else "any value"


def check(
    table: str,
    field: str,
    value: Any,
    cid: str | None = None,
    path: str | None = None,
    index: int | None = None,
) -> str | None:
    """None if `value` is allowed for `field` of a `table` component, else the message
    ('rack H1-R01-03, power_kw: 5,000 kW is not allowed: 0 to 1,000 kW (at halls[0]...)')."""
    try:
        _adapter(table, field, index).validate_python(value)
    except ValidationError:
        pass
    else:
        return None
    who = f"{registry.kind(table).label} {cid}, " if cid else f"{registry.kind(table).label} "
    name = field if index is None else f"{field}[{index}]"
    shown = C.fmt(value, field) if isinstance(value, int | float) else repr(value)
    where = f" (at {path})" if path else ""
    return f"{who}{name}: {shown} is not allowed: {allowed(table, field, index)}{where}"


def check_new_id(table: str, value: str, used: set[str]) -> str | None:
    """None if `value` can be the id of a new `table` component, else why not."""
    what = registry.kind(table).label
    if not value:
        return f"new {what} id: type one ({allowed(table, 'id')})"
    if msg := check(table, "id", value):
        return f"new {msg}"
    if value in used:
        return f"new {what} id: {value!r} is already used; ids are unique across the layout"
    return None
