"""`twin solve`: summary, --json, --out, and bad --fail ids."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from twin.cli import main
from twin.cli.solve import COUNT, HEAD_LABELS, LABELS, UNBOUNDED_KEY, YES_NO, label

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.fixture
def undersized(tmp_path, layouts_dir) -> str:
    """The small room with 150 kVA PDUs: one PDU cannot carry the room when its partner fails."""
    text = (layouts_dir / "small-room.yaml").read_text()
    text = text.replace(
        "rating_kva: 250.0, cable_length_m: 2", "rating_kva: 150.0, cable_length_m: 2"
    )
    assert text.count("rating_kva: 150.0") == 2
    path = tmp_path / "undersized-room.yaml"
    path.write_text(text)
    return str(path)


def test_summary_lists_losses_worst_loadings_and_violations(capsys, undersized):
    assert main(["solve", undersized, "--fail", "PDU-1"]) == 0
    out = capsys.readouterr().out
    for text in (
        "IT load",
        "Facility power",
        "Losses in UPS",
        "Worst loadings",
        "PDU-2 (PDU/busway)",
        "Overload",
    ):
        assert text in out
    # --raw-columns: the --json keys and kind names, for scripts
    assert main(["solve", undersized, "--fail", "PDU-1", "--raw-columns", "--no-headroom"]) == 0
    raw = capsys.readouterr().out
    assert re.search(r"^\s+it_kw\s+189\.0  kW$", raw, re.M) and "PDU-2 (pdus)" in raw
    assert re.search(r"^\s+overload\s{2,}PDU-2", raw, re.M) and "IT load" not in raw
    assert "Hottest rack inlet" in out and "°C" in out


def test_json_has_kpis_and_violation_objects(capsys, undersized):
    assert main(["solve", undersized, "--json", "--fail", "PDU-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["it_kw"] == pytest.approx(189.0)
    # the chain's sources supply IT + losses + extra loads (cooling the coupled solve puts on it)
    sources = data["utility_kw"] + data["generator_kw"]
    assert sources == pytest.approx(data["it_kw"] + data["losses_kw"] + data["extra_kw"])
    assert data["facility_kw"] >= sources - 1e-9
    (v,) = [v for v in data["violations"] if v["kind"] == "overload"]
    assert v["component"] == "PDU-2"
    assert v["value"] > v["limit"] == 100.0
    assert all({"component", "kind", "value", "limit"} <= set(v) for v in data["violations"])


def test_out_writes_every_table(tmp_path, capsys):
    assert main(["solve", SMALL, "--out", str(tmp_path)]) == 0
    for name in ("res_bus", "res_power_nodes", "res_racks"):
        table = pd.read_csv(tmp_path / f"{name}.csv", index_col=0)
        assert len(table)
    assert pd.read_csv(tmp_path / "res_power_nodes.csv", index_col=0).at["UTIL", "p_kw"] > 189.0
    assert (tmp_path / "violations.csv").exists()


def test_reference_small_room_carries_a_failed_pdu(capsys):
    assert main(["solve", SMALL, "--json", "--fail", "PDU-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not [v for v in data["violations"] if v["kind"] == "overload"]


def test_unknown_fail_id_exits_2(capsys):
    assert main(["solve", SMALL, "--fail", "PDU-9"]) == 2
    err = capsys.readouterr().err
    assert "PDU-9" in err and "unknown" in err


CASES = [
    ("small-room.yaml", ["--annual"]),
    ("small-room.yaml", ["--fail", "UPS-1"]),  # every rack unfed: PUE, WUE, CUE undefined
    ("ai-factory-hall.yaml", []),
    ("ai-factory-hall.yaml", ["--fail", "H1-UPS-A1"]),
    ("hybrid-inference.yaml", []),
]


@pytest.mark.parametrize(("name", "extra"), CASES)
def test_text_shows_every_json_key_labelled_and_counts_as_ints(capsys, layouts_dir, name, extra):
    args = ["solve", str(layouts_dir / name), *extra]
    assert main([*args, "--json"]) == 0
    raw = capsys.readouterr().out
    assert "NaN" not in raw and "Infinity" not in raw
    data = json.loads(raw, parse_constant=lambda c: pytest.fail(f"{c} in --json"))
    assert main(args) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert "nan" not in text.lower().replace("n/a", "")
    for key, value in data.items():
        if key == UNBOUNDED_KEY:  # said at each value it names: "unbounded", not "n/a"
            for k in (k for k, flag in value.items() if isinstance(flag, str)):  # KPIs
                (line,) = [
                    ln for ln in lines if re.match(rf"{re.escape(label(k)[1])}\b", ln.strip())
                ]
                assert "unbounded" in line and data[k] is None, line
            continue
        if key in HEAD_LABELS:
            assert HEAD_LABELS[key] in text, key
            continue
        assert key in LABELS, f"{key}: no human label in twin.cli.solve.LABELS"
        _, text_label, unit, digits = label(key)
        # a label may name its basis after it: 'Contracted grid limit used (16.5 MW)'
        (line,) = [
            ln for ln in lines if re.match(rf"{re.escape(text_label)}( \(.*?\))?  ", ln.strip())
        ]
        if digits is COUNT:
            assert isinstance(value, int), key  # 12, not 12.0
            assert re.search(rf"\s{value:,}$", line), line
        elif digits is YES_NO:  # a flag: 1 or 0 in the JSON, yes or no on screen (not "1")
            assert value in (0, 1) and isinstance(value, int), key
            assert line.endswith(" yes" if value else " no") and "1 yes" not in line, line
        elif value is None:  # undefined, or infinite where the JSON says so
            assert ("unbounded" if key in data[UNBOUNDED_KEY] else "n/a") in line, line
        else:
            assert isinstance(value, float), key
            assert line.endswith(f"{round(value, digits) + 0.0:,.{digits}f}  {unit}".rstrip()), line
    assert str(len(data["violations"])) in text


def test_json_is_strict_even_with_undefined_values(capsys, tmp_path):
    assert main(["solve", SMALL, "--json", "--fail", "UPS-1", "--out", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pue"] is None and data["it_kw"] == 0.0 and data["unfed_racks"] == 20
    on_disk = (tmp_path / "kpis.json").read_text()
    assert "NaN" not in on_disk and json.loads(on_disk) == data


def test_violations_are_listed_most_serious_first(capsys, single_fed_hall_path):
    """Heat left unremoved leads the list, before the 96 racks it trips; columns apart."""
    path = str(single_fed_hall_path)
    assert main(["solve", path, "--fail", "H1-MCC-A", "--no-headroom"]) == 0
    out = capsys.readouterr().out
    lines = out.split("Violations:", 1)[1].splitlines()
    assert lines[1].strip().startswith("by kind: Uncooled 1, Over capacity")
    assert re.match(r"\s+Uncooled\s{2,}H1-FWS\s{2,}chillers at full capacity", lines[2]), lines[2]
    assert "over_temperatureH1" not in out


def test_hottest_inlet_says_lower_bound_where_heat_is_not_removed(capsys, layouts_dir):
    """Two of three CRACs out: 75 kW stays in the room (an Uncooled violation), so the
    solved inlets are a lower bound, as the N-1 table (unbounded) and the app say."""
    import math

    from twin.model import Twin
    from twin.model.scenario import Scenario
    from twin.scenarios.rack_risk import no_steady_state, rack_risk
    from twin.solve import run

    def inlet_line(argv):
        assert main(["solve", SMALL, "--no-headroom", *argv]) == 0
        return next(x for x in capsys.readouterr().out.splitlines() if "Hottest rack inlet" in x)

    assert "lower bound" in inlet_line(["--fail", "CRAC-1", "CRAC-2"])
    assert "lower bound" not in inlet_line([])
    for argv, flag in ((["--fail", "CRAC-1", "CRAC-2"], 1), ([], 0)):  # --json says it too
        assert main(["solve", SMALL, "--no-headroom", "--json", *argv]) == 0
        assert json.loads(capsys.readouterr().out)["t_inlet_max_lower_bound"] == flag
    twin = Twin.load(layouts_dir / "small-room.yaml")
    res = run(twin, Scenario.fail("CRAC-1", "CRAC-2"))
    assert res.kpis["heat_unremoved_kw"] > 1.0 and no_steady_state(res)
    assert rack_risk(twin, res).t_inlet_max_c == math.inf  # the app's and N-1's answer
    assert not no_steady_state(run(twin))
    # the Python API carries the flag the CLI prints (audit: Results.kpis lacked it)
    assert res.kpis["t_inlet_max_lower_bound"] == 1.0
    assert run(twin).kpis["t_inlet_max_lower_bound"] == 0.0
