"""`Scenario`: what differs from the layout's normal state for one solve.

Lives in the model layer so every solver (layer 3) can take it; the
`twin.scenarios` package (layer 4) builds, sweeps and compares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from twin.errors import ScenarioError


@dataclass(frozen=True)
class Scenario:
    """Failed or maintained components, load changes and weather for one solve.

    - `failed`: components out of service (power elements, cooling units, racks).
    - `maintenance`: out of service on purpose; treated like failed by solvers.
    - `load_scale`: rack id (or ``"*"`` for all) -> factor on design IT power.
    - `t_db_c`, `t_wb_c`: ambient dry/wet bulb; ``None`` = the layout's design point.
    """

    name: str = "normal"
    failed: frozenset[str] = frozenset()
    maintenance: frozenset[str] = frozenset()
    load_scale: Mapping[str, float] = field(default_factory=dict)
    t_db_c: float | None = None
    t_wb_c: float | None = None

    @classmethod
    def fail(cls, *ids: str, name: str | None = None) -> Scenario:
        """A scenario with the given components failed."""
        return cls(name=name or "fail " + ", ".join(ids), failed=frozenset(ids))

    @property
    def out_of_service(self) -> frozenset[str]:
        """Everything the solvers must treat as unavailable."""
        return self.failed | self.maintenance

    def check(self, known: Iterable[str]) -> None:
        """Raise `ScenarioError` naming any component id the twin does not have."""
        known = set(known)
        unknown = sorted((self.failed | self.maintenance | set(self.load_scale) - {"*"}) - known)
        if unknown:
            raise ScenarioError(f"unknown component id(s): {', '.join(unknown)}")
