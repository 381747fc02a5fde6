"""Too-deep layouts get our located message whatever YAML parser is installed.

PyYAML 6.0.4's libyaml refuses nesting past 1000 levels, and in flow style it reads
ahead, so its error came before the events our depth check counts: the 5000-deep JSON
file was then reported as "invalid JSON: nested too deeply" with no line. These tests
fake such parsers (an error after any number of levels, in any wording) so they catch
that whichever PyYAML and libyaml the run has.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from twin.errors import LayoutError
from twin.layout import depth, loads, source

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OURS = f"nested more than {source.MAX_DEPTH} levels deep"
PARSER_WORDING = "made-up parser wording"


def flow_yaml(n: int) -> tuple[str, int]:
    return "format_version: 1\nsite:\n  name: " + "[" * n + "]" * n + "\n", 3


def block_sequence(n: int) -> tuple[str, int]:
    return "- " * n + "x\n", 1


def block_mapping(n: int) -> tuple[str, int]:
    """Each mapping one space deeper than its parent: level 65 starts on line 65."""
    return "".join(" " * i + "k:\n" for i in range(n)) + " " * n + "x\n", source.MAX_DEPTH + 1


def json_arrays(n: int) -> tuple[str, int]:
    return '{"format_version": 1,\n "site": ' + "[" * n + "]" * n + "}\n", 2


STYLES = {
    "flow.yaml": flow_yaml,
    "block-sequence.yaml": block_sequence,
    "block-mapping.yaml": block_mapping,
    "arrays.json": json_arrays,
}


def refused_with_our_message(text: str, name: str, line: int) -> None:
    with pytest.raises(LayoutError) as info:
        loads(text, name)
    problems = info.value.problems
    assert len(problems) == 1, str(info.value)
    problem = problems[0]
    assert OURS in problem.message, str(info.value)
    assert (problem.file, problem.line) == (name, line), str(info.value)
    assert PARSER_WORDING not in str(info.value)
    assert "invalid" not in str(info.value)


@pytest.mark.parametrize("levels", [100, 5000])
@pytest.mark.parametrize("name", STYLES)
def test_deep_nesting_is_refused_with_our_located_message(name: str, levels: int) -> None:
    """With the parser installed, whatever its own nesting limit."""
    text, line = STYLES[name](levels)
    refused_with_our_message(text, name, line)


def parser_failing_after(levels: int, error: BaseException) -> Callable:
    """A yaml.parse that gives up, with `error`, before opening level `levels` + 1."""
    real = yaml.parse

    def parse(stream, Loader=yaml.SafeLoader):
        opened = 0
        for event in real(stream, Loader=Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                if opened == levels:
                    raise error
                opened += 1
            yield event

    return parse


ERRORS = {
    "YAMLError": yaml.YAMLError(PARSER_WORDING),
    "ScannerError": yaml.scanner.ScannerError("while scanning", None, PARSER_WORDING, None),
    "RecursionError": RecursionError(PARSER_WORDING),
}


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("after", [0, 2, source.MAX_DEPTH])
@pytest.mark.parametrize("levels", [100, 5000])
@pytest.mark.parametrize("name", STYLES)
def test_a_parser_that_stops_early_still_gets_our_message(
    monkeypatch, name: str, levels: int, after: int, error: str
) -> None:
    """The parser stops `after` levels in (a nesting limit, or reading ahead to one)."""
    monkeypatch.setattr(yaml, "parse", parser_failing_after(after, ERRORS[error]))
    text, line = STYLES[name](levels)
    refused_with_our_message(text, name, line)


def deep_indented(levels: int, last: str) -> str:
    """`levels` mappings two spaces apart: the cheap bound (2 x indent) passes 64."""
    return "".join("  " * i + "k:\n" for i in range(levels)) + "  " * levels + last + "\n"


@pytest.mark.parametrize("fake", [False, True])
def test_a_syntax_error_in_a_deep_enough_file_is_not_called_too_deep(monkeypatch, fake) -> None:
    text = deep_indented(40, "'never closed")
    assert 2 * 40 * 2 > source.MAX_DEPTH  # so the exact depth pass runs
    if fake:
        monkeypatch.setattr(yaml, "parse", parser_failing_after(0, ERRORS["YAMLError"]))
    with pytest.raises(LayoutError) as info:
        source.parse_text(text, "quote.yaml")
    assert "invalid YAML" in str(info.value)
    assert "nested" not in str(info.value)


def test_a_parser_failing_on_a_file_within_the_limit_changes_nothing(monkeypatch) -> None:
    text = deep_indented(source.MAX_DEPTH - 1, "x")
    monkeypatch.setattr(yaml, "parse", parser_failing_after(0, ERRORS["YAMLError"]))
    data = source.parse_text(text, "ok.yaml")
    for _ in range(source.MAX_DEPTH - 1):
        data = data["k"]
    assert data == "x"


def test_the_limit_itself_is_accepted_and_one_more_refused(monkeypatch) -> None:
    monkeypatch.setattr(yaml, "parse", parser_failing_after(0, ERRORS["YAMLError"]))
    n = source.MAX_DEPTH - 1  # + the root mapping
    assert source.parse_text("a: " + "[" * n + "]" * n, "at.yaml") is not None
    with pytest.raises(LayoutError, match=OURS):
        source.parse_text("a: " + "[" * (n + 1) + "]" * (n + 1), "over.yaml")


# --- our count agrees with the parser's --------------------------------------------


def parser_depth(text: str, limit: int) -> tuple[int, int | None]:
    """What `own_depth` should say, from the parser's events."""
    depth = deepest = 0
    for event in yaml.parse(text, Loader=source._BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return deepest, event.start_mark.line + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest, None


def parseable(path: Path) -> bool:
    try:
        parser_depth(path.read_bytes().decode("utf-8-sig"), 10**9)
    except (UnicodeDecodeError, yaml.YAMLError):
        return False
    return True


SAMPLES = [
    path
    for path in sorted(ROOT.glob("layouts/*.yaml")) + sorted((ROOT / "tests").rglob("*.yaml"))
    if parseable(path)
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_own_count_agrees_with_the_parser_on_our_files(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    assert depth.own_depth(text, 10**9) == parser_depth(text, 10**9)


TRICKY = string.ascii_letters[:6] + " :#[]{},'\"-?|>&*!%\t\\\n"


def random_value(rnd: random.Random, depth: int = 0):
    """Nested data whose strings are full of YAML's indicators."""
    roll = rnd.random()
    if depth > 7 or roll < 0.35:
        pick = rnd.random()
        if pick < 0.4:
            return "".join(rnd.choice(TRICKY) for _ in range(rnd.randint(0, 10)))
        if pick < 0.6:
            return rnd.choice([1, 2.5, True, None, "a: b", "# c", "[x]", "- y", "'", '"'])
        return "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(1, 6)))
    if roll < 0.65:
        n = rnd.randint(0, 4)
        return {str(random_value(rnd, 8)): random_value(rnd, depth + 1) for _ in range(n)}
    return [random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


DUMPS = {
    "block": lambda v: yaml.safe_dump(v, default_flow_style=False),
    "flow": lambda v: yaml.safe_dump(v, default_flow_style=True, width=30),
    "mixed": lambda v: yaml.safe_dump(v, default_flow_style=None, indent=3),
    "double-quoted": lambda v: yaml.safe_dump(v, default_style='"'),
    "single-quoted": lambda v: yaml.safe_dump(v, default_style="'", width=20),
    "literal": lambda v: yaml.safe_dump(v, default_style="|"),
    "folded": lambda v: yaml.safe_dump(v, default_style=">"),
    "json": lambda v: json.dumps(v),
    "json-indented": lambda v: json.dumps(v, indent=1),
    "documents": lambda v: yaml.safe_dump_all([v, v], explicit_start=True),
}


@pytest.mark.parametrize("style", DUMPS)
def test_own_count_agrees_with_the_parser_on_random_documents(style: str) -> None:
    """Depth and the line where each small limit is first passed, as the parser counts."""
    rnd = random.Random(11)
    for _ in range(150):
        text = DUMPS[style](random_value(rnd))
        for limit in (10**9, 1, 2, 3, 5):
            assert depth.own_depth(text, limit) == parser_depth(text, limit), text
