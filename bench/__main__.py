"""Run every benchmark module in bench/ that defines `main()`, in a fixed order."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

ORDER = ["power", "coupled", "air", "n1", "scene", "memory", "timeline", "place"]


def main() -> int:
    here = Path(__file__).parent
    found = {m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")}
    only = set(sys.argv[1:])
    for name in [n for n in ORDER if n in found] + sorted(found - set(ORDER)):
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            print(f"\n=== bench.{name} ===", flush=True)
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
