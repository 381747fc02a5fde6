"""Every number in a layout has a physical lower and upper bound with a reason, fields that
only make sense together are checked together, and the docs list the same bounds (issue 13:
never a wrong answer in silence; 1.8e308 ohm/km or a 1e300 kW fan once became NaN shown as
null, a 1e-9 m3/s CRAH a 5.8e10 C inlet)."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from twin.errors import LayoutError
from twin.layout import loads
from twin.layout import schema as s
from twin.model import registry

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (Path(__file__).resolve().parent / "minimal.yaml").read_text(encoding="utf-8")
DOC = (ROOT / "docs" / "layout-format.md").read_text(encoding="utf-8")

MODELS = [
    cls
    for cls in vars(s).values()
    if isinstance(cls, type)
    and issubclass(cls, BaseModel)
    and cls.__module__.startswith(s.__name__)
]


def bounds(field: FieldInfo) -> dict[str, float]:
    """The ge/gt/le/lt constraints on a field, wherever they sit (its own metadata, an
    Annotated type, the items of a pair or list, an optional)."""
    out: dict[str, float] = {}

    def take(meta) -> None:
        for m in meta:
            for name in ("ge", "gt", "le", "lt"):
                if type(m).__name__.lower() == name:
                    out[name] = getattr(m, name)
            if isinstance(m, FieldInfo):
                take(m.metadata)

    def walk(tp) -> None:
        if typing.get_origin(tp) is Annotated:
            take(typing.get_args(tp)[1:])
            walk(typing.get_args(tp)[0])
        else:
            for arg in typing.get_args(tp) or ():
                walk(arg)

    take(field.metadata)
    walk(field.annotation)
    return out


def numeric(tp) -> bool:
    """Whether a field's type holds numbers (a number, a pair or list of them, optional)."""
    if tp in (int, float):
        return True
    if typing.get_origin(tp) is Annotated:
        return numeric(typing.get_args(tp)[0])
    return any(numeric(a) for a in typing.get_args(tp) or () if a is not type(None))


NUMERIC = [
    (cls, name, field)
    for cls in MODELS
    for name, field in cls.model_fields.items()
    if numeric(field.annotation)
]


@pytest.mark.parametrize(
    "cls, name, field", NUMERIC, ids=[f"{c.__name__}.{n}" for c, n, _ in NUMERIC]
)
def test_every_number_has_both_bounds_and_a_reason(cls, name, field) -> None:
    b = bounds(field)
    assert {"ge", "gt"} & set(b), f"{cls.__name__}.{name} has no lower bound"
    assert {"le", "lt"} & set(b), f"{cls.__name__}.{name} has no upper bound"
    desc = field.description or ""
    has_reason = re.search(r"\d", desc) or "fraction" in desc  # a figure or a share
    assert desc and has_reason, f"{cls.__name__}.{name}: say why the bounds are what they are"


def test_the_numbers_checked_are_all_of_them() -> None:
    assert len(NUMERIC) > 60
    assert ("Crah", "airflow_m3_s") in {(c.__name__, n) for c, n, _ in NUMERIC}
    assert ("Hall", "size_m") in {(c.__name__, n) for c, n, _ in NUMERIC}


# ------------------------------------------------------------------ docs agree


def _doc_class(line: str, current):
    """The schema class whose table follows `line` in docs/layout-format.md, else `current`."""
    m = re.match(r"^#+ (\w+)", line)
    if m:
        word = m.group(1)
        if word in registry.BY_TABLE:
            return getattr(s, registry.kind(word).schema)
        named = {"site": s.Site, "The": s.Layout, "cooling": s.CoolingUnit}
        return named.get(word, s.Accelerator if word == "accelerators" else None)
    starts = {
        "**Hall**": s.Hall,
        "**Row**": s.Row,
        "**Rack**": s.Rack,
        "`design`": s.DesignConditions,
        "`battery`": s.Battery,
        "`economics:`": s.Economics,
        "`accelerators:`": s.Accelerator,
        "**Fields of every element fed from upstream**": s.Branch,
    }
    return next((c for pre, c in starts.items() if line.startswith(pre)), current)


def _doc_bounds(cell: str) -> dict[str, float]:
    out = {}
    for sym, key in (("≥", "ge"), (">", "gt"), ("≤", "le"), ("<", "lt")):
        m = re.search(rf"{sym} (10¹²|-?[\d,.]+(?:e-?\d+)?)", cell)
        if m:
            text = m.group(1).replace(",", "")
            out[key] = 1e12 if text == "10¹²" else float(text)
    return out


DOC_ROWS = []
_cls = None
for _line in DOC.splitlines():
    _cls = _doc_class(_line, _cls)
    _m = re.match(r"^\| `([a-z_0-9]+)` \|", _line)
    if _m and _cls is not None:
        DOC_ROWS.append((_cls, _m.group(1), _line))


@pytest.mark.parametrize(
    "cls, key, line", DOC_ROWS, ids=[f"{c.__name__}.{k}" for c, k, _ in DOC_ROWS]
)
def test_the_docs_state_the_schema_bounds(cls, key, line) -> None:
    fields = {f.alias or n: f for n, f in cls.model_fields.items()}
    assert key in fields, f"docs list {key!r} under {cls.__name__}, which has no such field"
    allowed = line.split(" | ")[4]
    want = {k: float(v) for k, v in bounds(fields[key]).items()}
    assert _doc_bounds(allowed) == want, f"{cls.__name__}.{key}: docs say {allowed!r}"


def test_the_doc_tables_are_all_read() -> None:
    assert len(DOC_ROWS) > 100


# ------------------------------------------------------------ cross-field checks


def refused(old: str, new: str) -> list:
    assert old in MINIMAL, old
    with pytest.raises(LayoutError) as err:
        loads(MINIMAL.replace(old, new, 1), "m.yaml")
    return err.value.problems


@pytest.mark.parametrize(
    "old, new, path, words",
    [
        ("airflow_m3_s: 4.0", "airflow_m3_s: 0.5", "cooling.crahs[0].airflow_m3_s", "heats the air by"),
        ("airflow_m3_s: 4.0", "airflow_m3_s: 100.0", "cooling.crahs[0].airflow_m3_s", "1.25-16.7 m3/s"),
        ("fan_kw: 2.0}", "fan_kw: 30.0}", "cooling.crahs[0].fan_kw", "50% of the 60 kW"),
        ("capacity_mva: 2.0}", "capacity_mva: 2.0, sc_mva: 2.0}", "power.utilities[0].sc_mva", "not above"),
        ("grid_mw: 1.0", "grid_mw: 1.0\n  design: {t_db_c: 25.0, t_wb_c: 26.0}", "site.design.t_wb_c",
         "above the dry bulb"),
        ("t_supply_c: 25.0}", "t_supply_c: 0.0}", "cooling.loops[1].t_supply_c", "water freezes at 0 C"),
    ],
)  # fmt: skip
def test_fields_that_belong_together_are_checked_together(old, new, path, words) -> None:
    problems = refused(old, new)
    assert any(p.path == path and words in p.message and p.line for p in problems), problems


def test_pump_power_and_pipe_roughness() -> None:
    with pytest.raises(ValidationError, match="hydraulic power"):
        s.Pump.model_validate(
            {"id": "P", "loop": "L", "from": "a", "to": "b", "head_kpa": 3000, "flow_m3_s": 50}
        )
    s.Pump.model_validate(
        {"id": "P", "loop": "L", "from": "a", "to": "b", "head_kpa": 300, "flow_m3_s": 3}
    )
    with pytest.raises(ValidationError, match="Moody"):
        s.Pipe.model_validate(
            {"id": "P", "loop": "L", "from": "a", "to": "b", "length_m": 10, "diameter_m": 0.01,
             "roughness_m": 0.005}
        )  # fmt: skip


def test_pg25_may_run_below_zero() -> None:
    s.Loop.model_validate({"id": "G", "kind": "chilled", "fluid": "pg25", "t_supply_c": -5.0})
    with pytest.raises(ValidationError, match="pg25 freezes"):
        s.Loop.model_validate({"id": "G", "kind": "chilled", "fluid": "pg25", "t_supply_c": -10})


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        ("cable_r_ohm_per_km: 0.0754", "cable_r_ohm_per_km: 1e308", "cable_r_ohm_per_km",
         "less than or equal to 50"),
        ("fan_kw: 2.0}", "fan_kw: 1e300}", "cooling.crahs[0].fan_kw", "less than or equal to 1000"),
        ("airflow_m3_s: 4.0", "airflow_m3_s: 1e-9", "cooling.crahs[0].airflow_m3_s",
         "greater than or equal to 0.1"),
    ],
)  # fmt: skip
def test_the_issue_extremes_are_refused(old, new, path, message) -> None:
    text = MINIMAL
    if "cable" in old:  # give the PDU a cable to carry the resistance
        text = text.replace(
            "{id: PDU-A, upstream: UPS1, rating_kva: 150.0}",
            "{id: PDU-A, upstream: UPS1, rating_kva: 150.0, cable_length_m: 20.0, "
            "cable_r_ohm_per_km: 0.0754}",
        )
    with pytest.raises(LayoutError) as err:
        loads(text.replace(old, new, 1), "m.yaml")
    assert any(p.path.endswith(path) and message in p.message for p in err.value.problems)
