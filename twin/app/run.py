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

Server settings (`server_defaults`), each added unless the command line (or the
matching STREAMLIT_* variable) sets it:

- ``--server.address 127.0.0.1``: only this machine can connect. ``TWIN_ADDRESS``
  changes it (``TWIN_ADDRESS=0.0.0.0`` serves every interface, e.g. a shared server).
- ``--server.maxUploadSize 20``: the server itself refuses uploads over `MAX_UPLOAD_MB`
  (the editor checks the size again before parsing).
- ``--client.showErrorDetails none``: an uncaught error shows a generic message in the
  browser, with no traceback or server paths; the details go to the server's log.
- ``--runner.postScriptGC false``: Streamlit's full garbage collection after every run
  of the script (every click, every keystroke in a live-checked field) walks every
  object the server holds: 0.14 s for one 1 GW campus's layout, twin and results,
  holding the GIL while the run's last messages wait to be sent. py-spy on the campus
  editor put as much time there as in the scripts themselves. Python's own
  generational collector still frees cycles; the warm-up also moves the default
  layout's objects out of its scans (``gc.freeze``).

The warm-up thread also removes the temporary files that killed saves left in the
layouts folder (`twin.layout.write.remove_stale_temps`; every save does it too).
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WAIT_FOR_RUNTIME_S = 120.0
DEFERRED_IMPORTS_AFTER_S = 10.0
MAX_UPLOAD_MB = 20
"""The largest layout upload, in MB as Streamlit counts them (MiB); a 1 GW campus is ~3 MB."""
DEFAULT_ADDRESS = "127.0.0.1"


def server_defaults(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The streamlit options this app runs with unless `argv` or the environment sets them."""
    env = os.environ if env is None else env
    wanted = {
        "server.address": env.get("TWIN_ADDRESS", "").strip() or DEFAULT_ADDRESS,
        "server.maxUploadSize": str(MAX_UPLOAD_MB),
        "client.showErrorDetails": "none",
        "runner.postScriptGC": "false",
    }
    given = {a[2:].split("=", 1)[0] for a in argv if a.startswith("--")}
    out = []
    for option, value in wanted.items():
        # how Streamlit names an option's variable: server.maxUploadSize is
        # STREAMLIT_SERVER_MAX_UPLOAD_SIZE
        variable = "STREAMLIT_" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", option.replace(".", "_"))
        variable = variable.upper()
        if option not in given and variable not in env:
            out += [f"--{option}", value]
    return out


def _remove_stale_temps() -> None:
    """Temporary files of saves killed mid-write, in the folder the editor saves to."""
    try:
        from twin.app.warm import LAYOUTS
        from twin.layout.write import remove_stale_temps

        for path in remove_stale_temps(LAYOUTS):
            print(f"twin: removed {path.name}, left by an interrupted save", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - tidying up must never stop the server
        print(f"twin: could not tidy the layouts folder: {exc}", file=sys.stderr)


def _warm() -> None:
    try:
        t0 = time.perf_counter()
        from twin.app import state, warm  # the imports are half the work: do them now too

        times = {"imports": time.perf_counter() - t0}
        _remove_stale_temps()
        times.update(warm.warm_up())  # st.cache_resource only: no runtime needed
        from streamlit.runtime import Runtime

        while not Runtime.exists():  # st.cache_data stores into the runtime's storage
            if time.perf_counter() - t0 > WAIT_FOR_RUNTIME_S:
                return
            time.sleep(0.05)
        t1 = time.perf_counter()
        warm.warm_up_key()  # and the Site page's first 3D scene
        times["scene"] = time.perf_counter() - t1
        # the default layout's objects live as long as the server: out of every later
        # collection's walk (they are never garbage)
        gc.collect()
        gc.freeze()
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

    argv = sys.argv[1:] if argv is None else argv
    start_warm_up()
    args = ["run", str(ROOT / "streamlit_app.py"), *server_defaults(argv), *argv]
    return cli.main(args, prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
