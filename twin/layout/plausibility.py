"""Plausibility warnings: values inside the hard bounds of the schema but outside what real
sites use (a 0.01 kW rack, a chilled-water loop at 2 C): most likely a unit slip.

The schema refuses what cannot be (a 5 MW rack, a 0.1 m hall); this module only WARNS,
and the layout still loads and solves. One table, `TYPICAL`, holds every checked field
with its typical range and where the range comes from; `check` walks it. Each warning
names the file, the line (the component's own value, or the profile that gave it), the
path, the component id, the value and the typical range.

>>> from twin.layout.plausibility import check_file
>>> [str(w) for w in check_file("layouts/small-room.yaml")]
[]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twin.errors import names
from twin.layout.air_choice import AUTO_FFD_MAX_HALLS, chosen_air_models
from twin.layout.floor_check import UNIT_FOOTPRINT_M
from twin.layout.source import LDict, format_path, line_of, parse_bytes, read_bytes


@dataclass(frozen=True)
class Typical:
    """The typical range of one field of one component kind."""

    table: str  # halls, racks, or a power/cooling table name
    field: str
    low: float
    high: float
    unit: str
    source: str
    when: tuple[str, str] | None = None  # (field, value): only components where field == value
    zero_ok: bool = False  # 0 means "none" (an empty rack position), never warned


TYPICAL: tuple[Typical, ...] = (
    Typical("racks", "power_kw", 1.0, 700.0, "kW", "a few kW enterprise, 18-36 kW OCP ORv3, "
            "120-140 kW GB200/GB300 NVL72, up to ~600-660 kW Rubin Ultra [REFERENCE 3, 9]",
            zero_ok=True),
    Typical("racks", "height_m", 1.0, 3.0, "m", "42U ~2.0 m to 52U ~2.5 m racks [est]"),
    Typical("halls", "size_m", 3.0, 500.0, "m", "a small computer room to the largest halls, a "
            "few hundred metres long [est]"),
    Typical("halls", "height_m", 2.5, 15.0, "m", "slab-to-ceiling of computer rooms and "
            "hyperscale halls [est]"),
    Typical("loops", "t_supply_c", 5.0, 20.0, "C", "chilled water 6.7 C DOE-2 reference to "
            "~18 C elevated [REFERENCE 4, est]", when=("kind", "chilled")),
    Typical("loops", "t_supply_c", 15.0, 45.0, "C", "facility water classes W17-W45 "
            "[REFERENCE 2, 9]", when=("kind", "facility")),
    Typical("loops", "t_supply_c", 15.0, 50.0, "C", "technology coolant ~25 C in / 45 C out "
            "[REFERENCE 3]", when=("kind", "tcs")),
    Typical("loops", "t_supply_c", 15.0, 40.0, "C", "condenser water, 29.4 C DOE-2 reference "
            "[REFERENCE 4, est]", when=("kind", "condenser")),
    Typical("loops", "dt_design_k", 3.0, 20.0, "K", "10 K design rise [REFERENCE 3, est]"),
    Typical("crahs", "capacity_kw", 10.0, 2000.0, "kW", "room units to ~1-2 MW fan walls [est]"),
    Typical("crahs", "t_supply_c", 12.0, 27.0, "C", "supply a few K under the ASHRAE "
            "recommended 18-27 C inlet [REFERENCE 2, est]"),
    Typical("pumps", "head_kpa", 50.0, 1000.0, "kPa", "~300 kPa HPE dc-rl loop pump "
            "[REFERENCE 3, est]"),
    Typical("pumps", "efficiency", 0.5, 0.92, "", "about 0.87 at 300 kPa [REFERENCE 3]"),
    Typical("cdus", "approach_k", 2.0, 5.0, "K", "CDU approach 2-5 K [REFERENCE 3]"),
    Typical("chillers", "cop_ref", 3.0, 8.0, "", "DOE-2 generic centrifugal 5.5 at 6.67/29.4 C "
            "[REFERENCE 4, est]"),
    Typical("cooling_towers", "approach_k", 1.5, 6.0, "K", "3-4 K design, 1.5-2.5 K tight "
            "[REFERENCE 4]"),
    Typical("dry_coolers", "approach_k", 5.0, 10.0, "K", "T_FWS >= T_db + 5..10 K [REFERENCE 4]"),
    Typical("ups", "loss_noload", 0.005, 0.03, "", "no-load loss l0 0.01-0.015 [REFERENCE 5]"),
    Typical("pdus", "loss_pct", 0.2, 2.0, "%", "PDU/RPP 0.5-1 % loss [REFERENCE 5]"),
    Typical("transformers", "p0_pct", 0.05, 0.5, "%", "no-load loss 0.1-0.3 % [REFERENCE 5]"),
    Typical("transformers", "pk_pct", 0.3, 2.0, "%", "load loss 0.8-1.2 % [REFERENCE 5]"),
)  # fmt: skip
"""Every checked field; a field not listed here is only checked by the schema's hard bounds."""


@dataclass(frozen=True)
class PlausibilityWarning:
    """One value outside its typical range (the layout is still valid)."""

    file: str
    line: int | None
    path: str  # halls[0].racks[3].power_kw (where the value is written)
    component: str  # its id
    field: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    components: tuple[str, ...] = ()  # every component a profile's value reaches (merged)

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        u = f" {self.unit}" if self.unit and self.unit != "%" else self.unit
        return (
            f"{where}: {self.path}: warning: {self.component} {self.field} = {self.value:g}{u} is "
            f"outside the typical {self.low:g}-{self.high:g}{u} ({self.source}); check the "
            "value and its unit"
        )


AIR_FIELD_FIT = (
    "air_diffusivity_m2_s",
    "air_buoyant_drift_m_s",
    "supply_throw_scale",
    "air_plume_share",
    "jet_entrainment_scale",
)
"""Hall fields `twin calibrate` fits: a hall with any of them set has been calibrated."""
AIR_FIELD_BLIND = "2.2-48.6 K RMSE off, up to 81.5 K too hot or 16.4 K too cold"
"""The air field's error on the seven blind CFD rooms of docs/validation.md (fifth to tenth
passes: end, floor, tiles, cross, dense and the shipped small-room; thirteenth: north; their
inlets were committed before their CFD was read), on the rack-aligned grid, its default since
the ninth pass (`python -m bench.air_rooms table`, 2026-12-01 12:13 and 15:08 UTC; 3.1-12.0 K,
up to 28.6 K too hot, on the uniform grid the first five were predicted on; north, the 48.6 and
81.5 K, committed in 629817e and read 2026-12-03 13:40 UTC: its row facing away from the units
at 81-121 C where the CFD has 39-50 C)."""
AIR_KERNEL_CFD = "0.6-16.4 K RMSE off, up to 27.5 K too cold or 6.5 K too hot"
"""The kernel's error on all 22 CFD runs of the ten rooms of docs/validation.md (`python -m
bench.air_rooms table`, columns kernel_*, 2026-12-01 15:08 UTC; the 16.4 K and 27.5 K are the
north room, blind (629817e, read 2026-12-03 13:40 UTC): it puts every rack at 22-25 C where
the row facing away from the units is at 39-50 C); none of them was used to set the kernel
(its scale comes from HPE's rooms, REFERENCE 1); the 0.6 K is the contained small room
(tests/layout/test_air_caution_figures.py recomputes all three from the stored runs)."""
AIR_KERNEL_LOAD = (
    "one 10 kW rack of the small room raised to 30 kW moved no inlet by even 0.01 K, where "
    "the air field warmed its neighbours by up to 3.9 K"
)
"""The kernel's blindness to load (audit 4, A4, 2026-12-02: small-room-open with rack RA05 at
10 and 30 kW, `air_model` kernel against field; `twin.solve.rack_airflow.flow_weighted_heat`
scales an exhaust by airflow only off design, so at design B K^-1 p is the same rise for every
rack)."""
AIR_FFD_CFD = (
    "1.0-5.4 K RMSE off, up to 8.8 K, on ten CFD rooms; four were predicted blind (cross "
    "2.2-2.4 K, dense 3.3-5.6 K, small-room 1.1 K on its former grid; north 2.0-3.9 K)"
)
"""The FFD air field's error (`twin.solve.airfield_ffd`, one setting for all rooms) on the
22 runs of docs/validation.md on the rack-aligned grid, its default since 2026-12-01 16:00
UTC (`python -m bench.air_ffd --ffd-grid both`, 15:19-15:36 UTC; on the uniform grid 1.1-5.6
K, up to 9.6 K); the blind rooms' numbers are their predictions, made on the uniform grid and
committed before their CFD was read (`cross` at the seventh pass's setting, `dense` at the
eighth's, `small-room` 1374fff, `north` 629817e on the present grid: 2.01 and 3.90 K RMSE,
the 8.8 K its south-heavy run's middle racks of the row facing away from the units)."""
AIR_MODEL_CAUTION = {
    "kernel": (
        "rack inlets come from the distance kernel (air_model: kernel), which shares each "
        "rack's exhaust by distance alone and cannot see where the cooling units blow and "
        "draw, nor where the load is: at design airflow every rack's exhaust gets the same "
        f"rise, so raising or moving a rack's load changes no inlet ({AIR_KERNEL_LOAD}); on ten "
        f"CFD rooms it was {AIR_KERNEL_CFD} (docs/validation.md); read its "
        "inlets as a rough guide, or give every cooling unit of the hall position_m and set "
        "air_model: ffd (or leave air_model out: its default, auto, then picks ffd in a layout "
        f"of at most {AUTO_FFD_MAX_HALLS} such halls)"
    ),
    "field": (
        "the air field (air_model: field) is not validated: on seven blind CFD rooms its rack "
        f"inlets were {AIR_FIELD_BLIND} (docs/validation.md); calibrate it on this hall (twin "
        "calibrate) or read its inlets as a rough guide"
    ),
    "ffd": (
        "rack inlets come from the FFD air field ({why}), which does not meet its "
        f"validation targets: they were {AIR_FFD_CFD} (docs/validation.md); read them as a "
        "guide, uncertain by several K at a rack"
    ),
}
"""What each air model's caution says (one per model, naming its halls); ``{why}`` says
whether the layout named the model or `auto` chose it (`AIR_MODEL_WHY`)."""
AIR_MODEL_WHY = {
    True: "air_model: {model}",
    False: "air_model: auto, the default, picks {model} where every unit has a position",
}
"""How a caution says where its model came from: named in the layout (True) or chosen."""


@dataclass(frozen=True)
class ModelCaution:
    """A model the layout asks for that is not validated where it is used (the layout is
    still valid and solves)."""

    file: str
    line: int | None
    path: str
    component: str
    message: str
    components: tuple[str, ...] = ()  # every component it covers, where more than one

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.path}: warning: {self.component}: {self.message}"


def _air_model_cautions(layout, doc: Any, file: str) -> list[ModelCaution]:
    """One caution per air model the layout's halls use, naming them: none of the three
    meets its targets against CFD (docs/validation.md), so say how far off each was. Halls
    whose racks send no heat to air, and field and ffd halls that were calibrated, get none."""
    halls: dict[tuple[str, bool], list[int]] = {}
    models = chosen_air_models(layout.halls, layout.cooling.crahs)
    for i, hall in enumerate(layout.halls):
        model = models[hall.id]
        if not any(r.power_kw > 0 and r.liquid_fraction < 1 for r in hall.racks):
            continue
        if model == "field" and any(getattr(hall, f, None) is not None for f in AIR_FIELD_FIT):
            continue
        if model == "ffd" and getattr(hall, "air_eddy_viscosity_m2_s", None) is not None:
            continue  # `twin calibrate` writes it for an ffd hall
        written = "air_model" in getattr(hall, "model_fields_set", ()) and hall.air_model != "auto"
        halls.setdefault((model, written), []).append(i)
    out = []
    for (model, written), idx in halls.items():
        where = ("halls", idx[0], "air_model") if written else ("halls", idx[0])
        ids = tuple(str(layout.halls[i].id) for i in idx)
        why = AIR_MODEL_WHY[written].format(model=model)
        message = AIR_MODEL_CAUTION.get(model, f"air_model {model} is not validated")
        message = message.replace("{why}", why)
        out.append(_caution(file, doc, where, ids, message))
    return out


def _caution(file: str, doc: Any, where: tuple, ids: tuple[str, ...], message: str) -> ModelCaution:
    """A caution at `where` in the file (its line where the parsed `doc` is known) on `ids`."""
    return ModelCaution(
        file=file,
        line=line_of(doc, where) if doc is not None else None,
        path=format_path(where),
        component=names(ids),
        message=message,
        components=ids,
    )


OPPOSED_JETS = (
    "blow at each other along one line: where their jets meet is unstable, and the air "
    "field's symmetric answer can be several K off either way near it (in the CFD of such a "
    "room, docs/validation.md 'dense', one jet won and mirror-image racks differed by up to "
    "8.5 K, which neither air field predicted); turn one unit or offset it by more than its "
    "width, or read these inlets as uncertain"
)
"""What the caution on two units blowing at each other says (`_opposed_units`)."""


def _unit_facing(unit, hall) -> str | None:
    """A unit's facing as written, else toward the hall's centre (as the air field takes it)."""
    if unit.facing is not None:
        return unit.facing
    (x0, y0), (w, d) = hall.origin_m, hall.size_m
    cx, cy = unit.position_m[0] - x0 - w / 2.0, unit.position_m[1] - y0 - d / 2.0
    if abs(cx) / w >= abs(cy) / d:
        return "-x" if cx > 0 else "+x"
    return "-y" if cy > 0 else "+y"


def _opposed_units(layout, doc: Any, file: str) -> list[ModelCaution]:
    """One caution per pair of front-supply units of a field or ffd hall that face each other
    on one line (their footprints overlap across it): both fields put the jets' meeting point
    midway, where the CFD of the 'dense' room found one jet winning."""
    models = chosen_air_models(layout.halls, layout.cooling.crahs)
    halls = {h.id: h for h in layout.halls if models[h.id] != "kernel"}
    units = []
    for j, u in enumerate(layout.cooling.crahs):
        hall = halls.get(u.hall)
        if hall is None or u.position_m is None or hall.plenum_m > 0:
            continue
        if (u.supply_opening or "front") != "front":
            continue
        units.append((j, u, _unit_facing(u, hall)))
    out = []
    for a, (ja, ua, fa) in enumerate(units):
        for _, ub, fb in units[a + 1 :]:
            if ua.hall != ub.hall or {fa, fb} not in ({"+x", "-x"}, {"+y", "-y"}):
                continue
            along = 0 if "x" in fa else 1
            ahead = ub.position_m[along] - ua.position_m[along]
            if (ahead > 0) != (fa[0] == "+"):
                continue  # back to back: blowing apart
            if abs(ub.position_m[1 - along] - ua.position_m[1 - along]) >= UNIT_FOOTPRINT_M:
                continue  # side by side on parallel lines
            ids = (str(ua.id), str(ub.id))
            message = f"these two units {OPPOSED_JETS}"
            out.append(_caution(file, doc, ("cooling", "crahs", ja), ids, message))
    return out


def ffd_march_caution(
    layout, hall: str, spread_k: float, rack: str, lower: bool, window_move_k: float, doc=None
) -> ModelCaution:
    """The caution on an ffd hall whose inlets still depend on how long its FFD march ran
    (measured by the solve, `twin.solve.airfield_build.ffd_march_cautions`), located at the
    hall's air_model (its entry where the model comes from a default)."""
    i = next(j for j, h in enumerate(layout.halls) if str(h.id) == hall)
    written = "air_model" in getattr(layout.halls[i], "model_fields_set", ())
    message = (
        f"its rack inlets depend on how long its FFD march ran: they moved {window_move_k:.2f} "
        f"K between the march's last two quarter-turnover windows and would move "
        f"{'at least ' if lower else ''}{spread_k:.1f} K (rack {rack}) if it ran on to where it "
        f"is heading; read this hall's rack inlets as uncertain by {spread_k:.1f} K"
    )
    where = ("halls", i, "air_model") if written else ("halls", i)
    return _caution(getattr(layout, "source", None) or "<layout>", doc, where, (hall,), message)


def _components(layout) -> Iterator[tuple[str, tuple, Any]]:
    """(table, path in the file, component) for halls, racks and every power/cooling item."""
    for i, hall in enumerate(layout.halls):
        yield "halls", ("halls", i), hall
        for j, rack in enumerate(hall.racks):
            yield "racks", ("halls", i, "racks", j), rack
    for section in ("power", "cooling"):
        part = getattr(layout, section)
        for table in type(part).model_fields:
            for j, item in enumerate(getattr(part, table)):
                yield table, (section, table, j), item


def _values(value: Any) -> list[float]:
    if isinstance(value, tuple | list):
        return [float(v) for v in value]
    return [] if value is None else [float(value)]


def check(layout, doc: Any = None) -> list[PlausibilityWarning | ModelCaution]:
    """Warnings for `layout` (a validated Layout); `doc` (its parsed file, for lines) optional:
    values outside their typical range, and models asked for where they are not validated."""
    by_table: dict[str, list[Typical]] = {}
    for t in TYPICAL:
        by_table.setdefault(t.table, []).append(t)
    file = getattr(layout, "source", None) or "<layout>"
    out = []
    for table, path, item in _components(layout):
        for t in by_table.get(table, ()):
            if t.when is not None and getattr(item, t.when[0], None) != t.when[1]:
                continue
            for v in _values(getattr(item, t.field, None)):
                if (t.zero_ok and v == 0.0) or t.low <= v <= t.high:
                    continue
                where = _written_at(doc, path, t.field)
                out.append(
                    PlausibilityWarning(
                        file=file,
                        line=line_of(doc, where) if doc is not None else None,
                        path=format_path(where),
                        component=str(item.id),
                        field=t.field,
                        value=v,
                        low=t.low,
                        high=t.high,
                        unit=t.unit,
                        source=t.source,
                    )
                )
    out = _one_per_profile_value(out)
    out += _cross_component(layout, doc, file)
    out += _air_model_cautions(layout, doc, file)
    out += _opposed_units(layout, doc, file)
    out += _away_rows(layout, doc, file)
    out.sort(key=lambda w: (w.line or 0, w.path))
    return out + _calibration_cautions(layout)


def _away_rows(layout, doc: Any, file: str) -> list[ModelCaution]:
    """Rows of kernel halls whose intakes no cooling unit supplies, where the kernel reads
    far too cold (`twin.layout.plausibility_air`)."""
    from twin.layout.plausibility_air import away_row_cautions

    return away_row_cautions(layout, doc, file)


def _cross_component(layout, doc: Any, file: str) -> list[ModelCaution]:
    """Values that cannot work together, or are unit slips next to their neighbours
    (`twin.layout.plausibility_chain`): ratings against the design IT behind them, a
    standby generator as a normal source, accelerators, prices, facility water too warm, pipes
    too narrow for their loop's design flow (`twin.layout.plausibility_pipes`), cooling units
    short of their racks' heat (`twin.layout.plausibility_cooling`), halls on one another's
    floor (`twin.layout.plausibility_site`)."""
    from twin.layout import plausibility_chain as pc
    from twin.layout.plausibility_cooling import check_capacity
    from twin.layout.plausibility_pipes import check_pipes
    from twin.layout.plausibility_site import check_halls

    def caution(file, line, path, ids, message, related=()):
        ids = tuple(str(i) for i in ids)
        return ModelCaution(file, line, path, names(ids), message, (*ids, *map(str, related)))

    found = [
        *pc.check_chain(layout, doc, file, caution, _written_at),
        *pc.check_accelerators(layout, doc, file, caution, _written_at),
        *pc.check_water(layout, doc, file, caution),
        *check_pipes(layout, doc, file, caution),
        *check_capacity(layout, doc, file, caution, _written_at),
        *check_halls(layout, doc, file, caution),
    ]
    return _one_per_profile_caution(found)


def _one_per_profile_caution(found: list[ModelCaution]) -> list[ModelCaution]:
    """One caution per profile value (a UPS profile's rating typed in VA on 2,000 UPSs of a
    campus is one line, not 2,000): the first one's message, every component named."""
    out, merged = [], {}
    for w in found:
        if w.path.startswith("profiles."):
            merged.setdefault((w.line, w.path), []).append(w)
        else:
            out.append(w)
    for ws in merged.values():
        if len(ws) == 1:
            out.append(ws[0])
            continue
        subjects = tuple(w.component for w in ws)
        ids = tuple(dict.fromkeys(c for w in ws for c in w.components))
        profile = ws[0].path.split(".")[1]
        message = (
            f"{ws[0].message} (that is {subjects[0]}; the same value of profile {profile} "
            f"gives the same for {len(ws) - 1:,} more)"
        )
        out.append(replace(ws[0], component=names(subjects), message=message, components=ids))
    return out


def _calibration_cautions(layout) -> list[ModelCaution]:
    """A stale air calibration (not applied) or one whose staleness cannot be checked,
    located in its own file (`twin.layout.calibration`)."""
    from twin.layout.calibration import notes

    out = []
    for n in notes(layout):
        message = n.caution()
        if message is not None:
            out.append(ModelCaution(n.file, n.line, n.path, n.hall, message, (n.hall,)))
    return out


def _one_per_profile_value(found: list[PlausibilityWarning]) -> list[PlausibilityWarning]:
    """One warning per value written in a profile, naming the components it reaches (a
    campus profile on 7,000 racks gave 7,000 warnings of the same line); each keeps every id
    in `components`."""
    out, merged = [], {}
    for w in found:
        if not w.path.startswith("profiles."):
            out.append(w)
            continue
        key = (w.line, w.path, w.value)
        merged.setdefault(key, []).append(w)
    for ws in merged.values():
        ids = tuple(w.component for w in ws)
        out.append(replace(ws[0], component=names(ids), components=ids))
    return out


def _written_at(doc: Any, path: tuple, field: str) -> tuple:
    """Where the value is written: on the component, else in its profile, else its entry."""
    if doc is None:
        return (*path, field)
    node = doc
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return (*path, field)
    if isinstance(node, dict) and field not in node and isinstance(node.get("profile"), str):
        profiles = doc.get("profiles") if isinstance(doc, LDict) else None
        if isinstance(profiles, dict) and field in (profiles.get(node["profile"]) or {}):
            return ("profiles", node["profile"], field)
    return (*path, field)


def check_bytes(
    raw: bytes | str, name: str = "<upload>.yaml"
) -> list[PlausibilityWarning | ModelCaution]:
    """Warnings for layout text or bytes (raises `LayoutError` if it is not a valid layout).

    The text is parsed again for line numbers only when there is something to warn about.
    """
    from twin.layout import loads

    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    layout = loads(raw, name)
    found = check(layout)
    return check(layout, parse_bytes(raw, name)) if found else found


def check_file(path: str | Path) -> list[PlausibilityWarning | ModelCaution]:
    """Warnings for a layout file (raises `LayoutError` if it is not a valid layout)."""
    from twin.layout import load

    return check_loaded(load(path), path)


def check_loaded(layout, path: str | Path) -> list[PlausibilityWarning | ModelCaution]:
    """Warnings for a layout already loaded from `path` (the file is read again for line
    numbers only when there is something to warn about)."""
    found = check(layout)
    return check(layout, parse_bytes(read_bytes(path), str(path))) if found else found
