"""Compile twin's numba kernels once after installing (``make`` runs ``python -m
twin.compile_kernels``); numba caches them on disk beside their modules.

Without it the first process that needs a kernel compiles it where a user waits: the N-1
kernel (~25-35 s) in the first N-1, the FFD air-flow kernels (60 CPU s, 2:08 wall beside a
test run, 2026-12-02 17:30 UTC) in the first solve of a layout whose halls are on the FFD
field, which for the shipped small room is the app server's warm-up; and several processes
started together (the app's march workers, a test run's servers) each compile them.
"""

from __future__ import annotations

import dataclasses
import os
import time


def compile_ffd() -> float:
    """March the tiny room on both FFD grids (the rack-aligned default and the uniform one a
    big hall falls back to), not stored: seconds taken."""
    from twin.solve import airfield, airfield_ffd
    from twin.solve.air_box_room import box_room

    t0 = time.perf_counter()
    keep = airfield_ffd.GRID, os.environ.get("TWIN_FFD_STORE")
    os.environ["TWIN_FFD_STORE"] = "0"  # a compile, not a result to keep (`ffd_store`)
    try:
        for grid in ("aligned", "uniform"):
            airfield_ffd.GRID = grid
            airfield._CACHE.clear()
            airfield._FFD_CACHE.clear()
            airfield.hall_shares(dataclasses.replace(box_room(2), flow="ffd"))
    finally:
        airfield_ffd.GRID = keep[0]
        if keep[1] is None:
            os.environ.pop("TWIN_FFD_STORE")
        else:
            os.environ["TWIN_FFD_STORE"] = keep[1]
        airfield._CACHE.clear()
        airfield._FFD_CACHE.clear()
    return time.perf_counter() - t0


def main() -> None:
    from twin.scenarios.fast_power import warm

    print(f"twin: N-1 kernel compiled in {warm():.0f} s", flush=True)
    print(f"twin: FFD air-flow kernels compiled in {compile_ffd():.0f} s", flush=True)


if __name__ == "__main__":
    main()
