"""Entry point of ``python -m gridpulse``."""

import sys

from gridpulse.cli import main

sys.exit(main())
