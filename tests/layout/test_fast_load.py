"""The fast event-based parser gives exactly what the node-based loader gives.

`source._parse_events` is the path every well-formed layout takes; anything it does
not handle (anchors, aliases, tags, duplicate keys, syntax errors) goes to
`source._parse_nodes`, which owns those checks and messages. These tests hold the
two to the same data and the same line numbers, and check that errors found after
a fast parse (schema, cross-checks) still name file, line and path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from twin.errors import LayoutError
from twin.layout import depth, generate, load, loads, source

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
BAD = sorted((ROOT / "tests" / "data" / "bad_layouts").glob("*.*"))


def same(a, b, where="") -> None:
    """Equal values, equal container types, and equal line information throughout."""
    assert type(a) is type(b), where
    if isinstance(a, source.LDict):
        assert (a.line, a.lines, list(a)) == (b.line, b.lines, list(b)), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, source.LList):
        assert (a.line, a.lines, len(a)) == (b.line, b.lines, len(b)), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b or (a != a and b != b), where  # NaN equals NaN here


def fast_or_none(text: str):
    try:
        return source._parse_events(text)
    except (source._Irregular, yaml.YAMLError):
        return None


@pytest.fixture(scope="module")
def campus_text() -> str:
    return generate.to_yaml(generate.campus(it_mw=200))


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.name)
def test_fast_parse_equals_node_parse_on_reference_layouts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = source._parse_events(text)  # a reference layout never needs the fallback
    same(fast, source._parse_nodes(text, str(path)))


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.name)
def test_fast_load_gives_the_same_layout(path: Path, monkeypatch) -> None:
    fast = load(path)
    monkeypatch.setattr(source, "_parse_events", _always_irregular)
    assert load(path) == fast


def test_fast_parse_and_load_on_a_generated_campus(campus_text: str, monkeypatch) -> None:
    same(source._parse_events(campus_text), source._parse_nodes(campus_text, "c.yaml"))
    fast = loads(campus_text, "campus.yaml")
    monkeypatch.setattr(source, "_parse_events", _always_irregular)
    assert loads(campus_text, "campus.yaml") == fast


def _always_irregular(text: str):
    raise source._Irregular


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_fast_parse_agrees_or_defers_on_every_bad_layout(path: Path) -> None:
    """Where the fast parser returns data it is the node loader's data; where the node
    loader refuses the text, the fast parser never returns data."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        pytest.skip("not text")
    try:
        depth.check_depth(text, path.name, source._BaseLoader)
    except LayoutError:
        return  # refused before either parser runs
    try:
        slow = source._parse_nodes(text, path.name)
    except (LayoutError, RecursionError):
        if "&" not in text:  # alias-expanded depth/size limits need aliases: always deferred
            assert fast_or_none(text) is None
        return
    fast = fast_or_none(text)
    if fast is not None:
        same(fast, slow)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: &x {c: 2}\nd: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # explicit tag
        "base: {x: 1}\nmerged: {<<: {x: 2}, y: 3}\n",  # merge key
        "a: 1\n---\nb: 2\n",  # two documents
        "? [1, 2]\n: x\n",  # a list as a key
        "a: [1, 2\n",  # syntax error
    ],
)
def test_irregular_text_is_left_to_the_node_loader(text: str) -> None:
    assert fast_or_none(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: ~\nc: 0\nd: -12\ne: .inf\nf: 2024-01-02\ng: '12'\nh: '1:30'\ni: 012.5\n",
        "a: |\n  block\n  text\nb: >-\n  folded\n",
        '{"a": [1, 2.5, null, true, "x"], "b": {"c": -1e3}}',
        "# only a comment\n",
        "---\n",
        "- 1\n- [2, {a: b}]\n",
        "plain",
    ],
)
def test_scalars_resolve_like_pyyaml(text: str) -> None:
    same(source._parse_events(text), source._parse_nodes(text, "t.yaml"))


def test_duplicate_key_is_refused_with_file_and_line(tmp_path: Path) -> None:
    base = (ROOT / "tests" / "layout" / "minimal.yaml").read_text(encoding="utf-8")
    lines = base.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("format_version"))
    lines.insert(at + 1, "format_version: 1")
    path = tmp_path / "dup.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LayoutError) as err:
        load(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == (str(path), at + 2)
    assert "duplicate key 'format_version'" in problem.message


def test_invalid_layout_gets_a_located_error_through_the_fast_path(monkeypatch) -> None:
    """A schema error after a fast parse: the node loader is never used, and the message
    still names the file, the line and the path."""
    text = (ROOT / "layouts" / "small-room.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if "power_kw:" in line)
    indent = lines[n][: len(lines[n]) - len(lines[n].lstrip())]
    lines[n] = f"{indent}power_kw: -5" if lines[n].strip().startswith("power_kw") else lines[n]
    assert lines[n].strip() == "power_kw: -5", "small-room.yaml has no 'power_kw:' line"

    def no_node_loader(text, file):
        raise AssertionError("the node-based loader should not be needed")

    monkeypatch.setattr(source, "_parse_nodes", no_node_loader)
    with pytest.raises(LayoutError) as err:
        loads("\n".join(lines) + "\n", "room.yaml")
    problem = err.value.problems[0]
    assert (problem.file, problem.line) == ("room.yaml", n + 1)
    assert problem.path.endswith("power_kw") and "greater than" in problem.message


@pytest.mark.parametrize(
    "value, words",
    [
        ("012", "a leading zero is read as octal in YAML 1.1 (10), as 12 in YAML 1.2; write 12"),
        ("-012", "write -12"),
        ("00", "write 0"),
        ("1:00", "base-60 (sexagesimal) number, 60"),
        ("1:30:00.5", "5400.5"),
        ("0x1F", "a hexadecimal number (31)"),
        ("0b101", "a binary number (5)"),
        ("1_000", "digit separator (1000)"),
        ("1_000.5", "digit separator (1000.5)"),
    ],
)
def test_yaml11_number_traps_are_refused_by_both_parsers(value: str, words: str) -> None:
    """`012` is 10 to PyYAML (YAML 1.1) and 12 to YAML 1.2: the file is refused, with the
    path and line of the value, whichever parser reads it (the fast one defers)."""
    text = f"a:\n  b: [1, {value}]\n  {value}: key\n"
    assert fast_or_none(text) is None
    with pytest.raises(LayoutError) as err:
        source.parse_text(text, "t.yaml")
    value_p, key_p = err.value.problems
    assert (value_p.file, value_p.line, value_p.path) == ("t.yaml", 2, "a.b[1]")
    assert (key_p.line, key_p.path) == (3, "a")  # a key: the mapping it is in
    for p in (value_p, key_p):
        assert p.message.startswith(f"{value}: ") and words in p.message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0", 0), ("-0", 0), ("12", 12), ("+12", 12), ("012.5", 12.5), ("1e3", "1e3"),
        ("1.5e+3", 1500.0), (".5", 0.5), ("09", "09"), ("0o17", "0o17"), ("'012'", "012"),
    ],
)  # fmt: skip
def test_plain_decimals_read_as_every_reader_reads_them(value: str, expected) -> None:
    """Decimal numbers stand; text stays text (pydantic turns '1e3' into 1000.0 where a
    number belongs, and refuses '0o17' there)."""
    text = f"a: {value}\n"
    fast = source._parse_events(text)
    same(fast, source._parse_nodes(text, "t.yaml"))
    assert fast["a"] == expected and type(fast["a"]) is type(expected)


def test_a_number_trap_in_a_layout_is_located(tmp_path: Path) -> None:
    text = (ROOT / "layouts" / "small-room.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("grid_mw:"))
    lines[n] = lines[n].split(":")[0] + ": 01"
    path = tmp_path / "room.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LayoutError) as err:
        load(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), n + 1, "site.grid_mw")
    assert "01: a leading zero is read as octal" in problem.message
