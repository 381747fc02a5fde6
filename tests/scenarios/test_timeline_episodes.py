"""A timeline's violations per kind and element (`timeline_episodes.episodes`): a UPS past
its rating under a swinging workload gives one interval per swing, hundreds of lines that
hid which element was overloaded and for how long; the summary gives it per element (the
CLI prints it before the intervals, --json carries it, the Timeline page tables it)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from twin.scenarios.timeline_episodes import episodes

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def test_episodes_by_hand():
    v = pd.DataFrame(
        {
            "kind": ["overload", "grid_limit", "overload", "overload"],
            "component": ["UPS-1", "site", "UPS-1", "TX-1"],
            "start_s": [0.0, 50.0, 100.0, 30.0],
            "duration_s": [10.0, 5.0, 20.0, 1.0],
            "value": [120.0, 1.2, 131.9, 101.0],
            "unit": ["%", "MW", "%", "%"],
        }
    )
    ep = episodes(v).set_index(["kind", "component"])
    ups = ep.loc[("overload", "UPS-1")]
    assert ups["intervals"] == 2 and ups["first_s"] == 0.0 and ups["last_end_s"] == 120.0
    assert ups["total_s"] == 30.0 and ups["worst"] == 131.9 and ups["unit"] == "%"
    assert ep.loc[("overload", "TX-1"), "intervals"] == 1
    assert list(ep.index) == [("overload", "UPS-1"), ("grid_limit", "site"), ("overload", "TX-1")]
    assert episodes(v.iloc[:0]).empty


@pytest.fixture(scope="module")
def swinging_overload(tmp_path_factory):
    text = (LAYOUTS / "small-room.yaml").read_text()
    old = "      rating_kva: 300.0\n"
    assert text.count(old) == 1  # UPS-1's rating: 131.9 % at design load
    path = tmp_path_factory.mktemp("ep") / "small-ups150.yaml"
    path.write_text(text.replace(old, "      rating_kva: 150.0\n"))

    def timeline(*extra):
        argv = [sys.executable, "-m", "twin", "timeline", str(path), "--hours", "0.5"]
        argv += ["--step-s", "1", "--workload", "mixed", *extra]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr
        return out.stdout

    return timeline


def test_the_cli_gives_each_element_once_before_its_intervals(swinging_overload):
    data = json.loads(swinging_overload("--json"))
    v = pd.DataFrame(data["violations"])
    over = v[v["kind"] == "overload"]
    assert len(over) > 20 and set(over["component"]) == {"UPS-1"}
    (ep,) = [e for e in data["violation_episodes"] if e["kind"] == "overload"]
    assert ep["intervals"] == len(over)
    assert ep["total_s"] == pytest.approx(over["duration_s"].sum())
    assert ep["worst"] == pytest.approx(over["value"].max())
    text = swinging_overload()
    line = (
        f"overload      UPS-1    {len(over):,} intervals {over['start_s'].min() / 3600:,.2f}-"
        f"{(over['start_s'] + over['duration_s']).max() / 3600:,.2f} h, "
        f"{over['duration_s'].sum() / 3600:,.2f} h in all (worst {over['value'].max():,.1f} %)"
    )
    assert line in text
    assert text.index(line) < text.index("the intervals (first 10):")
    assert " for 5 s " in text or " s (worst" in text  # seconds-long intervals not "0.00 h"
