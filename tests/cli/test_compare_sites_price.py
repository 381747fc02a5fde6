"""A site file's energy price typed in cents (7.15 for 7.15 c/kWh, audit 5 F-F) gets a
located "did you mean cents?" warning, as a layout's economics price does in `twin validate`
(twin.layout.plausibility_chain); the shipped site files get none."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli.compare_sites import price_warning
from twin.scenarios.sites import load_site

SITES = sorted((Path(__file__).resolve().parents[2] / "layouts" / "sites").glob("*.yaml"))


def test_a_price_in_cents_is_warned_at_its_line(tmp_path):
    path = tmp_path / "cents.yaml"
    path.write_text("name: X\nweather_file: pvlib:723170TYA\nenergy_price_usd_per_kwh: 7.15\n")
    note = price_warning(str(path), load_site(path).price_usd_per_kwh)
    assert note is not None and note.startswith(f"{path}:3: energy_price_usd_per_kwh: warning:")
    assert "did you mean cents? 7.15 c/kWh = 0.0715 USD/kWh" in note


def test_hourly_prices_in_cents_are_warned_by_their_median(tmp_path):
    path = tmp_path / "hourly.yaml"
    path.write_text("name: X\nenergy_price_usd_per_kwh: [" + ", ".join(["8.0"] * 24) + "]\n")
    note = price_warning(str(path), load_site(path).price_usd_per_kwh)
    assert note is not None and "median" in note and ":2:" in note


@pytest.mark.parametrize("path", SITES, ids=lambda p: p.name)
def test_shipped_site_files_get_no_warning(path):
    assert price_warning(str(path), load_site(path).price_usd_per_kwh) is None
