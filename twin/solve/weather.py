"""Ambient conditions: a scenario's override, the layout's design point, or an hourly weather file.

Files ship with a package, never downloaded at run time (REFERENCE 4):
``pvlib:723170TYA`` is pvlib's bundled Greensboro TMY3; other paths are
read with `pvlib.iotools.read_epw` (``.epw``) or `read_tmy3`, relative to the
layout file. Wet bulb comes from the ASHRAE psychrometric equations
(Handbook Fundamentals 2017 ch. 1, the ones `psychrolib` implements), solved
for a whole year at once by vectorised bisection; the tests check it against
`psychrolib.GetTWetBulbFromRelHum` point by point.

A weather file is read only if it is a regular file of at most
`twin.layout.source.MAX_WEATHER_BYTES` (opened without blocking, read with that
bound): a FIFO or a device such as /dev/zero would otherwise hang the read or fill
the memory. Validation checks the layout's `site.weather_file` the same way before
any solve. Parsed years are cached by the file's bytes (its name rides along for
messages only), never by its name alone.

A file is one year: 8,760 or 8,784 hourly rows from 1 January hour 1 (a TMY's mixed
years are fine), read row by row against the calendar; annual sums and each timeline
step's weather (`file_hours`: the row of the step's own month, day and hour) rely on
it. EPW missing codes are missing (gaps of up to `MAX_GAP_H` interpolated and noted in
`attrs["notes"]`, longer refused); implausible values are refused naming file and line.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd

from twin.layout.regular_file import read_regular
from twin.layout.source import MAX_WEATHER_BYTES, PVLIB_PREFIX
from twin.model.scenario import T_AMBIENT_RANGE_C, check_wet_bulb


def ambient(twin, scenario=None) -> tuple[float, float]:
    """(dry bulb, wet bulb) in C: the scenario's values where given, else the design point.

    A scenario giving only a dry bulb keeps the design point's moisture (its humidity
    ratio, i.e. its dew point, at standard pressure): the wet bulb is the one air of that
    dry bulb and that moisture has, and the dry bulb itself where air that cold cannot hold
    it (saturated). It is never above the dry bulb nor below the driest air's; at the
    design dry bulb it is the design wet bulb. (Keeping the design wet bulb or its
    depression instead gives impossible air: -21 C wet bulb at -10 C.)
    """
    d = twin.layout.site.design
    t_db = d.t_db_c if scenario is None or scenario.t_db_c is None else scenario.t_db_c
    if scenario is not None and scenario.t_wb_c is not None:
        t_wb = scenario.t_wb_c
    elif t_db == d.t_db_c:
        t_wb = d.t_wb_c
    else:
        t_wb = float(wet_bulb_at_design_moisture(d.t_db_c, d.t_wb_c, t_db))
    check_wet_bulb(t_db, t_wb)  # a wet bulb above the design dry bulb: refused, not clamped
    return float(t_db), float(min(t_wb, t_db))


def wet_bulb_at_design_moisture(design_t_db_c, design_t_wb_c, t_db_c):
    """Wet bulb (C) at `t_db_c` of air holding the design point's humidity ratio (101,325
    Pa), or `t_db_c` where that is above saturation: see `ambient`."""
    w = hum_ratio_c(design_t_db_c, design_t_wb_c)
    return np.minimum(wet_bulb_from_hum_ratio(t_db_c, w), t_db_c)


def weather_path(twin) -> str | None:
    """The layout's weather file as a path (or pvlib: name), None if the layout has none."""
    wf = twin.layout.site.weather_file
    if not wf:
        return None
    if wf.startswith(PVLIB_PREFIX):
        return wf
    base = Path(twin.layout.source).parent if twin.layout.source else Path(".")
    return str((base / wf).resolve())


def weather_notes(twin) -> list[str]:
    """What reading `twin`'s weather file filled in (missing hours), one sentence each naming
    the file; [] without a file or with one that cannot be read (refused where it is used)."""
    path = weather_path(twin)
    if not path:
        return []
    try:
        year = read_weather(path)
    except (OSError, ValueError, KeyError, IndexError):
        return []
    return [f"{twin.layout.site.weather_file}: {n}" for n in year.attrs.get("notes", ())]


def read_weather(path: str) -> pd.DataFrame:
    """Hourly t_db_c, t_wb_c, rh_pct, pressure_pa from a TMY3/EPW file or ``pvlib:NAME``.

    Raises OSError for a path that is missing, unreadable, not a regular file
    (`NotRegularFile`) or larger than MAX_WEATHER_BYTES (`FileTooLarge`), ValueError or
    KeyError for a file that is not a weather year."""
    if path.startswith(PVLIB_PREFIX):
        import pvlib

        name = path[len(PVLIB_PREFIX) :]
        data = Path(pvlib.__file__).parent / "data"
        matches = [p for p in data.iterdir() if p.stem.upper() == name.upper()]
        if not matches:
            raise FileNotFoundError(f"pvlib ships no weather file named {name!r}")
        path = str(matches[0])
    raw = read_regular(path, MAX_WEATHER_BYTES)
    return _parse_weather(raw, path.lower().endswith(".epw"), path)


class WeatherError(ValueError):
    """A weather file that is not one year of plausible hourly weather (the message names
    the file, the line and what is allowed)."""


YEAR_HOURS = (8760, 8784)
"""Rows a weather year has: one per hour of a 365- or 366-day year, 1 January hour 1
to 31 December hour 24 (EPW's and TMY3's hour-ending convention). A TMY's rows carry
the years of the months they were picked from; only month, day and hour are checked."""
MAX_GAP_H = 5
"""Longest run of missing hours filled by linear interpolation; a longer gap is refused
[est: the TMY3 user's manual (Wilcox and Marion, NREL/TP-581-43156, 2008) fills gaps of
up to 5 h by interpolation and longer ones from other data]."""
EPW_MISSING = {"temp_air": 99.9, "relative_humidity": 999.0, "atmospheric_pressure": 999999.0}
"""EPW missing-value codes (EnergyPlus Auxiliary Programs, EPW data dictionary: dry bulb
99.9, relative humidity 999, pressure 999999)."""
RH_RANGE_PCT = (0.0, 110.0)
"""Relative humidity an EPW may hold (its data dictionary: 0-110 %); above 100 % is read
as 100 % (saturated air)."""
PRESSURE_RANGE_PA = (31000.0, 120000.0)
"""Station pressure an EPW may hold (its data dictionary: 31,000-120,000 Pa)."""
MAX_MEAN_T_DB_C = 35.0
"""Highest plausible annual mean dry bulb, C: the hottest places on Earth average about
35 C (Dallol, Ethiopia, 34.6 C 1960-66); a hotter 'year' is almost surely in F."""


@functools.lru_cache(maxsize=8)
def _parse_weather(raw: bytes, epw: bool, name: str = "weather file") -> pd.DataFrame:
    """A weather year from a file's bytes (cached by content: an edited file is read anew).

    Handed to pvlib as text, never as a path: pvlib's `read_epw` would fetch a path that
    starts with 'http' from the network. Refused (`WeatherError`, naming `name`, the line
    and what is allowed): a file that is not 8,760 or 8,784 hourly rows from 1 January
    hour 1, a dry bulb outside the solvers' -60..60 C or a year averaging above 35 C (F?),
    RH or pressure outside the EPW ranges, and more than MAX_GAP_H missing hours in a row.
    EPW missing codes (99.9, 999, 999999) and empty cells are missing: shorter gaps are
    filled by linear interpolation and `df.attrs["notes"]` says how many hours were."""
    import pvlib.iotools as pio

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # EPW station names are often Latin-1
        text = raw.decode("latin-1")
    try:  # pvlib's own errors name a key ('altitude'), not the line or the format
        if epw:
            df, _ = pio.read_epw(io.StringIO(text))
        else:
            df, _ = pio.read_tmy3(io.StringIO(text), map_variables=True)
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        head = (
            "8 header lines (LOCATION,city,state,country,source,WMO,latitude,longitude,"
            "time zone,elevation; DESIGN CONDITIONS; ...; DATA PERIODS), then one row of 35 "
            "fields per hour"
            if epw
            else "2 header lines (station,name,state,time zone,latitude,longitude,altitude; "
            "then the column names), then one row per hour"
        )
        kind = "an EPW" if epw else "a TMY3"
        raise WeatherError(
            f"{name}: lines 1-{8 if epw else 2}: not {kind} file's header or rows "
            f"({type(exc).__name__}: {exc}); {kind} weather year has {head}"
        ) from None
    if epw:
        month, day, hour = (df[c].to_numpy(int) for c in ("month", "day", "hour"))
        first_line = 9  # 8 header lines
    else:
        # the rows' own Date and Time (MM/DD/YYYY, HH:MM hour ending): a TMY's Feb 28 hour
        # 24 may come from a leap year, where a time stamp would make it Feb 29
        cells = [ln.split(",", 2)[:2] for ln in text.splitlines()[2:] if ln.strip()]
        cells = cells[: len(df)]
        month = np.array([int(c[0][:2]) for c in cells])
        day = np.array([int(c[0][3:5]) for c in cells])
        hour = np.array([int(c[1].split(":")[0]) for c in cells])
        first_line = 3  # 2 header lines
    _check_calendar(name, month, day, hour, first_line)

    def where(i: int) -> str:
        return f"line {first_line + i} ({month[i]}/{day[i]} hour {hour[i]})"

    t_db = df["temp_air"].to_numpy(float)
    rh = df["relative_humidity"].to_numpy(float)
    p_col = "pressure" if "pressure" in df else "atmospheric_pressure"
    if p_col in df:
        p = df[p_col].to_numpy(float)
        p_missing = ~np.isfinite(p) | (epw & (p >= EPW_MISSING["atmospheric_pressure"]))
        p = p if epw else p * 100.0  # EPW: Pa; TMY3: mbar
    else:
        p, p_missing = np.full(len(df), 101325.0), np.zeros(len(df), bool)
    db_missing = ~np.isfinite(t_db) | (epw & np.isclose(t_db, EPW_MISSING["temp_air"]))
    rh_missing = ~np.isfinite(rh) | (epw & (rh >= EPW_MISSING["relative_humidity"]))
    bad = [
        (~db_missing & ((t_db < T_AMBIENT_RANGE_C[0]) | (t_db > T_AMBIENT_RANGE_C[1])),
         t_db, "dry bulb", "C", f"{T_AMBIENT_RANGE_C[0]:g}..{T_AMBIENT_RANGE_C[1]:g} C"
         + (" (missing: 99.9)" if epw else "")),
        (~rh_missing & ((rh < RH_RANGE_PCT[0]) | (rh > RH_RANGE_PCT[1])), rh,
         "relative humidity", "%", "0..110 %" + (" (missing: 999)" if epw else "")),
        (~p_missing & ((p < PRESSURE_RANGE_PA[0]) | (p > PRESSURE_RANGE_PA[1])), p,
         "pressure", "Pa", "31,000..120,000 Pa" + (" (missing: 999999)" if epw else "")),
    ]  # fmt: skip
    for mask, v, what, unit, allowed in bad:
        if mask.any():
            i = int(np.argmax(mask))
            hint = " (in F? weather files give C)" if what == "dry bulb" and v[i] > 0 else ""
            raise WeatherError(
                f"{name}: {where(i)}: {what} {v[i]:g} {unit} is outside {allowed}{hint}; "
                f"{int(mask.sum()):,} such hour(s)"
            )
    notes = []
    t_db = _fill(name, t_db, db_missing, "dry bulb", where, notes)
    rh = _fill(name, rh, rh_missing, "relative humidity", where, notes)
    p = _fill(name, p, p_missing, "pressure", where, notes)
    if (mean := float(t_db.mean())) > MAX_MEAN_T_DB_C:
        raise WeatherError(
            f"{name}: the year's mean dry bulb is {mean:.1f} C, hotter than anywhere on Earth "
            f"(at most ~{MAX_MEAN_T_DB_C:g} C): are its temperatures in F? weather files give C"
        )
    rh = np.clip(rh, 1.0, 100.0)  # 100-110 % (allowed by EPW) is saturated air
    t_wb = wet_bulb_c(t_db, rh / 100.0, p)
    out = pd.DataFrame(
        {"t_db_c": t_db, "t_wb_c": t_wb, "rh_pct": rh, "pressure_pa": p}, index=df.index
    )
    out.attrs["notes"] = notes
    return out


def _check_calendar(name: str, month, day, hour, first_line: int) -> None:
    """Refuse rows that are not one year hour by hour from 1 January hour 1."""
    n = len(month)
    if n not in YEAR_HOURS:
        raise WeatherError(
            f"{name}: {n:,} hourly rows; a weather year has {YEAR_HOURS[0]:,} (or "
            f"{YEAR_HOURS[1]:,} in a leap year), 1 January hour 1 to 31 December hour 24: "
            "annual figures and each timeline step's date are read from a whole year"
        )
    days = pd.date_range("2000-01-01" if n == 8784 else "2001-01-01", periods=n // 24, freq="D")
    want_m = np.repeat(days.month.to_numpy(), 24)
    want_d = np.repeat(days.day.to_numpy(), 24)
    want_h = np.tile(np.arange(1, 25), n // 24)
    off = (month != want_m) | (day != want_d) | (hour != want_h)
    if off.any():
        i = int(np.argmax(off))
        raise WeatherError(
            f"{name}: line {first_line + i} is {month[i]}/{day[i]} hour {hour[i]} where "
            f"{want_m[i]}/{want_d[i]} hour {want_h[i]} belongs: a weather year runs hour by "
            "hour from 1 January hour 1 to 31 December hour 24"
        )


def _fill(name: str, v: np.ndarray, missing: np.ndarray, what: str, where, notes: list):
    """`v` with its missing hours interpolated (gaps of at most MAX_GAP_H), else refused."""
    if not missing.any():
        return v
    edges = np.diff(np.r_[0, missing.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(ends - starts))
    if ends[longest] - starts[longest] > MAX_GAP_H or missing.all():
        i = int(starts[longest])
        raise WeatherError(
            f"{name}: {what} missing for {ends[longest] - starts[longest]:,} hours in a row "
            f"from {where(i)}; at most {MAX_GAP_H} are filled by interpolation: use a "
            "complete year"
        )
    idx = np.arange(len(v))
    out = v.copy()
    out[missing] = np.interp(idx[missing], idx[~missing], v[~missing])
    notes.append(
        f"{what} missing in {int(missing.sum()):,} hour(s) (first {where(int(starts[0]))}), "
        f"filled by linear interpolation (gaps of at most {MAX_GAP_H} h)"
    )
    return out


FEB29_H = 59 * 24
"""Hours of the year before 29 February (31 + 28 days)."""


def file_hours(start, hours_from_start, rows: int) -> np.ndarray:
    """Fractional row positions in a weather year of `rows` (8,760 or 8,784) rows of the
    instants `hours_from_start` after `start` (a date-time): the row of the same month,
    day and hour, whatever year the instant is in (a TMY is a typical year; a horizon
    past 31 December starts the file again at 1 January). Row i holds the hour ending at
    i + 1 h, so its value stands at i + 0.5 h. A 29 February reads 28 February's hours
    from a 365-day file; a 365-day year skips the 29 February of a leap file."""
    start = pd.Timestamp(start)
    if start.tzinfo is not None:
        start = start.tz_localize(None)
    jan1 = pd.Timestamp(year=start.year, month=1, day=1)
    h = (start - jan1).total_seconds() / 3600.0 + np.asarray(hours_from_start, float)
    years = start.year + np.arange(int(np.max(h, initial=0.0) // 8760.0) + 2)
    leap = np.array([pd.Timestamp(year=int(y), month=1, day=1).is_leap_year for y in years])
    begins = np.r_[0.0, np.cumsum(np.where(leap, 8784.0, 8760.0))]
    k = np.searchsorted(begins, h, side="right") - 1
    hoy = h - begins[k]
    if rows == 8760:
        hoy = np.where(leap[k] & (hoy >= FEB29_H), hoy - 24.0, hoy)
    else:
        hoy = np.where(~leap[k] & (hoy >= FEB29_H), hoy + 24.0, hoy)
    return np.mod(hoy - 0.5, rows)


def at_hours(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`values` (one per row of a weather year) at fractional `positions` from
    `file_hours`, linear between rows and from 31 December's last hour to 1 January's first."""
    n = len(values)
    return np.interp(positions, np.arange(n + 1, dtype=float), np.r_[values, values[0]])


def sat_vap_pres_pa(t_c):
    """Saturation vapour pressure over water / ice, Pa (ASHRAE Fundamentals eq. 5-6)."""
    t = np.asarray(t_c, float) + 273.15
    ice = -5.6745359e03 / t + 6.3925247 - 9.677843e-03 * t + 6.2215701e-07 * t**2
    ice += 2.0747825e-09 * t**3 - 9.484024e-13 * t**4 + 4.1635019 * np.log(t)
    water = -5.8002206e03 / t + 1.3914993 - 4.8640239e-02 * t + 4.1764768e-05 * t**2
    water += -1.4452093e-08 * t**3 + 6.5459673 * np.log(t)
    return np.exp(np.where(t <= 273.16, ice, water))


def _hum_ratio(pw, p):
    return 0.621945 * pw / (p - pw)


def wet_bulb_c(t_db_c, rh, pressure_pa, iterations: int = 50):
    """Thermodynamic wet bulb (C) from dry bulb, RH (0-1) and pressure, vectorised.

    Bisection on T_wb of the ASHRAE wet-bulb relation (Fundamentals eq. 33/35),
    as in `psychrolib.GetTWetBulbFromHumRatio`.
    """
    t = np.asarray(t_db_c, float)
    p = np.asarray(pressure_pa, float)
    w = _hum_ratio(np.asarray(rh, float) * sat_vap_pres_pa(t), p)
    return wet_bulb_from_hum_ratio(t, w, p, iterations)


def _w_at_wet_bulb(t, t_wb, p):
    """Humidity ratio (kg/kg dry air) of air at dry bulb `t` whose wet bulb is `t_wb` (C):
    ASHRAE Fundamentals 2017 ch. 1 eq. 33 (wet bulb above 0 C) and 35 (below)."""
    ws = _hum_ratio(sat_vap_pres_pa(t_wb), p)
    above = ((2501.0 - 2.326 * t_wb) * ws - 1.006 * (t - t_wb)) / (2501.0 + 1.86 * t - 4.186 * t_wb)
    below = ((2830.0 - 0.24 * t_wb) * ws - 1.006 * (t - t_wb)) / (2830.0 + 1.86 * t - 2.1 * t_wb)
    return np.where(t_wb >= 0.0, above, below)


def hum_ratio_c(t_db_c, t_wb_c, pressure_pa=101325.0):
    """Humidity ratio (kg water / kg dry air) from dry and wet bulb, C, and pressure, Pa."""
    t = np.asarray(t_db_c, float)
    return _w_at_wet_bulb(t, np.asarray(t_wb_c, float), np.asarray(pressure_pa, float))


def wet_bulb_from_hum_ratio(t_db_c, w, pressure_pa=101325.0, iterations: int = 50):
    """Thermodynamic wet bulb (C) of air at `t_db_c` holding `w` kg water per kg dry air;
    air that cannot hold `w` at `t_db_c` is saturated (wet bulb = dry bulb)."""
    t = np.asarray(t_db_c, float)
    p = np.asarray(pressure_pa, float)
    w = np.asarray(w, float)
    lo, hi = t - 60.0, t.copy()
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        high = _w_at_wet_bulb(t, mid, p) > w  # wet bulb guess too warm
        hi = np.where(high, mid, hi)
        lo = np.where(high, lo, mid)
    return 0.5 * (lo + hi)


def bins(weather: pd.DataFrame, bin_k: float = 2.0) -> pd.DataFrame:
    """Hours per (dry bulb, wet bulb) bin of width `bin_k`, with the bin's mean conditions."""
    key = pd.DataFrame(
        {
            "db": np.floor(weather["t_db_c"] / bin_k).astype(int),
            "wb": np.floor(weather["t_wb_c"] / bin_k).astype(int),
        }
    )
    g = weather.assign(db=key["db"].to_numpy(), wb=key["wb"].to_numpy()).groupby(["db", "wb"])
    out = g[["t_db_c", "t_wb_c"]].mean()
    out["hours"] = g.size()
    return out.reset_index(drop=True)
