"""Entry point of ``python -m gridpulse``."""

import os
import sys

from gridpulse.cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# DuckDB's bindings report harmless reference "leaks" of Arrow scans during interpreter
# teardown; every result is written and flushed by now, so skip the teardown.
os._exit(code)
