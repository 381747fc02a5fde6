"""`python -m twin.app.run [streamlit options]`: the app, warmed up at server start.

The same as ``streamlit run streamlit_app.py [options]``, plus a background thread
that loads, builds and solves the default layout ($TWIN_LAYOUT) into the app's
shared caches (`twin.app.warm.warm_up`), then builds the Site page's first 3D scene
of it (`warm_up_key`), while the server starts. The caches live in `twin.app.warm`,
which the pages import too (through `app_pages.common`): this module never imports
the app's page folder.
Streamlit runs the app script only when a browser connects, so a warm-up started
from the script would start with the first visitor; started here, it overlaps the
server's and the browser's start-up, and the first visitor finds the layout, its
twin and its base results ready. The first page render never waits for the thread
itself, only (through the caches' per-key locks) for a result it would have
computed anyway.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WAIT_FOR_RUNTIME_S = 120.0
DEFERRED_IMPORTS_AFTER_S = 10.0


def _warm() -> None:
    try:
        t0 = time.perf_counter()
        from twin.app import state, warm  # the imports are half the work: do them now too

        times = {"imports": time.perf_counter() - t0}
        times.update(warm.warm_up())  # st.cache_resource only: no runtime needed
        from streamlit.runtime import Runtime

        while not Runtime.exists():  # st.cache_data stores into the runtime's storage
            if time.perf_counter() - t0 > WAIT_FOR_RUNTIME_S:
                return
            time.sleep(0.05)
        t1 = time.perf_counter()
        warm.warm_up_key()  # and the Site page's first 3D scene
        times["scene"] = time.perf_counter() - t1
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in times.items())
        total = time.perf_counter() - t0
        print(f"twin: warmed up {warm.DEFAULT} ({steps}; {total:.1f} s)", file=sys.stderr)
        # the N-1 sweeps and transient model (0.6 s of imports holding the GIL) are not
        # needed for a first view: loaded once the first visitor's page has had its turn
        time.sleep(DEFERRED_IMPORTS_AFTER_S)
        state.load_deferred()
    except Exception as exc:  # noqa: BLE001 - the first visitor's page shows the real error
        print(f"twin: warm-up of the default layout failed: {exc}", file=sys.stderr)


def start_warm_up() -> threading.Thread | None:
    """Start the warm-up thread (a daemon: it never holds the server open).

    ``TWIN_WARM_UP=0`` turns it off (e.g. to measure a cold first visit)."""
    if os.environ.get("TWIN_WARM_UP", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    thread = threading.Thread(target=_warm, name="twin-warm-up", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    from streamlit.web import cli

    start_warm_up()
    args = ["run", str(ROOT / "streamlit_app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main(args, prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
