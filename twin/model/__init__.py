"""The component model: `Twin` (tables + graphs) and `Scenario` (what is changed or failed)."""

from twin.model.scenario import Scenario
from twin.model.twin import Twin

__all__ = ["Scenario", "Twin"]
