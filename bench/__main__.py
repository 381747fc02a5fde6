"""Run every benchmark module in bench/ that defines `main()`, in a fixed order
(`python -m bench`, or `python -m bench air n1` for some of them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ORDER = ["power", "coupled", "air", "n1", "scene", "memory", "timeline", "place"]
TOOLS = {
    "air_frozen": "needs a finished OpenFOAM case: python -m bench.air_frozen CASE ROOM",
    "air_shift": "a grid-uncertainty measure, not a timing: python -m bench.air_shift",
    "timeline_fit": "an accuracy measure, not a timing: python -m bench.timeline_fit",
}
"""Modules that are tools run by hand, not benchmarks: skipped unless named, with why."""


def main() -> int:
    here = Path(__file__).parent
    found = {m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")}
    only = set(sys.argv[1:])
    for name in [n for n in ORDER if n in found] + sorted(found - set(ORDER)):
        if only and name not in only:
            continue
        if name in TOOLS and not only:
            print(f"\n=== bench.{name}: skipped ({TOOLS[name]}) ===", flush=True)
            continue
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            print(f"\n=== bench.{name} ===", flush=True)
            # a module with its own argument parser gets none (not this command's names)
            takes_argv = "argv" in inspect.signature(module.main).parameters
            module.main([]) if takes_argv else module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
