"""A load trace for `twin timeline`: read it (errors at the file's own line), and each step's
mean of it.

A trace is a CSV (or .parquet) table: ``time_s`` (seconds from its start) or ``timestamp``
(ISO date-time), then one kW column per group (hall) id, ``it_kw`` (the site, shared in
proportion to design power) or ``fraction`` (of design, every group). Each value holds
until the next row; the trace repeats with period ``last time + last interval`` if the
horizon is longer.

Each step gets the exact mean of that piecewise-constant trace over the step (from its
integral), as the built-in patterns do (`twin.scenarios.workloads`): a 1 s trace at hourly
steps gives each hour's mean, not the value at the hour's first second, so the energy of
the timeline is the trace's energy whatever the step.

A dated trace (``timestamp``) says when it runs: its first timestamp is the run's start
(`Trace.start`; the weather is read at those dates), and a start given beside it that
disagrees is refused by the timeline. A column header given twice is refused (pandas would
rename the second and drop it); columns the trace does not use are listed
(`Trace.unused`), never dropped in silence. A kW column that does not look like kW (every
value <= `FRACTION_LIKE_KW`: a fraction of design typed in a kW column; or a mean below
`TINY_SHARE` of the hall's design) is read as given, and said (`Trace.warnings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import ScenarioError

MAX_TRACE_BYTES = 200 * 1024 * 1024
"""Largest trace file read (a year at 1 s of one column is ~400 MB as text: use coarser)."""

FRACTION_LIKE_KW = 1.5
"""A kW column whose every value is at most this looks like a fraction of design (audit 5
F-C: 1.5 and 0.5 read as kW): said when this is at most 10 % of the hall's design (a hall of
a few kW may draw 1.5 kW)."""
TINY_SHARE = 0.01
"""A kW column whose time-weighted mean is below this share of the hall's design is said."""


ISO_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
"""ISO 8601: YYYY-MM-DD, optionally THH:MM[:SS[.f]] and a UTC offset (Z or +HH:MM)."""
_OFFSET = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$")


def _timestamps_s(path, col: pd.Series, line: np.ndarray) -> np.ndarray:
    """Seconds of each ISO 8601 `timestamp` from the first. Day-first and month-first dates
    (01/02/2026) are refused, not guessed; with UTC offsets on every row the seconds are
    exact across a daylight-saving change; a mix of rows with and without one is refused."""
    raw = col.astype(str).str.strip()
    iso = raw.map(lambda v: ISO_DATE_TIME.fullmatch(v) is not None).to_numpy(bool)
    if not iso.all():
        i = int(np.flatnonzero(~iso)[0])
        raise ScenarioError(
            f"{path}:{line[i]}: timestamp {raw.iloc[i]!r} is not an ISO 8601 date-time "
            "(YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], optionally with a UTC offset such as "
            "+09:00); dates such as 01/02/2026 are refused: day or month first cannot be told"
        )
    zoned = raw.map(lambda v: _OFFSET.search(v) is not None).to_numpy(bool)
    if zoned.any() and not zoned.all():
        i = int(np.flatnonzero(zoned != zoned[0])[0])
        has, other = ("has a", "has none") if zoned[i] else ("has no", "has one")
        raise ScenarioError(
            f"{path}:{line[i]}: timestamp {raw.iloc[i]!r} {has} UTC offset while line "
            f"{line[0]} {other}; give every row an offset or none"
        )
    ts = pd.to_datetime(raw, utc=bool(zoned.all()), errors="coerce", format="ISO8601")
    bad = ts.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError(f"{path}:{line[i]}: timestamp {raw.iloc[i]!r} is not a date-time")
    return ((ts - ts.iloc[0]).dt.total_seconds()).to_numpy(float) if len(ts) else np.zeros(0)


@dataclass(frozen=True)
class Trace:
    """A trace read: times (s from its start), kW per group (n_rows, n_groups), its first
    timestamp (local wall clock, no offset; None for `time_s`) and that row's line, and
    the columns it has but does not use."""

    t: np.ndarray
    kw: np.ndarray
    start: pd.Timestamp | None = None
    start_line: int = 2
    unused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # kW columns that do not look like kW


def read_trace(
    path: str, groups: list[str], design_kw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s from the trace's start) and kW per group (n_rows, n_groups) of a trace
    (`load_trace` without its start and unused columns)."""
    tr = load_trace(path, groups, design_kw)
    return tr.t, tr.kw


def _duplicate_headers(path, p: Path, df: pd.DataFrame, parquet: bool) -> None:
    """Refuse a column header given twice: pandas renames the second (ROOM.1) and the
    trace would use the first alone."""
    if parquet:
        names = [str(c) for c in df.columns]
    else:
        try:
            head = pd.read_csv(p, header=None, nrows=1, dtype=str, keep_default_na=False)
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
            return
        names = [str(c) for c in head.iloc[0].tolist()] if len(head) else []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen and name.strip():
            raise ScenarioError(
                f"{path}:1: column {name!r} is given twice (columns {seen[name] + 1} and "
                f"{i + 1}); give each column once"
            )
        seen.setdefault(name, i)


def load_trace(path: str, groups: list[str], design_kw: np.ndarray) -> Trace:
    """A trace's times, kW per group, first timestamp and unused columns (`Trace`).

    Errors name the file, the line in it (blank lines counted, as an editor shows them;
    for Parquet, the row + 1) and the column."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{path}: no such trace file (CSV or Parquet: time_s and kW columns)")
    if p.stat().st_size > MAX_TRACE_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_TRACE_BYTES // 2**20} MB")
    parquet = p.suffix.lower() == ".parquet"
    try:
        df = pd.read_parquet(p) if parquet else pd.read_csv(p, skip_blank_lines=False)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        kind = "Parquet" if parquet else "CSV"
        raise ScenarioError(f"{path}: not a {kind} trace ({str(exc).splitlines()[0]})") from None
    _duplicate_headers(path, p, df, parquet)
    # file line of each row (header on line 1), then blank lines dropped
    line = np.arange(len(df)) + 2
    if not parquet and len(df):
        blank = df.isna().all(axis=1).to_numpy()
        df, line = df.loc[~blank].reset_index(drop=True), line[~blank]
    if "time_s" in df:
        t = pd.to_numeric(df["time_s"], errors="coerce").to_numpy(float)
        tcol = "time_s"
        _finite(path, tcol, t, line)
    elif "timestamp" in df:
        t = _timestamps_s(path, df["timestamp"], line)
        tcol = "timestamp"
    else:
        raise ScenarioError(f"{path}: needs a 'time_s' or 'timestamp' column; has {list(df)}")
    if len(t) == 0:
        raise ScenarioError(f"{path}: no rows")
    if t[0] != 0.0 or (np.diff(t) <= 0).any():
        bad = 0 if t[0] != 0.0 else int(np.flatnonzero(np.diff(t) <= 0)[0]) + 1
        raise ScenarioError(f"{path}:{line[bad]}: {tcol} must start at 0 and increase row by row")
    design = np.asarray(design_kw, float)
    if set(groups) & set(df.columns):
        missing = [g for g in groups if g not in df]
        if missing:
            raise ScenarioError(f"{path}: no column for group(s) {', '.join(missing)}")
        kw = np.column_stack([_col(path, df, g, line) for g in groups])
        used = {tcol, *groups}
        warnings = _unlike_kw(path, t, kw, groups, design, line, "the hall's")
    elif "it_kw" in df:
        site = _col(path, df, "it_kw", line)
        kw = site[:, None] * (design / design.sum())[None, :]
        used = {tcol, "it_kw"}
        warnings = _unlike_kw(
            path, t, site[:, None], ["it_kw"], design.sum()[None], line, "the site's"
        )
    elif "fraction" in df:
        kw = _col(path, df, "fraction", line)[:, None] * design[None, :]
        used = {tcol, "fraction"}
        warnings = []
    else:
        raise ScenarioError(
            f"{path}: needs one column per group ({', '.join(groups)}), 'it_kw' or 'fraction'"
        )
    over = kw > design[None, :] * (1.0 + 1e-9)
    if over.any():
        i, j = np.argwhere(over)[0]
        raise ScenarioError(
            f"{path}:{line[i]}: {groups[j]} at {kw[i, j]:.6g} kW is above its design "
            f"{design[j]:.6g} kW (racks draw at most their power_kw)"
        )
    start = None
    if tcol == "timestamp":  # the wall clock of the first row (an offset names its zone)
        first = pd.Timestamp(str(df["timestamp"].iloc[0]).strip())
        start = first.tz_localize(None) if first.tzinfo is not None else first
    unused = [str(c) for c in df.columns if c not in used]
    return Trace(t, kw, start, int(line[0]), unused, warnings)


def _mean_kw(t: np.ndarray, kw: np.ndarray) -> np.ndarray:
    """Time-weighted mean of each column over one period of the trace (each row holds until
    the next; the last for the interval before it, as `step_means` repeats it)."""
    width = np.diff(np.r_[t, t[-1] + (t[-1] - t[-2] if len(t) > 1 else 1.0)])
    return (kw * width[:, None]).sum(axis=0) / width.sum()


def _unlike_kw(path, t, kw, names, design, line, whose) -> list[str]:
    """A line per kW column that does not look like kW: every value at most
    `FRACTION_LIKE_KW` (a fraction typed in a kW column), or a mean under `TINY_SHARE` of
    the design. Read as given (a hall may idle), but never in silence."""
    out = []
    where = f"{path}:{line[0]}-{line[-1]}" if len(line) > 1 else f"{path}:{line[0]}"
    mean = _mean_kw(t, kw)
    for j, name in enumerate(names):
        top, d = float(kw[:, j].max()), float(design[j])
        if 0.0 < top <= FRACTION_LIKE_KW and FRACTION_LIKE_KW <= 0.1 * d:
            out.append(
                f"{where}: column {name!r} is kW, and every value is at most {top:g} kW "
                f"({top / d:.2%} of {whose} design {d:,.6g} kW): if these are fractions "
                "of design, name the column 'fraction'; read as kW"
            )
        elif d > 0 and mean[j] < TINY_SHARE * d:
            out.append(
                f"{where}: column {name!r} averages {mean[j]:,.4g} kW, {mean[j] / d:.2%} of "
                f"{whose} design {d:,.6g} kW (under {TINY_SHARE:.0%}): check the units "
                "(kW per hall; a fraction of design goes in a 'fraction' column); read as kW"
            )
    return out


def _finite(path, col, values, line) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise ScenarioError(f"{path}:{line[np.flatnonzero(bad)[0]]}: {col} is not a number")


def _col(path, df, name, line) -> np.ndarray:
    v = pd.to_numeric(df[name], errors="coerce").to_numpy(float)
    _finite(path, name, v, line)
    if (v < 0).any():
        raise ScenarioError(f"{path}:{line[np.flatnonzero(v < 0)[0]]}: {name} is negative")
    return v


def step_means(t: np.ndarray, kw: np.ndarray, start_s: np.ndarray, dt_s: float) -> np.ndarray:
    """kW per group, the trace's mean over each step [start, start + dt_s) (n_steps, n_groups).

    The trace holds each row's value until the next row and repeats with period
    ``t[-1] + (t[-1] - t[-2])`` (1 s for a one-row trace)."""
    t = np.asarray(t, float)
    kw = np.asarray(kw, float)
    period = t[-1] + (t[-1] - t[-2] if len(t) > 1 else 1.0)
    width = np.diff(np.r_[t, period])
    # integral from 0 to each row's time, and over one whole period
    cum = np.vstack([np.zeros((1, kw.shape[1])), np.cumsum(kw * width[:, None], axis=0)])
    whole = cum[-1]

    def integral(x: np.ndarray) -> np.ndarray:
        k = np.floor(x / period)
        r = x - k * period
        i = np.clip(np.searchsorted(t, r, side="right") - 1, 0, len(t) - 1)
        return k[:, None] * whole[None, :] + cum[i] + kw[i] * (r - t[i])[:, None]

    s = np.asarray(start_s, float)
    return (integral(s + dt_s) - integral(s)) / dt_s
