"""A site file without `weather_file` runs on the layout's weather, and the comparison says
which file and why (audit 5 F-F: `compare-sites` ran it as the layout's Greensboro year
under the site's name, without a word)."""

from __future__ import annotations

from pathlib import Path

from twin.model import Twin
from twin.scenarios.sites import compare, load_site
from twin.scenarios.timeline import TimelineSpec

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def test_a_site_without_weather_says_it_runs_on_the_layouts(tmp_path):
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    layout = tmp_path / "room.yaml"
    layout.write_text(text)
    twin = Twin.load(layout)
    assert twin.layout.site.weather_file == "pvlib:723170TYA"
    (tmp_path / "none.yaml").write_text("name: X\n")
    (tmp_path / "own.yaml").write_text("name: Y\nweather_file: pvlib:723170TYA\n")
    sites = [load_site(str(tmp_path / "none.yaml")), load_site(str(tmp_path / "own.yaml"))]
    c = compare(twin, sites, TimelineSpec(hours=2))
    (note,) = [n for n in c.timelines["X"].notes if "weather_file" in n]
    assert note.startswith(f"{tmp_path / 'none.yaml'}: no weather_file")
    assert "pvlib:723170TYA" in note and str(layout) in note
    assert not [n for n in c.timelines["Y"].notes if "no weather_file" in n]
    # what the note says is what ran: the same outdoor air as a site naming that file
    assert c.table.at["X", "mean_t_db_c"] == c.table.at["Y", "mean_t_db_c"]
