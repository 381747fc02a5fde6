"""Hourly price and carbon: one reader and one set of bounds for `twin timeline --hourly`
and a site file (audit 5 F-Y): g/kWh typed as kg refused by both (it gave 2,176 t for
2.18), a non-numeric cell named at its line (it read as a missing row), negative prices
allowed and costed as they are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.cli import main
from twin.errors import LayoutError
from twin.model import Twin
from twin.scenarios.sites import load_site
from twin.scenarios.timeline import TimelineSpec, simulate

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def _room(tmp_path) -> Path:
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    path = tmp_path / "room.yaml"
    path.write_text(text)
    return path


def test_grams_typed_as_kg_are_refused_by_both_paths(tmp_path, capsys):
    room = _room(tmp_path)
    csv = tmp_path / "co2.csv"
    csv.write_text("kg_co2_per_kwh\n" + "450\n" * 24)
    assert main(["timeline", str(room), "--hours", "24", "--hourly", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "co2.csv:2: kg_co2_per_kwh 450 is out of range: give 0 to 2" in err
    assert "g/kWh" in err
    # the site file says the same of the same CSV and of the same values written inline
    (tmp_path / "s.yaml").write_text("name: s\nhourly_csv: co2.csv\n")
    with pytest.raises(LayoutError, match=r"co2.csv:2: kg_co2_per_kwh 450 is out of range"):
        load_site(tmp_path / "s.yaml")
    (tmp_path / "i.yaml").write_text(
        "name: i\ngrid_co2_kg_per_kwh: [" + ", ".join(["450"] * 24) + "]\n"
    )
    with pytest.raises(
        LayoutError, match=r"grid_co2_kg_per_kwh\[0\]: must be a number 0 to 2; .*g/kWh"
    ):
        load_site(tmp_path / "i.yaml")


def test_a_non_numeric_cell_is_named_at_its_line(tmp_path, capsys):
    room = _room(tmp_path)
    csv = tmp_path / "nanp.csv"
    csv.write_text("usd_per_kwh\n" + "0.1\n" * 5 + "nan\n" + "0.1\n" * 18)  # 24 rows
    assert main(["timeline", str(room), "--hours", "24", "--hourly", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "nanp.csv:7: usd_per_kwh 'nan' is not a number" in err and "rows" not in err


def test_negative_prices_are_allowed_and_costed_as_given(tmp_path):
    twin = Twin.load(_room(tmp_path))
    price = np.where(np.arange(24) < 6, -0.02, 0.08)  # night hours below zero
    csv = tmp_path / "neg.csv"
    csv.write_text("usd_per_kwh\n" + "".join(f"{p}\n" for p in price))
    from twin.cli.timeline import _hourly

    read, _ = _hourly(str(csv))
    np.testing.assert_array_equal(read, price)
    tl = simulate(twin, TimelineSpec(hours=24, weather=False, price_usd_per_kwh=read))
    # the energy cost by hand: each hour's grid kWh at its hour's price
    by_hand = float((tl.steps["grid_kw"].to_numpy() * price).sum())
    assert tl.kpis["energy_cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand < float(tl.steps["grid_kw"].sum()) * 0.08
    assert load_site_neg(tmp_path).price_usd_per_kwh == -0.02


def load_site_neg(tmp_path):
    (tmp_path / "n.yaml").write_text("name: n\nenergy_price_usd_per_kwh: -0.02\n")
    return load_site(tmp_path / "n.yaml")


def test_prices_that_read_as_cents_are_warned_of(tmp_path, capsys):
    room = _room(tmp_path)
    csv = tmp_path / "cents.csv"
    csv.write_text("usd_per_kwh\n" + "8.0\n" * 24)
    assert (
        main(["timeline", str(room), "--hours", "2", "--design-weather", "--hourly", str(csv)]) == 0
    )
    err = capsys.readouterr().err
    assert "cents.csv: warning: usd_per_kwh 8 USD/kWh is above 1" in err and "0.08 USD/kWh" in err
    csv.write_text("usd_per_kwh\n" + "0.08\n" * 24)
    assert (
        main(["timeline", str(room), "--hours", "2", "--design-weather", "--hourly", str(csv)]) == 0
    )
    assert "warning" not in capsys.readouterr().err


def test_compare_sites_says_a_site_runs_on_the_design_point(tmp_path, capsys):
    text = _room(tmp_path).read_text()
    room = tmp_path / "noweather.yaml"
    room.write_text("\n".join(x for x in text.splitlines() if "weather_file" not in x) + "\n")
    (tmp_path / "s.yaml").write_text("name: Nowhere\n")
    assert (
        main(["compare-sites", str(room), "--site", str(tmp_path / "s.yaml"), "--hours", "2"]) == 0
    )
    out = capsys.readouterr().out
    assert "note (Nowhere): no weather year" in out
