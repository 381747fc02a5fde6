"""The on-disk cache of validated layouts: same Layout back, bad entries ignored and rebuilt."""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path

import pytest

from twin.errors import LayoutError
from twin.layout import cache, generate, load, loads

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("TWIN_CACHE", raising=False)
    monkeypatch.setattr(cache, "MIN_BYTES", 0)  # cache the small reference layouts too
    return tmp_path / "c" / "layouts"


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.layout")) if folder.exists() else []


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.name)
def test_cached_layout_equals_the_validated_one(path: Path, cache_dir: Path, tmp_path) -> None:
    first = load(path)
    assert len(entries(cache_dir)) == 1
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(path.read_bytes())
    again = load(copy)  # same bytes, another name: from the cache
    assert again.source == str(copy)
    again._source = first.source
    assert again == first


def test_campus_comes_back_from_the_cache(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache, "MIN_BYTES", 256 * 1024)  # the real threshold
    text = generate.to_yaml(generate.campus(it_mw=300))
    assert len(text) > cache.MIN_BYTES
    first = loads(text, "campus.yaml")
    (entry,) = entries(cache_dir)

    def no_parse(*args):
        raise AssertionError("a cached layout should not be parsed again")

    monkeypatch.setattr("twin.layout.parse_bytes", no_parse)
    assert loads(text, "campus.yaml") == first
    assert entries(cache_dir) == [entry]


def test_small_files_are_not_cached(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache, "MIN_BYTES", 256 * 1024)
    load(LAYOUTS[0])
    assert entries(cache_dir) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-10] + bytes(10),  # payload changed: checksum mismatch
        lambda b: b"not a cache entry at all",
        lambda b: b"",
    ],
    ids=["truncated", "bit-rot", "garbage", "empty"],
)
def test_corrupt_entry_is_ignored_and_rebuilt(damage, cache_dir: Path) -> None:
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert load(path) == first
    assert entry.read_bytes() == good  # rebuilt


def test_stale_entry_that_no_longer_validates_is_rebuilt(cache_dir: Path) -> None:
    """A well-formed entry whose data the schema refuses (e.g. written by an older schema)."""
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    payload = marshal.dumps({"format_version": 99})
    digest = hashlib.sha256(payload).hexdigest().encode()
    entry.write_bytes(cache._MAGIC + digest + b"\n" + payload)
    assert load(path) == first
    rebuilt = cache._decode(entry.read_bytes())
    rebuilt._source = first.source
    assert rebuilt == first


def test_cache_can_be_turned_off(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("TWIN_CACHE", "0")
    load(LAYOUTS[0])
    assert entries(cache_dir) == []


def test_a_folder_others_can_write_to_is_not_used(cache_dir: Path) -> None:
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    os.chmod(cache_dir, 0o777)
    entry.write_bytes(b"planted")
    assert load(path) == first  # validated afresh; the planted file is never read
    assert entry.read_bytes() == b"planted"
    os.chmod(cache_dir, 0o700)


def test_the_cache_is_bounded(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for path in LAYOUTS:
        load(path)
    assert len(LAYOUTS) > 2 and len(entries(cache_dir)) == 2


def test_key_depends_on_the_bytes() -> None:
    assert cache.key(b"a: 1\n") != cache.key(b"a: 2\n")
    assert cache.key(b"a: 1\n") == cache.key(b"a: 1\n")


def test_invalid_layout_is_never_cached_and_errors_stay_located(cache_dir: Path) -> None:
    text = LAYOUTS[0].read_text(encoding="utf-8").replace("format_version: 1", "format_version: 7")
    for _ in range(2):
        with pytest.raises(LayoutError) as err:
            loads(text, "bad.yaml")
        assert err.value.problems[0].line is not None
    assert entries(cache_dir) == []


def _plant(entry: Path, data: dict) -> None:
    """Write `data` as a well-formed entry (checksum and all), as a tamperer would."""
    payload = marshal.dumps(data)
    entry.write_bytes(cache._MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


@pytest.mark.parametrize("damage", ["dangling", "cycle"])
def test_tampered_entry_is_cross_checked_and_rebuilt(damage: str, cache_dir: Path) -> None:
    """An entry passes the schema on the way in; the cross-checks run on it too, so a
    dangling reference or a power-chain cycle never reaches the solvers as a traceback."""
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    data = first.model_dump(by_alias=True, exclude_unset=True)
    pdus, ups = data["power"]["pdus"], data["power"]["ups"]
    if damage == "dangling":
        pdus[0]["upstream"] = "NO-SUCH-UPS"
    else:
        ups[0]["upstream"] = pdus[0]["id"]  # the UPS fed from its own PDU
        pdus[0]["upstream"] = ups[0]["id"]
    _plant(entry, data)
    assert cache._decode(entry.read_bytes()) is not None  # the schema alone lets it through
    again = load(path)
    again._source = first.source
    assert again == first
    rebuilt = cache._decode(entry.read_bytes())
    assert rebuilt.power.pdus[0].upstream == first.power.pdus[0].upstream


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_at_an_entry_path_never_hangs_a_load(cache_dir: Path) -> None:
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    entry.unlink()
    os.mkfifo(entry)
    assert load(path) == first  # the FIFO is not read; validated afresh and replaced
    assert entry.is_file()


def test_oversize_entry_is_not_read(cache_dir: Path, monkeypatch) -> None:
    path = LAYOUTS[0]
    first = load(path)
    (entry,) = entries(cache_dir)
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", entry.stat().st_size - 1)
    assert cache.get(path.read_bytes(), str(path)) is None
    assert load(path) == first


def test_a_cached_layout_sees_its_weather_file_go(cache_dir: Path, tmp_path: Path) -> None:
    """Whether a weather file exists is a fact about the disk, checked on every load."""
    weather = tmp_path / "year.epw"
    weather.write_text("not read at validation\n")
    text = LAYOUTS[0].read_text(encoding="utf-8")
    text = text.replace("site:\n", "site:\n  weather_file: year.epw\n", 1)
    layout_path = tmp_path / "site.yaml"
    layout_path.write_text(text, encoding="utf-8")
    load(layout_path)
    assert len(entries(cache_dir)) == 1
    weather.unlink()
    with pytest.raises(LayoutError) as err:
        load(layout_path)
    (problem,) = err.value.problems
    assert problem.path == "site.weather_file" and "weather file not found" in problem.message
    assert problem.line is not None  # validated afresh: located in the file
