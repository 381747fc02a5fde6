"""`twin timeline`: the headline numbers, the same as the Python API, and clear errors."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from twin.cli import main
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate

HALL = "layouts/ai-factory-hall.yaml"
HYBRID = "layouts/hybrid-inference.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_matches_the_python_api(capsys):
    out = _json(capsys, ["timeline", HALL, "--hours", "48", "--json"])
    k = out["kpis"]
    for key in ("peak_grid_mw", "grid_mwh", "cost_usd", "carbon_t", "balance_residual_rel"):
        assert key in k
    assert abs(k["balance_residual_rel"]) < 1e-6
    api = simulate(Twin.load(HALL), TimelineSpec(hours=48)).kpis
    assert k["peak_grid_mw"] == api["peak_grid_mw"] and k["cost_usd"] == api["cost_usd"]
    assert k["steps"] == 48 and out["violations"] == []


def test_bess_dr_and_parquet(capsys, tmp_path):
    pq = tmp_path / "steps.parquet"
    argv = ["timeline", HALL, "--hours", "6", "--step-s", "1", "--bess-mwh", "4", "--bess-mw", "3",
            "--dr-mw", "3", "--dr-start-h", "2", "--dr-hours", "1", "--parquet", str(pq), "--json"]  # fmt: skip
    k = _json(capsys, argv)["kpis"]
    assert k["bess_mwh"] == 4 and 0.1 - 1e-9 <= k["soc_min_frac"] <= k["soc_max_frac"] <= 0.9 + 1e-9
    assert k["tokens_lost"] > 0
    steps = pd.read_parquet(pq)
    assert len(steps) == 6 * 3600 and steps["grid_kw"].max() / 1000 == pytest.approx(
        k["peak_grid_mw"]
    )


def test_text_output(capsys):
    assert main(["timeline", HYBRID, "--hours", "24", "--workload", "inference"]) == 0
    text = capsys.readouterr().out
    assert "peak grid import" in text and "MW" in text and "energy balance residual" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--policy", "smoothing", "--bess-mwh", "1", "--bess-mw", "1"], "needs --ramp-mw-s"),
        (["--bess-mwh", "1"], "--bess-mwh and --bess-mw go together"),
        (["--policy", "peak-shaving"], "needs a BESS"),
        (["--cap", "NOPE=0.5"], "no hall 'NOPE'"),
        (["--cap", "1.5"], "fraction must be 0-1"),
        (["--trace", "missing.csv"], "no such trace file"),
        (["--hours", "1.5"], "not a whole number of steps"),
        (["--dr-mw", "5", "--dr-start-h", "9000"], "after the horizon"),
        (["--start", "yesterday-ish"], "not an ISO 8601 date-time"),
        (["--parquet", "out.csv"], "use a .parquet file name"),
        (["--rack-cap", "NOPE=0.5"], "rack cap for 'NOPE': no such rack"),
        (["--row-cap", "H1-R01"], "--row-cap H1-R01: give ROW=FRACTION"),
        (["--row-cap", "H1-R01=2"], "the fraction 0-1"),
    ],
)
def test_bad_options_exit_2_with_a_message(capsys, argv, message):
    assert main(["timeline", HALL, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_trace_names_line_and_column(capsys, tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_text("time_s,H1\n0,1000\n60,99999\n")
    assert main(["timeline", HALL, "--hours", "1", "--trace", str(trace)]) == 2
    err = capsys.readouterr().err
    assert "t.csv:3: H1 at 99999 kW is above its design" in err
    trace.write_text("time_s,H1\n0,1000\n60,oops\n")
    assert main(["timeline", HALL, "--hours", "1", "--trace", str(trace)]) == 2
    assert "t.csv:3: H1 is not a number" in capsys.readouterr().err


def test_trace_drives_the_load(capsys, tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_text("time_s,fraction\n0,0.5\n1800,1.0\n")
    out = _json(capsys, ["timeline", HALL, "--hours", "2", "--step-s", "900", "--trace", str(trace),
                         "--json"])  # fmt: skip
    design_mw = Twin.load(HALL).it_kw / 1000
    # the trace repeats every hour: half the steps at 0.5, half at 1.0 of design
    assert out["kpis"]["it_mwh"] == pytest.approx(design_mw * 0.75 * 2, rel=1e-12)


def test_hourly_prices(capsys, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("usd_per_kwh\n" + "\n".join(["0.05"] * 12 + ["0.15"] * 12) + "\n")
    k = _json(capsys, ["timeline", HALL, "--hours", "24", "--hourly", str(f), "--json"])["kpis"]
    assert k["energy_cost_usd"] == pytest.approx(k["grid_mwh"] * 1000 * 0.10, rel=1e-3)
    f.write_text("usd_per_kwh\n1\n2\n")
    assert main(["timeline", HALL, "--hourly", str(f)]) == 2
    assert "give 24 (hour of day) or 8760" in capsys.readouterr().err


def test_size_for_ramp(capsys):
    argv = ["timeline", HALL, "--hours", "1", "--step-s", "1", "--workload", "training",
            "--size-for-ramp-mw-s", "0.05", "--json"]  # fmt: skip
    out = _json(capsys, argv)
    assert out["sizing"]["ramp_met"] == 1 and out["kpis"]["max_ramp_mw_s"] <= 0.05 * (1 + 1e-9)
    assert (
        main(["timeline", HALL, "--size-for-ramp-mw-s", "1", "--bess-mwh", "1", "--bess-mw", "1"])
        == 2
    )
    assert "sizes the BESS itself" in capsys.readouterr().err


def test_parquet_trace_with_timestamps(capsys, tmp_path):
    trace = tmp_path / "t.parquet"
    times = pd.date_range("2026-06-01", periods=4, freq="15min")
    pd.DataFrame({"timestamp": times, "fraction": [0.2, 0.4, 0.6, 0.8]}).to_parquet(trace)
    out = _json(capsys, ["timeline", HALL, "--hours", "1", "--step-s", "900", "--trace", str(trace),
                         "--json"])  # fmt: skip
    design_mw = Twin.load(HALL).it_kw / 1000
    assert out["kpis"]["it_mwh"] == pytest.approx(design_mw * 0.5 * 1, rel=1e-12)
    (tmp_path / "bad.parquet").write_text("not parquet")
    assert main(["timeline", HALL, "--hours", "1", "--trace", str(tmp_path / "bad.parquet")]) == 2
    assert "not a Parquet trace" in capsys.readouterr().err


def test_outage_json_matches_the_python_api_and_names_the_ups(capsys):
    """A 15 min outage at 1 s: the hall's UPSs bridge the 10 s generator start; the JSON has
    the UPS table and the same KPIs as simulate(); tokens lost to a cap are per hall."""
    from twin.solve.timeline_outage import Outage

    argv = ["timeline", HALL, "--hours", "1", "--step-s", "1", "--workload", "training",
            "--outage-start-h", "0.25", "--outage-s", "900", "--cap", "0.8", "--json"]  # fmt: skip
    out = _json(capsys, argv)
    k = out["kpis"]
    api = simulate(Twin.load(HALL), TimelineSpec(hours=1, dt_s=1.0, workload="training",
                   cap={"*": 0.8}, outage=Outage(900.0, 900.0))).kpis  # fmt: skip
    for key in ("generator_mwh", "ups_soc_min_frac", "load_dropped_mwh", "loop_warming_max_k"):
        assert k[key] == api[key]
    assert (
        k["generator_mwh"] > 0
        and k["load_dropped_mwh"] == 0
        and k["ups_time_to_empty_min_s"] is None
    )
    assert len(out["ups"]) == 12 and all(u["soc_min_frac"] < 1 for u in out["ups"])
    assert {r["cause"] for r in out["tokens_lost"]} == {"cap"}
    assert abs(k["balance_residual_rel"]) < 1e-6 and abs(k["heat_balance_residual_rel"]) < 1e-6


def test_outage_seconds_need_a_start(capsys):
    assert main(["timeline", HALL, "--outage-s", "60"]) == 2
    assert "--outage-start-h" in capsys.readouterr().err


def test_row_and_rack_caps_are_the_python_apis(capsys):
    argv = ["timeline", HALL, "--hours", "6", "--design-weather", "--row-cap", "H1-R01=0.5",
            "--rack-cap", "H1-R02-01=0.3", "--json"]  # fmt: skip
    k = _json(capsys, argv)["kpis"]
    spec = TimelineSpec(hours=6, weather=False, row_cap={"H1-R01": 0.5},
                        rack_cap={"H1-R02-01": 0.3})  # fmt: skip
    ref = simulate(Twin.load(HALL), spec).kpis
    assert k["tokens_lost"] == pytest.approx(ref["tokens_lost"], rel=1e-12) and k["tokens_lost"] > 0
    assert k["it_mwh"] == pytest.approx(ref["it_mwh"], rel=1e-12)


def test_hourly_bad_value_named_at_its_file_line(capsys, tmp_path):
    """A blank line before the bad value: the row index + 2 said line 7 for line 8."""
    f = tmp_path / "h.csv"
    f.write_text("usd_per_kwh\n" + "0.05\n" * 5 + "\nx\n" + "0.05\n" * 18)
    assert main(["timeline", HALL, "--hours", "1", "--hourly", str(f)]) == 2
    assert "h.csv:8: usd_per_kwh 'x' is not a number" in capsys.readouterr().err


def _energy_terms(capsys, argv):
    import re

    assert main(argv) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "grid energy" in x)
    return [float(x.replace(",", "")) for x in re.findall(r"-?[\d,]+\.\d+", line)]


def test_energy_line_shows_terms_that_add_up(capsys):
    """The small room's 24 h: 5.45 MWh of which losses 0.22 printed as '5 MWh (IT 4, losses
    0, cooling 1)'; now every term at the total's precision, and they add up."""
    argv = ["timeline", "layouts/small-room.yaml", "--hours", "24", "--design-weather"]
    total, it, losses, cooling, storage = _energy_terms(capsys, argv)
    assert losses > 0 and it > 0 and cooling > 0
    assert it + losses + cooling + storage == pytest.approx(total, abs=0.02)
    assert main(argv + ["--json"]) == 0
    k = json.loads(capsys.readouterr().out)["kpis"]
    assert losses == pytest.approx(k["losses_mwh"], abs=0.005)


def test_energy_line_with_a_battery_has_its_stored_energy_term(capsys, tmp_path):
    """A layout BESS drained by a DR event: grid 631.8 MWh beside 'IT 505, losses 36,
    cooling 98, storage losses 0' (639: the 8 MWh the battery gave was no term, and its
    0.5 MWh of losses read 0)."""
    from layout_edit import edited_layout

    def add_bess(doc):
        doc["storage"] = {"bess": [{"id": "BESS-1", "feed": "GRID", "energy_kwh": 8000.0,
                                    "power_kw": 4000.0}]}  # fmt: skip

    path = edited_layout(HALL, tmp_path, "bess.yaml", add_bess)
    argv = ["timeline", path, "--hours", "24", "--dr-mw", "3", "--design-weather"]
    total, it, losses, cooling, storage, stored = _energy_terms(capsys, argv)
    assert storage > 0 and stored < 0
    assert it + losses + cooling + storage + stored == pytest.approx(total, abs=0.3)


def test_energy_line_in_an_outage_has_the_generator_term(capsys):
    """A 10 min outage: the generators supply 2.3 MWh the grid does not; the line read
    'grid energy 24.4 MWh (IT 21.1, losses 1.5, cooling 4.1, storage losses -0.0)', terms
    adding to 26.7."""
    argv = ["timeline", HALL, "--hours", "2", "--step-s", "60", "--outage-start-h", "0.5",
            "--outage-s", "600", "--design-weather"]  # fmt: skip
    total, it, losses, cooling, storage, generator = _energy_terms(capsys, argv)
    assert generator > 2.0 and storage == 0.0
    assert it + losses + cooling + storage - generator == pytest.approx(total, abs=0.3)


def test_outage_row_says_throttling_loses_no_counted_tokens(capsys):
    """The outage's overheating row gives the step-mean count of racks throttling with one
    decimal (not a whole rack rounded from 16.95) and says their throughput is not in the
    tokens lost, which count racks shut down by heat only."""
    argv = ["timeline", HALL, "--hours", "2", "--step-s", "60", "--outage-start-h", "0.5",
            "--outage-s", "600", "--design-weather"]  # fmt: skip
    assert main(argv) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if "racks overheated" in ln)
    assert "throttling rack's lost throughput is not estimated" in row
    assert re.search(r"up to \d[\d,]*\.\d throttling", row), row


def test_a_small_generator_run_is_not_shown_as_none(capsys):
    """The small room's 10 min outage: its generator supplies 0.039 MWh; the UPS line read
    'generator 0.0 MWh' beside 'less generator 0.039' on the energy line."""
    argv = ["timeline", "layouts/small-room.yaml", "--hours", "2",
            "--step-s", "1", "--outage-start-h", "0.5", "--outage-s", "600", "--design-weather",
            "--json"]  # fmt: skip
    assert main(argv) == 0
    mwh = json.loads(capsys.readouterr().out)["kpis"]["generator_mwh"]
    assert 0.01 < mwh < 0.05
    assert main(argv[:-1]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if "UPS batteries" in ln)
    assert f"generator {mwh:.3g} MWh" in row, row
