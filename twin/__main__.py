"""`python -m twin ...`: the `twin` command line (twin.cli), for a venv whose bin folder is
not on PATH."""

import sys

from twin.cli import main

sys.exit(main())
