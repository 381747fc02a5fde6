"""Semantic validation at load time (issue 13): connections typed by voltage, every water
loop able to move its heat, the weather file a bounded regular file. The reference layouts
and generated campuses pass; the issue's reproducers are refused with a located message."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from twin.errors import LayoutError
from twin.layout import generate, load, loads
from twin.layout.regular_file import FileTooLarge, NotRegularFile
from twin.solve import weather

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "layouts" / "ai-factory-hall.yaml"
MINIMAL = (Path(__file__).resolve().parent / "minimal.yaml").read_text(encoding="utf-8")


def problems_of(text: str, name: str = "t.yaml") -> list:
    with pytest.raises(LayoutError) as err:
        loads(text, name)
    return err.value.problems


# ------------------------------------------------------------- loops move heat


def hall_without_pumps(drop_pipes: bool = False) -> tuple[str, int]:
    """The issue's reproducer: ai-factory-hall.yaml with `pumps: []` and its pump entries
    removed (and, optionally, its pipes); also the line of the facility loop."""
    out, skipping = [], False
    for line in HALL.read_text(encoding="utf-8").splitlines():
        if re.match(r"^  (pumps|pipes):", line):
            kind = line.split(":")[0].strip()
            skipping = kind == "pumps" or drop_pipes
            if skipping:
                out.append(f"  {kind}: []")
                continue
        elif skipping and line.startswith("  - "):
            continue
        else:
            skipping = False
        out.append(line)
    line = next(i for i, t in enumerate(out, 1) if "{id: H1-FWS, kind: facility" in t)
    return "\n".join(out) + "\n", line


def test_the_issue_reproducer_is_refused_at_the_loop() -> None:
    text, line = hall_without_pumps()
    assert "pumps: []" in text and "H1-FWS-P1" not in text
    (p,) = problems_of(text, "hall.yaml")
    assert (p.file, p.line, p.path) == ("hall.yaml", line, "cooling.loops[0]")
    assert "loop 'H1-FWS' takes heat and has 23 pipes but no pump" in p.message


def test_a_loop_without_pipes_or_pumps_is_left_unmodelled() -> None:
    """The solver lets an unmodelled loop's flow follow its heat (minimal.yaml, the docs'
    complete example): accepted; only a piped network needs a pump to drive it."""
    text, _ = hall_without_pumps(drop_pipes=True)
    layout = loads(text, "hall.yaml")
    assert not layout.cooling.pumps and not layout.cooling.pipes


def test_a_tcs_loop_is_moved_by_its_cdus() -> None:
    """A TCS loop with pipes and no Pump entry: the CDUs' own pumps drive it."""
    text = MINIMAL.replace(
        "  dry_coolers:",
        "  pipes:\n    - {id: T1, loop: TCS, from: a, to: b, length_m: 20.0, diameter_m: 0.05}\n"
        "  dry_coolers:",
    )
    assert loads(text).cooling.pipes[0].loop == "TCS"


def test_the_hall_pumps_sit_on_its_pipes() -> None:
    """The unmodified hall validates: its pumps are on its pipes' nodes."""
    layout = load(HALL)
    nodes = {n for p in layout.cooling.pipes for n in (p.from_node, p.to_node)}
    assert {n for p in layout.cooling.pumps for n in (p.from_node, p.to_node)} <= nodes


@pytest.mark.parametrize("condenser", ["tower", "air"])
def test_generated_campuses_validate(condenser: str) -> None:
    doc = generate.campus(it_mw=30, condenser=condenser)
    layout = loads(generate.to_yaml(doc), "campus.yaml")
    assert layout.cooling.pumps and layout.cooling.chillers


# --------------------------------------------------------- typed by voltage

MV11 = (
    "    - {id: TX1, upstream: UTIL, rating_kva: 500.0, v_primary_kv: 22.9, v_secondary_kv: 0.415}",
    "    - {id: TX1, upstream: UTIL, rating_kva: 500.0, v_primary_kv: 22.9, v_secondary_kv: 0.415}\n"
    "    - {id: TX-MV, upstream: UTIL, rating_kva: 2000.0, v_primary_kv: 22.9, v_secondary_kv: 11.0}",
)
BOARD = (
    "    - {id: MSB, upstream: TX1, alternate: GEN1, rating_kva: 500.0}",
    "    - {id: MSB, upstream: TX1, alternate: GEN1, rating_kva: 500.0}\n"
    "    - {id: MV11, upstream: TX-MV, rating_kva: 2000.0}",
)


def with_mv(extra_cooling: str) -> str:
    text = MINIMAL
    for old, new in (MV11, BOARD):
        assert old in text
        text = text.replace(old, new)
    return text.replace("  dry_coolers:", extra_cooling + "  dry_coolers:")


def test_chillers_and_pumps_may_have_mv_motors() -> None:
    text = with_mv(
        "  chillers:\n    - {id: CH1, loop: FWS, capacity_kw: 150.0, feed: MV11}\n"
        "  pumps:\n    - {id: P1, loop: FWS, from: r, to: s, head_kpa: 200.0, flow_m3_s: 0.005, "
        "feed: MV11}\n"
    )
    layout = loads(text)
    assert layout.cooling.chillers[0].feed == "MV11"


def test_fans_may_not_and_no_motor_above_15_kv() -> None:
    text = with_mv("  chillers:\n    - {id: CH1, loop: FWS, capacity_kw: 150.0, feed: MV11}\n")
    text = text.replace("fan_kw: 3.0}", "fan_kw: 3.0, feed: MV11}")  # the dry cooler's fans
    (p,) = problems_of(text)
    assert p.path == "cooling.dry_coolers[0].feed" and "'MV11' is at 11 kV" in p.message
    text = with_mv("  chillers:\n    - {id: CH1, loop: FWS, capacity_kw: 150.0, feed: TX-MV}\n")
    text = text.replace("v_secondary_kv: 11.0", "v_secondary_kv: 20.0")
    (p,) = problems_of(text)
    assert p.path == "cooling.chillers[0].feed"
    assert "a chiller's motors run at medium voltage, at most 15 kV" in p.message


def test_racks_plug_into_lv_transformer_secondaries() -> None:
    text = MINIMAL.replace(
        "feed_a: PDU-A, feed_b: PDU-B}\n      - {id: RK2", "feed_a: TX1}\n      - {id: RK2"
    )
    assert loads(text).halls[0].racks[0].feed_a == "TX1"  # 0.415 kV: allowed
    text = with_mv("").replace(
        "feed_a: PDU-A, feed_b: PDU-B}\n      - {id: RK2", "feed_a: TX-MV}\n      - {id: RK2"
    )
    (p,) = problems_of(text)
    assert p.path == "halls[0].racks[0].feed_a" and "'TX-MV' is at 11 kV" in p.message


def test_the_reference_layouts_are_typed_correctly() -> None:
    for path in sorted((ROOT / "layouts").glob("*.yaml")):
        load(path)


# ------------------------------------------------------------------ weather


def with_weather(value: str) -> str:
    return MINIMAL.replace("grid_mw: 1.0", f"grid_mw: 1.0\n  weather_file: '{value}'")


def test_a_weather_file_next_to_the_layout_is_found(tmp_path: Path) -> None:
    (tmp_path / "year.epw").write_text("contents are read only for annual figures\n")
    path = tmp_path / "site.yaml"
    path.write_text(with_weather("year.epw"), encoding="utf-8")
    assert load(path).site.weather_file == "year.epw"
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    (elsewhere / "site.yaml").write_text(with_weather("year.epw"), encoding="utf-8")
    with pytest.raises(LayoutError, match=re.escape(f"weather file not found: {elsewhere}")):
        load(elsewhere / "site.yaml")


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_weather_file_is_refused_and_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "year.epw"
    os.mkfifo(fifo)
    path = tmp_path / "site.yaml"
    path.write_text(with_weather("year.epw"), encoding="utf-8")
    with pytest.raises(LayoutError) as err:
        load(path)
    (p,) = err.value.problems
    assert (
        p.path == "site.weather_file" and "is a named pipe (FIFO), not a regular file" in p.message
    )
    with pytest.raises(NotRegularFile):
        weather.read_weather(str(fifo))


def test_an_oversize_weather_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "year.epw"
    with big.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)  # sparse
    path = tmp_path / "site.yaml"
    path.write_text(with_weather("year.epw"), encoding="utf-8")
    with pytest.raises(LayoutError, match="62.9 MB; weather files up to 50 MB are read"):
        load(path)
    with pytest.raises(FileTooLarge):
        weather.read_weather(str(big))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_reading_dev_zero_as_weather_stops_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(NotRegularFile, match="character device"):
        weather.read_weather("/dev/zero")
    assert time.perf_counter() - start < 5


def test_weather_years_are_cached_by_content(tmp_path: Path) -> None:
    """An edited file is read anew (the cache was keyed by the path before)."""
    import pvlib

    src = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    copy = tmp_path / "year.csv"
    copy.write_bytes(src.read_bytes())
    first = weather.read_weather(str(copy))
    assert first.equals(weather.read_weather("pvlib:723170TYA"))
    lines = copy.read_text().splitlines()
    head = lines[1].split(",")
    col = head.index("Dry-bulb (C)")
    row = lines[2].split(",")
    row[col] = str(float(row[col]) + 10.0)
    lines[2] = ",".join(row)
    copy.write_text("\n".join(lines) + "\n")
    again = weather.read_weather(str(copy))
    assert again["t_db_c"].iloc[0] == pytest.approx(first["t_db_c"].iloc[0] + 10.0)


def test_a_hall_above_the_air_models_size_is_refused_at_load() -> None:
    """A file too big for the solver is refused where it enters, naming the hall's list."""
    from twin.layout import schema, validate_data

    n = schema.MAX_HALL_RACKS + 1
    doc = loads((ROOT / "layouts" / "small-room.yaml").read_text(), "big.yaml").model_dump(
        by_alias=True, exclude_none=True
    )
    rack = doc["halls"][0]["racks"][0]
    doc["halls"][0]["racks"] = [dict(rack, id=f"K{i}", slot=i % 10_000) for i in range(n)]
    with pytest.raises(LayoutError) as exc:
        validate_data(doc, "big.yaml")
    where = [p for p in exc.value.problems if p.path == "halls[0].racks"]
    assert where and "50000" in where[0].message.replace(",", ""), exc.value.problems[:3]
