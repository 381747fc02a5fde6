"""The air model of the cooling units that run: a field hall's shares solved again without the
units that stopped.

A hall on the air field (``air_model: field`` or ``ffd``) gets its shares from a flow through
the room in which every cooling unit supplies and returns its share of the racks' air
(`twin.solve.airfield`). When units stop (failed, unfed, their water not moving) that is not
the room's flow: the racks that drew on a stopped unit's supply draw on the others' and on the
room's warm air, which is what a failure study asks about. Until 2026-12-01 the solve kept the
flow of every unit running and only mixed the hall's supply from the units that run, so
failing any one unit of a hall moved every rack's inlet alike (by nothing where the others
took up its air): the model could not see which unit had stopped.

`running_air_model` gives the model of the units that run: each field hall with a stopped unit
gets its field solved again with those units' supply and return at zero flow (their bodies
stay: a stopped unit's cabinet still blocks the air) and the running ones sharing the racks'
air by their airflow, as the coupled solve runs them. A hall whose units all stop keeps its
field (no unit moves air; its heat is reported unremoved). Kernel and given shares do not see
where units are, so they do not change.

Which models are solved again: `RESOLVED_MODELS`, both field flows. The potential field costs
0.14-0.15 CPU s a stopped unit on the shipped small room (2026-12-01 ~22:15 UTC, load ~2, timed
by hand). The FFD flow is marched again, which costs 3-4.5 CPU s a stopped unit on the small
rooms and ~11 on the hybrid hall (2026-12-02 02:05 UTC), and `twin solve` fails every unit once
for its N-1 headroom; an N-1 marches the flows it needs on every core before it solves
(`twin.solve.ffd_ahead`), and each march and its shares are stored on disk by content
(`twin.solve.ffd_store`), so a layout pays once (docs/validation.md has the costs). An ffd
hall whose own march is uncertain past `MARCH_SPREAD_CAUTION_K` is not marched again
(`unsettled_hall`), and a march again that had not settled is cautioned (`UNSETTLED`). It pays in accuracy: marched again without CRAC-1 of the open small room
the FFD followed OpenFOAM's change of the rack inlets to 1.15 K RMS where keeping the flow of
every unit running missed it by 7.40 K (docs/validation.md, eleventh pass, corrected
2026-12-02), and without CRAC-3 to 2.83 K against 7.80 (twelfth pass, blind). Until
2026-12-02 an ffd hall kept the flow of every unit running; the potential field solved again
is worse than that on both failures (9.59 and 7.82 K), which is reported there, not hidden.
A hall whose field cannot be solved again without its stopped units (`FieldError`: no free
opening left, an FFD march that diverges) keeps the flow of every unit running, and
says so: its ``res_halls`` ``air_model`` reads "field, every unit running (without ...: why)"
and `stopped_unit_cautions` words it for `twin solve` and the Failures page.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np
import scipy.sparse as sp

from twin.solve.airfield import FieldError, hall_shares
from twin.solve.airfield_build import FIELD_MODELS, field_shares, hall_air, hall_model
from twin.solve.cache import per_twin
from twin.solve.ffd_march import MARCH_SPREAD_CAUTION_K
from twin.solve.recirculation import Recirculation

RESOLVED_MODELS = ("field", "ffd")
"""Air models whose field is solved again with a hall's stopped units (see the docstring)."""
NOT_RESOLVED = ", every unit running"
"""What a field hall's ``air_model`` gets when units stop and its flow is not solved again."""
UNSETTLED = ", marched again, not settled"
"""What an ffd hall's ``air_model`` gets when its march without the stopped units would still
move its inlets by more than `MARCH_SPREAD_CAUTION_K` (the hall's own march is cautioned at
the same bound: `twin.solve.airfield_build.ffd_march_cautions`)."""
VARIANTS = 16
"""Air models of other running sets kept per Twin (an N-1 over a hall's units needs one each)."""
_LOCK = threading.Lock()


def running_air_model(twin, model, crah_running: np.ndarray):
    """`model` (`twin.solve.airflow.AirModel`) for the units running now (`crah_running`, per
    row of ``twin.crahs``): the same object when no field hall has a stopped unit."""
    stopped = _stopped_by_hall(twin, model, np.asarray(crah_running, bool))
    if not stopped:
        return model
    key = (RESOLVED_MODELS, *sorted((h, tuple(np.flatnonzero(m))) for h, m in stopped.items()))
    kept = per_twin(twin, "air-running", lambda _: OrderedDict())
    with _LOCK:
        hit = kept.get(key)
        if hit is not None and hit[0] is model:
            kept.move_to_end(key)
            return hit[1]
    out = _without(twin, model, stopped)
    with _LOCK:
        kept[key] = (model, out)
        while len(kept) > VARIANTS:
            kept.popitem(last=False)
    return out


def _stopped_by_hall(twin, model, running: np.ndarray) -> dict[int, np.ndarray]:
    """Hall number -> stopped mask over its units (``twin.crahs`` order), for the field halls
    with some but not all of their units stopped. Every coupled iteration asks: a solve with
    no unit stopped in a field hall returns before any per-hall work."""
    off = ~running
    if not off.any():
        return {}
    field = _field_halls(model)
    hit = off & field[model.crah_hall] if len(field) else off & False
    out = {}
    for h in np.unique(model.crah_hall[hit]):
        mine = model.crah_hall == h
        if not off[mine].all():
            out[int(h)] = off[mine]
    return out


def _field_halls(model) -> np.ndarray:
    """Per hall of `model`: is it on the air field (its built method, not the layout's
    ``air_model``: a hall that fell back to the kernel is not)?"""
    method = model.hall_method or {}
    return np.array(
        [str(method.get(hid, "kernel")).startswith(FIELD_MODELS) for hid in model.hall_ids], bool
    )


def _without(twin, model, stopped: dict[int, np.ndarray]):
    """`model` with each hall of `stopped` solved again without its stopped units (or, for a
    model not in `RESOLVED_MODELS`, marked as not solved again)."""
    crah_ids = twin.crahs.index
    method = dict(model.hall_method or {})
    new = {}
    for h, off in stopped.items():
        hid = model.hall_ids[h]
        ids = crah_ids[model.crah_hall == h][off]
        if hall_model(twin, h) not in RESOLVED_MODELS:
            method[hid] = f"{method[hid]}{NOT_RESOLVED} ({', '.join(ids)} stopped)"
            continue
        idx, air = stopped_air(twin, model, h, off)
        if isinstance(air, str):
            method[hid] = f"{method[hid]}{NOT_RESOLVED} ({', '.join(ids)} stopped; {air})"
            continue
        try:
            new[h] = (idx, hall_shares(air))
        except FieldError as exc:  # no free opening left: the flow of every unit running
            method[hid] = f"{method[hid]}{NOT_RESOLVED} (without {', '.join(ids)}: {exc})"
            continue
        info = new[h][1].info
        if info.get("ffd_march_spread_k", 0.0) > MARCH_SPREAD_CAUTION_K:  # as the hall's own
            rack = twin.racks.index[idx[info["ffd_march_spread_rack"]]]
            least = "at least " if info.get("ffd_march_spread_lower") else ""
            method[hid] = (
                f"{method[hid]}{UNSETTLED} (without {', '.join(ids)}: "
                f"{least}{info['ffd_march_spread_k']:.1f} K, rack {rack})"
            )
    if not new:
        return dataclasses.replace(model, hall_method=method)
    b = model.recirculation.b_matrix().tocsr()
    blocks = []
    for h in np.unique(model.rack_hall):
        idx = np.flatnonzero(model.rack_hall == h)
        blocks.append((idx, new[h][1].b_mean if h in new else b[idx][:, idx]))
    top = model.b_top if model.b_top is not None else b
    changed = np.concatenate([idx for idx, _ in new.values()])
    keep = np.ones(len(model.k_kw_k))
    keep[changed] = 0.0
    n = len(keep)
    parts = [sp.diags(keep) @ top]
    for idx, shares in new.values():
        c = shares.b_top.tocoo()
        parts.append(sp.csr_matrix((c.data, (idx[c.row], idx[c.col])), shape=(n, n)))
    return dataclasses.replace(
        model,
        recirculation=Recirculation(blocks, model.k_kw_k),
        b_top=sum(parts[1:], parts[0]).tocsr(),
        hall_method=method,
    )


def stopped_air(twin, model, h: int, off: np.ndarray):
    """(racks, field input) of hall number `h` on `model` without its units `off` (a mask
    over the hall's units), or (racks, why it is not solved again: `unsettled_hall`). An ffd
    hall's march starts at the step its own march settled at (`airfield_ffd.hall_flux` halves
    a step that does not settle), so a failure's change of the inlets is not a change of step."""
    idx = np.flatnonzero(model.rack_hall == h)
    why = unsettled_hall(twin, model, h, idx)
    air = why or hall_air(twin, h, idx, model.k_kw_k, stopped=off)
    if isinstance(air, str) or air.flow != "ffd":
        return idx, air
    own = field_shares(twin, h, idx, model.k_kw_k)  # the model's own (cached by content)
    dt = air.ffd_dt_s if isinstance(own, str) else own.info.get("ffd_dt_s", air.ffd_dt_s)
    return idx, dataclasses.replace(air, ffd_dt_s=dt)


def unsettled_hall(twin, model, h: int, idx: np.ndarray) -> str:
    """Why hall number `h` (racks `idx`; on `model`) is not marched again without its
    stopped units: it is an ffd hall whose own march would still move its inlets by more than
    `MARCH_SPREAD_CAUTION_K` (cautioned already), so a march without a unit would be read
    against a flow uncertain by more than that (the staggered AI hall: 2.4 K, and six of its
    seven units' marches do not settle, 11-16 CPU s each to find out); '' otherwise. Its own
    field is the one the model was built on (content cache: no second march)."""
    if hall_model(twin, h) != "ffd":
        return ""
    own = field_shares(twin, h, idx, model.k_kw_k)
    info = {} if isinstance(own, str) else own.info
    spread = info.get("ffd_march_spread_k", 0.0)
    if spread <= MARCH_SPREAD_CAUTION_K:
        return ""
    least = "at least " if info.get("ffd_march_spread_lower") else ""
    return f"not marched again: the hall's own march would still move its inlets by {least}{spread:.1f} K"


def resolved_halls(res_halls, twin=None) -> np.ndarray:
    """Per row of `res_halls`: does a stopped unit there change its air field (its
    ``air_model`` is one of `RESOLVED_MODELS`, and, given `twin`, it is not an ffd hall whose
    own march is uncertain past the bound, `unsettled_hall`, whose failures keep the flow)?"""
    if "air_model" not in res_halls:
        return np.zeros(len(res_halls), bool)
    model = res_halls["air_model"].astype(str).str.partition(",")[0]  # less what it says
    out = model.isin(RESOLVED_MODELS).to_numpy(bool)
    if twin is not None and (model == "ffd").any():
        from twin.solve.airflow import air_model

        am = air_model(twin)
        pos = {str(hid): h for h, hid in enumerate(am.hall_ids)}
        for i, hid in enumerate(res_halls.index):
            h = pos.get(str(hid))
            if out[i] and model.iat[i] == "ffd" and h is not None:
                out[i] = not unsettled_hall(twin, am, h, np.flatnonzero(am.rack_hall == h))
    return out


def stopped_unit_cautions(res_halls) -> list[str]:
    """One sentence per hall whose air flow was not solved again without its stopped units,
    or was but its march had not settled (`UNSETTLED`)."""
    if res_halls is None or "air_model" not in res_halls:
        return []
    out = []
    for hall, used in res_halls["air_model"].items():
        model, kept, why = str(used).partition(NOT_RESOLVED)
        if kept:
            out.append(
                f"hall {hall}: its rack inlets come from the {model.upper()} air flow with every "
                f"cooling unit running{why}; the stopped units change only the hall's mixed "
                "supply, not which racks draw on which air"
            )
        model, moving, why = str(used).partition(UNSETTLED)
        if moving:  # " (without U: [at least ]S K, rack R)"
            units, _, spread = why.strip(" ()").partition(": ")
            size, _, rack = spread.partition(", rack ")
            out.append(
                f"hall {hall}: its rack inlets come from the {model.upper()} air flow marched "
                f"again {units}, whose march had not settled: they would move {size} (rack "
                f"{rack}) if it ran on; read them as uncertain by {size.removeprefix('at least ')}"
            )
    return out


def unresolved_units(twin, sets, marker: str = NOT_RESOLVED) -> dict[str, tuple[str, list[str]]]:
    """Hall -> (its air model, the cooling units failed in the failure sets `sets`, each a
    tuple of ids) for the halls whose air flow the solve keeps with every unit running when
    those units fail: a field hall (potential or FFD) that could not be solved again without
    them, or one whose model is not in `RESOLVED_MODELS`; not where a set fails all of a
    hall's units (no flow, on every model). With `marker` `UNSETTLED`: the halls whose flow
    was marched again without them but had not settled. Asked of `running_air_model` itself,
    so that a table of failures says it exactly where the solve does it (the field's variants
    are cached per Twin: an N-1 has solved them already)."""
    from twin.solve.airflow import air_model

    crahs = twin.crahs.index
    if not len(crahs):
        return {}
    model = air_model(twin)
    if not _field_halls(model).any():
        return {}  # no field hall (the 1 GW campus's 7,152 sets: nothing to ask)
    known = set(crahs)
    out: dict[str, tuple[str, dict[str, None]]] = {}
    for ids in sets:
        mine = [u for u in ids if u in known]
        if not mine:
            continue
        off = crahs.isin(mine)
        used = running_air_model(twin, model, ~off).hall_method or {}
        for h, hid in enumerate(model.hall_ids):
            kind, hit, _ = str(used.get(hid, "")).partition(marker)
            if hit:
                units = crahs[off & (model.crah_hall == h)]
                out.setdefault(str(hid), (kind, {}))[1].update(dict.fromkeys(units))
    return {hall: (kind, list(units)) for hall, (kind, units) in out.items()}
