"""A shipped layout copied with some fields changed, for tests that need a variant of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml


def edited_layout(src: Path, dest_dir: Path, name: str, edit: Callable[[dict], None]) -> str:
    """Layout `src` written to `dest_dir` / `name` after `edit(doc)` changed its document in
    place; the new file's path."""
    doc = yaml.safe_load(Path(src).read_text())
    edit(doc)
    path = Path(dest_dir) / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def with_pdu_cables(src: Path, dest_dir: Path, name: str, length_m: float) -> str:
    """Layout `src` with every PDU's feeder cable `length_m` long (a weak or collapsing
    power flow, depending on the length); the new file's path."""

    def cables(doc: dict) -> None:
        for pdu in doc["power"]["pdus"]:
            pdu["cable_length_m"] = length_m

    return edited_layout(src, dest_dir, name, cables)


def with_short_chillers(layouts_dir: Path, dest_dir: Path) -> str:
    """The AI hall with its chiller profile cut from 3,500 to 1,000 kW: even with the loop
    warmed to its cap the plant leaves ~4.5 MW of heat unremoved (audit 7's F1 case); the new
    file's path."""

    def short(doc: dict) -> None:
        doc["profiles"]["chiller-3500"]["capacity_kw"] = 1000.0

    return edited_layout(layouts_dir / "ai-factory-hall.yaml", dest_dir, "short.yaml", short)
