"""`twin validate` reads the weather file a layout names (audit 5 F-S): a file that exists
but is not a plausible weather year (every dry bulb 99.9 C) is a located error, exit 2, as
`solve --annual` would refuse it; a good user file validates."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pandas as pd

from twin.cli import validate


def _tmy3(dry_bulb: float | None) -> str:
    """pvlib's Greensboro TMY3, with every dry bulb set to `dry_bulb` (None: as shipped)."""
    import pvlib

    text = (Path(pvlib.__file__).parent / "data" / "723170TYA.CSV").read_text()
    head, body = text.split("\n", 1)
    if dry_bulb is None:
        return text
    df = pd.read_csv(io.StringIO(body), dtype=str)
    df["Dry-bulb (C)"] = f"{dry_bulb:.1f}"
    return head + "\n" + df.to_csv(index=False)


def _layout(layouts_dir, tmp_path, dry_bulb: float | None) -> Path:
    (tmp_path / "wx.csv").write_text(_tmy3(dry_bulb))
    text = (layouts_dir / "small-room.yaml").read_text()
    old = "weather_file: pvlib:723170TYA"
    assert text.count(old) == 1
    path = tmp_path / "room.yaml"
    path.write_text(text.replace(old, "weather_file: wx.csv"))
    return path


def _line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


def test_an_implausible_weather_year_is_a_located_error(layouts_dir, tmp_path, capsys):
    path = _layout(layouts_dir, tmp_path, 99.9)
    assert validate.run(argparse.Namespace(paths=[str(path)])) == 2
    out, err = capsys.readouterr()
    line = _line_of(path.read_text(), "weather_file: wx.csv")
    assert f"{path}:{line}: site.weather_file:" in err
    assert "dry bulb 99.9 C" in err and "not a readable EPW/TMY3 weather year" in err
    assert "ok" not in out


def test_a_good_user_weather_file_validates(layouts_dir, tmp_path, capsys):
    path = _layout(layouts_dir, tmp_path, None)
    assert validate.run(argparse.Namespace(paths=[str(path)])) == 0
    assert f"{path}: ok" in capsys.readouterr().out
