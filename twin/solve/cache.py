"""Per-twin caches: structures built once per Twin (matrices, index maps) and reused.

Keyed on the Twin object (weakly), so a solve never writes into the Twin and
a rebuilt Twin gets fresh structures.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

_CACHE: dict[tuple[int, str], tuple[weakref.ref, Any]] = {}


def per_twin(twin, name: str, build: Callable[[Any], Any]) -> Any:
    """`build(twin)`, computed once per (twin, name) and cached while the twin lives."""
    key = (id(twin), name)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is twin:
        return hit[1]
    value = build(twin)
    _CACHE[key] = (weakref.ref(twin), value)
    weakref.finalize(twin, _CACHE.pop, key, None)
    return value
