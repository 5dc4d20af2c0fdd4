"""The lake's manifest: format version, store revision, row counts and what the KPIs need."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from lake import LakeError

NAME = "gridpulse-lake.json"
#: The layout this version writes and reads; a change of it, or of the store's revision,
#: makes a lake written by another version be refused rather than misread.
FORMAT = 2  # 2: the units' saved forecast settings (tuned)
TABLES = ("cases", "ratings", "grids", "appeals")


@dataclass(frozen=True)
class Manifest:
    """What ``gridpulse export`` wrote: the layout, the store's schema revision, the rows of
    each table, and the settings an assessment over the lake needs from the store (time
    zone, the rule set active per level, when the newest case file was loaded, the units'
    saved forecast settings)."""

    revision: str
    rows: dict[str, int]
    timezone: str | None
    exported_at: str
    as_known_at: str | None = None
    data_loaded_at: str = ""
    rules: dict[str, str] = field(default_factory=dict)  # level -> active rule set TOML
    #: level -> {unit: saved forecast setting} (forecasting.tuning), for ``forecast --engine``
    tuned: dict[str, dict] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps({"gridpulse_lake": asdict(self)}, ensure_ascii=False, indent=1)


def parse(text: str, where: str, revision: str) -> Manifest:
    """The manifest in ``text`` (found at ``where``); LakeError when it is not one, or was
    written by a version of GridPulse with another format or store ``revision``."""
    try:
        data = json.loads(text)["gridpulse_lake"]
        fmt, rev = data.get("format"), data.get("revision")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LakeError(f"{where} is not a GridPulse lake manifest.") from None
    if fmt != FORMAT or rev != revision:  # before reading its fields: other versions have others
        raise LakeError(
            f"The lake at {where} was exported by another version of GridPulse (format "
            f"{fmt}, store revision {rev}; this version reads format "
            f"{FORMAT}, revision {revision}): export it again with this version."
        )
    try:
        return Manifest(**data)
    except TypeError:
        raise LakeError(f"{where} is not a GridPulse lake manifest.") from None
