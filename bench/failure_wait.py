"""How long the Failures page's solve of one cooling unit's failure takes while the app's
background job marches the layout's FFD flows (`twin.app.marches`), and how many marches it
runs in the server's own process.

    python -m bench.failure_wait layouts/hybrid-inference.yaml HX-CRAH10

Run it with a fresh ``TWIN_CACHE_DIR``: a stored flow is read, not marched. The normal state
is solved first (the page drew it), then the job starts, then the failure is asked for.
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("layout")
    ap.add_argument("unit", help="a cooling unit id of an ffd hall")
    args = ap.parse_args(argv)

    from twin.app import marches, warm
    from twin.model import Twin
    from twin.solve import airfield_ffd

    twin = Twin.load(args.layout)
    key = warm._key(twin.layout)
    warm.results(twin, key)  # the normal state
    job = marches.marches(twin, key)
    while job.job is not None and not (job.job.running() or job.job.done()):
        time.sleep(0.01)
    here, inner = [], airfield_ffd.hall_flux

    def counting(*a, **kw):
        here.append(1)
        return inner(*a, **kw)

    airfield_ffd.hall_flux = counting
    t0, c0 = time.perf_counter(), time.process_time()
    warm.results(twin, key, [args.unit])
    print(
        f"{args.unit}: answered in {time.perf_counter() - t0:.1f} s "
        f"({time.process_time() - c0:.1f} CPU s in this process), {len(here)} march(es) in "
        f"this process; the job had {job.done} of {job.total} flows in",
        flush=True,
    )
    t0 = time.perf_counter()
    job.wait()
    print(f"the job finished {time.perf_counter() - t0:.1f} s later")


if __name__ == "__main__":
    main()
