"""Check the profiles no component uses, so a bad value waits for no one.

A used profile is checked through its components (`twin.layout.validate`). An unused
one is still read by `twin place --profile NAME` (a rack profile), and it is where the
next component will take its values from; left unchecked, `power_kw: .nan` or a typo
`powr_kw` in it passed `twin validate` and turned into NaN kW or an internal error
later. Each unused profile is checked against the component kinds that take all of
its keys (a rack, a UPS, a tower, ...): it passes if one of them accepts every value;
otherwise the problems are those of the first such kind, at the profile's own lines.
Checks that need a whole component (required fields, fields checked together) wait
for the component that uses it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from twin.layout.crosscheck import check_accelerator
from twin.layout.schema import COOLING_KINDS, POWER_KINDS

# where a component of each kind stands in a document: the schema path the messages use
_KIND_PATHS: tuple[tuple, ...] = (
    ("halls", 0, "racks", 0),
    *(("power", kind, 0) for kind in POWER_KINDS),
    *(("cooling", kind, 0) for kind in COOLING_KINDS),
    ("storage", "bess", 0),
)


def used_profiles(doc: dict, component_lists) -> set[str]:
    """Names of the profiles that some component names (valid or not)."""
    return {
        item["profile"]
        for _, items in component_lists(doc)
        for item in items
        if isinstance(item, dict) and isinstance(item.get("profile"), str)
    }


def check_unused_profiles(doc: dict, col: Any) -> None:
    """Add to `col` the problems of every profile no component uses (see the module doc)."""
    from twin.layout import validate as v  # validate imports this module

    profiles = doc.get("profiles")
    if not isinstance(profiles, dict):
        return  # the schema stage reports the wrong type
    used = used_profiles(doc, v._component_lists)
    kinds = [(where, v._model_at(where)) for where in _KIND_PATHS]
    kinds = [(where, cls) for where, cls in kinds if cls is not None]
    for name, values in profiles.items():
        if name in used or not isinstance(values, dict) or "id" in values or "profile" in values:
            continue  # checked through its users; or reported by the schema or expansion
        keys = [k for k in values if isinstance(k, str)]
        fits = [(w, c) for w, c in kinds if set(keys) <= _allowed(c)]
        if not fits:  # a key no kind takes with the others: name it as the closest kind would
            where, cls = max(kinds, key=lambda wc: len(set(keys) & _allowed(wc[1])))
            for key in keys:
                if key not in _allowed(cls):
                    col.add(
                        ("profiles", name, key),
                        v._message({"type": "extra_forbidden", "msg": ""}, (*where, key)),
                    )
            continue
        found = [_errors(cls, values) for _, cls in fits]
        if all(found):
            where, errors = fits[0][0], found[0]
            for loc, err in errors:
                col.add(("profiles", name, *loc), v._message(err, (*where, *loc)))
        # the next rack placed from it (`twin place --profile`) would be refused
        check_accelerator(
            values.get("accelerator"),
            doc.get("accelerators"),
            ("profiles", name, "accelerator"),
            col,
        )


def _allowed(cls: type[BaseModel]) -> set[str]:
    return {f.alias or n for n, f in cls.model_fields.items()}


def _errors(cls: type[BaseModel], values: dict) -> list[tuple[tuple, dict]]:
    """The schema errors of `values` as a component of `cls`, on the values it holds."""
    try:
        cls.model_validate(values)
    except ValidationError as exc:
        from twin.layout.validate import error_at

        out = []
        for loc, err in map(error_at, exc.errors()):
            if err["type"] != "missing" and loc and loc[0] in values:
                out.append((loc, err))
        return out
    return []
