"""Plausibility warnings (twin.layout.plausibility): none on the shipped layouts (whose one
caution is the default air model's), exactly the expected one (file, line, id, value, range)
on a crafted layout, and a table that agrees with the schema it sits inside."""

from __future__ import annotations

from pathlib import Path

import annotated_types
import pytest
import yaml

from twin.cli import main
from twin.layout import loads
from twin.layout import schema as s
from twin.layout.air_choice import AUTO_FFD_MAX_HALLS
from twin.layout.plausibility import (
    AIR_FFD_CFD,
    AIR_KERNEL_CFD,
    OPPOSED_JETS,
    TYPICAL,
    ModelCaution,
    PlausibilityWarning,
    check,
    check_bytes,
    check_file,
)
from twin.model import registry

SHIPPED = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "layouts").glob("*.yaml"))
"""Every reference layout in layouts/ (the sites/ folder holds site files, not layouts)."""


def _values(found: list) -> list[PlausibilityWarning]:
    """The value warnings, without the air model cautions."""
    return [w for w in found if isinstance(w, PlausibilityWarning)]


def _air_caution(found: list, halls: tuple[str, ...], figures: str) -> None:
    """Exactly one air model caution, naming `halls` and quoting `figures` (besides those on
    cooling units that blow at each other, which the generated halls have)."""
    (c,) = [w for w in found if isinstance(w, ModelCaution) and OPPOSED_JETS not in w.message]
    assert c.components == halls and figures in c.message, c


def _every_unit_placed(doc: dict) -> bool:
    """Whether every cooling unit has a position: the default air model is then FFD."""
    return all("position_m" in u for u in doc.get("cooling", {}).get("crahs", []))


def _line_of(text: str, needle: str) -> int:
    """1-based line of the only line containing `needle` (found by hand, not by the module)."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layouts_have_no_warnings(layouts_dir, name):
    assert len(SHIPPED) >= 3
    found = check_file(layouts_dir / name)
    assert _values(found) == []
    doc = yaml.safe_load((layouts_dir / name).read_text())
    assert _every_unit_placed(doc)  # so every hall is on the FFD field by default
    _air_caution(found, tuple(h["id"] for h in doc["halls"]), AIR_FFD_CFD)


def test_a_tiny_rack_gets_exactly_one_located_warning(layouts_dir):
    text = (layouts_dir / "small-room.yaml").read_text()
    old = "{id: RA01, row: RA, slot: 0, profile: enterprise-10kw, power_kw: 5.0,"
    assert text.count(old) == 1
    text = text.replace(old, old.replace("power_kw: 5.0", "power_kw: 0.01"))
    warns = _values(check_bytes(text, "tiny-rack.yaml"))
    assert len(warns) == 1
    w = warns[0]
    line = _line_of(text, "id: RA01,")
    assert (w.file, w.line, w.path) == ("tiny-rack.yaml", line, "halls[0].racks[0].power_kw")
    assert (w.component, w.field, w.value, w.low, w.high) == ("RA01", "power_kw", 0.01, 1, 700)
    assert str(w).startswith(f"tiny-rack.yaml:{line}: halls[0].racks[0].power_kw: warning: RA01")
    assert "0.01 kW" in str(w) and "1-700 kW" in str(w)
    # the layout is still valid (a warning, not an error) and checks the same without lines
    assert [x.component for x in _values(check(loads(text, "tiny-rack.yaml")))] == ["RA01"]


def test_a_value_from_a_profile_points_at_the_profile(layouts_dir):
    text = (layouts_dir / "small-room.yaml").read_text()
    old = "    t_supply_c: 18.0\n"
    assert text.count(old) == 1
    text = text.replace(old, "    t_supply_c: 8.0\n")
    warns = _values(check_bytes(text, "cold-crac.yaml"))
    line = _line_of(text, "t_supply_c: 8.0")
    # one warning for the one value, naming every unit it reaches (not one per unit)
    assert [(w.line, w.path, w.value, w.components) for w in warns] == [
        (line, "profiles.crac-120kw.t_supply_c", 8.0, ("CRAC-1", "CRAC-2", "CRAC-3"))
    ]
    assert "warning: CRAC-1, CRAC-2 and CRAC-3 t_supply_c = 8 C" in str(warns[0])


def test_many_components_of_one_profile_value_are_counted():
    from twin.errors import names

    assert names(("A",)) == "A"
    assert names(("A", "B")) == "A and B"
    assert names(("A", "B", "C")) == "A, B and C"
    assert names(tuple(f"R{i}" for i in range(7000))) == "R0, R1 and 6,998 more"


def test_zero_kw_rack_is_an_empty_position_and_loop_ranges_follow_the_kind(layouts_dir):
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    old = "{id: H1-FWS, kind: facility, t_supply_c: 20.0"
    assert text.count(old) == 1
    cold = text.replace(old, old.replace("20.0", "2.0"))
    warns = _values(check_bytes(cold, "cold-fws.yaml"))
    assert [(w.component, w.field, w.value, w.low) for w in warns] == [
        ("H1-FWS", "t_supply_c", 2.0, 15.0)
    ]
    assert warns[0].line == _line_of(cold, "id: H1-FWS,")
    small = (layouts_dir / "small-room.yaml").read_text()
    empty = small.replace("power_kw: 5.0,", "power_kw: 0.0,")
    assert empty != small and _values(check_bytes(empty, "empty.yaml")) == []


def _bounds(cls, field):
    lo, hi = -float("inf"), float("inf")
    info = cls.model_fields[field]
    metas = list(info.metadata)
    for arg in getattr(info.annotation, "__args__", ()):  # tuple[HallSide, HallSide], X | None
        for m in getattr(arg, "__metadata__", ()):
            metas += list(getattr(m, "metadata", [m]))  # a FieldInfo holds Ge/Le objects
    for m in metas:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            lo = float(getattr(m, "ge", getattr(m, "gt", lo)))
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            hi = float(getattr(m, "le", getattr(m, "lt", hi)))
    return lo, hi


def test_every_typical_range_is_a_real_field_inside_its_hard_bounds():
    for t in TYPICAL:
        cls = getattr(s, registry.kind(t.table).schema)
        assert t.field in cls.model_fields, (t.table, t.field)
        lo, hi = _bounds(cls, t.field)
        assert -1e9 < lo and hi < 1e9, (t.table, t.field)  # the bounds were found
        assert lo <= t.low < t.high <= hi, (t.table, t.field, lo, hi)
        assert t.source and t.unit is not None
    # one row per (table, field, condition): a table, not a chain of overlapping rules
    keys = [(t.table, t.field, t.when) for t in TYPICAL]
    assert len(keys) == len(set(keys))


def test_cli_validate_prints_the_warning_and_exits_0(tmp_path, layouts_dir, capsys):
    text = (layouts_dir / "small-room.yaml").read_text()
    path = tmp_path / "tiny.yaml"
    path.write_text(text.replace("power_kw: 5.0,", "power_kw: 0.01,", 1))
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "2 plausibility warnings)" in out  # RA01's power and the air model's caution
    assert f"{path}:{_line_of(path.read_text(), 'id: RA01,')}:" in err and "RA01" in err
    assert main(["validate", str(layouts_dir / "small-room.yaml")]) == 0
    out, err = capsys.readouterr()
    assert err.count("warning:") == 1 and AIR_FFD_CFD in err and "1 plausibility warning)" in out


def test_generated_layouts_have_no_warnings():
    """Besides the air model's caution, none: a one- to three-row campus hall's CDU and CRAH
    branches (sized on a share of the hall's heat) ran at 5.3 m/s at their units' capacity,
    a one-row hall's mains too (7, 4 and 10 warnings)."""
    from twin.layout import generate, validate_data

    small = [generate.campus(1, rows_per_hall=r) for r in (1, 2, 3)]
    small.append(generate.campus(1, rows_per_hall=1, condenser="air"))
    # long halls: units left to face the hall's centre turned along it and blew at each other
    # (2 cautions at 22 rows, 19 at 64)
    small += [generate.campus(1, rows_per_hall=r, halls_per_building=1) for r in (22, 64)]
    docs = [generate.ai_factory_hall(), generate.hybrid_inference(), generate.campus(50), *small]
    for doc in docs:
        found = check(validate_data(doc, "generated.yaml"))
        assert _values(found) == []
        ffd = _every_unit_placed(doc) and len(doc["halls"]) <= AUTO_FFD_MAX_HALLS
        figures = AIR_FFD_CFD if ffd else AIR_KERNEL_CFD
        _air_caution(found, tuple(h["id"] for h in doc["halls"]), figures)
        assert not [w for w in found if OPPOSED_JETS in w.message]


def test_cli_solve_prints_warnings_on_stderr_only(tmp_path, layouts_dir, capsys):
    import json

    text = (layouts_dir / "small-room.yaml").read_text()
    path = tmp_path / "tiny.yaml"
    path.write_text(text.replace("power_kw: 5.0,", "power_kw: 0.01,", 1))
    assert main(["solve", str(path), "--json", "--no-headroom"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["it_kw"] > 0  # stdout stays one JSON object
    assert err.count("warning:") == 2 and "RA01 power_kw = 0.01 kW" in err and AIR_FFD_CFD in err
