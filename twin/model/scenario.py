"""`Scenario`: what differs from the layout's normal state for one solve.

Lives in the model layer so every solver (layer 3) can take it; the
`twin.scenarios` package (layer 4) builds, sweeps and compares them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from twin.errors import ScenarioError

T_AMBIENT_RANGE_C = (-60.0, 60.0)
"""Ambient temperatures a scenario may set: the layout's design-point bounds (site.design)."""
T_WB_SLACK_K = 1e-6
"""Rounding allowed of a wet bulb above its dry bulb (a psychrometric iteration's last bits)."""
MAX_LOAD_SCALE = 1e4
"""Largest factor on a rack's design IT power. Far above any load a rack draws, it leaves
room for the IT headroom search (`twin.metrics.headroom_search.MAX_X`: up to x101 on top of a
scenario's own factor) while keeping kW x factor clear of float overflow: the solvers
square powers, so a factor near 1e150 (or 1e300) overflows to inf and the result is not
finite (audit of 2026-12-01)."""


@dataclass(frozen=True)
class Scenario:
    """Failed or maintained components, load changes and weather for one solve.

    - `failed`: components out of service (power elements, cooling units, racks): a set,
      list or tuple of ids (strings).
    - `maintenance`: out of service on purpose; treated like failed by solvers.
    - `load_scale`: rack id (or ``"*"`` for all) -> factor on design IT power; a bare
      number is a factor for every rack (``load_scale=1.1`` is ``{"*": 1.1}``).
    - `t_db_c`, `t_wb_c`: ambient dry/wet bulb, C; ``None`` = the layout's design point.

    Anything else (a string for ids, a dict for a temperature, NaN, True for a number) is
    a `ScenarioError` saying what is allowed, raised when the scenario is made.
    """

    name: str = "normal"
    failed: frozenset[str] = frozenset()
    maintenance: frozenset[str] = frozenset()
    load_scale: Mapping[str, float] = field(default_factory=dict)
    t_db_c: float | None = None
    t_wb_c: float | None = None

    def __post_init__(self) -> None:
        """Refuse what the solvers would ignore, clamp or carry as NaN (ScenarioError)."""
        if not isinstance(self.name, str):
            raise ScenarioError(f"Scenario name= takes a string, got {_short(self.name)}")
        for name in ("failed", "maintenance"):
            ids = getattr(self, name)
            if isinstance(ids, str | Mapping) or not isinstance(ids, Iterable):
                raise ScenarioError(
                    f"Scenario {name}= takes a set of component ids, got {_short(ids)}; "
                    f"e.g. Scenario.fail('UPS-1', 'PDU-2') or {name}=frozenset({{'UPS-1'}})"
                )
            ids = frozenset(ids)
            odd = [i for i in ids if not isinstance(i, str)]
            if odd:
                raise ScenarioError(
                    f"Scenario {name}=: component ids are strings, got {_short(odd[0])}"
                )
            object.__setattr__(self, name, ids)
        lo, hi = T_AMBIENT_RANGE_C
        for name in ("t_db_c", "t_wb_c"):
            t = getattr(self, name)
            if t is not None and not (_finite(t) and lo <= t <= hi):
                raise ScenarioError(
                    f"Scenario {name}={_short(t)}: a finite temperature in {lo:g}..{hi:g} C "
                    "(or None for the layout's design point)"
                )
        if self.t_db_c is not None and self.t_wb_c is not None:
            check_wet_bulb(self.t_db_c, self.t_wb_c)
        scale = self.load_scale
        if _finite(scale):  # a bare factor: every rack, as {"*": factor}
            scale = {"*": float(scale)}
            object.__setattr__(self, "load_scale", scale)
        if not isinstance(scale, Mapping):
            raise ScenarioError(
                f"Scenario load_scale= takes a factor on design IT power for every rack (e.g. "
                f"1.1; a finite number in 0..{MAX_LOAD_SCALE:g}) or a mapping rack id (or '*' "
                f"for all) -> factor, got {_short(scale)}"
            )
        odd = [k for k in scale if not isinstance(k, str)]
        if odd:
            raise ScenarioError(
                f"Scenario load_scale: keys are rack ids (strings) or '*', got {_short(odd[0])}"
            )
        bad = {k: v for k, v in scale.items() if not (_finite(v) and 0 <= v <= MAX_LOAD_SCALE)}
        if bad:
            raise ScenarioError(
                f"Scenario load_scale: factors on design IT power are finite numbers >= 0 "
                f"and at most {MAX_LOAD_SCALE:g}; got {_short(bad)}"
            )

    @classmethod
    def fail(cls, *ids: str, name: str | None = None) -> Scenario:
        """A scenario with the given components failed."""
        return cls(name=name or "fail " + ", ".join(ids), failed=frozenset(ids))

    @property
    def out_of_service(self) -> frozenset[str]:
        """Everything the solvers must treat as unavailable."""
        return self.failed | self.maintenance

    def check(
        self,
        known: Iterable[str],
        racks: Iterable[str] | None = None,
        unfailable: dict[str, str] | None = None,
    ) -> None:
        """Raise `ScenarioError` naming any component id the twin does not have.

        With `unfailable` (id -> what it is, `Twin.unfailable`), failing or maintaining one
        of them is refused: no solver reads a failed loop or pipe, so it was solved as if
        nothing had failed.

        With `racks` (the twin's rack ids), a `load_scale` key that is a known id but not a
        rack (a PDU, a CRAH) is refused too: only racks have a design IT power to scale, and
        the solvers would ignore it in silence.
        """
        named = self.failed | self.maintenance | set(self.load_scale) - {"*"}
        if not named:
            return
        unknown = sorted(named - set(known))
        if unknown:
            raise ScenarioError(f"unknown component id(s): {', '.join(unknown)}")
        out = sorted(set(self.out_of_service) & set(unfailable or {}))
        if out:
            what = ", ".join(f"{i} (a {unfailable[i]})" for i in out[:5])
            raise ScenarioError(
                f"cannot fail {what}: twin does not model a closed or burst pipe or a lost "
                "loop (its hydraulics would keep it open, as if nothing had failed); fail "
                "the pumps, units or plant on it instead"
            )
        if racks is not None:
            odd = sorted(set(self.load_scale) - {"*"} - set(racks))
            if odd:
                raise ScenarioError(
                    f"Scenario load_scale: {', '.join(odd)} is not a rack; load_scale takes "
                    "rack ids (or '*' for every rack), whose design IT power it scales"
                )


def _finite(x) -> bool:
    """A finite real number; not a bool (True would be taken as 1 in silence)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _short(x, width: int = 80) -> str:
    """`repr(x)` with its type, cut to `width` characters (a message, not a dump)."""
    text = repr(x)
    if len(text) > width:
        text = text[: width - 3] + "..."
    return f"{text} ({type(x).__name__})"


def check_wet_bulb(t_db_c: float, t_wb_c: float) -> None:
    """Raise `ScenarioError` if a wet bulb is above its dry bulb (air cannot be wetter than
    saturated; the solvers would clamp it to the dry bulb in silence)."""
    if t_wb_c > t_db_c + T_WB_SLACK_K:
        raise ScenarioError(f"Scenario wet bulb {t_wb_c:g} C is above the dry bulb {t_db_c:g} C")
