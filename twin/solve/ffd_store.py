"""A bounded on-disk store of FFD fluxes, so a hall's flow is marched once, not on every run.

The FFD flow of a hall (`twin.solve.airfield_ffd`) takes seconds (2-10 s for the shipped
layouts' halls) and depends only on the hall's air geometry and airflows (`HallAir`, less the
tracer's diffusivity) and on the code that marches it. `twin.solve.airfield` keeps fluxes in
memory by that content; this module keeps them on disk too, so `twin solve` run again on the
same layout, or the app after a restart, reads the flux instead of marching it again.

Key: ``sha256(code fingerprint, settings, the HallAir's content digest)``; the fingerprint
covers the source of every ``twin/solve/airfield*.py`` module and ``ffd_march.py`` and the
versions of Python, numpy, scipy and numba, so an edited march never hits a stale entry; the
settings are the values those modules' constants hold now (`_settings`), so a run that sets
one (``GRID``, ``TURNOVERS``, as tests and benches do) never reads a flux marched under another. Stored as plain data (the flux's raw
float64 bytes, the info dict's numbers and arrays) with `marshal` behind a sha256 checksum,
under the same folder rules as the layout cache (`twin.layout.cache`: own folder, own regular
files, bounded size; ``ffd/`` beside ``layouts/``). An entry is written only if it decodes
back to the same flux and info, bit for bit; a corrupt or foreign one is ignored and removed.

``TWIN_CACHE=0`` turns it off with the other caches; ``TWIN_FFD_STORE=0`` turns off only this
one (tests that count or spy on marches do).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import marshal
import os
import sys
from pathlib import Path

import numpy as np

from twin.layout import cache as layout_cache

MAX_ENTRIES = 64
"""Fluxes kept; a 100-rack hall's is ~0.2 MB, a 1,000-rack hall's a few MB."""
_MAGIC = b"twin-ffd-flux 1\n"
_SUFFIX = ".ffd"


def enabled() -> bool:
    own = os.environ.get("TWIN_FFD_STORE", "1").strip().lower()
    return layout_cache.enabled() and own not in ("0", "off", "no", "false")


def folder() -> Path:
    return layout_cache.cache_dir().parent / "ffd"


@functools.cache
def _fingerprint() -> bytes:
    """The code and libraries that decide what a march gives."""
    import numba
    import scipy

    h = hashlib.sha256()
    for part in (sys.version, np.__version__, scipy.__version__, numba.__version__):
        h.update(f"{part}\0".encode())
    for f in _march_sources():
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.digest()


def _march_sources() -> list[Path]:
    here = Path(__file__).resolve().parent
    return sorted([*here.glob("airfield*.py"), here / "ffd_march.py"])


def _settings() -> bytes:
    """The values the march modules' constants (upper-case names holding numbers, text or
    tuples of them) hold now, in a stable order: a patched ``GRID`` is another key."""
    out = []
    for f in _march_sources():
        mod = importlib.import_module(f"twin.solve.{f.stem}")  # loaded or not: one key
        for name in sorted(vars(mod)):
            value = vars(mod)[name]
            if name.isupper() and isinstance(value, (bool, int, float, str, tuple)):
                out.append(f"{f.stem}.{name}={value!r}")
    return "\0".join(out).encode()


def _path(content_key: bytes) -> Path:
    key = _fingerprint() + _settings() + content_key
    return folder() / (hashlib.sha256(key).hexdigest() + _SUFFIX)


def _plain(value):
    """An info value as marshal-able plain data: ("a", dtype, bytes) for an array, ("l",
    [...]) for a list (the march's window means are a list of arrays)."""
    if isinstance(value, np.ndarray):
        return ("a", value.dtype.str, np.ascontiguousarray(value).tobytes())
    if isinstance(value, list):
        return ("l", [_plain(v) for v in value])
    if isinstance(value, np.generic):
        return value.item()
    return value


def _value(data):
    if isinstance(data, tuple) and len(data) == 3 and data[0] == "a":
        return np.frombuffer(data[2], dtype=data[1]).copy()
    if isinstance(data, tuple) and len(data) == 2 and data[0] == "l":
        return [_value(v) for v in data[1]]
    return data


def _encode(flux: np.ndarray, info: dict) -> bytes | None:
    try:
        return marshal.dumps(
            {
                "flux": _plain(np.asarray(flux, float)),
                "info": {k: _plain(v) for k, v in info.items()},
            }
        )
    except ValueError:  # a value marshal cannot hold: not stored
        return None


def _decode(payload: bytes) -> tuple[np.ndarray, dict] | None:
    try:
        data = marshal.loads(payload)
        return _value(data["flux"]), {k: _value(v) for k, v in data["info"].items()}
    except Exception:  # noqa: BLE001 - any failure means: not a usable entry
        return None


def get(content_key: bytes) -> tuple[np.ndarray, dict] | None:
    """The stored flux and info of the hall whose `HallAir` content digest is `content_key`."""
    if not enabled() or not layout_cache._own_dir(folder(), create=False):
        return None
    path = _path(content_key)
    payload = layout_cache.read_checked(path, _MAGIC)
    out = _decode(payload) if payload is not None else None
    if out is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used
    return out


def has(content_key: bytes) -> bool:
    """Is there an entry for `content_key` (not checked: `get` does)?"""
    return enabled() and _path(content_key).is_file()


def put(content_key: bytes, flux: np.ndarray, info: dict) -> None:
    """Store a hall's flux and info; best effort, never raises."""
    if not enabled():
        return
    payload = _encode(flux, info)
    if payload is None:
        return
    back = _decode(payload)
    if back is None or _encode(*back) != payload:  # it reads back as it was, bit for bit
        return
    layout_cache.write_checked(_path(content_key), _MAGIC, payload, MAX_ENTRIES)
