"""Placement in the editor (issue 17): where N more racks of a profile fit, as a screen shows it.

The editor's "Place racks" panel calls these; the answers are
`twin.scenarios.placement.place`'s (the same ranked candidates as `twin place`,
each verified one a full coupled solve), so the CLI, the Python API and the
app agree. This module only picks, labels and positions:

- `find`: the ranked `Placement` for the editor's current layout and solve;
- `table`: its candidates with human labels and units (`twin.model.columns`);
- `ghosts`: the candidate's new racks as boxes (site coordinates, as `Twin.racks`
  places them: `twin.model.tables.rack_record`), for the 3D view;
- `added_data`: the layout's plain data with the candidate added, for the
  editor's `commit` (validated there, undoable like any edit).

No Streamlit and no physics here.
"""

from __future__ import annotations

import pandas as pd

from twin.errors import ScenarioError
from twin.layout.schema import Rack
from twin.model import Twin
from twin.scenarios import placement as P

SHOWN = [
    "hall",
    "kind",
    "slots",
    "racks",
    "kw_added",
    "feasible",
    "verified",
    "broken_limits",
    "racks_throttled",
    "feed_imbalance_pp",
    "binding_constraint",
    "binding_utilisation_pct",
    "stranded_power_kw",
    "stranded_cooling_kw",
    "problem",
]
"""Columns of the candidate table, in order (labels from `twin.model.columns`)."""
RACK_HEIGHT_M = Rack.model_fields["height_m"].default
"""A new rack's height when its entry gives none: the layout format's default."""


def profiles(twin: Twin) -> list[str]:
    """Rack profiles a placement can use: the layout's own, then the built-in ones
    (`twin.scenarios.placement.rack_profiles`)."""
    return list(P.rack_profiles(twin.layout))


def layout_rack_profiles(layout) -> list[str]:
    """The layout's own profiles a rack can name, sorted: those of `rack_profiles` (what
    `profiles` offers) that the file itself defines. The editor's rack pickers list these:
    a cooling-unit profile (small-room's crac-120kw) offered there gave raw schema errors,
    and a built-in profile is not in the file for a rack to name."""
    own = layout.profiles
    return sorted(k for k, v in P.rack_profiles(layout).items() if own.get(k) == v)


def find(
    twin: Twin, results, profile: str, count: int, hall: str | None = None, verify: int = 3
) -> P.Placement:
    """`place(twin, profile, count)` given the editor's solve of `twin` (`results`), in
    `hall` only if given. Raises `ScenarioError` for a bad profile, count or hall."""
    return P.place(
        twin,
        profile,
        int(count),
        verify=verify,
        base_results=results,
        halls=[hall] if hall else None,
    )


def table(p: P.Placement) -> pd.DataFrame:
    """The ranked candidates to show: rank as index, the `SHOWN` columns, the binding
    constraint's utilisation in %, Feasible as yes / no / not verified (a screened
    candidate: the CLI's "screened only (not verified)") and Verified as yes / no."""
    t = p.table.copy()
    t["binding_utilisation_pct"] = pd.to_numeric(t["binding_utilisation"]) * 100.0
    # a candidate only screened is not known infeasible: "not verified", never "no"
    t["feasible"] = [
        ("yes" if f else "no") if v else "not verified"
        for f, v in zip(t["feasible"], t["verified"], strict=True)
    ]
    t["verified"] = ["yes" if v else "no" for v in t["verified"]]
    return t[SHOWN]


def label(p: P.Placement, rank: int) -> str:
    """One line naming candidate `rank`: '1. H1, new rows: H1-R07:0-3 (528 kW, feasible)'."""
    r = p.table.loc[rank]
    if r["feasible"]:
        state = "feasible"
    elif r["verified"]:
        state = f"not feasible: {r['problem'] or 'racks in thermal trouble'}"
    else:
        state = "screened only"
    return f"{rank}. {r['hall']}, {r['kind']}: {r['slots']} ({r['kw_added']:,.0f} kW, {state})"


def _rows(twin: Twin, cand: P.Candidate) -> dict[str, tuple[str, dict]]:
    """Row id -> (hall id, row as plain data) for the rows `cand` uses (existing or new)."""
    out = {}
    for hall in twin.layout.halls:
        for row in hall.rows:
            out[row.id] = (hall.id, row.model_dump())
    for row in cand.new_rows:
        out[row["id"]] = (cand.hall, row)
    return out


def ghosts(twin: Twin, p: P.Placement, rank: int) -> pd.DataFrame:
    """The new racks of candidate `rank`, one row per rack id: hall, row, slot, x_m, y_m
    (the slot's centre, site coordinates), face_x, face_y, width_m, depth_m, height_m,
    placed as `twin.model.tables.rack_record` places a rack of the layout."""
    cand = p.candidates[rank - 1]
    rows = _rows(twin, cand)
    origin = {h.id: h.origin_m for h in twin.layout.halls}

    def height(rack: dict) -> float:  # the rack's own, else its profile's, else the default
        prof = p.profiles.get(rack.get("profile") or "", {})
        return rack.get("height_m") or prof.get("height_m") or RACK_HEIGHT_M

    recs = []
    for rack in cand.racks:
        hall, row = rows[rack["row"]]
        w, d = row.get("rack_width_m", 0.6), row.get("rack_depth_m", 1.2)
        along = (rack["slot"] + 0.5) * w
        sign = 1.0 if row.get("facing", "+") == "+" else -1.0
        ox, oy = row["origin_m"]
        if row.get("axis", "x") == "x":
            x, y, fx, fy = ox + along, oy, 0.0, sign
        else:
            x, y, fx, fy = ox, oy + along, sign, 0.0
        recs.append(
            {
                "id": rack["id"],
                "hall": hall,
                "row": rack["row"],
                "slot": rack["slot"],
                "x_m": origin[hall][0] + x,
                "y_m": origin[hall][1] + y,
                "face_x": fx,
                "face_y": fy,
                "width_m": w,
                "depth_m": d,
                "height_m": float(height(rack)),
            }
        )
    return pd.DataFrame(recs).set_index("id")


def added_data(data: dict, p: P.Placement, rank: int) -> dict:
    """The editor's plain data (`twin.app.edit.to_data`) with candidate `rank` added (new
    rows, racks and, if the layout lacks it, the profile); not validated (`commit` does)."""
    n = len(p.candidates)
    if not 1 <= rank <= n:
        raise ScenarioError(f"no candidate {rank}: ranks are 1-{n}" if n else "no candidate")
    return P.added(data, p.candidates[rank - 1], p.profiles)


def what(p: P.Placement, rank: int) -> str:
    """The undo stack's description of applying candidate `rank`."""
    r = p.table.loc[rank]
    return f"Placed {int(r['racks'])} x {p.profile} in {r['hall']} ({r['slots']})."
