"""Write layouts back to YAML, atomically, without losing the user's profiles.

Values a component inherits from its profile are left out again, so a saved
file is as short as the one the user wrote.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from twin.layout.schema import Layout


def dump(layout: Layout) -> dict[str, Any]:
    """The layout as plain data: defaults and profile-inherited values omitted."""
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
    order = ["format_version", "site", "profiles", "halls", "power", "cooling"]
    return {k: data[k] for k in order if k in data}


def to_yaml(layout: Layout) -> str:
    """YAML text of `dump(layout)`, keys in schema order."""
    return yaml.safe_dump(dump(layout), sort_keys=False, default_flow_style=None, width=120)


def save(layout: Layout, path: str | Path) -> Path:
    """Write atomically: a crash mid-save leaves any old file at `path` intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(to_yaml(layout))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
