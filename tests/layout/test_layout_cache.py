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
