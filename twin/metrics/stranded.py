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
is then infinite too and says so. Empty rack slots (floor) are counted per
hall next to it: floor with neither power nor cooling behind it is the
headroom's other limit.
"""

from __future__ import annotations

import math

import pandas as pd

from twin.metrics.headroom import headroom
from twin.model.scenario import Scenario

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
]


def _side(table: pd.DataFrame, domain: str) -> tuple[float, str | None]:
    rows = table[table["domain"] == domain]
    if not len(rows):
        return math.inf, None
    name = rows["margin_kw"].idxmin()
    return float(rows.at[name, "margin_kw"]), name


def stranded(
    twin, scenario: Scenario | None = None, halls=None, progress: bool = False
) -> pd.DataFrame:
    """One row per hall (`halls`: ids, default every hall with racks); see the module doc."""
    from tqdm import tqdm

    ids = list(halls) if halls is not None else sorted(set(twin.racks["hall"]))
    rows = []
    for hall in tqdm(ids, disable=not progress, unit="hall", desc="stranded capacity"):
        room = headroom(twin, scenario, scope=hall)
        p_m, p_name = _side(room.table, "power")
        c_m, c_name = _side(room.table, "cooling")
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
                "stranded_power_kw": max(0.0, p_m - max(c_m, 0.0)) if c_m < math.inf else 0.0,
                "stranded_cooling_kw": max(0.0, c_m - max(p_m, 0.0)) if p_m < math.inf else 0.0,
                "free_slots": room.free_slots,
            }
        )
    return pd.DataFrame(rows, columns=["hall", *COLUMNS]).set_index("hall")
