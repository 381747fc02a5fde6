"""Why a rack has no live feed: for each dead cord, the element out of service upstream of it.

The power solve marks each element live or dead (``res_power_nodes.live``) and each rack's
cords (``res_racks.live_a``/``live_b``); its 'unfed' violation said only "rack R has no live
feed". `feed_causes` names, per cord, the elements whose outage took it down: a dead element
with a live parent (upstream or alternate), or a dead source, or one the scenario took out,
is a root; every dead element below carries the roots of its dead parents (both of them: an
element with an alternate is dead only when upstream and alternate are). One pass per level
of the chain over an (elements x roots) boolean array, as `twin.solve.power.liveness`.
`name_unfed_causes` writes the cause into each rack's 'unfed' message (one row per rack, as
before); `twin.cli.solve` prints one line per cause.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.power_model import power_model

MAX_NAMED = 3
"""Root causes named in a cord's sentence; more are counted ("and 2 more")."""


def _names(ids: list[str], how: dict[str, str]) -> str:
    shown = [f"{i} {how.get(i, 'is out')}" for i in ids[:MAX_NAMED]]
    more = f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else ""
    return ", ".join(shown) + more


def feed_causes(twin, res_power_nodes: pd.DataFrame, scenario=None) -> pd.DataFrame:
    """Per rack with a dead cord: its feed ids, what took each cord down, and sentences.

    Columns: feed_a, feed_b (element ids, "" none), cause_a, cause_b (e.g. "H1-UPS-A1
    failed"; "" where the cord is live or absent), why (the rack-independent sentence:
    "feed A dead because H1-UPS-A1 failed; feed B dead because H1-UPS-B1 failed"), detail
    (the same naming each cord's element). `scenario` (optional) tells failed from
    maintenance; without it a root is "is out".
    """
    m = power_model(twin)
    live = res_power_nodes["live"].groupby(level=0).first().reindex(m.ids)
    live = live.fillna(True).to_numpy(bool)
    has_up, has_alt = m.up >= 0, m.alt >= 0
    up_live = has_up & live[m.up]
    alt_live = has_alt & live[m.alt]
    oos = set(getattr(scenario, "out_of_service", ()) or ())
    root = ~live & (m.is_source | up_live | alt_live | ~(has_up | has_alt) | m.ids.isin(oos))
    roots = np.flatnonzero(root)
    c0 = np.zeros((m.n, len(roots)), dtype=bool)
    c0[roots, np.arange(len(roots))] = True
    cause = c0
    dead = ~live[:, None]
    for _ in range(m.n_levels + 1):
        new = c0 | (dead & ((has_up[:, None] & cause[m.up]) | (has_alt[:, None] & cause[m.alt])))
        if np.array_equal(new, cause):
            break
        cause = new
    failed = set(getattr(scenario, "failed", ()) or ())
    maint = set(getattr(scenario, "maintenance", ()) or ())
    how = {i: "failed" for i in failed} | {i: "is out for maintenance" for i in maint}
    if scenario is None:
        how = {i: "failed" for i in m.ids[roots]}  # a dead root is out of service
    root_ids = m.ids[roots]
    n_r = len(m.rack_ids)
    cols: dict[str, np.ndarray] = {}
    for cord, idx in (("a", m.rack_a), ("b", m.rack_b)):
        ok = idx >= 0
        dead_cord = ok & ~live[np.where(ok, idx, 0)]
        feed = np.where(ok, m.ids.to_numpy(object)[np.where(ok, idx, 0)], "")
        text = np.full(n_r, "", dtype=object)
        rows = cause[np.where(ok, idx, 0)] & dead_cord[:, None]
        # one sentence per distinct set of roots, not per rack
        keys, inv = np.unique(rows, axis=0, return_inverse=True)
        for k, key in enumerate(keys):
            if key.any():
                text[inv.ravel() == k] = _names(list(root_ids[key]), how)
        cols["feed_" + cord], cols["cause_" + cord] = feed, text
        cols["dead_" + cord] = dead_cord
    out = pd.DataFrame(cols, index=m.rack_ids)
    out = out[out["dead_a"] | out["dead_b"]]
    why, detail = [], []
    for r in out.itertuples():
        w, d = [], []
        for cord, fid, dead_c, c in (
            ("A", r.feed_a, r.dead_a, r.cause_a),
            ("B", r.feed_b, r.dead_b, r.cause_b),
        ):
            if not fid:
                w.append(f"no feed {cord}")
                d.append(f"no feed {cord}")
            elif dead_c:
                w.append(f"feed {cord} dead because {c}" if c else f"feed {cord} dead")
                if c and c == f"{fid} failed":
                    d.append(f"feed {cord} ({c})")
                else:
                    d.append(
                        f"feed {cord} ({fid}) dead because {c}"
                        if c
                        else f"feed {cord} ({fid}) dead"
                    )
        why.append("; ".join(w))
        detail.append("; ".join(d))
    return out.assign(why=why, detail=detail).drop(columns=["dead_a", "dead_b"])


def name_unfed_causes(twin, res, scenario=None) -> None:
    """Write each 'unfed' rack violation's cause into its message, in place:
    "rack R has no live feed: feed A (H1-BW-A1a) dead because H1-UPS-A1 failed; ..."."""
    v = res.violations
    if not len(v) or "res_power_nodes" not in res.tables:
        return
    hit = (v["kind"] == "unfed") & v["component"].isin(twin.racks.index)
    if not hit.any():
        return
    fc = feed_causes(twin, res["res_power_nodes"], scenario)
    comp = v.loc[hit, "component"]
    detail = comp.map(fc["detail"]).fillna("")
    msg = "rack " + comp + " has no live feed"
    msg = msg.where(detail == "", msg + ": " + detail)
    v = v.copy()
    v.loc[hit, "message"] = msg
    res.violations = v
