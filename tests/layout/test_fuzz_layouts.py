"""Property tests: whatever bytes arrive, `twin.layout.loads` returns a Layout or raises
`LayoutError` (never anything else), and whatever it accepts builds a `Twin`; whatever
numbers a layout holds, it is refused with located messages or solves to finite results."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from twin.errors import LayoutError
from twin.layout import loads
from twin.model import Twin
from twin.solve import run
from twin.solve.results import UNDEFINED_OK

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


# ------------------------------------------- numbers: located refusal or finite results

NUMBER_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),  # huge, tiny, negative, subnormal
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-9, -1e-9, 1e300, -1e300, 1.7e308]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(min_value=1e-3, max_value=1e4),  # plausible magnitudes: the solves run
)
RAW_NUMBERS = st.one_of(  # text YAML 1.1 reads as a number in a way nobody means
    st.from_regex(r"-?0[0-7]{1,4}", fullmatch=True),  # octal
    st.from_regex(r"[1-9][0-9]?:[0-5][0-9]", fullmatch=True),  # base 60
    st.from_regex(r"[1-9][0-9]?_[0-9]{3}", fullmatch=True),  # digit separators
    st.from_regex(r"0x[0-9A-F]{1,3}", fullmatch=True),
    st.sampled_from(["1e999", "-1e999", ".inf", ".nan", "1.8e308", "yes", "0b11"]),
)
MARK = "FUZZED-NUMBER"


def numeric_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths to every number (not a bool) in plain data."""
    if isinstance(node, bool):
        return []
    if isinstance(node, int | float):
        return [prefix]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    return [p for key, value in items for p in numeric_paths(value, (*prefix, key))]


def check_numbers(text: str) -> None:
    """A LayoutError whose problems are located, or a solve with no infinity anywhere,
    every power (`*_kw` KPI) a number, and no 'non_finite' violation (the solver's own
    report of a NaN where a number must be). NaN elsewhere means "not applicable" (no
    coolant temperature without liquid heat, no PUE without IT load)."""
    name = "fuzz.yaml"
    try:
        layout = loads(text, name)
    except LayoutError as exc:
        assert exc.problems and all(p.file == name and p.message for p in exc.problems)
        assert any(p.line is not None and p.path for p in exc.problems), exc
        return
    res = run(Twin.from_layout(layout))
    for key, value in res.kpis.items():
        if ("kpis", key) in UNDEFINED_OK:  # documented: NaN with no IT, inf when unbounded
            continue
        x = float(value)
        assert not math.isinf(x), (key, x)
        assert not (key.endswith("_kw") and math.isnan(x)), (key, x)
    for table_name, table in res.tables.items():
        num = table.select_dtypes(include="number")
        assert not np.isinf(num.to_numpy(dtype=float)).any(), table_name
    v = res.violations
    assert not (len(v) and (v["kind"] == "non_finite").any()), v[v["kind"] == "non_finite"]


@given(seed=st.sampled_from(sorted(SEEDS)), data=st.data())
@NUMBER_SETTINGS
def test_mutated_numbers_give_located_error_or_finite_results(seed: str, data) -> None:
    """Replace one or two numbers of a reference layout with any float (1e300, 5e-324,
    -1e-9, ...): refused at the door with file, line and path, or solved to finite numbers."""
    doc = yaml.safe_load(SEEDS[seed])
    where = numeric_paths(doc)
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        path = data.draw(st.sampled_from(where), label="path")
        parent_of(doc, path)[path[-1]] = data.draw(NUMBERS, label="number")
    check_numbers(yaml.safe_dump(doc, sort_keys=False))


@given(seed=st.sampled_from(sorted(SEEDS)), data=st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_yaml11_number_text_is_refused_where_it_stands(seed: str, data) -> None:
    """`012`, `1:00`, `1_000`, `0x1F` written as a value: refused with its path and line."""
    doc = yaml.safe_load(SEEDS[seed])
    path = data.draw(st.sampled_from(numeric_paths(doc)), label="path")
    parent_of(doc, path)[path[-1]] = MARK
    raw = data.draw(RAW_NUMBERS, label="raw")
    text = yaml.safe_dump(doc, sort_keys=False).replace(MARK, raw)
    with pytest.raises(LayoutError) as err:
        loads(text, "fuzz.yaml")
    located = [p for p in err.value.problems if p.line is not None and p.path]
    assert located, err.value
