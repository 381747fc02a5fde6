"""A bad site file's error says "site file", not "layout": `twin compare-sites LAYOUT --site
bad.yaml` printed "1 problem in layout:" above the site file's line, sending the reader to
the wrong file."""

from __future__ import annotations

import pytest

from twin.cli import main
from twin.errors import LayoutError
from twin.scenarios.sites import load_site


def test_site_file_problems_are_headed_site_file(tmp_path, capsys, layouts_dir):
    bad = tmp_path / "bad-site.yaml"
    bad.write_text("name: X\nprice: 1\n")
    with pytest.raises(LayoutError) as exc:
        load_site(bad)
    assert str(exc.value).startswith("1 problem in site file:\n")
    assert f"{bad}:2: price: unknown key" in str(exc.value)
    layout = str(layouts_dir / "small-room.yaml")
    assert main(["compare-sites", layout, "--site", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("1 problem in site file:")


def test_layout_problems_still_say_layout(tmp_path):
    assert str(LayoutError([])).startswith("0 problems in layout")
