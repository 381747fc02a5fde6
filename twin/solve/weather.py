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
any solve. Parsed years are cached by the file's bytes, never by its name.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd

from twin.layout.regular_file import read_regular
from twin.layout.source import MAX_WEATHER_BYTES, PVLIB_PREFIX
from twin.model.scenario import check_wet_bulb


def ambient(twin, scenario=None) -> tuple[float, float]:
    """(dry bulb, wet bulb) in C: the scenario's values where given, else the design point.

    A scenario giving only a dry bulb keeps the design wet-bulb depression [est].
    """
    d = twin.layout.site.design
    t_db = d.t_db_c if scenario is None or scenario.t_db_c is None else scenario.t_db_c
    if scenario is not None and scenario.t_wb_c is not None:
        t_wb = scenario.t_wb_c
    else:
        t_wb = t_db - (d.t_db_c - d.t_wb_c)
    check_wet_bulb(t_db, t_wb)  # a wet bulb above the design dry bulb: refused, not clamped
    return float(t_db), float(min(t_wb, t_db))


def weather_path(twin) -> str | None:
    """The layout's weather file as a path (or pvlib: name), None if the layout has none."""
    wf = twin.layout.site.weather_file
    if not wf:
        return None
    if wf.startswith(PVLIB_PREFIX):
        return wf
    base = Path(twin.layout.source).parent if twin.layout.source else Path(".")
    return str((base / wf).resolve())


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
    return _parse_weather(read_regular(path, MAX_WEATHER_BYTES), path.lower().endswith(".epw"))


@functools.lru_cache(maxsize=8)
def _parse_weather(raw: bytes, epw: bool) -> pd.DataFrame:
    """A weather year from a file's bytes (cached by content: an edited file is read anew).

    Handed to pvlib as text, never as a path: pvlib's `read_epw` would fetch a path that
    starts with 'http' from the network."""
    import pvlib.iotools as pio

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # EPW station names are often Latin-1
        text = raw.decode("latin-1")
    if epw:
        df, _ = pio.read_epw(io.StringIO(text))
    else:
        df, _ = pio.read_tmy3(io.StringIO(text), map_variables=True)
    t_db = df["temp_air"].to_numpy(float)
    rh = np.clip(df["relative_humidity"].to_numpy(float), 1.0, 100.0)
    p_col = "pressure" if "pressure" in df else "atmospheric_pressure"
    p = df[p_col].to_numpy(float) * 100.0 if p_col in df else np.full(len(df), 101325.0)
    if np.nanmedian(p) > 2e5:  # EPW gives Pa already
        p = p / 100.0
    p = np.where(np.isfinite(p) & (p > 5e4), p, 101325.0)
    t_wb = wet_bulb_c(t_db, rh / 100.0, p)
    return pd.DataFrame(
        {"t_db_c": t_db, "t_wb_c": t_wb, "rh_pct": rh, "pressure_pa": p}, index=df.index
    )


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
    lo, hi = t - 60.0, t.copy()
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        ws = _hum_ratio(sat_vap_pres_pa(mid), p)
        above = ((2501.0 - 2.326 * mid) * ws - 1.006 * (t - mid)) / (
            2501.0 + 1.86 * t - 4.186 * mid
        )
        below = ((2830.0 - 0.24 * mid) * ws - 1.006 * (t - mid)) / (2830.0 + 1.86 * t - 2.1 * mid)
        w_mid = np.where(mid >= 0.0, above, below)
        high = w_mid > w  # wet bulb guess too warm
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
