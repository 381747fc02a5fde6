"""The revision of each calibratable air model's code, recorded with a calibration fitted on it.

`twin calibrate` fits an air model's parameters (diffusivity, plume share, jet entrainment,
eddy viscosity...) so that its rack inlets match CFD runs or measurements. Those values are
right for the code that was fitted, not for the next one: a change to how the model turns
geometry into inlets (its grid, a jet's throw, the FFD march's stop) makes the old fitted
values a wrong answer that looks calibrated. So each calibration records the revision of
the model it fitted (`twin.layout.calibration`, ``air_model_revision`` in
``<layout>.air-calibration.yaml``), and a load refuses to apply one whose revision is not
this code's, with a caution naming both and the ``twin calibrate`` command to fit again.

**Bump a model's revision whenever a change moves its inlets** (a change that keeps every
inlet to round-off, a speed-up with the same numbers, does not need one). A revision is
``"<date> <what changed>"``; the dictionary is the only place it is declared, and it names
only the models `twin calibrate` fits (``air_model: kernel`` halls are fitted as ``field``).

- ``field``: the potential field (`twin.solve.airfield`, `airfield_grid`, `airfield_jets`,
  `airfield_aisles`). "2026-12-01 rack-aligned grid": cell faces on every rack, unit and
  contained-aisle face (d4b55cd, 657cfc1), after opposed supply jets stop where they meet
  (62ee060).
- ``ffd``: the FFD flow (`twin.solve.airfield_ffd`, `airfield_ffd_kernel`,
  `airfield_ffd_grid`). "2026-12-01 rack-aligned grid": it marches on the potential field's
  rack-aligned grid (3bd6b70, b774b10), after a march that stops once settled (77fe025) and a
  unit's jet that keeps its momentum (3a1396b).
"""

from __future__ import annotations

AIR_MODEL_REVISION: dict[str, str] = {
    "field": "2026-12-01 rack-aligned grid",
    "ffd": "2026-12-01 rack-aligned grid",
}
"""Each calibratable air model's code revision (see the module docstring: bump it whenever
a change moves the model's inlets)."""
