"""`twin solve --json` writes an infinite KPI as null (JSON has no Infinity), as it writes an
undefined one; a consumer could not tell 'no steady state before racks shut down by heat'
(t_inlet_max_demand_c = +inf) from 'not applicable'. The `"unbounded"` object names every
null that is infinite, at the same place ("+inf"/"-inf"); any other null is undefined, as
`twin n1`'s notes say "unbounded" or "n/a" for its empty cells."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from tests.scenarios.layouts import load_doc
from twin.cli import main
from twin.cli.common import unbounded
from twin.cli.solve import UNBOUNDED_KEY, as_dict, to_json
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


@pytest.fixture
def upsgen(tmp_path, layouts_dir) -> str:
    """small-room (kernel air) with UPS-1 on GEN-1: failing MSB stops every CRAC and trips
    every rack by heat, whose heat had nowhere to go (hottest inlet before: +inf)."""
    doc = load_doc(layouts_dir / "small-room.yaml")
    for h in doc["halls"]:
        h["air_model"] = "kernel"
    (ups,) = doc["power"]["ups"]
    ups["upstream"] = "GEN-1"
    path = tmp_path / "upsgen.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_json_names_the_unbounded_null_apart_from_the_undefined(capsys, upsgen):
    assert main(["solve", upsgen, "--fail", "MSB", "--json", "--no-headroom"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["t_inlet_max_demand_c"] is None
    assert data[UNBOUNDED_KEY] == {"t_inlet_max_demand_c": "+inf"}
    # against the Python API: every null the flag names is infinite, every other undefined
    kpis = run(Twin.load(upsgen), Scenario.fail("MSB")).kpis
    nulls = [k for k, v in data.items() if v is None]
    assert {"pue", "t_inlet_max_c", "t_inlet_max_demand_c"} <= set(nulls)
    for k in nulls:
        assert math.isinf(kpis[k]) if k in data[UNBOUNDED_KEY] else math.isnan(kpis[k]), k
    assert main(["solve", upsgen, "--fail", "MSB", "--no-headroom"]) == 0
    text = capsys.readouterr().out.splitlines()
    (line,) = [x for x in text if "Hottest rack inlet before racks shut down by heat" in x]
    assert "unbounded" in line
    (line,) = [x for x in text if x.strip().startswith("PUE ")]
    assert line.split()[-1] == "n/a"


def test_json_flag_is_empty_where_every_number_is_finite(capsys, upsgen):
    assert main(["solve", upsgen, "--fail", "CRAC-1", "--json", "--no-headroom"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[UNBOUNDED_KEY] == {}
    assert all(v is not None for k, v in data.items() if k.startswith("t_inlet_max"))


class _Room:
    """A headroom answer with no binding constraint (it_headroom_kw = inf)."""

    def as_dict(self):
        return {"scope": "site", "it_headroom_kw": math.inf, "reason": "none binds"}


def test_every_infinite_value_is_named_where_it_sits(upsgen):
    """Not only the hottest inlet: any KPI a solver makes infinite, each worst loading and
    the headroom's answer are named at their own place, with their sign."""
    twin = Twin.load(upsgen)
    res = run(twin, Scenario.fail("MSB"))
    res.kpis["power_failover_margin_kw"] = math.inf  # no failover loading: no limit
    res.kpis["some_solver_kpi"] = -math.inf
    res["res_power_nodes"].loc["UPS-1", "loading_pct"] = math.inf
    d = as_dict(twin, res, _Room())
    assert d[UNBOUNDED_KEY] == {
        "power_failover_margin_kw": "+inf",
        "some_solver_kpi": "-inf",
        "t_inlet_max_demand_c": "+inf",
        "worst_loading_pct": {"UPS-1": "+inf"},
        "headroom": {"it_headroom_kw": "+inf"},
    }
    back = json.loads(to_json(twin, res, _Room()))  # strict JSON: no Infinity token
    assert back["headroom"]["it_headroom_kw"] is None
    assert back["worst_loading_pct"]["UPS-1"] is None
    assert back[UNBOUNDED_KEY] == d[UNBOUNDED_KEY]


def test_unbounded_helper():
    import numpy as np

    got = unbounded({"a": np.float64("inf"), "b": float("nan"), "c": {"x": -np.inf, "y": 1.0}})
    assert got == {"a": "+inf", "c": {"x": "-inf"}}
    assert unbounded({"a": 1.0, "b": None, "s": "inf", "d": {}}) == {}


def test_info_json_names_an_unbounded_headroom(tmp_path, capsys, layouts_dir):
    """`twin info --json` writes the headroom of a site that nothing limits up to x100 as null
    beside ``"reason": "none up to x100"``, and its "unbounded" names it, in the stranded split
    too (before, a consumer could not tell it from an undefined headroom)."""
    doc = load_doc(layouts_dir / "small-room.yaml")
    for h in doc["halls"]:
        h["air_model"] = "kernel"
        for r in h["racks"]:
            r["power_kw"] = 0.1  # 2 kW in all: x101 still fits
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["info", str(path), "--stranded", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["headroom"]["it_headroom_kw"] is None
    assert data["headroom"]["reason"] == "none up to x100"
    flags = data[UNBOUNDED_KEY]
    assert flags["headroom"]["it_headroom_kw"] == "+inf"
    assert flags["stranded"]["site"]["it_headroom_kw"] == "+inf"
    assert "power_shared_halls" not in flags["stranded"]["site"]  # NaN: undefined, not named
