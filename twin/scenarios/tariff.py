"""Energy price and grid carbon intensity per hour: their bounds and the hourly CSV, one
definition for every way in (`twin timeline --hourly`, a site file's values and its
`hourly_csv`, `twin.scenarios.sites`).

Bounds:

- carbon intensity, kg CO2 per kWh: 0-2 [est: grid averages run from ~0.01 (hydro,
  nuclear) to ~1.0-1.1 (coal-heavy grids), IEA Emissions Factors; 2 leaves room for a
  marginal coal unit]. Above it the value is almost surely g/kWh typed as kg (450 for
  0.45): the message says so.
- energy price, USD per kWh: -1 to 10 [est: wholesale prices go negative when renewables
  oversupply, routinely in ERCOT and EPEX (EPEX day-ahead floor -500 EUR/MWh, ~-0.55
  USD/kWh); ERCOT's system-wide offer cap is 5,000 USD/MWh = 5 USD/kWh]. Negative prices
  are allowed: they are when storage policies matter. Above 10 the value is likely in
  cents (8.0 for 0.08).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CO2_KG_PER_KWH = (0.0, 2.0)
"""Carbon intensity bounds, kg CO2/kWh (see the module docstring)."""
PRICE_USD_PER_KWH = (-1.0, 10.0)
"""Energy price bounds, USD/kWh (see the module docstring)."""
BOUNDS = {"kg_co2_per_kwh": CO2_KG_PER_KWH, "usd_per_kwh": PRICE_USD_PER_KWH}
"""The hourly CSV's columns and their bounds."""
HINT = {
    "kg_co2_per_kwh": "a value above 2 is likely g/kWh typed as kg: divide by 1000",
    "usd_per_kwh": "a value above 10 is likely in cents: divide by 100",
}


class HourlyError(ValueError):
    """An hourly value or CSV that is refused; `line` is the CSV line (None: the file)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def bound_text(col: str) -> str:
    lo, hi = BOUNDS[col]
    return f"{lo:g} to {hi:g}"


def out_of_bounds(col: str, values) -> int | None:
    """Index of the first value of `col` that is not a finite number within its bounds."""
    lo, hi = BOUNDS[col]
    v = np.asarray(values, float)
    bad = ~np.isfinite(v) | (v < lo) | (v > hi)
    return int(np.flatnonzero(bad)[0]) if bad.any() else None


def why(col: str, value) -> str:
    """What is wrong with one value of `col` (not a number, or out of bounds and the hint)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    if not np.isfinite(x):
        return f"{col} {value!r} is not a number ({bound_text(col)})"
    lo, hi = BOUNDS[col]
    hint = f"; {HINT[col]}" if x > hi else ""
    return f"{col} {x:g} is out of range: give {bound_text(col)}{hint}"


def read_hourly(source) -> dict[str, np.ndarray]:
    """usd_per_kwh and/or kg_co2_per_kwh of an hourly CSV (a path or a file object): 24
    (hour of day) or 8,760 (hour of year) rows, blank lines skipped. HourlyError names the
    line of a cell that is not a number or out of bounds (not a row count that a blank
    cell turned into a 'missing row')."""
    try:
        df = pd.read_csv(source, skip_blank_lines=False, keep_default_na=False, dtype=str)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise HourlyError(f"not a CSV ({str(exc).splitlines()[0]})") from None
    line = np.arange(len(df)) + 2  # each row's line in the file (header: line 1)
    if len(df.columns):
        blank = df.apply(lambda c: c.str.strip() == "").all(axis=1).to_numpy(bool)
        df, line = df.loc[~blank].reset_index(drop=True), line[~blank]
    cols = [c for c in BOUNDS if c in df]
    if not cols:
        raise HourlyError("needs a usd_per_kwh or kg_co2_per_kwh column")
    out = {}
    for c in cols:
        v = pd.to_numeric(df[c].str.strip(), errors="coerce").to_numpy(float)
        i = out_of_bounds(c, v)
        if i is not None:
            raise HourlyError(why(c, df[c].iat[i].strip()), int(line[i]))
        out[c] = v
    if len(df) not in (24, 8760):
        raise HourlyError(f"{len(df)} rows; give 24 (hour of day) or 8760 (hour of year)")
    return out
