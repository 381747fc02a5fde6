"""A hall's air calibration, kept beside its layout and applied when the layout is loaded.

`twin calibrate room.yaml ...` writes ``room.air-calibration.yaml`` (`sidecar_path`): per
hall, the air-field parameters it fitted (``fields``), what it fitted them on (the runs,
the date, the rack-inlet RMSE before and after) and the hall's air geometry at the time
(``fitted_on``: the hall's size, height, containment, plenum and air model as written,
and a short digest per row, rack and cooling unit of everything that moves or shapes air:
positions, sizes, slots, airflows, facings, openings, blanking; not rack power, electrical
feeds, setpoints or names, which a calibration does not depend on: `fitted_on`), and the
revision of the air model's code it fitted (``air_model_revision``,
`twin.solve.air_revision.AIR_MODEL_REVISION`).

`twin.layout.load` reads that file when it sits beside the layout (`apply`):

- the fitted fields override the hall's own (**the calibration wins**, also over values the
  layout writes explicitly; the applied line says which it overrides);
- a hall whose air geometry is no longer the one it was fitted on (a rack moved, a unit
  added, the air model changed) keeps its own values, with a caution saying what changed
  and to re-run ``twin calibrate`` (`AirCalibration.caution`);
- a hall fitted on another revision of its air model's code is not applied either, with a
  caution at the file's ``air_model_revision`` line naming both revisions; a file from
  before the revision was recorded is applied with a caution that the model's code may
  have changed since (``unchecked``);
- a calibration file from before the geometry was recorded (top-level ``hall:`` and
  ``fields:``, no ``fitted_on``) is applied with a caution that whether the hall changed
  since cannot be checked, unless its air model is not the hall's (then not applied);
- a file that is not a calibration (an unknown key, a field out of its layout bounds, a
  hall the layout does not have) is a `LayoutError` naming the file, line, field and what
  is allowed: the layout does not load until it is fixed, removed or written again.

What was applied is on the layout (`notes`): `twin info` and `twin solve` print it,
`twin.layout.plausibility.check` turns the cautions into `ModelCaution` lines, and
`twin.layout.write.dump` writes the layout's own values, never the calibration's
(`uncalibrated`), so a layout saved after loading does not absorb its calibration. A layout
derived from a calibrated one (an editor edit, a placement, a refresh) is checked again and
its calibration carried or not: `twin.layout.calibration_carry`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from twin.errors import names
from twin.layout.air_choice import AUTO
from twin.layout.calibration_file import FIELDS as FIELDS
from twin.layout.calibration_file import FITTED_FIELDS as FITTED_FIELDS
from twin.layout.calibration_file import VERSION as VERSION
from twin.layout.calibration_file import Entry, File, read
from twin.layout.schema import Hall, Layout
from twin.layout.source import format_path, line_of

MIN_INLETS_PER_PARAM = 2
"""A fit needs at least this many measured inlets (racks, summed over its runs) per fitted
parameter (`twin.solve.air_calibrate.enough_inlets`). With n >= 2p measurements the residual keeps n - p >= p degrees
of freedom, so the fit's own RMSE says something about the model; with n <= p any p
parameters reproduce n numbers exactly (one rack and five parameters fitted to 0.00 K,
docs/validation.md: even a whole run of one room over-fits it, 0.28-0.31 K on it and up to
1.24 K on its held-out loads)."""
MAX_FIT_RMSE_K = 2.0
"""The largest rack-inlet RMSE a fit may leave on its own measurements and still be taken as
a calibration without --force (`twin calibrate`), and above which an applied calibration keeps
an accuracy caution (here). The uncalibrated FFD field averages 2.23 K
RMSE over the 19 stored CFD runs of docs/validation.md (and the issue's target for an
uncalibrated model is 2.0 K max error), while calibrated fits there leave 0.17-0.46 K: a fit
that cannot come within 2 K of the very data it was fitted to has not shown it is better than
the uncalibrated models, and must not silence their caution."""

SUFFIX = ".air-calibration.yaml"
HALL_GEOMETRY = ("origin_m", "size_m", "height_m", "containment", "plenum_m", "air_model")
"""Hall attributes a calibration records as written, and compares by value."""
_NOT_AIR = {
    "racks": {
        "name", "profile", "power_kw", "power_factor", "liquid_fraction", "accelerator",
        "feed_a", "feed_b", "split_a", "liquid_loop", "tenant",
    },
    "rows": {"tenant"},
    "units": {
        "name", "profile", "feed", "feed_b", "type", "capacity_kw", "t_supply_c", "fan_kw",
        "loop", "t_ambient_max_c",
    },
}  # fmt: skip
"""Fields left out of a component's digest: they do not move or shape air (power, feeds,
setpoints, names, tenancy). Every other field is in it, so a field added to the schema
later counts as geometry until listed here (a false 'stale', never a silent one)."""
_WHAT = {
    "rows": ("row", "rows", "moved, turned or resized"),
    "racks": ("rack", "racks", "moved, resized, or a changed airflow or blanking"),
    "units": ("cooling unit", "cooling units", "moved, turned, or a changed airflow or opening"),
}


def sidecar_path(layout_path: str | Path) -> Path:
    """``room.yaml`` -> ``room.air-calibration.yaml`` (beside it)."""
    return Path(layout_path).with_suffix(SUFFIX)


# ---------------------------------------------------------------------- fingerprint


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _parts(layout: Layout, hall: Hall) -> dict[str, list]:
    units = [u for u in layout.cooling.crahs if u.hall == hall.id]
    return {"rows": list(hall.rows), "racks": list(hall.racks), "units": units}


def fitted_on(layout: Layout, hall_id: str) -> dict[str, Any]:
    """The air geometry of hall `hall_id` as `twin calibrate` records it: the hall's
    `HALL_GEOMETRY` values and a digest per row, rack and cooling unit (by id)."""
    hall = next(h for h in layout.halls if h.id == hall_id)
    out: dict[str, Any] = {"hall": hall.model_dump(mode="json", include=set(HALL_GEOMETRY))}
    for part, items in _parts(layout, hall).items():
        out[part] = {
            str(c.id): _digest(
                c.model_dump(mode="json", exclude_defaults=True, exclude=_NOT_AIR[part])
            )
            for c in items
        }
    return out


def _changes(
    then: dict[str, Any], now: dict[str, Any], fitted_model: str, sets_model: bool = False
) -> list[str]:
    """What differs between two `fitted_on` records, in words (empty: the same hall). A
    layout whose `air_model` is left to the default (``auto``; ``kernel`` before it) asked for
    no model, so where the calibration sets the model itself (`sets_model`: every file `twin
    calibrate` writes) that is no change; a model the layout names is, unless it is the one
    fitted."""
    out = []
    for key in HALL_GEOMETRY:
        a, b = then["hall"].get(key), now["hall"].get(key)
        if key == "air_model" and (b in (a, fitted_model) or (sets_model and b == AUTO)):
            continue  # the calibration's own model, or the default: no change
        if a != b:
            out.append(f"{key} {_show(a)} -> {_show(b)}")
    for part, (one, many, how) in _WHAT.items():
        a, b = then.get(part, {}), now.get(part, {})
        added = [i for i in b if i not in a]
        gone = [i for i in a if i not in b]
        moved = [i for i in b if i in a and a[i] != b[i]]
        for ids, verb in ((moved, f"changed ({how})"), (added, "added"), (gone, "removed")):
            if ids:
                out.append(f"{one if len(ids) == 1 else many} {names(ids)} {verb}")
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class AirCalibration:
    """What loading did with one hall's calibration (`notes`)."""

    file: str
    line: int | None
    path: str  # halls[0] in the calibration file
    hall: str
    status: Literal["applied", "unchecked", "stale"]
    entry: Entry
    changes: list[str] = field(default_factory=list)  # why stale: what changed in the hall
    overrides: list[str] = field(default_factory=list)  # layout's explicit values it replaced
    model_from: str | None = None  # the hall's air model before, where the calibration set another
    layout: str | None = None  # the layout file it was loaded with
    originals: dict[str, Any] = field(default_factory=dict, repr=False)
    was_set: frozenset[str] = frozenset()
    fitted_model: str = "field"  # the air model it fitted (its air_model field or the hall's)
    revision_now: str | None = None  # this code's revision of `fitted_model` (code_revision)
    revision_changed: bool = False  # why stale: fitted on another revision of the model's code
    unchecked: tuple[str, ...] = ()  # what its file did not record: "geometry", "revision"
    entry_line: int | None = None  # its entry's line in the file
    revision_line: int | None = None  # its air_model_revision's line in the file
    reference: dict[str, Any] | None = field(default=None, repr=False)
    """The hall's air geometry when loaded (`fitted_on`), for an entry that does not record
    it: a layout derived from this one is checked against it (`twin.layout.calibration_carry`)."""

    @property
    def applied(self) -> bool:
        return self.status != "stale"

    def why(self) -> str:
        """Why it was not applied, in a few words."""
        out = ["the air model's code changed"] if self.revision_changed else []
        return " and ".join([*out, "the hall changed"] if self.changes else out)

    def line_text(self) -> str:
        """One line: ``air calibration applied from F (hall H: fitted D on N runs, ...)``,
        or that it was not applied and why."""
        e = self.entry
        when = f"fitted {e.fitted_utc[:10]} " if e.fitted_utc else "fitted "
        what = (
            f"hall {self.hall}: {when}on {e.runs} run{'s' if e.runs != 1 else ''}, rack inlet "
            f"RMSE {e.rmse_before_k:.2f} -> {e.rmse_after_k:.2f} K"
        )
        if not self.applied:
            return f"air calibration NOT applied from {self.file} ({what}): {self.why()}"
        extra = ""
        if self.model_from:
            extra += f"; air_model {self.model_from} -> {e.fields['air_model']}"
        if self.overrides:
            extra += f"; overrides the layout's own {', '.join(self.overrides)}"
        return f"air calibration applied from {self.file} ({what}{extra})"

    def rerun(self) -> str:
        """The command that fits this hall again, on the runs it was fitted on."""
        src = self.entry.sources
        how = ""
        if src:
            flag = "--from-csv" if self._csv() else "--from-cfd"
            how = f" {flag} {' '.join(src)}"
        layout = self.layout or "LAYOUT"
        return f"twin calibrate {layout} --hall {self.hall}{how or ' --from-cfd/--from-csv ...'}"

    def _csv(self) -> bool:
        src = self.entry.sources
        return bool(src) and all(p.lower().endswith(".csv") for p in src)

    def refit(self) -> str:
        """What to do after the hall changed: its runs were measured (or simulated) on the old
        arrangement, so fitting them again would fit the new hall to the old one's air."""
        layout = self.layout or "LAYOUT"
        old = f" ({', '.join(self.entry.sources)})" if self.entry.sources else ""
        if self._csv() or not self.entry.sources:
            return (
                f"measure the rack inlets again in the hall as it now stands and run `twin "
                f"calibrate {layout} --hall {self.hall} --from-csv NEW.csv` with that CSV: the "
                f"measurements it was fitted on{old} are of the old arrangement"
            )
        return (
            f"export and run the CFD case of the hall as it now stands (twin cfd export, twin "
            f"cfd run) and run `twin calibrate {layout} --hall {self.hall} --from-cfd NEWDIR`: "
            f"the cases it was fitted on{old} are of the old arrangement"
        )

    def poor(self) -> str | None:
        """Why an applied calibration is not to be trusted as one (None: it may be): its fit
        left more than `MAX_FIT_RMSE_K` on its own measurements (written with --force, or
        before twin checked), or it fitted fewer than `MIN_INLETS_PER_PARAM` measured inlets
        per parameter (twin.solve.air_calibrate)."""
        e = self.entry
        why = []
        if e.rmse_after_k > MAX_FIT_RMSE_K:
            most = e.max_error_after_k
            why.append(
                f"its fit still leaves {e.rmse_after_k:.2f} K RMSE"
                + (f" (max {most:.2f} K)" if most is not None else "")
                + f" on the inlets it was fitted to, above the {MAX_FIT_RMSE_K:g} K a "
                "calibration must reach"
            )
        n_params = sum(1 for k in e.fields if k in FITTED_FIELDS)
        if e.racks < MIN_INLETS_PER_PARAM * n_params:
            why.append(
                f"it fitted {n_params} parameters to {e.racks} measured inlet"
                f"{'s' if e.racks != 1 else ''} (at least {MIN_INLETS_PER_PARAM} per parameter, "
                f"{MIN_INLETS_PER_PARAM * n_params}, are needed)"
            )
        return "; and ".join(why) or None

    def _revisions(self) -> str:
        now = repr(self.revision_now) if self.revision_now else "none declared"
        return (
            f"it was fitted on revision {self.entry.air_model_revision!r} of the "
            f"{self.fitted_model} air model and this twin's is {now} (the model's code changed "
            "since: the fitted values are for the old code)"
        )

    def caution(self) -> str | None:
        """The caution of a stale or unchecked calibration (None when applied and checked)."""
        if self.status == "stale":
            why = [self._revisions()] if self.revision_changed else []
            if self.changes:
                why.append(f"the hall is not the one it was fitted on: {'; '.join(self.changes)}")
            return (
                f"air calibration NOT applied: {'; and '.join(why)}; its inlets come from the "
                "uncalibrated model; "
                + (self.refit() if self.changes else f"re-run `{self.rerun()}`")
            )
        poor = self.poor()
        if poor is not None:
            return (
                f"air calibration applied but NOT validated: {poor}; the hall's inlets are "
                "not shown to be better than the uncalibrated model's (itself not validated, "
                "docs/validation.md): read them as a rough guide, measure more racks or runs "
                "and calibrate again, or delete the calibration file"
            )
        if self.status == "unchecked":
            now = f" (this twin's is revision {self.revision_now!r})" if self.revision_now else ""
            if self.unchecked == ("revision",):
                return (
                    "air calibration applied, but its file is from before twin recorded the "
                    f"revision of the air model it fitted: whether the {self.fitted_model} "
                    f"model's code changed since{now} cannot be checked; re-run "
                    f"`{self.rerun()}` to record it"
                )
            if self.unchecked == ("geometry",):
                return (
                    "air calibration applied, but its file is from before twin recorded the "
                    "hall it was fitted on: whether racks or units moved since cannot be "
                    f"checked; re-run `{self.rerun()}` to record it"
                )
            return (
                "air calibration applied, but its file is from before twin recorded the hall "
                "it was fitted on and the revision of the air model it fitted: whether racks "
                f"or units moved, or the {self.fitted_model} model's code changed{now}, since "
                f"cannot be checked; re-run `{self.rerun()}` to record them"
            )
        return None


def code_revision(model: str) -> str | None:
    """This code's revision of air model `model` (`twin.solve.air_revision`, its one
    declaration; None for a model twin calibrate does not fit). Read only when a layout has
    a calibration file: a dict look-up once the module is imported."""
    from twin.solve.air_revision import AIR_MODEL_REVISION

    return AIR_MODEL_REVISION.get(model)


def judge(note: AirCalibration, layout: Layout) -> None:
    """Set `note`'s status for `layout` (its halls' own values, not calibrated): stale where
    the hall's air geometry is not the one it was fitted on or the fitted model's code is
    another revision; unchecked where its file recorded neither (applied, with a caution)."""
    hall = next(h for h in layout.halls if h.id == note.hall)
    e = note.entry
    model = note.fitted_model = e.fields.get("air_model", hall.air_model)
    note.changes, note.unchecked, note.revision_changed = [], (), False
    then = e.fitted_on.model_dump() if e.fitted_on is not None else note.reference
    if then is None:
        note.unchecked = ("geometry",)
        if hall.air_model != model:
            note.changes = [f"air_model {model} in the calibration, {hall.air_model} in the layout"]
    else:
        note.changes = _changes(then, fitted_on(layout, note.hall), model, "air_model" in e.fields)
    note.revision_now = code_revision(model)
    if e.air_model_revision is None:
        note.unchecked = (*note.unchecked, "revision")
    elif e.air_model_revision != note.revision_now:
        note.revision_changed = True
    note.status = "stale" if note.changes or note.revision_changed else "applied"
    if note.status == "applied" and note.unchecked:
        note.status = "unchecked"
    only_revision = note.revision_changed and not note.changes
    note.line = note.revision_line if only_revision and note.revision_line else note.entry_line


def applied(layout: Layout, found: list[AirCalibration]) -> Layout:
    """`layout` (its halls' own values) with the fields of each applied note in `found` set
    on its hall (the calibration wins), the notes on it (`notes`)."""
    halls = list(layout.halls)
    index = {h.id: i for i, h in enumerate(halls)}
    for note in found:
        note.originals, note.was_set, note.overrides, note.model_from = {}, frozenset(), [], None
        if not note.applied:
            continue
        i = index[note.hall]
        hall, fields = halls[i], dict(note.entry.fields)
        note.originals = {k: getattr(hall, k) for k in fields}
        note.was_set = frozenset(k for k in fields if k in hall.model_fields_set)
        note.overrides = [
            k
            for k in fields
            if k in note.was_set and k != "air_model" and getattr(hall, k) != fields[k]
        ]
        if fields.get("air_model", hall.air_model) != hall.air_model:
            note.model_from = hall.air_model
        halls[i] = hall.model_copy(update=fields)
    out = layout.model_copy(update={"halls": halls})
    out._air_calibration = list(found)
    return out


def notes(layout: Layout) -> list[AirCalibration]:
    """What loading did with the layout's air calibration file (empty: there was none)."""
    return list(getattr(layout, "_air_calibration", None) or ())


def apply(layout: Layout, layout_path: str | Path) -> Layout:
    """`layout` with the calibration beside `layout_path` applied (see the module
    docstring); `layout` itself when there is no calibration file."""
    path = sidecar_path(layout_path)
    if not path.exists():  # a dangling symlink or a directory is read (and refused) below
        if not path.is_symlink():
            return layout
    entries, doc, file = read(path, layout)
    old = isinstance(doc, dict) and "calibration_version" not in doc
    found = []
    for j, entry in enumerate(entries):
        where = () if old else ("halls", j)
        line = line_of(doc, where)
        note = AirCalibration(
            file, line, format_path(where) or "hall", entry.hall, "applied", entry
        )
        note.layout, note.entry_line = str(layout_path), line
        note.revision_line = line_of(doc, (*where, "air_model_revision"))
        judge(note, layout)
        if entry.fitted_on is None:  # what a layout derived from this one is checked against
            note.reference = fitted_on(layout, entry.hall)
        found.append(note)
    return applied(layout, found)


def uncalibrated(layout: Layout) -> Layout:
    """`layout` with each hall's own air fields back (the layout file's values), for
    writing it: a saved layout never absorbs its calibration."""
    applied = [n for n in notes(layout) if n.applied]
    if not applied:
        return layout
    halls = list(layout.halls)
    for n in applied:
        for i, hall in enumerate(halls):
            if hall.id != n.hall:
                continue
            own = hall.model_copy(update=n.originals)
            keep = (hall.model_fields_set - set(n.originals)) | n.was_set
            object.__setattr__(own, "__pydantic_fields_set__", set(keep))
            halls[i] = own
    out = layout.model_copy(update={"halls": halls})
    out._air_calibration = []
    return out


# -------------------------------------------------------------------------- writing


def entry(layout: Layout, hall_id: str, fields: dict[str, Any], **fit: Any) -> dict[str, Any]:
    """One hall's entry as `twin calibrate` writes it (`fit`: fitted_utc, sources, runs,
    racks, rmse_before_k, rmse_after_k, max_error_before_k, max_error_after_k, and
    air_model_revision: the revision of the model fitted, this code's by default)."""
    hall = next(h for h in layout.halls if h.id == hall_id)
    revision = fit.pop("air_model_revision", None)
    if revision is None:
        revision = code_revision(fields.get("air_model", hall.air_model))
    out = {"hall": hall_id, **fit, "fields": fields, "air_model_revision": revision,
           "fitted_on": fitted_on(layout, hall_id)}  # fmt: skip
    Entry.model_validate(out)  # what load will read back
    return out


def document(layout_path: str | Path, new: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The calibration file's content with `new` (an `entry`) in it: the other halls'
    entries of a current file beside the layout are kept; returns it and what was dropped
    (an old or unreadable file is replaced whole)."""
    import yaml

    path = sidecar_path(layout_path)
    kept, dropped = [], []
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            File.model_validate(data)
            kept = [raw for raw in data["halls"] if raw["hall"] != new["hall"]]
        except (OSError, ValueError, TypeError, KeyError, yaml.YAMLError):
            dropped.append(f"{path} was not a current calibration file: replaced whole")
    halls = sorted([*kept, new], key=lambda e: str(e["hall"]))
    doc = {"calibration_version": VERSION, "layout": Path(layout_path).name, "halls": halls}
    return doc, dropped


def save(layout_path: str | Path, doc: dict[str, Any]) -> Path:
    """Write `doc` (from `document`) beside the layout, with `HEADER`; returns its path."""
    import yaml

    path = sidecar_path(layout_path)
    text = HEADER.format(layout=Path(layout_path).name)
    path.write_text(
        text + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=100)
    )
    return path


HEADER = (
    "# twin calibrate: the air calibration of {layout}. twin loads it with the layout and\n"
    "# applies each hall's fields (they override the hall's own) while the hall's air\n"
    "# geometry is the one recorded under fitted_on; after moving racks or units, re-run\n"
    "# twin calibrate. Delete this file (or use --no-calibration) to run uncalibrated.\n"
)
