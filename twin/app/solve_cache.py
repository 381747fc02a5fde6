"""A bounded on-disk cache of a layout's base solve, so a server restart does not solve it again.

The app's warm-up (`twin.app.warm`) solves the default layout when the server
starts: ~1-1.7 s on the 1 GW campus. The result of that solve is a function of
the layout's content and of the code that solves it, so it is stored under
``sha256(code fingerprint, layout content key)``, where the fingerprint covers
the source of every module that builds or solves a Twin (`twin.layout`,
`twin.model`, `twin.solve`, `twin.metrics`, `twin.units`, `twin.errors`) and the
versions of Python, numpy, scipy, pandas and pydantic: an edited solver or
another library never hits a stale entry.

What is stored is plain data, as in `twin.layout.cache` (same folder rules,
checksum, bounded size, own files only, never unpickled): the Results' tables
and violations as columns (numbers as raw little-endian bytes with their dtype,
text columns as lists of str/None/numbers) and its KPIs as floats. An entry is
written only if it decodes back to equal tables (same values, dtypes, index and
column order) and equal KPIs, bit for bit; anything else is not cached. A
corrupt, truncated or foreign entry is ignored and removed.

`TWIN_CACHE=0` turns it off with the layout cache; entries live next to it
(``results/`` in the same cache folder), at most `MAX_ENTRIES`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from twin.layout import cache as layout_cache
from twin.solve.results import Results

MAX_ENTRIES = 8
_MAGIC = b"twin-results-cache 1\n"
_SUFFIX = ".results"
_CODE_PACKAGES = ("layout", "model", "solve", "metrics")
_CODE_FILES = ("units.py", "errors.py", "__init__.py")


def folder() -> Path:
    return layout_cache.cache_dir().parent / "results"


@functools.cache
def _fingerprint() -> bytes:
    """The code and libraries that decide what a solve gives."""
    import pydantic
    import scipy

    h = hashlib.sha256()
    for part in (sys.version, np.__version__, scipy.__version__, pd.__version__):
        h.update(f"{part}\0".encode())
    h.update(f"{pydantic.VERSION}\0{marshal.version}\0".encode())
    root = Path(__file__).resolve().parents[1]
    files = [root / f for f in _CODE_FILES]
    for pkg in _CODE_PACKAGES:
        files += sorted((root / pkg).rglob("*.py"))
    for f in files:
        h.update(str(f.relative_to(root)).encode() + b"\0")
        h.update(f.read_bytes())
    return h.digest()


def key(layout_key: str) -> str:
    return hashlib.sha256(_fingerprint() + layout_key.encode()).hexdigest()


# ------------------------------------------------------------------ frames

_NATIVE = (str, int, float, bool, type(None))


def _frame_data(df: pd.DataFrame) -> dict | None:
    """A DataFrame as plain data, or None if it holds anything else than numbers, bools,
    text and None (those are not cached)."""
    cols = []
    for name, s in df.items():
        if not isinstance(name, str):
            return None
        a = s.to_numpy()
        if a.dtype.kind in "biuf":
            cols.append((name, a.dtype.str, np.ascontiguousarray(a).tobytes()))
        elif a.dtype == object and all(type(v) in _NATIVE for v in a):
            cols.append((name, "O", a.tolist()))
        else:
            return None
    idx = df.index
    if idx.dtype.kind in "biuf":
        index = (idx.dtype.str, np.ascontiguousarray(idx.to_numpy()).tobytes())
    elif idx.dtype == object and all(type(v) in _NATIVE for v in idx):
        index = ("O", idx.tolist())
    else:
        return None
    return {"cols": cols, "index": index, "name": idx.name, "cname": df.columns.name}


def _frame(data: dict) -> pd.DataFrame:
    kind, values = data["index"]
    if kind == "O":
        index = pd.Index(values, dtype=object, name=data["name"])
    else:
        index = pd.Index(np.frombuffer(values, dtype=kind).copy(), name=data["name"])
    cols = {}
    for name, kind, values in data["cols"]:
        if kind == "O":
            cols[name] = np.array(values, dtype=object) if values else np.zeros(0, object)
        else:
            cols[name] = np.frombuffer(values, dtype=kind).copy()
    out = pd.DataFrame(cols, index=index, columns=[c[0] for c in data["cols"]])
    out.columns.name = data["cname"]
    return out


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (
        a.index.equals(b.index)
        and a.index.dtype == b.index.dtype
        and a.index.name == b.index.name
        and list(a.columns) == list(b.columns)
        and a.dtypes.equals(b.dtypes)
        and a.equals(b)
    )


def _encode(res: Results) -> bytes | None:
    if res.before_trips is not None:  # racks tripped: the state before them is not stored,
        return None  # and a copy without it would read the cooling after the trips
    tables = {}
    for name, t in res.tables.items():
        d = _frame_data(t)
        if d is None:
            return None
        tables[name] = d
    viol = _frame_data(res.violations)
    if viol is None or not all(isinstance(v, float | int) for v in res.kpis.values()):
        return None
    kpis = {str(k): float(v) for k, v in res.kpis.items()}
    try:
        return marshal.dumps(
            {"scenario": res.scenario, "tables": tables, "violations": viol, "kpis": kpis}
        )
    except ValueError:
        return None


def _decode(payload: bytes) -> Results | None:
    try:
        data = marshal.loads(payload)
        return Results(
            scenario=data["scenario"],
            tables={k: _frame(v) for k, v in data["tables"].items()},
            violations=_frame(data["violations"]),
            kpis=dict(data["kpis"]),
        )
    except Exception:  # noqa: BLE001 - any failure means: not a usable entry
        return None


def _equal(a: Results, b: Results) -> bool:
    if a.scenario != b.scenario or set(a.tables) != set(b.tables):
        return False
    if not all(_same_frame(a.tables[n], b.tables[n]) for n in a.tables):
        return False
    if not _same_frame(a.violations, b.violations) or list(a.kpis) != list(b.kpis):
        return False
    x = np.array([float(a.kpis[k]) for k in a.kpis])
    y = np.array([float(b.kpis[k]) for k in a.kpis])
    return bool(np.array_equal(x.view(np.uint64), y.view(np.uint64)))


# ------------------------------------------------------------------ store


def get(layout_key: str) -> Results | None:
    """The cached base solve of the layout with content key `layout_key`, or None."""
    if not layout_cache.enabled():
        return None
    where = folder()
    if not layout_cache._own_dir(where, create=False):
        return None
    path = where / (key(layout_key) + _SUFFIX)
    payload = layout_cache.read_checked(path, _MAGIC)
    res = _decode(payload) if payload is not None else None
    if res is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return res


def put(layout_key: str, res: Results) -> bool:
    """Store `res` (the base solve of content `layout_key`) if it round-trips exactly;
    best effort, never raises. True if stored."""
    if not layout_cache.enabled():
        return False
    payload = _encode(res)
    if payload is None:
        return False
    back = _decode(payload)
    if back is None or not _equal(back, res):
        return False
    return layout_cache.write_checked(
        folder() / (key(layout_key) + _SUFFIX), _MAGIC, payload, MAX_ENTRIES
    )
