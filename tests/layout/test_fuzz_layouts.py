"""Property tests: whatever bytes arrive, `twin.layout.loads` returns a Layout or raises
`LayoutError` (never anything else), and whatever it accepts builds a `Twin`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from twin.errors import LayoutError
from twin.layout import loads
from twin.model import Twin
from twin.solve import run

HERE = Path(__file__).resolve().parent
SEEDS = {
    "minimal": (HERE / "minimal.yaml").read_text(),
    "small-room": (HERE.parents[1] / "layouts" / "small-room.yaml").read_text(),
}
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, -1, 0.0, -0.5, 1e308, math.nan, math.inf, -math.inf, 5000.0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "junk", "PDU-A", "UPS1", "TCS", "R1", "H1", "hot", "x" * 200]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(
        st.sampled_from(["id", "power_kw", "x", "upstream"]), st.integers(), max_size=2
    ),
)


def check(raw: str | bytes, name: str = "fuzz.yaml") -> None:
    """The contract: a Layout that builds a Twin, or a LayoutError with located problems."""
    try:
        layout = loads(raw, name)
    except LayoutError as exc:
        assert exc.problems, "a LayoutError must carry at least one problem"
        assert all(p.file == name and p.message for p in exc.problems)
        return
    assume(any(h.racks for h in layout.halls))  # see test_layout_without_racks_builds
    Twin.from_layout(layout)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into plain data (mapping keys and list indices), the root excluded."""
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths(value, (*prefix, key)))
    return out


def parent_of(doc: Any, path: tuple) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@given(st.text(max_size=300))
@SETTINGS
def test_random_text_gives_layout_error(text: str) -> None:
    check(text)


@given(st.binary(max_size=300))
@SETTINGS
def test_random_bytes_give_layout_error(raw: bytes) -> None:
    check(raw)


@given(st.binary(max_size=300))
@SETTINGS
def test_random_json_bytes_give_layout_error(raw: bytes) -> None:
    check(raw, "fuzz.json")


@given(seed=st.sampled_from(sorted(SEEDS)), data=st.data())
@SETTINGS
def test_mutated_layout_gives_layout_error_or_builds(seed: str, data) -> None:
    """Delete a key, replace a value with junk or duplicate a list item, 1-3 times."""
    doc = yaml.safe_load(SEEDS[seed])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        where = paths(doc)
        if not where:
            break
        path = data.draw(st.sampled_from(where), label="path")
        parent = parent_of(doc, path)
        action = data.draw(st.sampled_from(["delete", "junk", "duplicate"]), label="action")
        if action == "delete":
            del parent[path[-1]]
        elif action == "junk":
            parent[path[-1]] = data.draw(JUNK, label="junk")
        elif isinstance(parent, list):
            parent.append(parent[path[-1]])
    check(yaml.safe_dump(doc, sort_keys=False))


@given(seed=st.sampled_from(sorted(SEEDS)), data=st.data())
@SETTINGS
def test_mutated_text_gives_layout_error_or_builds(seed: str, data) -> None:
    """Damage the text itself: drop, duplicate or splice lines, insert characters."""
    lines = SEEDS[seed].splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        action = data.draw(st.sampled_from(["drop", "dup", "insert", "indent"]), label="action")
        if action == "drop" and len(lines) > 1:
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "insert":
            col = data.draw(st.integers(0, len(lines[i])), label="col")
            junk = data.draw(
                st.sampled_from([":", "[", "{", "'", "\t", "&a ", "*a", "!!", "-", "#"])
            )
            lines[i] = lines[i][:col] + junk + lines[i][col:]
        else:
            lines[i] = " " + lines[i]
    check("".join(lines))


def test_seeds_are_valid_and_build() -> None:
    for text in SEEDS.values():
        Twin.from_layout(loads(text))


def test_layout_without_racks_builds() -> None:
    doc = yaml.safe_load(SEEDS["minimal"])
    doc["halls"][0]["racks"] = []
    twin = Twin.from_layout(loads(yaml.safe_dump(doc)))
    assert twin.racks.empty and twin.racks["power_kw"].dtype == float
    res = run(twin)  # an empty site still solves: only no-load losses, PUE undefined
    assert res.kpis["it_kw"] == 0.0 and res.kpis["facility_kw"] > 0
    assert res.kpis["energy_balance_residual_kw"] == pytest.approx(0.0, abs=1e-6)
