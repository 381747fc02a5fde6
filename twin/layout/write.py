"""Write layouts back to YAML, atomically, without losing the user's profiles.

Values a component inherits from its profile are left out again, so a saved
file is as short as the one the user wrote.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from twin.layout.schema import Layout


def dump(layout: Layout) -> dict[str, Any]:
    """The layout as plain data: defaults and profile-inherited values omitted. A hall's
    air calibration applied on load is in it (a content key, an edit or a what-if built
    from it stays calibrated); `to_yaml` writes the hall's own values instead."""
    data = layout.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["format_version"] = layout.format_version
    profiles = data.get("profiles", {})

    def strip(item: dict) -> None:
        prof = profiles.get(item.get("profile"))
        if prof:
            for key, value in prof.items():
                if key in item and item[key] == value:
                    del item[key]

    for hall in data.get("halls", []):
        for rack in hall.get("racks", []):
            strip(rack)
    for section in ("power", "cooling"):
        for items in data.get(section, {}).values():
            for item in items:
                strip(item)
    order = ["format_version", "site", "profiles", "halls", "power", "cooling", "storage"]
    order += ["accelerators", "economics"]  # a layout's own catalogue and prices survive a save
    return {k: data[k] for k in order if k in data}


def to_yaml(layout: Layout) -> str:
    """YAML text of `dump(layout)`, keys in schema order, with each hall's own air fields,
    not those its calibration file set on load (a saved layout never absorbs its
    calibration: `twin.layout.calibration.uncalibrated`)."""
    from twin.layout.calibration import uncalibrated

    return yaml.safe_dump(
        dump(uncalibrated(layout)), sort_keys=False, default_flow_style=None, width=120
    )


STALE_TEMP_S = 60.0
"""A save's temporary file older than this was left by a save that was killed."""
_RANDOM = r"\.[a-z0-9_]{8}\.tmp"
"""The end of `save`'s temporary file names: tempfile's 8 random characters and '.tmp'."""


def remove_stale_temps(
    folder: str | Path, name: str | None = None, older_than_s: float = STALE_TEMP_S
) -> list[Path]:
    """Remove the temporary files that saves into `folder` left when they were killed.

    A save removes its temporary file itself when it fails with an exception; only a
    process killed mid-write (SIGKILL, a power cut) leaves one behind. They are named
    '.NAME.XXXXXXXX.tmp' (hidden) for a save to NAME; this removes those for `name`, or
    for any layout file name (.yaml, .yml, .json) if `name` is None, that are older
    than `older_than_s` (a save takes well under a second: a younger one may belong to
    a save under way). Returns the files removed.
    """
    target = re.escape(name) if name is not None else r".+\.(?:ya?ml|json)"
    pattern = re.compile(rf"\.{target}{_RANDOM}")
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > older_than_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


def save(layout: Layout, path: str | Path) -> Path:
    """Write atomically: a crash mid-save leaves any old file at `path` intact.

    The text goes to a temporary file in the same folder ('.NAME.XXXXXXXX.tmp'), which
    then replaces `path` in one step (`os.replace`). Whatever fails on the way, the
    temporary file is removed; those that earlier saves to `path` left when they were
    killed are removed first (`remove_stale_temps`).
    """
    path = Path(path)
    text = to_yaml(layout)  # before any file exists: a failure here leaves nothing
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent, path.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    done = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path
