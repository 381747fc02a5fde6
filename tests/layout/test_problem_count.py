"""The count `twin validate` prints is the number of problems: the note that refused
components were left out of the later checks is not one of them (audit 2026-12-01).

The same two problems are what `LayoutError.problems` holds and what the app's editor
lists: one question, one answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.edit import field_errors
from twin.cli import main
from twin.errors import LayoutError
from twin.layout import load

SMALL = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


@pytest.fixture
def two_mistakes(tmp_path: Path) -> Path:
    """small-room with `powr_kw` typed for RA06 and 5000 kW for RB10 (the README example)."""
    lines = SMALL.read_text().splitlines()
    assert "RA06" in lines[39] and "RB10" in lines[53]
    lines[39] = lines[39].replace("power_kw:", "powr_kw:")
    lines[53] = lines[53].replace("power_kw: 5.0", "power_kw: 5000.0")
    path = tmp_path / "hall.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_validate_counts_problems_not_the_note(two_mistakes: Path, capsys) -> None:
    assert main(["validate", str(two_mistakes)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "2 problems in layout:"
    assert len([e for e in err[1:] if not e.startswith("  note: ")]) == 2
    notes = [e for e in err if e.startswith("  note: ")]
    assert len(notes) == 1 and "left out of the reference" in notes[0]


def test_error_object_and_editor_agree_with_the_count(two_mistakes: Path) -> None:
    with pytest.raises(LayoutError) as info:
        load(two_mistakes)
    exc = info.value
    assert [p.component for p in exc.problems] == ["RA06", "RB10"]
    assert len(exc.notes) == 1 and "left out" in exc.notes[0].message
    assert str(exc).startswith(f"{len(exc.problems)} problems in layout:")
    listed = [m for msgs in field_errors(exc).values() for m in msgs]
    assert len(listed) == len(exc.problems)


def test_schema_stop_note_is_not_counted(tmp_path: Path) -> None:
    """A refused hall id stops the cross-checks: its note is not a problem either."""
    text = SMALL.read_text().replace("- id: ROOM", "- id: [ROOM]", 1)
    assert text != SMALL.read_text()
    path = tmp_path / "hall.yaml"
    path.write_text(text)
    with pytest.raises(LayoutError) as info:
        load(path)
    exc = info.value
    assert len(exc.notes) == 1 and "not checked" in exc.notes[0].message
    assert all("not checked" not in p.message for p in exc.problems)
    assert str(exc).startswith(f"{len(exc.problems)} problem")
