"""Output-file checks shared by metrics and forecasting; imports nothing of GridPulse, so any layer may use it.

Output files of the command line and the app (assessment tables, forecasts) are checked
before any work is done, with one plain sentence for what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path


def checked_out_path(
    out_path: str | Path, suffixes: tuple[str, ...], error: type[Exception]
) -> Path:
    """``out_path`` if it ends in one of ``suffixes``, its folder exists (it is not created)
    and the file can be written there; else ``error`` with one sentence."""
    path = Path(out_path)
    if path.suffix.lower() not in suffixes:
        raise error(f"The output file {str(path)!r} must end in {' or '.join(suffixes)}.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise error(f"The folder {str(parent)!r} for the output file does not exist.")
    if (
        path.is_dir()
        or not os.access(parent, os.W_OK)
        or (path.exists() and not os.access(path, os.W_OK))
    ):
        raise error(f"The output file {str(path)!r} cannot be written.")
    return path


def os_reason(exc: BaseException) -> str:
    """The operating system's words for a failed write (its strerror), else the error's name."""
    return getattr(exc, "strerror", None) or type(exc).__name__
