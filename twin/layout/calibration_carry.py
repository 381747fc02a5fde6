"""A layout derived from a calibrated one: its calibration checked again, and carried or not.

An editor edit, a placement (`twin place --apply`) or a refresh (`twin refresh -o`) builds
its layout from the plain data of a loaded one (`twin.layout.dump`), which holds the air
calibration's fitted values where it was applied: validated as they are, those values
would become the new layout's own and apply to a changed hall in silence. The mechanism
chosen: the loaded layout keeps what its calibration replaced (each note's `originals`),
so `rechecked(new, before)` gives each derived hall its own values back (a fitted field
the edit left at the calibrated value), then judges `before`'s calibration on the derived
hall as a load does (`twin.layout.calibration.judge`: its air geometry against the one it
was fitted on, its model revision against the code's) and applies it where it still holds.
The derived layout carries the notes, so a save writes its own values (`to_yaml` ->
`uncalibrated`), the plausibility check names a calibration that no longer holds, and
`beside(layout, out)` writes the calibration file next to a derived layout saved to
`out` with the entries that still hold, and says why the others were not carried.

Where: the editor judges every edit (`twin.app.edit.edited`, its incremental path too);
`twin place --apply` and `twin refresh -o` judge the layout they write
(`twin.cli.common.save_derived`). Their own before/after solves (a placement's verify
solve, the refreshed solve) keep the loaded calibration on both sides, so a what-if
compares like with like rather than a calibrated hall with an uncalibrated one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from twin.layout.calibration import (
    FIELDS,
    VERSION,
    AirCalibration,
    applied,
    judge,
    notes,
    save,
    sidecar_path,
)
from twin.layout.schema import Layout

_NOT_APPLIED = "air calibration NOT applied: "
"""How a stale note's caution starts (`AirCalibration.caution`): not repeated when not carried."""


def _own(new: Layout, found: list[AirCalibration]) -> Layout:
    """`new` with each applied note's fields back at the hall's own values, where `new`
    still holds the calibrated value (a value the edit changed is the edit's)."""
    halls = list(new.halls)
    index = {h.id: i for i, h in enumerate(halls)}
    for n in found:
        if not n.applied or n.hall not in index:
            continue
        hall = halls[index[n.hall]]
        back = {k: v for k, v in n.originals.items() if getattr(hall, k) == n.entry.fields.get(k)}
        if not back:
            continue
        own = hall.model_copy(update=back)
        keep = (hall.model_fields_set - set(back)) | (n.was_set & set(back))
        object.__setattr__(own, "__pydantic_fields_set__", set(keep))
        halls[index[n.hall]] = own
    return new.model_copy(update={"halls": halls})


def rechecked(new: Layout, before: Layout) -> Layout:
    """`new`, derived from `before` (from its `dump`, or a copy of it), with `before`'s air
    calibration judged again on it: applied where each hall's air geometry and model
    revision are still the ones it was fitted on, not applied (the hall's own values, a
    stale note saying what changed) where not; a hall `new` no longer has drops its note.
    `new` itself when `before` had no calibration."""
    found = notes(before)
    if not found:
        return new
    ids = {h.id for h in new.halls}
    own = _own(new, found)
    kept = [dataclasses.replace(n) for n in found if n.hall in ids]
    for n in kept:
        judge(n, own)
    return applied(own, kept)


def same_air_values(a: Layout, b: Layout) -> bool:
    """Whether each hall of `a` and `b` has the same calibratable values (`FIELDS`): a
    `rechecked` layout that did not drop or take up a calibration has its input's."""
    if [h.id for h in a.halls] != [h.id for h in b.halls]:
        return False
    return all(
        getattr(x, k) == getattr(y, k)
        for x, y in zip(a.halls, b.halls, strict=True)
        for k in FIELDS
    )


def status(layout: Layout) -> list[tuple[str, str, str]]:
    """(file, hall, status) of each calibration note: what a content key of a derived layout
    adds to its data, so that two layouts of the same values but another calibration state
    do not share cached cautions."""
    return [(n.file, n.hall, n.status) for n in notes(layout)]


def beside(layout: Layout, out: str | Path) -> tuple[Path | None, list[tuple[bool, str]]]:
    """Write the calibration of `layout` (a derived layout, `rechecked`, just saved to
    `out`) beside `out`, with the entries that still hold for it; returns the file written
    (None: none) and (carried, line) for each hall: carried, or not carried with what
    changed and the command that fits the hall of `out` again."""
    found = notes(layout)
    if not found:
        return None, []
    out = Path(out)
    side = sidecar_path(out)
    lines = []
    for n in found:
        n = dataclasses.replace(n, layout=str(out))  # the command to re-run names `out`
        if n.applied:
            lines.append(
                (True, f"air calibration of hall {n.hall} carried to {side} (from {n.file})")
            )
        else:
            text = f"air calibration of hall {n.hall} NOT carried to {side} (from {n.file}): "
            lines.append((False, text + str(n.caution()).removeprefix(_NOT_APPLIED)))
    if any(Path(n.file).resolve() == side.resolve() for n in found):
        lines.append((True, f"{side} is the file the layout was loaded with: left as it is"))
        return None, lines
    keep = [n.entry.model_dump(mode="json", exclude_unset=True) for n in found if n.applied]
    if not keep:
        if side.exists():
            lines.append((False, f"{side} was already there: loading {out} checks it"))
        return None, lines
    return save(out, {"calibration_version": VERSION, "layout": out.name, "halls": keep}), lines
