"""A free-cooling group's N+1 check for the IT headroom (`twin.metrics.headroom`): split from
it, whose ``dry coolers <loop> (N+1)`` and ``cooling towers <loop> (N+1)`` constraints read
`free_cooling_n1`."""

from __future__ import annotations

import numpy as np
import pandas as pd

FREE_COOLING_GROUPS = (("dry_coolers", "dry coolers"), ("cooling_towers", "cooling towers"))
"""Free-cooling unit tables and the label of their ``<label> <loop> (N+1)`` constraint."""


def free_cooling_n1(twin, results) -> dict[str, tuple[float, float]]:
    """Per ``dry coolers <loop> (N+1)`` / ``cooling towers <loop> (N+1)`` group in a solved
    result: (heat the group's rule must see carried, kW; what is there to carry it with
    the group's worst unit out, kW). The utilisation is their ratio.

    The rule is the plant solve's own answer to losing one unit (`twin.solve.plant`), so
    that the headroom, `twin info --stranded` (the headroom per hall) and `twin n1` (the
    failure solved in full) give one answer to "does this group survive losing a unit?":

    - on a water loop with running chillers (dry coolers, or towers straight on the loop,
      as economisers): free cooling takes ``min(Q frac, free-cooling capacity)`` of the
      loop's heat ``Q`` (``frac`` from the capacity-weighted water temperature of the
      free-cooling units between the loop's supply setpoint and its design return), and
      the chillers trim the rest. With unit ``j`` out the free cooling left is
      ``min(Q frac_j, capacity - c_j)`` (``frac_j`` from the units left) and the loop
      still holds its setpoint with no violation exactly when the chillers' available
      capacity covers what is left: ``Q <= min(Q frac_j, capacity - c_j) + chillers``.
      The demand is ``Q`` and the available figure the smallest right-hand side over the
      group's running units. Checking the free-cooling units alone against the load
      (``load / (capacity - largest)``) would call the group broken on every day cool
      enough for the dry coolers to run at capacity, where losing one only hands its
      heat to chillers that stand idle: the headroom was 0 on such a day while the
      solve of that failure had no violation, and failing a dry cooler gave more
      headroom than the intact site (its capacity was still counted);
    - elsewhere (a loop with no running chiller, which the free-cooling units carry
      alone and past their capacity only by running warm; towers on a condenser loop):
      the group's load against its running units' capacity minus the largest (one
      running unit: its capacity).

    Only running units count: a unit already failed neither carries nor backs up.
    """
    out: dict[str, tuple[float, float]] = {}
    loops = results.tables.get("res_loops")
    ch, rch = twin.chillers, results.tables.get("res_chillers")
    ch_avail: dict = {}
    cond_loops: set = set()
    if len(ch) and rch is not None:
        avail = rch["capacity_avail_kw"].reindex(ch.index).astype(float)
        running = rch["running"].reindex(ch.index).fillna(False).astype(bool)
        ch_avail = avail.where(running, 0.0).fillna(0.0).groupby(ch["loop"]).sum().to_dict()
        if "condenser_loop" in ch:
            cond_loops = set(ch["condenser_loop"].dropna())
    fc = []  # every running free-cooling unit: (kind, loop, capacity, water temperature)
    for kind, _ in FREE_COOLING_GROUPS:
        t, r = getattr(twin, kind, None), results.tables.get("res_" + kind)
        if t is None or not len(t) or "capacity_kw" not in t or r is None:
            continue
        r = r.reindex(t.index)
        fc.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "loop": t["loop"],
                    "cap": t["capacity_kw"].astype(float),
                    "w": r["t_water_c"].astype(float),
                    "load": r["load_kw"].astype(float).fillna(0.0),
                    "running": r["running"].fillna(False).astype(bool),
                }
            )
        )
    if not fc:
        return out
    units = pd.concat(fc)
    units = units[units["loop"].notna()]
    groups = [
        (label, loop, mine)
        for kind, label in FREE_COOLING_GROUPS
        for loop, mine in units[units["kind"] == kind].groupby("loop")
    ]
    for label, loop, mine in groups:
        run_ = mine[mine["running"]]
        backed = ch_avail.get(loop, 0.0) > 0 and loop not in cond_loops
        if not backed or loops is None or loop not in loops.index:
            cap = run_["cap"]
            avail = float(cap.sum() - (cap.max() if len(cap) > 1 else 0.0))
            out[f"{label} {loop} (N+1)"] = (float(mine["load"].sum()), avail)
            continue
        q = float(loops.at[loop, "q_kw"])
        t_set = float(twin.loops.at[loop, "t_supply_c"])
        # the plant's own return (`plant.return_rise_k`: warmer than the design return
        # when the loop's pumps are short), read from the result it solved
        rise = float(loops.at[loop, "t_return_c"]) - float(loops.at[loop, "t_supply_c"])
        if not np.isfinite(rise):
            rise = float(twin.loops.at[loop, "dt_design_k"])
        t_ret = t_set + rise
        every = units[(units["loop"] == loop) & units["running"]]
        c_all, a_all = float(every["cap"].sum()), float((every["cap"] * every["w"]).sum())
        c = run_["cap"].to_numpy(float)
        left = c_all - c
        with np.errstate(divide="ignore", invalid="ignore"):
            t_fc = np.where(left > 0, (a_all - c * run_["w"].to_numpy(float)) / left, np.inf)
        frac = np.where(np.isfinite(t_fc), np.clip((t_ret - t_fc) / (t_ret - t_set), 0, 1), 0)
        free_left = np.minimum(q * frac, np.maximum(left, 0.0))
        if not len(free_left):  # no unit of the group running: nothing to lose
            free_left = np.array([float(loops.at[loop, "free_cooling_kw"])])
        out[f"{label} {loop} (N+1)"] = (q, float(free_left.min()) + ch_avail[loop])
    return out
