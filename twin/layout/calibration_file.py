"""The air calibration file beside a layout (`<layout>.air-calibration.yaml`): its format
(one entry per calibrated hall) and its reading, every problem located at its file and line
(split out of `twin.layout.calibration`, which applies it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from twin.errors import LayoutError, Problem
from twin.layout.schema import Hall, Layout
from twin.layout.schema_base import Id, Strict
from twin.layout.source import format_path, line_of, parse_bytes, read_bytes
from twin.model import registry

VERSION = 1

FITTED_FIELDS = (
    "air_diffusivity_m2_s",
    "air_buoyant_drift_m_s",
    "supply_throw_scale",
    "air_plume_share",
    "jet_entrainment_scale",
    "containment_leak",
    "air_eddy_viscosity_m2_s",
)
"""Hall fields a calibration may set (twin.solve.air_calibrate.PARAMS), besides air_model."""
FIELDS = ("air_model", *FITTED_FIELDS)


class Fingerprint(Strict):
    hall: dict[str, Any]
    rows: dict[str, str] = Field(default_factory=dict)
    racks: dict[str, str] = Field(default_factory=dict)
    units: dict[str, str] = Field(default_factory=dict)


_Kelvin = Annotated[float, Field(ge=0, le=1000)]


class Entry(Strict):
    hall: Id
    fitted_utc: str | None = None
    sources: list[str] = Field(default_factory=list)
    runs: Annotated[int, Field(ge=1)]
    racks: Annotated[int, Field(ge=0)]
    rmse_before_k: _Kelvin
    rmse_after_k: _Kelvin
    max_error_before_k: _Kelvin | None = None
    max_error_after_k: _Kelvin | None = None
    fields: dict[str, Any] = Field(min_length=1)
    air_model_revision: str | None = None  # None: a file from before it was recorded
    fitted_on: Fingerprint | None = None  # None: a file from before it was recorded


class File(Strict):
    calibration_version: Literal[1]
    layout: str | None = None
    halls: list[Entry] = Field(min_length=1)


def problem(file: str, doc: Any, path: tuple, message: str) -> Problem:
    return Problem(file, format_path(path), message, line_of(doc, path))


def read(path: Path, layout: Layout) -> tuple[list[Entry], Any, str]:
    """The calibration file's entries (validated), its parsed data (for lines) and its name."""
    from twin.layout.validate import error_at

    file = str(path)
    try:
        doc = parse_bytes(read_bytes(path, "calibration"), file, "calibration")
    except LayoutError as exc:
        raise error(exc.problems) from None
    old = isinstance(doc, dict) and "calibration_version" not in doc and "hall" in doc
    if old:  # a file written before the fingerprint: one hall, at the top level
        data, at = {"calibration_version": VERSION, "halls": [doc]}, lambda loc: loc[2:]
    else:
        data, at = doc, lambda loc: loc
    try:
        parsed = File.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, err = error_at(err)
            problems.append(problem(file, doc, at(loc), file_message(err, loc)))
        raise error(problems) from None
    problems, seen = [], set()
    halls = {h.id: h for h in layout.halls}
    for j, entry in enumerate(parsed.halls):
        where = () if old else ("halls", j)
        if entry.hall not in halls:
            problems.append(
                problem(
                    file,
                    doc,
                    (*where, "hall"),
                    f"no hall {entry.hall!r} in {layout.source} (halls: "
                    f"{', '.join(halls)}); a calibration is for one of the layout's halls: "
                    "remove this entry, or re-run twin calibrate",
                )
            )
            continue
        if entry.hall in seen:
            problems.append(
                problem(file, doc, (*where, "hall"), f"hall {entry.hall!r} is calibrated twice")
            )
        seen.add(entry.hall)
        problems += field_problems(file, doc, (*where, "fields"), entry, halls[entry.hall])
    if problems:
        raise error(problems)
    return parsed.halls, doc, file


def model_in_file(loc: tuple) -> type[Strict] | None:
    """The model of the calibration file (`File`) that holds the value at `loc`."""
    from twin.layout.validate import _unwrap

    cls: Any = File
    for key in loc:
        if isinstance(key, int):
            continue
        f = cls.model_fields.get(key) if isinstance(cls, type) else None
        if f is None:
            return None
        cls = _unwrap(f.annotation)
    return cls if isinstance(cls, type) and issubclass(cls, Strict) else None


def file_message(err: dict, loc: tuple) -> str:
    """A schema error in the calibration file as the layout's are worded, with the keys
    the calibration file allows (not a layout's)."""
    from twin.layout.validate import _describe, _message

    kind = err["type"]
    if kind == "extra_forbidden" and (cls := model_in_file(loc[:-1])) is not None:
        return f"unknown key {str(loc[-1])!r}; allowed keys: {', '.join(cls.model_fields)}"
    if kind in ("model_type", "dict_type") and (cls := model_in_file(loc)) is not None:
        return (
            f"must be a mapping (key: value lines) with keys from: "
            f"{', '.join(cls.model_fields)}; got {_describe(err.get('input'))}"
        )
    return _message(err, ("<calibration file>", *loc))  # no layout field's description


def error(problems: list[Problem]) -> LayoutError:
    file = problems[0].file
    hint = (
        "the layout loads with its air calibration: fix the file, write it again with twin "
        "calibrate, or remove it (or give --no-calibration) to run the hall uncalibrated"
    )
    return LayoutError(problems, [Problem(file, "", hint)], "air calibration file")


def field_problems(file: str, doc: Any, where: tuple, entry: Entry, hall: Hall) -> list[Problem]:
    """The fitted fields, checked as the layout checks a hall's own (bounds, the eddy
    viscosity only on an ffd hall); unknown keys name the allowed ones."""
    from twin.layout.validate import _message, error_at

    out = []
    for key in entry.fields:
        if key not in FIELDS:
            out.append(
                problem(
                    file,
                    doc,
                    (*where, key),
                    f"unknown key {key!r}; a calibration sets only: {', '.join(FIELDS)}",
                )
            )
    if out:
        return out
    components = set(registry.tables(section="site")) & set(Hall.model_fields)  # rows, racks
    base = hall.model_dump(by_alias=True, exclude_unset=True, exclude=components)
    try:
        Hall.model_validate({**base, **entry.fields})
    except ValidationError as exc:
        for err in exc.errors():
            loc, err = error_at(err)
            if loc and loc[0] in entry.fields:
                message = _message(err, ("halls", 0, *loc))
                out.append(problem(file, doc, (*where, *loc), message))
    return out
