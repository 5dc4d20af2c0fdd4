"""Where the CJK font the charts and the PDF need is found (Debian's fonts-noto-cjk)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

#: Font families, in order of preference, and the files that hold them.
FAMILY = "Noto Sans CJK SC"
_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf")
_BOLD = ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf")
#: Searched when GRIDPULSE_FONT_DIRS (directories separated by os.pathsep) is not set.
DEFAULT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def font_dirs() -> tuple[Path, ...]:
    """The directories searched for the CJK font: GRIDPULSE_FONT_DIRS when set (an empty
    value searches nowhere), else DEFAULT_DIRS."""
    given = os.environ.get("GRIDPULSE_FONT_DIRS")
    names = given.split(os.pathsep) if given is not None else DEFAULT_DIRS
    return tuple(Path(n).expanduser() for n in names if n)


@cache
def _find(dirs: tuple[Path, ...], names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in dirs:
            if folder.is_dir():
                found = next(iter(sorted(folder.rglob(name))), None)
                if found is not None:
                    return found
    return None


def cjk_font() -> Path | None:
    """The regular CJK font file, or None when none is installed."""
    return _find(font_dirs(), _FILES)


def cjk_bold() -> Path | None:
    """The bold CJK font file (the regular one when there is no bold), or None."""
    return _find(font_dirs(), _BOLD) or cjk_font()
