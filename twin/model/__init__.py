"""The component model: `Twin` (tables + graphs), `Scenario` (what is changed or failed) and
`registry` (every component kind, declared once).

`Twin` and `Scenario` are imported on first use, so the registry (plain data) can be
read by the file format below this layer without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.model import registry

if TYPE_CHECKING:
    from twin.model.scenario import Scenario
    from twin.model.twin import Twin

__all__ = ["Scenario", "Twin", "registry"]


def __getattr__(name: str):
    if name == "Twin":
        from twin.model.twin import Twin

        return Twin
    if name == "Scenario":
        from twin.model.scenario import Scenario

        return Scenario
    raise AttributeError(f"module 'twin.model' has no attribute {name!r}")
