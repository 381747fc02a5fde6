"""A bounded on-disk store of FFD fluxes and shares, so a hall's flow is marched once, not on
every run.

The FFD flow of a hall (`twin.solve.airfield_ffd`) takes seconds (2-10 s for the shipped
layouts' halls) and depends only on the hall's air geometry and airflows (`HallAir`, less the
tracer's diffusivity) and on the code that marches it. `twin.solve.airfield` keeps fluxes in
memory by that content; this module keeps them on disk too, so `twin solve` run again on the
same layout, or the app after a restart, reads the flux instead of marching it again.

Key: ``sha256(code fingerprint, settings, the HallAir's content digest)``; the fingerprint
covers the source of every ``twin/solve/airfield*.py`` module and ``ffd_march.py`` and the
versions of Python, numpy, scipy and numba, so an edited march never hits a stale entry; the
settings are the values those modules' constants hold now (`_settings`), so a run that sets
one (``GRID``, ``TURNOVERS``, as tests and benches do) never reads a flux marched under
another. Stored as plain data (the flux's raw float64 bytes, the info dict's numbers and
arrays, every container tagged: `_plain`) with `marshal` behind a sha256 checksum,
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
import scipy.sparse as sp

from twin.layout import cache as layout_cache

MAX_ENTRIES = 128
"""Entries kept (a hall's flux and its shares are one each); a 100-rack hall's flux is
~0.2 MB, a 1,000-rack hall's a few MB; its shares less."""
_MAGIC = b"twin-ffd-flux 3\n"
_SHARES = b"shares\0"
"""Prefix of a hall's shares' key (its flux's key is the digest alone)."""
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
    """A value as marshal-able plain data in which every tuple is a tag: ("a", dtype, bytes)
    for an array, ("s", ...) for a CSR matrix (a hall's shares), ("l", [...]) for a list (the
    march's window means are a list of arrays), ("d", {...}) for a dict, ("t", [...]) for a
    tuple (so a tuple of the info's is never read back as one of the others)."""
    if isinstance(value, np.ndarray):
        return ("a", value.dtype.str, np.ascontiguousarray(value).tobytes())
    if sp.issparse(value):
        m = sp.csr_matrix(value)
        return ("s", _plain(m.data), _plain(m.indices), _plain(m.indptr), list(m.shape))
    if isinstance(value, (list, tuple)):
        return ("l" if isinstance(value, list) else "t", [_plain(v) for v in value])
    if isinstance(value, dict):
        return ("d", {k: _plain(v) for k, v in value.items()})
    if isinstance(value, np.generic):
        return value.item()
    return value


def _value(data):
    """`_plain`'s inverse; a tuple with another tag is not an entry (ValueError)."""
    if not isinstance(data, tuple):
        return data
    tag = data[0] if data else None
    if tag == "a":
        return np.frombuffer(data[2], dtype=data[1]).copy()
    if tag == "s":
        return sp.csr_matrix(tuple(_value(d) for d in data[1:4]), shape=tuple(data[4]))
    if tag in ("l", "t"):
        out = [_value(v) for v in data[1]]
        return out if tag == "l" else tuple(out)
    if tag == "d":
        return {k: _value(v) for k, v in data[1].items()}
    raise ValueError(f"not an ffd store tag: {tag!r}")


def _encode(entry: dict) -> bytes | None:
    try:
        return marshal.dumps(_plain(entry))
    except ValueError:  # a value marshal cannot hold: not stored
        return None


def _decode(payload: bytes) -> dict | None:
    try:
        out = _value(marshal.loads(payload))
        return out if isinstance(out, dict) else None
    except Exception:  # noqa: BLE001 - any failure means: not a usable entry
        return None


def _read(key: bytes) -> dict | None:
    if not enabled() or not layout_cache._own_dir(folder(), create=False):
        return None
    path = _path(key)
    payload = layout_cache.read_checked(path, _MAGIC)
    out = _decode(payload) if payload is not None else None
    if out is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used
    return out


def _write(key: bytes, entry: dict) -> None:
    """Store `entry`; best effort, never raises: written only if it reads back bit for bit."""
    if not enabled():
        return
    payload = _encode(entry)
    if payload is None:
        return
    back = _decode(payload)
    if back is None or _encode(back) != payload:
        return
    layout_cache.write_checked(_path(key), _MAGIC, payload, MAX_ENTRIES)


def get(content_key: bytes) -> tuple[np.ndarray, dict] | None:
    """The stored flux and info of the hall whose `HallAir` content digest is `content_key`."""
    out = _read(content_key)
    try:
        return (out["flux"], out["info"]) if out is not None else None
    except KeyError:
        return None


def has(content_key: bytes) -> bool:
    """Is there an entry for `content_key` (not checked: `get` does)?"""
    return enabled() and _path(content_key).is_file()


def put(content_key: bytes, flux: np.ndarray, info: dict) -> None:
    """Store a hall's flux and info; best effort, never raises."""
    _write(content_key, {"flux": np.asarray(flux, float), "info": dict(info)})


def get_shares(content_key: bytes) -> dict | None:
    """The stored fields of the `HallShares` of the hall whose full `HallAir` digest (its
    diffusivity included) is `content_key`: its tracer solves are not done again."""
    out = _read(_SHARES + content_key)
    return out.get("shares") if out is not None else None


def put_shares(content_key: bytes, fields: dict) -> None:
    """Store a hall's `HallShares` fields (``dataclasses.asdict``-like); best effort."""
    _write(_SHARES + content_key, {"shares": dict(fields)})
