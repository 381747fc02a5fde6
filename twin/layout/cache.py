"""A bounded on-disk cache of validated layouts, so a big file is parsed and checked once.

A 1 GW campus file (~2 MB, 7,600 racks) takes ~1.3 s to parse, validate and
cross-check; from this cache it takes ~0.45 s (read, checksum, unmarshal, one
pydantic pass, ~0.35 s, and the cross-checks again, ~0.1 s). The key is the sha256 of the file's bytes plus a fingerprint of
the code that decides what a valid layout is (the source of `twin.layout`'s
parser, schema and checks, the pydantic and Python versions), so an edited file
or an edited schema never hits a stale entry.

What is stored is *plain data*: ``layout.model_dump()`` (dicts, lists, str,
numbers, None), written with `marshal` behind a sha256 checksum. Reading an entry
never runs code from the file, unlike pickle, whose loads can call any importable
function; the data goes through the pydantic schema again on the way back in, and
through the cross-checks (references, cycles, voltages, loops, the weather file),
so even a tampered entry (a dangling reference, a power-chain cycle) cannot hand
the solvers a layout that `validate_data` would refuse; and whether a weather file
exists is a fact about the disk, checked on every load. Entries are only read
from a directory this user owns and nobody else can write to, from regular files
this user owns (opened without blocking: a FIFO planted at an entry's path cannot
hang a load), of bounded size, and only if the checksum matches: anything else
(corrupt, truncated, foreign, stale, unreadable, inconsistent) is ignored, removed
if it is ours, and rebuilt (a layout that no longer validates is then reported
with its lines, as if there were no cache).

Where: ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin``, else ``~/.cache/twin``
(a ``layouts/`` folder in it). ``TWIN_CACHE=0`` (or ``off``/``no``/``false``)
turns it off. Only files of at least `MIN_BYTES` are cached: smaller ones load in
milliseconds anyway. At most `MAX_ENTRIES` entries and `MAX_TOTAL_BYTES` are kept;
the least recently used go first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path

import pydantic

from twin import __version__
from twin.layout.schema import FORMAT_VERSION, Layout
from twin.layout.source import MAX_FILE_BYTES
from twin.layout.validate import cross_check_problems

MIN_BYTES = 256 * 1024
"""Files smaller than this are not cached (the reference layouts are < 32 kB and load in ms)."""

MAX_ENTRIES = 16
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""Bounds on the cache folder; a campus entry is ~2 MB."""
MAX_ENTRY_BYTES = 4 * MAX_FILE_BYTES
"""Largest entry read: a layout's data takes about as many bytes as its file."""
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

_MAGIC = b"twin-layout-cache 1\n"
_SUFFIX = ".layout"
_CODE = (
    "__init__.py",
    "source.py",
    "regular_file.py",
    "depth.py",
    "schema.py",
    "schema_base.py",
    "schema_power.py",
    "schema_cooling.py",
    "schema_economics.py",
    "generations.py",
    "validate.py",
    "profile_check.py",
    "crosscheck.py",
    "crosscheck_cooling.py",
    "crosscheck_site.py",
    "floor_check.py",
    "cache.py",
)
"""The files whose code decides what a file validates to: part of every key, with the
component registry (twin/model/registry.py), from which the schema builds its sections."""


def enabled() -> bool:
    return os.environ.get("TWIN_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def _wanted(raw: bytes) -> bool:
    return enabled() and MIN_BYTES <= len(raw) <= MAX_FILE_BYTES


def cache_dir() -> Path:
    base = os.environ.get("TWIN_CACHE_DIR")
    if base:
        return Path(base) / "layouts"
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "twin" / "layouts"


@functools.cache
def _fingerprint() -> bytes:
    """What besides the file's bytes decides the Layout it becomes."""
    h = hashlib.sha256()
    for part in (__version__, FORMAT_VERSION, pydantic.VERSION, sys.version, marshal.version):
        h.update(f"{part}\0".encode())
    here = Path(__file__).parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    h.update((here.parent / "model" / "registry.py").read_bytes())
    return h.digest()


def key(raw: bytes) -> str:
    return hashlib.sha256(_fingerprint() + raw).hexdigest()


def _own_dir(folder: Path, create: bool) -> bool:
    """True if `folder` exists (or was made) and only this user can write to it."""
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return False
    try:
        st = folder.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True  # Windows: per-user profile folders; no uid to compare
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def get(raw: bytes, file: str) -> Layout | None:
    """The cached Layout for these file bytes (its `source` set to `file`), or None."""
    if not _wanted(raw):
        return None
    folder = cache_dir()
    if not _own_dir(folder, create=False):
        return None
    path = folder / (key(raw) + _SUFFIX)
    blob = _read_entry(path)
    if blob is None:
        return None
    layout = _decode(blob)
    if layout is None or cross_check_problems(layout, file):
        _remove(path)  # corrupt, stale or tampered: rebuilt by the caller's put
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used
    return layout


def _read_entry(path: Path) -> bytes | None:
    """An entry's bytes if it is a regular file this user owns, of at most MAX_ENTRY_BYTES.

    Opened without blocking and checked on the open file (fstat): a FIFO, device or
    directory at the path, or a file another user owns, is never read."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        chunks, left = [], MAX_ENTRY_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    blob = b"".join(chunks)
    return blob if len(blob) <= MAX_ENTRY_BYTES else None


def read_checked(path: Path, magic: bytes) -> bytes | None:
    """The payload of an entry `write_checked` wrote at `path` (own regular file, bounded
    size, its `magic` and sha256 checksum right), or None. Used by the other on-disk caches
    (`twin.app.solve_cache`, `twin.solve.ffd_store`); the caller removes an entry whose payload
    then does not decode."""
    blob = _read_entry(path)
    if blob is None:
        return None
    head = len(magic) + 65  # magic, 64 hex digits, newline
    digest, payload = blob[len(magic) : head - 1], blob[head:]
    if not blob.startswith(magic) or hashlib.sha256(payload).hexdigest().encode() != digest:
        _remove(path)
        return None
    return payload


def write_checked(path: Path, magic: bytes, payload: bytes, keep: int) -> bool:
    """Write `magic`, the payload's sha256 and the payload to `path` atomically (readers see
    the old entry or the new one), in a folder only this user can write to; then keep the
    `keep` most recently used entries of the same suffix there. Best effort: False if not
    written."""
    folder = path.parent
    if not _own_dir(folder, create=True):
        return False
    blob = magic + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    entries = []
    for p in folder.glob("[!.]*" + path.suffix):  # not another writer's temporary file
        with contextlib.suppress(OSError):
            entries.append((p.stat().st_mtime, p))
    for _, p in sorted(entries, reverse=True)[keep:]:
        _remove(p)
    return True


def _decode(blob: bytes) -> Layout | None:
    head = len(_MAGIC) + 65  # magic, 64 hex digits, newline
    if not blob.startswith(_MAGIC) or len(blob) < head:
        return None
    digest, payload = blob[len(_MAGIC) : head - 1], blob[head:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None  # truncated or corrupted: never unmarshal it
    try:
        data = marshal.loads(payload)
        return Layout.model_validate(data)
    except Exception:  # noqa: BLE001 - any failure means: not a usable entry
        return None


def put(raw: bytes, layout: Layout) -> None:
    """Store `layout` (validated from `raw`); best effort, never raises."""
    if not _wanted(raw):
        return
    try:
        payload = marshal.dumps(layout.model_dump(by_alias=True, exclude_unset=True))
    except ValueError:
        return  # a value marshal cannot hold: just not cached
    folder = cache_dir()
    if not _own_dir(folder, create=True):
        return
    blob = _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, folder / (key(raw) + _SUFFIX))  # atomic: readers see old or new
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
    _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the most recently used entries within MAX_ENTRIES and MAX_TOTAL_BYTES."""
    entries: list[tuple[float, int, Path]] = []
    for path in folder.glob("[!.]*" + _SUFFIX):  # not another writer's temporary file
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append((st.st_mtime, st.st_size, path))
    entries.sort(reverse=True)
    total = 0
    for n, (_, size, path) in enumerate(entries):
        total += size
        if n >= MAX_ENTRIES or total > MAX_TOTAL_BYTES:
            _remove(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def clear() -> None:
    """Remove every entry (e.g. `twin` tests, or to reclaim the space)."""
    folder = cache_dir()
    if _own_dir(folder, create=False):
        for path in folder.glob("*" + _SUFFIX):
            _remove(path)
