"""The golden scenario's factories (tests/metrics) importable from the lake tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "metrics"))
