"""Stranded capacity: power with no cooling behind it, cooling with no power (issue 12).

Per hall, the headroom search (`twin.metrics.headroom`, scope = the hall)
gives every constraint's margin in kW of IT added to that hall's racks. The
power margin is the smallest margin of a power constraint (grid connection,
sources, power elements in normal and failover state), the cooling margin the
smallest of a cooling constraint (CDU and CRAH groups and plant with their
N+1 redundancy, temperature and heat violations). Whatever one side could
carry beyond the other is stranded: it is built and paid for, and cannot be
used until the other side grows (the usual definition of stranded capacity:
capacity that cannot be used because another resource binds first):

- ``stranded_power_kw = max(0, power_margin_kw - max(0, cooling_margin_kw))``;
- ``stranded_cooling_kw = max(0, cooling_margin_kw - max(0, power_margin_kw))``
  (a side already past its limit has a negative margin and strands all of the other's).

The binding side's margin is the search's answer (within its `REL_TOL`); the
other side's is at least that, and beyond it the linear extrapolation of the same two
solves that `Headroom.table` documents (its ``margin_basis``): an estimate, not a bound. A side with no
constraint that grows with load has an infinite margin; the stranded figure
is then infinite too and says so.

Floor is the third resource. ``floor_slots`` counts the slots of the hall's
rows where a rack fits (on the floor up to the hall's walls, no rack and no
positioned cooling unit on it: `twin.scenarios.placement_geometry.free_slots`,
the slots `twin place` fills), ``typical_rack_kw`` is the median design power of
the hall's racks, ``floor_kw`` their product: the IT the empty floor would hold
at the hall's typical density. Floor beyond what either side could feed is
floor without power or cooling:

- ``stranded_floor_kw = max(0, floor_kw - max(power_margin_kw, cooling_margin_kw, 0))``
  (0 when a side has no limit). New rows beyond the last one are not counted.

Halls share things: the grid connection, a building's switchgear and transformers,
sometimes a plant loop. A hall's margin is what that hall alone could add with the
others as they are, so where its binding element is shared, the halls' margins are the
same capacity counted once per hall and do not add up (a 3-hall campus: 1,751 kW of
power margin per hall behind one grid connection with 1,805 kW left for the site).
``power_shared_halls`` and ``cooling_shared_halls`` count the halls whose IT loads the
side's binding element (`shared_halls`; 1: the hall's own, 0: not known), and
`site_row` is the site's own answer: the same split of the site-scope headroom
(`twin.metrics.headroom.headroom(twin, scenario)`, every rack scaled; the numbers
`twin solve` and `twin info` headline), whose stranded figures are the site's. Its
floor is the halls' floors summed, each at its hall's typical rack.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from twin.metrics.headroom import headroom
from twin.metrics.headroom_n1 import reach
from twin.model.scenario import Scenario
from twin.scenarios.placement_geometry import free_slot_counts, unit_boxes

COLUMNS = [
    "it_now_kw",
    "it_headroom_kw",
    "binding_constraint",
    "power_margin_kw",
    "power_binding",
    "cooling_margin_kw",
    "cooling_binding",
    "stranded_power_kw",
    "stranded_cooling_kw",
    "free_slots",
    "floor_slots",
    "typical_rack_kw",
    "floor_kw",
    "stranded_floor_kw",
    "power_shared_halls",
    "cooling_shared_halls",
]

SITE = "site"
"""Index of `site_row`'s row (a scope name `headroom` reserves: no hall can be called so)."""


def _side(table: pd.DataFrame, domain: str) -> tuple[float, str | None]:
    rows = table[table["domain"] == domain]
    if not len(rows):
        return math.inf, None
    if rows["margin_kw"].isna().all():  # no IT in the hall to scale: no margin (NaN)
        return math.nan, None
    rows = rows[rows["margin_kw"].notna()]
    name = rows["margin_kw"].idxmin()
    return float(rows.at[name, "margin_kw"]), name


def hall_reach(twin) -> dict[str, set[str]]:
    """Per component id (power element, cooling unit, loop, hall): the halls whose IT loads it."""
    out: dict[str, set[str]] = {}
    for hall, racks in twin.racks.groupby("hall"):
        for c in reach(twin, racks) | {str(hall)}:
            out.setdefault(c, set()).add(str(hall))
    return out


def shared_halls(name: str | None, reach: dict[str, set[str]], halls: int) -> int:
    """How many halls' IT loads the constraint `name` (a `twin.metrics.headroom` constraint):
    every hall for the grid connection, else the halls reaching the first component id named
    in it (`hall_reach`); 0 if it names none."""
    if not name:
        return 0
    if name == "grid connection":
        return halls
    for token in re.split(r"[\s():,]+", name):
        if token in reach:
            return len(reach[token])
    return 0


def floor(twin, halls=None) -> pd.DataFrame:
    """Per hall (`halls`, default every hall with racks): ``floor_slots``, ``typical_rack_kw``
    and ``floor_kw`` as the module doc defines them."""
    layout = twin.layout
    ids = list(halls) if halls is not None else sorted(set(twin.racks["hall"]))
    by_id = {h.id: h for h in layout.halls}
    units = unit_boxes(layout)
    power = twin.racks.groupby("hall")["power_kw"].median()
    rows = []
    for hid in ids:
        n = sum(free_slot_counts(layout, by_id[hid], units).values())
        kw = float(power.get(hid, np.nan))
        rows.append({"hall": hid, "floor_slots": n, "typical_rack_kw": kw, "floor_kw": n * kw})
    return pd.DataFrame(
        rows, columns=["hall", "floor_slots", "typical_rack_kw", "floor_kw"]
    ).set_index("hall")


def stranded_floor_kw(floor_kw: float, power_margin_kw: float, cooling_margin_kw: float) -> float:
    """Floor IT (kW) beyond what either side could feed (module doc); 0 if a side is unbounded."""
    fed = max(power_margin_kw, cooling_margin_kw, 0.0)
    if not math.isfinite(fed) or not math.isfinite(floor_kw):
        return 0.0
    return max(0.0, floor_kw - fed)


def _row(room, floor_slots: int, typical_kw: float, floor_kw: float) -> dict:
    """One row of the table from a headroom search (`room`) and the scope's floor."""
    p_m, p_name = _side(room.table, "power")
    c_m, c_name = _side(room.table, "cooling")
    undefined = math.isnan(p_m) or math.isnan(c_m)  # stranded of an undefined margin
    return {
        "it_now_kw": room.it_now_kw,
        "it_headroom_kw": room.it_kw,
        "binding_constraint": room.binding,
        "power_margin_kw": p_m,
        "power_binding": p_name,
        "cooling_margin_kw": c_m,
        "cooling_binding": c_name,
        "stranded_power_kw": math.nan
        if undefined
        else (max(0.0, p_m - max(c_m, 0.0)) if c_m < math.inf else 0.0),
        "stranded_cooling_kw": math.nan
        if undefined
        else (max(0.0, c_m - max(p_m, 0.0)) if p_m < math.inf else 0.0),
        "free_slots": room.free_slots,
        "floor_slots": int(floor_slots),
        "typical_rack_kw": float(typical_kw),
        "floor_kw": float(floor_kw),
        "stranded_floor_kw": math.nan if undefined else stranded_floor_kw(floor_kw, p_m, c_m),
    }


def stranded(
    twin,
    scenario: Scenario | None = None,
    halls=None,
    progress: bool = False,
    n1_check: bool | None = None,
) -> pd.DataFrame:
    """One row per hall (`halls`: ids, default every hall with racks); see the module doc.
    `n1_check`: `headroom`'s (default: its own)."""
    from tqdm import tqdm

    ids = list(halls) if halls is not None else sorted(set(twin.racks["hall"]))
    room_floor = floor(twin, ids)
    reach = hall_reach(twin)
    n_halls = twin.racks["hall"].nunique()
    rows = []
    for hall in tqdm(ids, disable=not progress, unit="hall", desc="stranded capacity"):
        room = headroom(twin, scenario, scope=hall, n1_check=n1_check)
        r = _row(room, *room_floor.loc[hall, ["floor_slots", "typical_rack_kw", "floor_kw"]])
        r["power_shared_halls"] = shared_halls(r["power_binding"], reach, n_halls)
        r["cooling_shared_halls"] = shared_halls(r["cooling_binding"], reach, n_halls)
        rows.append({"hall": hall, **r})
    return pd.DataFrame(rows, columns=["hall", *COLUMNS]).set_index("hall")


def site_row(
    twin, scenario: Scenario | None = None, room=None, n1_check: bool | None = None
) -> pd.DataFrame:
    """The site's row (index `SITE`): the split of the site-scope headroom (`room`, searched
    if not given: `headroom(twin, scenario, n1_check=n1_check)`), the halls' floors summed
    (module doc). Its ``*_shared_halls`` are NaN: the site shares nothing with itself."""
    room = room if room is not None else headroom(twin, scenario, n1_check=n1_check)
    if room.scope != "site":
        raise ValueError(f"site_row needs the site-scope headroom, not {room.scope!r}'s")
    f = floor(twin)
    kw = float(f["floor_kw"].sum(min_count=1)) if len(f) else 0.0
    typical = float(twin.racks["power_kw"].median()) if len(twin.racks) else math.nan
    r = _row(room, int(f["floor_slots"].sum()), typical, kw)
    r["power_shared_halls"] = r["cooling_shared_halls"] = math.nan
    return pd.DataFrame([{"hall": SITE, **r}], columns=["hall", *COLUMNS]).set_index("hall")


def shared_note(n) -> str:
    """' (shared by N halls)' where a binding element serves more than one hall, else ''."""
    return f" (shared by {int(n)} halls)" if isinstance(n, int | float) and n > 1 else ""
