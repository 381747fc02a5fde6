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
other side's is the linear interpolation between the same two solves that
`Headroom.table` documents: an estimate, not a bound. A side with no
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
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twin.metrics.headroom import headroom
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
]


def _side(table: pd.DataFrame, domain: str) -> tuple[float, str | None]:
    rows = table[table["domain"] == domain]
    if not len(rows):
        return math.inf, None
    if rows["margin_kw"].isna().all():  # no IT in the hall to scale: no margin (NaN)
        return math.nan, None
    rows = rows[rows["margin_kw"].notna()]
    name = rows["margin_kw"].idxmin()
    return float(rows.at[name, "margin_kw"]), name


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


def stranded(
    twin, scenario: Scenario | None = None, halls=None, progress: bool = False
) -> pd.DataFrame:
    """One row per hall (`halls`: ids, default every hall with racks); see the module doc."""
    from tqdm import tqdm

    ids = list(halls) if halls is not None else sorted(set(twin.racks["hall"]))
    room_floor = floor(twin, ids)
    rows = []
    for hall in tqdm(ids, disable=not progress, unit="hall", desc="stranded capacity"):
        room = headroom(twin, scenario, scope=hall)
        p_m, p_name = _side(room.table, "power")
        c_m, c_name = _side(room.table, "cooling")
        undefined = math.isnan(p_m) or math.isnan(c_m)  # stranded of an undefined margin
        rows.append(
            {
                "hall": hall,
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
                "floor_slots": int(room_floor.at[hall, "floor_slots"]),
                "typical_rack_kw": float(room_floor.at[hall, "typical_rack_kw"]),
                "floor_kw": float(room_floor.at[hall, "floor_kw"]),
                "stranded_floor_kw": math.nan
                if undefined
                else stranded_floor_kw(room_floor.at[hall, "floor_kw"], p_m, c_m),
            }
        )
    return pd.DataFrame(rows, columns=["hall", *COLUMNS]).set_index("hall")
