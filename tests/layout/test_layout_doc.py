"""docs/layout-format.md stays true to the schema: every field is documented and the
examples are valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from twin.layout import loads
from twin.layout import schema as s

DOC = Path(__file__).resolve().parents[2] / "docs" / "layout-format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S)

MODELS = [
    cls
    for cls in vars(s).values()
    if isinstance(cls, type)
    and issubclass(cls, BaseModel)
    and cls.__module__.startswith(s.__name__)
]
POWER = dict(s.Power.model_fields.items())
COOLING = dict(s.Cooling.model_fields.items())
KIND_MODEL = {
    **{k: f.annotation.__args__[0] for k, f in POWER.items()},
    **{k: f.annotation.__args__[0] for k, f in COOLING.items()},
}


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_field_is_documented(cls: type[BaseModel]) -> None:
    def documented(key: str) -> bool:
        return f"`{key}`" in TEXT or re.search(rf"^#+ .*\b{key}\b", TEXT, flags=re.M) is not None

    missing = [f.alias or n for n, f in cls.model_fields.items() if not documented(f.alias or n)]
    assert not missing, f"{cls.__name__} fields not in {DOC.name}: {missing}"


def test_every_section_is_documented() -> None:
    for key in (*s.Layout.model_fields, *POWER, *COOLING):
        assert re.search(rf"^#+ .*\b{key}\b", TEXT, flags=re.M | re.I), f"no heading for {key}"


def test_the_complete_example_is_valid() -> None:
    layout = loads(BLOCKS[0], "docs-example.yaml")
    assert len(layout.halls[0].racks) == 2


def test_section_examples_match_the_schema() -> None:
    """Each example component list validates against its model (references aside)."""
    checked = 0
    for block in BLOCKS[1:]:
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            continue  # an excerpt with '...' in it
        if not isinstance(data, dict):
            data = {}
        if "site" in data:
            s.Site.model_validate(data["site"])
            checked += 1
        for entry in (data.get("accelerators") or {}).values():
            s.Accelerator.model_validate(entry)
            checked += 1
        if "economics" in data:
            s.Economics.model_validate(data["economics"])
            checked += 1
        for hall in data.get("halls") or []:
            s.Hall.model_validate(hall)
            checked += 1
        for kind, items in data.items():
            if kind in KIND_MODEL and isinstance(items, list):
                for item in items:
                    KIND_MODEL[kind].model_validate(item)
                    checked += 1
    assert checked >= 15
