"""Power capping and demand response over time, and the tokens they cost.

- A static cap per group (hall): its racks draw at most `cap` of design power.
- A demand-response event: shed `shed_kw` of grid import for `duration_s`
  from `start_s`. Grid operators ask large loads for this; Emerald AI ran a
  256-GPU cluster 25 % lower for 3 hours (arXiv 2507.00909). The IT reduction
  that sheds `shed_kw` of facility power at each event step is found by
  bisection on the site's response, hall by hall (losses and cooling fall with
  IT, so less IT than `shed_kw` is cut), taken from the groups in `order` (inference
  first, or training first): each group of the first kind down to its floor
  (`floor` of design [est: below half power accelerators lose more throughput
  than the power they save]), shared among the groups of that kind in
  proportion to what each can give, then the next kind. What cannot be shed is
  a 'dr_shortfall' violation, except at a step whose draw is at or below the event's
  level anyway (the event's baseline, the mean facility power the site would draw over
  the event, less `shed_kw`): a training checkpoint's dip below the groups' floor meets
  the event, though nothing more can be cut there. A site battery run by a policy goes first
  (`use_bess`): it delivers, for the whole event, the most its charge at the
  event's start holds (within its power), and caps shed the rest.
- Tokens: per group and accelerator, full tokens/s (twin.metrics.catalogue)
  x throughput_fraction(power fraction); tokens lost = uncapped - capped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.errors import ScenarioError
from twin.metrics.catalogue import catalogue, rack_catalogue, throughput_fraction
from twin.solve.timeline_response import Response, evaluate_groups

DR_FLOOR = 0.5
"""Lowest power a demand-response event caps a group to, fraction of design [est]."""
ORDERS = ("inference-first", "training-first")


@dataclass(frozen=True)
class DrEvent:
    """Shed `shed_kw` of facility power for `duration_s` from `start_s`."""

    start_s: float
    duration_s: float
    shed_kw: float
    order: str = "inference-first"
    floor: float = DR_FLOOR
    use_bess: bool = True  # a site BESS run by a policy discharges first, caps do the rest
    tenant_order: tuple[str, ...] = ()  # shed these tenants first (twin.scenarios.timeline_tenants)

    def check(self, horizon_s: float, dt_s: float | None = None) -> None:
        """Raise ScenarioError for an event that cannot run in `horizon_s` (and, with `dt_s`,
        on whole steps of it)."""
        if self.order not in ORDERS:
            raise ScenarioError(f"DR order {self.order!r}: use one of {', '.join(ORDERS)}")
        if not (self.shed_kw > 0 and self.duration_s > 0 and self.start_s >= 0):
            raise ScenarioError("a DR event needs shed > 0 MW, duration > 0 h and start >= 0 h")
        if self.start_s >= horizon_s:
            raise ScenarioError(
                f"DR event starts at {self.start_s / 3600:g} h, after the horizon "
                f"({horizon_s / 3600:g} h)"
            )
        if not 0.0 <= self.floor <= 1.0:
            raise ScenarioError(f"DR floor {self.floor:g}: a fraction of design, 0-1")
        if dt_s is not None:
            self._check_steps(horizon_s, dt_s)

    def _check_steps(self, horizon_s: float, dt: float) -> None:
        """A DR event runs within the horizon on whole steps: a step is capped for all of it or
        not at all (`policies.event_mask`), so an event 18.2-18.3 h at 1 h steps would shed a
        whole hour, and one past the horizon would shed less than it says."""
        end = self.start_s + self.duration_s
        if end > horizon_s * (1 + 1e-12):
            raise ScenarioError(
                f"DR event {self.start_s / 3600:g}-{end / 3600:g} h ends after the horizon "
                f"({horizon_s / 3600:g} h): only {(horizon_s - self.start_s) / 3600:g} h of it "
                "would run; shorten it or lengthen the horizon"
            )
        off = [x for x in (self.start_s, self.duration_s) if abs(x / dt - round(x / dt)) > 1e-9]
        if off:
            whole = all(abs(x - round(x)) < 1e-9 for x in (self.start_s, self.duration_s))
            fit = math.gcd(*(int(round(x)) for x in (self.start_s, self.duration_s, dt)))
            hint = f" (e.g. --step-s {fit})" if fit >= 1 and whole else ""
            raise ScenarioError(
                f"DR event from {self.start_s / 3600:g} h for {self.duration_s / 3600:g} h does "
                f"not fall on whole {dt:g} s steps: a step is capped for all of it or none, so it "
                "would shed more than the event; use a step that divides its start and "
                f"length{hint}"
            )


def event_mask(ev: DrEvent, start_s: np.ndarray, dt_s: float) -> np.ndarray:
    """Steps that overlap the event window."""
    return (start_s + dt_s > ev.start_s) & (start_s < ev.start_s + ev.duration_s)


def respond(resp: Response, it_kw, design_kw, kinds, mask, t_db, ev: DrEvent, t_wb=None):
    """Capped IT (n, G) that sheds `ev.shed_kw` of steady facility power at the masked
    steps, and the facility kW it could not shed there (n,).

    Bisection on the IT cut (vectorised over event steps): each trial cut is shared out
    by `shed` and the site's facility power evaluated per hall (`evaluate_groups`)."""
    out = it_kw.copy()
    short = np.zeros(len(it_kw))
    if not mask.any() or ev.shed_kw <= 0:  # nothing to cap (a battery may cover it all)
        return out, short
    ev_it, t = it_kw[mask], np.asarray(t_db, float)[mask]
    tw = None if t_wb is None else np.asarray(t_wb, float)[mask]  # each step's wet bulb
    every = np.ones(len(ev_it), bool)

    def facility(x):
        r = evaluate_groups(resp, x, design_kw, t, tw)
        return x.sum(axis=1) + r["losses_kw"] + r["cooling_kw"]

    target = facility(ev_it) - ev.shed_kw
    lo, hi = np.zeros(len(ev_it)), ev_it.sum(axis=1)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        above = facility(shed(ev_it, design_kw, kinds, every, mid, ev)[0]) > target
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    capped = shed(ev_it, design_kw, kinds, every, hi, ev)[0]
    out[mask] = capped
    # short only above the event's level too: a step whose own draw is already below it (a
    # training checkpoint's dip) meets the event whatever it could still cut
    level = float(np.mean(target + ev.shed_kw)) - ev.shed_kw
    short[mask] = np.maximum(facility(capped) - np.maximum(target, level), 0.0)
    return out, short


def shed(
    demand_kw: np.ndarray,
    design_kw: np.ndarray,
    kinds: list[str],
    mask: np.ndarray,
    cut_kw: np.ndarray,
    ev: DrEvent,
) -> tuple[np.ndarray, np.ndarray]:
    """Cap groups to cut `cut_kw` of IT at the masked steps, kind by kind in `ev.order`
    (with `ev.tenant_order`, `kinds` are the groups' tenants: tenant by tenant in that
    order, then the others together).

    Returns the capped demand (n, G) and the IT kW that could not be cut (n,)."""
    out = demand_kw.copy()
    first = "inference" if ev.order == "inference-first" else "training"
    left = np.where(mask, np.maximum(cut_kw, 0.0), 0.0)
    kinds_arr = np.asarray(kinds)
    order = (first, *[k for k in ("inference", "training") if k != first])
    if ev.tenant_order:
        rest = sorted(set(kinds) - set(ev.tenant_order))
        order = (*ev.tenant_order, *([tuple(rest)] if rest else []))
    for kind in order:
        cols = np.flatnonzero(np.isin(kinds_arr, kind))
        if not len(cols):
            continue
        give = np.maximum(out[:, cols] - ev.floor * design_kw[cols][None, :], 0.0)
        avail = give.sum(axis=1)
        take = np.minimum(left, avail)
        share = np.divide(take, avail, out=np.zeros_like(take), where=avail > 0)
        out[:, cols] -= give * share[:, None]
        left = left - take
    return out, left


def tokens_per_s(twin, groups: list[str], power_fraction: np.ndarray) -> np.ndarray:
    """Tokens/s per step and group at each group's power fraction (n, G)."""
    cat = catalogue(twin.layout)
    rc = rack_catalogue(twin)
    hall = twin.racks["hall"].to_numpy()
    out = np.zeros_like(power_fraction)
    for name, sub in rc.groupby("accelerator"):
        if name not in cat:
            continue
        full = np.array([sub["tokens_s_full"][hall[rc.index.get_indexer(sub.index)] == g].sum()
                         for g in groups])  # fmt: skip
        if not full.any():
            continue
        out += throughput_fraction(cat[name], power_fraction) * full[None, :]
    return out
