"""Economic what-ifs on the coupled solve: GPU/NPU mix, rack power caps, most tokens under the grid.

Rules (documented so results can be compared):

- Mix (`with_npu_share`): a share of the GPU racks becomes NPU racks, spread
  evenly over halls, last rows of each hall first. Budget ``"floor"``: slot
  for slot, each new rack takes the NPU rack design (power, cooling split) of
  the layout (a rack or profile with that accelerator) or of the generator's
  profile; IT power falls. Budget ``"power"``: each replaced position keeps
  the GPU rack's power, i.e. a denser NPU position whose throughput and capex
  scale by power over the catalogue's rated `power_kw`; floor for the extra
  NPU cabinets is assumed available, and the air/liquid split follows the NPU design.
- Cap (`cap_scenario`): each rack draws at most `cap_kw`
  (``load_scale = min(1, cap_kw / design kW)``); throughput follows the
  catalogue's power curve.
- Grid (`best_cap_under_grid`, `best_mix_under_grid`): a point is feasible
  when the coupled solve's `facility_kw` (IT, losses, cooling) is at or below
  ``site.grid_mw`` and, with ``strict`` (default), the solve reports no other
  violation (overheated racks, overloaded CRAHs/CDUs/UPS, unfed racks...).
  Tokens and facility power both rise with the cap, so the best cap is the
  largest feasible one: a scipy `brentq` root of facility_kw(cap) - grid_kw,
  then, if a limit other than the grid binds, bisection on feasibility below
  it. The returned optimum is always the best solved feasible point; for the
  mix, each share is scanned with its best cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from twin.layout.builtin_profiles import RACK_PROFILES
from twin.model import Scenario, Twin
from twin.solve.results import Results

Solve = Callable[[Twin, Scenario], Results]
GPU = "gb200-nvl72"
NPU = "rbln-atom-rack"
_RACK_DESIGN = ("power_kw", "power_factor", "liquid_fraction", "height_m")


def _solver(solve: Solve | None) -> Solve:
    if solve is not None:
        return solve
    from twin.solve import run

    return run


# ------------------------------------------------------------------- edits


def with_grid_mw(twin: Twin, grid_mw: float) -> Twin:
    """The same site with another grid connection."""
    if not grid_mw > 0:
        raise ValueError("grid_mw must be positive")
    site = twin.layout.site.model_copy(update={"grid_mw": float(grid_mw)})
    return Twin.from_layout(_copy_layout(twin, site=site))


def _copy_layout(twin: Twin, **update):
    new = twin.layout.model_copy(update=update)
    new._source = twin.layout.source
    return new


def _npu_design(twin: Twin, npu: str) -> dict:
    """Rack fields of an NPU rack: from the layout's racks, its profiles, or the generator's."""
    for hall in twin.layout.halls:
        for rack in hall.racks:
            if rack.accelerator == npu:
                return {k: getattr(rack, k) for k in _RACK_DESIGN} | {"profile": rack.profile}
    for source in (twin.layout.profiles, RACK_PROFILES):
        for name, values in source.items():
            if (
                isinstance(values, dict)
                and values.get("accelerator") == npu
                and "power_kw" in values
            ):
                design = {k: values[k] for k in _RACK_DESIGN if k in values}
                return design | {"profile": name if source is twin.layout.profiles else None}
    raise ValueError(f"no rack design for accelerator {npu!r}: add a rack or profile using it")


def npu_candidates(twin: Twin, gpu: str = GPU) -> pd.Index:
    """GPU racks in replacement order: spread over halls, last rows of each hall first."""
    r = twin.racks[twin.racks["accelerator"] == gpu]
    order = r.sort_values(["hall", "row", "slot"], ascending=[True, False, False])
    rank = order.groupby("hall").cumcount() / order.groupby("hall")["slot"].transform("size")
    return rank.sort_values(kind="stable").index


def with_npu_share(
    twin: Twin,
    share: float,
    *,
    gpu: str = GPU,
    npu: str = NPU,
    budget: Literal["floor", "power"] = "floor",
) -> Twin:
    """A new Twin with round(share x GPU racks) of the `gpu` racks turned into `npu` racks."""
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be in [0, 1]")
    if budget not in ("floor", "power"):
        raise ValueError("budget must be 'floor' or 'power'")
    cands = npu_candidates(twin, gpu)
    chosen = set(cands[: int(round(share * len(cands)))])
    if not chosen:
        return twin
    design = _npu_design(twin, npu)
    halls = []
    for hall in twin.layout.halls:
        racks = []
        for rack in hall.racks:
            if rack.id in chosen:
                upd = dict(design, accelerator=npu)
                if budget == "power":
                    upd["power_kw"] = rack.power_kw
                if upd.get("liquid_fraction", 0.0) == 0.0:
                    upd["liquid_loop"] = None
                elif rack.liquid_loop is None:
                    raise ValueError(
                        f"{npu!r} racks are liquid cooled but rack {rack.id!r} has no liquid_loop"
                    )
                rack = rack.model_copy(update=upd)
            racks.append(rack)
        halls.append(hall.model_copy(update={"racks": racks}))
    return Twin.from_layout(_copy_layout(twin, halls=halls))


def cap_scenario(twin: Twin, cap_kw: float | None, base: Scenario | None = None) -> Scenario:
    """`base` with every rack drawing at most `cap_kw` (None = no cap)."""
    base = base or Scenario()
    if cap_kw is None:
        return base
    if cap_kw < 0:
        raise ValueError("cap_kw must be >= 0")
    design = twin.racks["power_kw"]
    star = float(base.load_scale.get("*", 1.0))
    own = pd.Series({k: v for k, v in base.load_scale.items() if k != "*"}, dtype=float)
    scale = own.reindex(design.index).fillna(star)
    kw = design.to_numpy(float)  # a Series as where= runs the divide everywhere (0/0 warns)
    ratio = np.divide(cap_kw, kw, out=np.ones(len(kw)), where=kw > 0)
    capped = np.minimum(scale.to_numpy(), ratio)
    return replace(
        base,
        name=f"{base.name}, cap {cap_kw:g} kW",
        load_scale=dict(zip(design.index, capped.tolist(), strict=True)),
    )


# -------------------------------------------------------------- evaluation


def evaluate(twin: Twin, scenario: Scenario | None = None, solve: Solve | None = None) -> dict:
    """Economics of one coupled solve, plus the violation count and whether it fits the grid."""
    from twin.metrics.economics import economics

    res = _solver(solve)(twin, scenario or Scenario())
    out = economics(twin, res)
    kinds = res.violations["kind"]
    out["violations"] = float(len(kinds))
    out["blocking_violations"] = float((kinds != "grid_limit").sum())
    out["within_grid"] = bool(out["facility_kw"] <= out["grid_kw"])
    out["feasible"] = out["within_grid"] and out["blocking_violations"] == 0
    return out


def sweep_cap(
    twin: Twin, caps_kw: Iterable[float], solve: Solve | None = None, base: Scenario | None = None
) -> pd.DataFrame:
    """One row per rack power cap: cap_kw and every `evaluate` number (plot-ready)."""
    rows = [{"cap_kw": c, **evaluate(twin, cap_scenario(twin, c, base), solve)} for c in caps_kw]
    return pd.DataFrame(rows)


def sweep_mix(
    twin: Twin,
    shares: Iterable[float],
    *,
    budget: Literal["floor", "power"] = "floor",
    cap_kw: float | None = None,
    solve: Solve | None = None,
    gpu: str = GPU,
    npu: str = NPU,
) -> pd.DataFrame:
    """One row per NPU share (of the GPU racks): share, npu_racks and every `evaluate` number."""
    rows = []
    for x in shares:
        t = with_npu_share(twin, x, budget=budget, gpu=gpu, npu=npu)
        n = int((t.racks["accelerator"] == npu).sum())
        rows.append({"npu_share": x, "npu_racks": n, **evaluate(t, cap_scenario(t, cap_kw), solve)})
    return pd.DataFrame(rows)


def best_cap_under_grid(
    twin: Twin,
    solve: Solve | None = None,
    tol_kw: float = 0.5,
    n_curve: int = 0,
    strict: bool = True,
) -> tuple[dict, pd.DataFrame]:
    """The rack power cap giving the most tokens at a feasible point; and every solved point.

    The first value is `evaluate` of the best point with ``cap_kw`` (None = no
    cap needed) and ``feasible``; if even zero rack power is not feasible it
    is the zero-cap point with ``feasible`` False. ``strict=False`` checks the
    grid only. `n_curve` adds an evenly spaced sweep for plotting.
    """
    grid_kw = twin.layout.site.grid_mw * 1000.0
    top = float(twin.racks["power_kw"].max()) if len(twin.racks) else 0.0
    seen: dict[float, dict] = {}
    key = "feasible" if strict else "within_grid"

    def at(cap: float) -> dict:
        cap = float(cap)
        if cap not in seen:
            seen[cap] = {"cap_kw": cap, **evaluate(twin, cap_scenario(twin, cap), solve)}
            seen[cap]["feasible"] = bool(seen[cap][key])
        return seen[cap]

    for c in np.linspace(0.0, top, n_curve) if n_curve > 1 else ():
        at(c)
    if at(top)["feasible"]:
        return dict(at(top), cap_kw=None), _curve(seen)
    if not at(0.0)["feasible"]:
        return dict(at(0.0)), _curve(seen)
    hi = top
    if at(top)["facility_kw"] > grid_kw:  # the grid binds: root of facility - grid
        hi = brentq(lambda c: at(c)["facility_kw"] - grid_kw, 0.0, top, xtol=tol_kw)
    lo = max((c for c, r in seen.items() if r["feasible"] and c <= hi), default=0.0)
    while not at(hi)["feasible"] and hi - lo > tol_kw:  # another limit binds: bisect
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid)["feasible"] else (lo, mid)
    fits = [r for r in seen.values() if r["feasible"]]
    return dict(max(fits, key=lambda r: (r["tokens_s"], r["cap_kw"]))), _curve(seen)


def _curve(seen: dict[float, dict]) -> pd.DataFrame:
    return pd.DataFrame(sorted(seen.values(), key=lambda r: r["cap_kw"]))


def best_mix_under_grid(
    twin: Twin,
    shares: Iterable[float] | None = None,
    *,
    budget: Literal["floor", "power"] = "floor",
    solve: Solve | None = None,
    tol_kw: float = 0.5,
    strict: bool = True,
    gpu: str = GPU,
    npu: str = NPU,
) -> tuple[dict, pd.DataFrame]:
    """The NPU share (each with its best cap) giving the most tokens at a feasible point.

    Returns the best point (with ``npu_share``, ``npu_racks``, ``cap_kw``) and
    one row per share scanned (plot-ready). Infeasible shares are kept in the
    table with ``feasible`` False and never chosen.
    """
    shares = list(np.linspace(0.0, 1.0, 11) if shares is None else shares)
    rows = []
    for x in shares:
        t = with_npu_share(twin, x, budget=budget, gpu=gpu, npu=npu)
        point, _ = best_cap_under_grid(t, solve, tol_kw, strict=strict)
        n = int((t.racks["accelerator"] == npu).sum())
        rows.append({"npu_share": x, "npu_racks": n, **point})
    table = pd.DataFrame(rows)
    ok = table[table["feasible"].astype(bool) & table["within_grid"].astype(bool)]
    best = ok.loc[ok["tokens_s"].idxmax()].to_dict() if len(ok) else table.iloc[0].to_dict()
    return best, table
