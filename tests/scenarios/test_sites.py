"""Sites side by side: one `twin timeline` year per site, checked against `twin timeline`
itself, physics (a colder year cools for less), the energy balance and an independent
annual model (`twin.metrics.pue.annual`, bins of the coupled solve)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from twin.cli import main
from twin.errors import LayoutError
from twin.layout import loads
from twin.layout.generate import HallSpec, site
from twin.model import Twin
from twin.scenarios.sites import compare, load_site
from twin.scenarios.timeline import TimelineSpec
from twin.scenarios.workloads import Pattern

GSO = "pvlib:723170TYA"  # Greensboro NC TMY3, shipped inside pvlib
SITES = Path(__file__).resolve().parents[2] / "layouts" / "sites"


def tower_hall_doc(weather: str | None = GSO) -> dict:
    """One row of 16 NVL72 racks, water-cooled chillers with cooling towers and dry coolers
    (so every term a site changes shows: free cooling, tower water, chillers)."""
    return site("tower hall", [HallSpec("H1", [("nvl72", 1)], condenser="tower")], weather=weather)


def shifted_tmy3(path: Path, dk: float) -> Path:
    """Greensboro's TMY3 year with dry bulb and dew point `dk` K lower (RH kept): the same
    site's year, uniformly colder (a closed-form edit of a real file)."""
    import pvlib

    src = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    head = src.read_text().splitlines()[0]
    df = pd.read_csv(src, skiprows=1)
    for col in ("Dry-bulb (C)", "Dew-point (C)"):
        df[col] = df[col] + dk
    path.write_text(head + "\n" + df.to_csv(index=False))
    return path


def write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    d = tmp_path_factory.mktemp("sites")
    layout = write(d / "hall.yaml", tower_hall_doc())
    twin = Twin.load(layout)
    same = write(
        d / "same.yaml",
        {
            "name": "the layout's own",
            "weather_file": GSO,
            "energy_price_usd_per_kwh": twin.layout.economics.energy_price_usd_per_kwh,
            "grid_co2_kg_per_kwh": twin.layout.site.grid_co2_kg_per_kwh,
            "grid_mw": twin.layout.site.grid_mw,
        },
    )
    cold = write(
        d / "cold.yaml",
        {"name": "6 K colder", "weather_file": "cold.csv", "water_usd_per_m3": 2.0},
    )
    shifted_tmy3(d / "cold.csv", -6.0)
    sites = [load_site(same), load_site(cold), load_site(SITES / "sand-point-ak.yaml")]
    return layout, twin, compare(twin, sites)


def test_identical_site_gives_twin_timeline_numbers(hall, capsys):
    """A site that repeats the layout's weather and tariff is `twin timeline`: same numbers."""
    layout, _, c = hall
    assert main(["timeline", str(layout), "--json"]) == 0
    k = json.loads(capsys.readouterr().out)["kpis"]
    row = c.table.loc["the layout's own"]
    for key in ("pue", "it_mwh", "facility_mwh", "grid_mwh", "cooling_mwh", "energy_cost_usd",
                "demand_charge_usd", "carbon_t", "wue_l_per_kwh", "free_cooling_hours",
                "water_m3", "peak_grid_mw"):  # fmt: skip
        assert row[key] == k[key], key
    assert row["total_cost_usd"] > k["cost_usd"]  # plus capex and opex
    assert row["water_cost_usd"] == 0.0  # water not priced in that site file


def test_a_colder_year_has_more_free_cooling_and_lower_pue(hall):
    _, _, c = hall
    t = c.table
    warm, cold = t.loc["the layout's own"], t.loc["6 K colder"]
    assert cold["mean_t_db_c"] == pytest.approx(warm["mean_t_db_c"] - 6.0, abs=1e-6)
    assert cold["free_cooling_hours"] >= warm["free_cooling_hours"]
    assert cold["pue"] <= warm["pue"]
    assert cold["cooling_mwh"] <= warm["cooling_mwh"]
    assert warm["free_cooling_hours"] > 0 and warm["water_m3"] > 0  # the hall uses both
    real = t.loc["Sand Point, AK"]  # a real cold year (pvlib's 703165 TMY3)
    assert real["free_cooling_hours"] > warm["free_cooling_hours"]
    assert real["pue"] < warm["pue"]


def test_every_run_balances_and_the_monthly_table_adds_up(hall):
    _, _, c = hall
    for name, tl in c.timelines.items():
        k, s = tl.kpis, tl.steps
        assert abs(k["balance_residual_rel"]) <= 1e-6, name
        gap = s["grid_kw"] - (s["it_kw"] + s["losses_kw"] + s["cooling_kw"])
        assert np.abs(gap).max() <= 1e-6 * s["grid_kw"].max(), name
        m = c.monthly[c.monthly["site"] == name]
        assert list(m["month"]) == list(range(1, 13))
        row = c.table.loc[name]
        cost = row["energy_cost_usd"] + row["water_cost_usd"]
        assert m["cost_usd"].sum() == pytest.approx(cost, rel=1e-9)
        assert m["carbon_t"].sum() == pytest.approx(row["carbon_t"], rel=1e-9)
    cold = c.table.loc["6 K colder"]
    assert cold["water_cost_usd"] == pytest.approx(2.0 * cold["water_m3"], rel=1e-12)
    assert cold["wue_l_per_kwh"] == pytest.approx(cold["water_m3"] / cold["it_mwh"], rel=1e-12)


def test_full_load_year_agrees_with_the_binned_annual_model(hall):
    """At constant full load the timeline's annual PUE and water are those of
    `twin.metrics.pue.annual` (the coupled solve at every 3 K weather bin, each with its own
    wet bulb: a different method) within 1 % and 15 %: the timeline's wet bulb is the median
    depression at each dry bulb (tower water follows the wet bulb)."""
    from twin.metrics.pue import annual

    _, twin, _ = hall
    full = TimelineSpec(workload="inference", pattern=Pattern(kind="inference", mid=1.0, amp=0.0))
    c = compare(twin, [load_site(SITES / "greensboro-nc.yaml")], full)
    row = c.table.iloc[0]
    a = annual(twin, weather=GSO)
    assert row["pue"] == pytest.approx(a.pue, rel=0.01)
    assert row["water_m3"] == pytest.approx(a.water_m3, rel=0.15)


def test_bad_site_files_name_file_key_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nenergy_price_usd_per_kwh: [0.1, 0.2]\ngrid_mw: -3\nwater: 1\n")
    with pytest.raises(LayoutError) as e:
        load_site(bad)
    text = str(e.value)
    assert f"{bad}:2: energy_price_usd_per_kwh: 2 values" in text
    assert f"{bad}:3: grid_mw: -3 is out of range" in text
    assert f"{bad}:4: water: unknown key" in text
    # a typo names the key it resembles; a location that is not text is refused at its line
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: x\ngrid_mv: 5\nlocation: [36.1, -79.8]\n")
    with pytest.raises(LayoutError) as e:
        load_site(typo)
    assert f"{typo}:2: grid_mv: unknown key; did you mean 'grid_mw'?" in str(e.value)
    assert f"{typo}:3: location: a place name as text" in str(e.value)
    (tmp_path / "w.yaml").write_text("name: y\nweather_file: nowhere.epw\n")
    with pytest.raises(LayoutError, match=r"w.yaml:2: weather_file: .*nowhere.epw"):
        load_site(tmp_path / "w.yaml")
    (tmp_path / "p.csv").write_text("usd_per_kwh\n" + "0.1\n" * 23 + "x\n")
    (tmp_path / "c.yaml").write_text("name: z\nhourly_csv: p.csv\n")
    with pytest.raises(LayoutError, match=r"p.csv:25: usd_per_kwh 'x' is not a number"):
        load_site(tmp_path / "c.yaml")


def test_hourly_prices_from_a_csv(tmp_path):
    """24 hour-of-day prices from a CSV reach the timeline (the monthly energy cost is
    grid kWh x that hour's price)."""
    price = np.where(np.arange(24) >= 12, 0.2, 0.05)
    pd.DataFrame({"usd_per_kwh": price}).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "s.yaml").write_text("name: tou\nhourly_csv: p.csv\n")
    s = load_site(tmp_path / "s.yaml")
    assert np.array_equal(s.price_usd_per_kwh, price)
    # no weather file anywhere: the design point (one fit row), prices are what is tested
    twin = Twin.from_layout(loads(yaml.safe_dump(tower_hall_doc(None)), "h.yaml"))
    tl = compare(twin, [s], TimelineSpec(hours=48.0)).timelines["tou"]
    hour = tl.steps.index.hour
    assert np.array_equal(tl.steps["price_usd_per_kwh"], price[hour])
