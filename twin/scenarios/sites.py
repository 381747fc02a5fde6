"""The same design on several sites: a year of `twin timeline` per site, side by side.

A site file (YAML) says what changes from one site to another; anything it leaves
out is the layout's own value:

```yaml
name: Sand Point, AK
weather_file: pvlib:703165TY       # EPW or TMY3 CSV, relative to this file, or pvlib:NAME
grid_co2_kg_per_kwh: 0.45          # a number, or 24 (hour of day) / 8,760 (hour of year)
energy_price_usd_per_kwh: 0.12     # a number, or 24 / 8,760 values
hourly_csv: prices.csv             # or: a CSV with usd_per_kwh and/or kg_co2_per_kwh columns
demand_usd_per_kw_month: 15.0      # USD per kW of monthly peak import
grid_mw: 20.0                      # grid connection limit (steps above it are violations)
water_usd_per_m3: 2.0              # make-up water price (0 when not given: not priced)
```

`compare(twin, [load_site(a), load_site(b)])` runs `twin.scenarios.timeline.simulate`
once per site with that site's weather, tariff and grid limit (no second annual
model: the timeline's fitted response to load and weather, and its energy
balance, are the ones `twin timeline` reports). A site that repeats the layout's
own weather and tariff therefore gives exactly `twin timeline`'s numbers.

Per site: annual PUE, WUE (cooling-tower make-up water, L per kWh of IT,
ISO/IEC 30134-9), free-cooling hours (steps where the economisers reject heat
and the chillers none, `timeline.FREE_COOLING_TOL`), energy, cost (energy,
demand charge, water, and the year's share of capex and opex from
`twin.metrics.economics`), cost per million tokens and carbon; per month: PUE,
energy and water cost, carbon.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import LayoutError, Problem
from twin.layout.regular_file import read_regular
from twin.layout.source import format_path, line_of, read_file
from twin.scenarios import tariff
from twin.scenarios.timeline import DEMAND_USD_PER_KW_MONTH, Timeline, TimelineSpec, simulate
from twin.solve.weather import PVLIB_PREFIX, read_weather, weather_path

MAX_CSV_BYTES = 5_000_000
"""Largest hourly CSV read (8,760 rows of two numbers is ~200 kB)."""
KEYS = (
    "name", "location", "weather_file", "grid_co2_kg_per_kwh", "energy_price_usd_per_kwh",
    "hourly_csv", "demand_usd_per_kw_month", "grid_mw", "water_usd_per_m3",
)  # fmt: skip


@dataclass(frozen=True)
class Site:
    """One site, resolved: None where the layout's own value applies."""

    name: str
    source: str = "<site>"
    location: str = ""
    weather_file: str | None = None  # absolute path or pvlib:NAME
    carbon_kg_per_kwh: float | np.ndarray | None = None
    price_usd_per_kwh: float | np.ndarray | None = None
    demand_usd_per_kw_month: float = DEMAND_USD_PER_KW_MONTH
    grid_mw: float | None = None
    water_usd_per_m3: float = 0.0

    def spec(self, base: TimelineSpec | None = None) -> TimelineSpec:
        """The timeline spec of this site: `base` (default: a year at 1 h) with the site's
        weather, tariff and grid limit."""
        return replace(
            base or TimelineSpec(),
            weather=True,
            weather_file=self.weather_file,
            price_usd_per_kwh=self.price_usd_per_kwh,
            carbon_kg_per_kwh=self.carbon_kg_per_kwh,
            demand_usd_per_kw_month=self.demand_usd_per_kw_month,
            grid_mw=self.grid_mw,
        )


def _number(doc, key, file, problems, lo=0.0, hi=np.inf, what="") -> float | None:
    v = doc.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        problems.append(Problem(file, key, f"must be a number{what}", line_of(doc, (key,))))
        return None
    if not lo <= v <= hi:
        problems.append(Problem(file, key, f"{v:g} is out of range{what}", line_of(doc, (key,))))
        return None
    return float(v)


def _hourly(doc, key, file, problems, col) -> float | np.ndarray | None:
    """A number, or a list of 24 (hour of day) or 8,760 (hour of year) numbers, within the
    bounds of `col` (`twin.scenarios.tariff`, the same as an hourly CSV's)."""
    v = doc.get(key)
    lo, hi = tariff.BOUNDS[col]
    if isinstance(v, list):
        bad = [
            i
            for i, x in enumerate(v)
            if isinstance(x, bool) or not isinstance(x, int | float) or not lo <= x <= hi
        ]
        if bad:
            i = bad[0]
            x = v[i]
            hint = (f"; {tariff.HINT[col]}" if isinstance(x, int | float)
                    and not isinstance(x, bool) and x > hi else "")  # fmt: skip
            problems.append(
                Problem(file, format_path((key, i)),
                        f"must be a number {tariff.bound_text(col)}{hint}",
                        line_of(doc, (key, i)))
            )  # fmt: skip
            return None
        if len(v) not in (24, 8760):
            problems.append(
                Problem(file, key, f"{len(v)} values; give one number, 24 (hour of day) or "
                        "8760 (hour of year)", line_of(doc, (key,)))
            )  # fmt: skip
            return None
        return np.asarray(v, float)
    x = v if isinstance(v, int | float) and not isinstance(v, bool) else None
    hint = f" ({tariff.HINT[col]})" if x is not None and x > hi else ""
    return _number(doc, key, file, problems, lo, hi,
                   f" {tariff.bound_text(col)}, or a list of 24 or 8760{hint}")  # fmt: skip


def _csv(path: Path, file: str, line: int | None) -> dict[str, np.ndarray]:
    """usd_per_kwh and/or kg_co2_per_kwh columns of an hourly CSV (24 or 8,760 rows)."""

    def bad(msg: str) -> LayoutError:
        return LayoutError([Problem(file, "hourly_csv", f"{path}: {msg}", line)])

    try:
        raw = read_regular(path, MAX_CSV_BYTES)
    except OSError as exc:
        raise bad(f"cannot read ({exc.strerror or exc})") from None
    try:  # the same reader and bounds as twin timeline --hourly
        return tariff.read_hourly(io.BytesIO(raw))
    except tariff.HourlyError as exc:
        raise LayoutError(
            [
                Problem(
                    file,
                    "hourly_csv",
                    f"{path}{'' if exc.line is None else f':{exc.line}'}: {exc}",
                    line,
                )
            ]
        ) from None


def load_site(path: str | Path) -> Site:
    """Read and check a site file; LayoutError naming file, key and line for bad input."""
    try:
        return _load_site(path)
    except LayoutError as exc:  # "1 problem in site file:", not "in layout"
        raise LayoutError(exc.problems, exc.notes, what="site file") from None


def _load_site(path: str | Path) -> Site:
    file = str(path)
    doc = read_file(path, what="site")
    if not isinstance(doc, dict):
        raise LayoutError([Problem(file, "", "a site file is a mapping (name: ..., ...)")])
    if "halls" in doc or "format_version" in doc:
        raise LayoutError(
            [
                Problem(
                    file,
                    "",
                    "is a layout file, not a site file: a site file holds only "
                    f"{', '.join(KEYS)} (e.g. layouts/sites/greensboro-nc.yaml)",
                    line_of(doc, ("halls",) if "halls" in doc else ("format_version",)),
                )
            ]
        )
    problems: list[Problem] = []
    for key in doc:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                Problem(file, str(key), f"unknown key; {hint}allowed: {', '.join(KEYS)}",
                        line_of(doc, (key,)))
            )  # fmt: skip
    location = doc.get("location")
    if location is not None and not isinstance(location, str):
        problems.append(
            Problem(file, "location", "a place name as text (e.g. 'Greensboro, NC')",
                    line_of(doc, ("location",)))
        )  # fmt: skip
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, "name", "required: the site's name", line_of(doc, ("name",))))
    base = Path(file).resolve().parent
    weather = doc.get("weather_file")
    if weather is not None:
        if not isinstance(weather, str) or not weather.strip():
            problems.append(
                Problem(file, "weather_file", "a path (EPW or TMY3 CSV) or pvlib:NAME",
                        line_of(doc, ("weather_file",)))
            )  # fmt: skip
            weather = None
        elif not weather.startswith(PVLIB_PREFIX):
            weather = str((base / weather).resolve())
    carbon = _hourly(doc, "grid_co2_kg_per_kwh", file, problems, "kg_co2_per_kwh")
    price = _hourly(doc, "energy_price_usd_per_kwh", file, problems, "usd_per_kwh")
    demand = _number(doc, "demand_usd_per_kw_month", file, problems, 0.0, 1000.0, " 0-1000")
    grid = _number(doc, "grid_mw", file, problems, 0.01, 20_000.0, " 0.01-20000 MW")
    water = _number(doc, "water_usd_per_m3", file, problems, 0.0, 100.0, " 0-100 USD/m3")
    if problems:
        raise LayoutError(problems)
    csv = doc.get("hourly_csv")
    if csv is not None:
        line = line_of(doc, ("hourly_csv",))
        cols = _csv(base / str(csv), file, line)
        for col, key, have in (
            ("usd_per_kwh", "energy_price_usd_per_kwh", price),
            ("kg_co2_per_kwh", "grid_co2_kg_per_kwh", carbon),
        ):
            if col in cols and have is not None:
                raise LayoutError(
                    [Problem(file, key, f"given here and as {col} in hourly_csv: give one", line)]
                )
        price = cols.get("usd_per_kwh", price)
        carbon = cols.get("kg_co2_per_kwh", carbon)
    if weather is not None:
        try:
            read_weather(weather)
        except (OSError, ValueError, KeyError) as exc:
            raise LayoutError(
                [Problem(file, "weather_file", f"{weather}: not a readable EPW/TMY3 weather "
                         f"year ({exc})", line_of(doc, ("weather_file",)))]
            ) from None  # fmt: skip
    return Site(
        name=name.strip(),
        source=file,
        location=str(doc.get("location") or ""),
        weather_file=weather,
        carbon_kg_per_kwh=carbon,
        price_usd_per_kwh=price,
        demand_usd_per_kw_month=DEMAND_USD_PER_KW_MONTH if demand is None else demand,
        grid_mw=grid,
        water_usd_per_m3=0.0 if water is None else water,
    )


@dataclass
class Comparison:
    """Sites side by side: `table` (one row per site), `monthly` (site x month), the runs."""

    table: pd.DataFrame
    monthly: pd.DataFrame
    timelines: dict[str, Timeline]


def fixed_usd_per_year(twin) -> float:
    """Capex per year (racks and facility) and opex: what `twin.metrics.economics` charges
    whatever the site (they scale with what is built, not with energy)."""
    from twin.metrics.economics import economics
    from twin.solve import run

    e = economics(twin, run(twin))
    return e["capex_racks_usd_per_year"] + e["capex_facility_usd_per_year"] + e["opex_usd_per_year"]


def summarise(twin, site: Site, tl: Timeline, fixed_per_year: float) -> dict[str, float]:
    """The headline row of one site's timeline (see the module docstring)."""
    k = tl.kpis
    water_usd = k["water_m3"] * site.water_usd_per_m3
    fixed = fixed_per_year * k["hours"] / 8760.0
    total = k["cost_usd"] + water_usd + fixed
    tok = k["tokens"]
    per_mtok = total * 1e6 / tok if tok > 0 else float("nan")
    return {
        "pue": k["pue"],
        "wue_l_per_kwh": k["wue_l_per_kwh"],
        "free_cooling_hours": k["free_cooling_hours"],
        "it_mwh": k["it_mwh"],
        "facility_mwh": k["facility_mwh"],
        "grid_mwh": k["grid_mwh"],
        "cooling_mwh": k["cooling_mwh"],
        "losses_mwh": k["losses_mwh"],
        "peak_grid_mw": k["peak_grid_mw"],
        "water_m3": k["water_m3"],
        "energy_cost_usd": k["energy_cost_usd"],
        "demand_charge_usd": k["demand_charge_usd"],
        "water_cost_usd": water_usd,
        "fixed_cost_usd": fixed,
        "total_cost_usd": total,
        "usd_per_mtok": per_mtok,
        "carbon_t": k["carbon_t"],
        "tokens": tok,
        "mean_t_db_c": float(tl.steps["t_db_c"].mean()),
        "balance_residual_rel": k["balance_residual_rel"],
        "violations": k["violations"],
        "untrusted_hours": k["untrusted_hours"],
    }


def monthly(tl: Timeline, site: Site) -> pd.DataFrame:
    """Per calendar month: PUE, energy and water cost (USD), carbon (t); the demand charge
    is billed on 730 h blocks (`twin.scenarios.timeline`) and stays in the annual total."""
    s = tl.steps
    h = tl.kpis["dt_s"] / 3600.0
    g = pd.DataFrame(
        {
            "it_kwh": s["it_kw"] * h,
            "facility_kwh": s["facility_kw"] * h,
            "energy_usd": s["grid_kw"] * h * s["price_usd_per_kwh"],
            "water_usd": s["water_m3_h"] * h * site.water_usd_per_m3,
            "carbon_t": s["carbon_kg"] / 1000.0,
        },
        index=s.index,
    ).groupby(s.index.month)
    m = g.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        pue = (m["facility_kwh"] / m["it_kwh"]).where(m["it_kwh"] > 0)
    if not s["trusted"].all():  # as the annual PUE: no trustworthy point, no ratio
        pue[:] = np.nan
    out = pd.DataFrame(
        {
            "site": site.name,
            "month": m.index.astype(int),
            "pue": pue.to_numpy(),
            "cost_usd": (m["energy_usd"] + m["water_usd"]).to_numpy(),
            "carbon_t": m["carbon_t"].to_numpy(),
        }
    )
    return out.reset_index(drop=True)


SHOWN = (
    "pue", "wue_l_per_kwh", "free_cooling_hours", "mean_t_db_c", "it_mwh", "facility_mwh",
    "cooling_mwh", "peak_grid_mw", "water_m3", "energy_cost_usd", "demand_charge_usd",
    "water_cost_usd", "fixed_cost_usd", "total_cost_usd", "usd_per_mtok", "carbon_t",
    "violations", "untrusted_hours", "balance_residual_rel",
)  # fmt: skip
"""Rows of the side-by-side table people read (every column of `Comparison.table` is in
the JSON and the API)."""


UNTRUSTED_MARK = " *"
"""Appended to a site's figures summed over hours whose coupled solve is not a solution."""
NOT_VOIDED = ("free_cooling_hours", "mean_t_db_c", "fixed_cost_usd", "violations",
              "untrusted_hours", "balance_residual_rel")  # fmt: skip
"""Figures a non-solution does not void: the weather's, the fixed costs, and the counts that
say it failed."""


def side_by_side(c: Comparison) -> pd.DataFrame:
    """One row per figure (human label with unit), one text column per site: what the CLI
    prints and the app shows. A site with hours whose solve is not a solution has every
    figure they void marked with `UNTRUSTED_MARK` (`untrusted_note` says why)."""
    from twin.model.columns import fmt, header

    def cell(name: str, k: str) -> str:
        value = c.table.at[name, k]
        text = fmt(value, k, unit="")
        void = c.table.at[name, "untrusted_hours"] > 0 and k not in NOT_VOIDED and value == value
        return text + UNTRUSTED_MARK * bool(void)  # n/a (NaN) needs no mark

    return pd.DataFrame(
        {name: [cell(name, k) for k in SHOWN] for name in c.table.index},
        index=pd.Index([header(k) for k in SHOWN], name="figure"),
    )


def untrusted_note(c: Comparison) -> str | None:
    """'NOT AN ANSWER: ...' naming each site with hours whose coupled solve is not a solution
    (not converged, not finite or not balanced), as `twin timeline` says it; None if none."""
    from twin.solve.results import NOT_AN_ANSWER

    bad = c.table[c.table["untrusted_hours"] > 0]
    if bad.empty:
        return None
    sites = "; ".join(
        f"{n}: {h:,.2f} of {c.timelines[n].kpis['hours']:,.2f} h"
        for n, h in bad["untrusted_hours"].items()
    )
    return (
        f"{NOT_AN_ANSWER} ({sites}): the coupled solve at those hours' load and weather is not "
        f"a solution (twin timeline and twin solve say which limit); the figures marked "
        f"'{UNTRUSTED_MARK.strip()}' include the solver's last iterate there"
    )


def monthly_chart(c: Comparison, name: str) -> pd.DataFrame:
    """Month, Site, Value of monthly figure `name` (pue, cost_usd, carbon_t), for a chart."""
    m = c.monthly
    return pd.DataFrame({"Month": m["month"], "Site": m["site"], "Value": m[name]})


def borrowed_weather(twin, site: Site) -> list[str]:
    """A line when `site` has no weather_file and so runs on the layout's (audit 5 F-F: a
    'site' without weather of its own compared the layout with itself in silence). Said,
    not refused: a site file leaves out what stays the layout's (tariff-only comparisons
    in one climate are legitimate). With no weather at all the timeline says so itself."""
    wf = weather_path(twin)
    if site.weather_file is not None or wf is None:
        return []
    return [
        f"{site.source}: no weather_file, so the layout's {twin.layout.site.weather_file} "
        f"(site.weather_file of {twin.layout.source or 'the layout'}) is used: this site "
        "runs in the layout's climate; give it its own weather_file to compare climates"
    ]


def compare(twin, sites: list[Site], base: TimelineSpec | None = None, progress=None) -> Comparison:
    """One timeline per site (`base`, default a year at 1 h, with each site's weather,
    tariff and grid limit); `progress(fraction, text)` hears after each site."""
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise LayoutError(
            [Problem(s.source, "name", f"two sites are named {s.name!r}; names must differ")
             for s in sites if s.name in dup][:1]
        )  # fmt: skip
    fixed = fixed_usd_per_year(twin)
    rows, months, runs = {}, [], {}
    for i, site in enumerate(sites):
        tl = simulate(twin, site.spec(base))
        tl.notes[:0] = borrowed_weather(twin, site)
        runs[site.name] = tl
        rows[site.name] = summarise(twin, site, tl, fixed)
        months.append(monthly(tl, site))
        if progress is not None:
            progress((i + 1) / len(sites), f"site {i + 1} of {len(sites)}: {site.name}")
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "site"
    return Comparison(table, pd.concat(months, ignore_index=True), runs)
