"""Query results kept on disk beside a read-only DuckDB store, valid until its next write."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import Engine

from caselog.store import read_only_file

SLOW = 0.2  # seconds: only results that took longer to compute are kept
ROOM = 256 * 2**20  # bytes of results kept per version of the data


def key_of(engine: Engine, stmt) -> str:
    """The statement's identity: its SQL text and bound values (rule-set thresholds, as-of,
    period and scope are all among them), and the versions of the engines that computed it."""
    compiled = stmt.compile(dialect=engine.dialect)
    params = sorted(compiled.params.items())
    versions = f"duckdb {duckdb.__version__} pandas {pd.__version__}"  # kept for DuckDB only
    text = f"{versions}\n{compiled.string}\n{params!r}"
    return hashlib.sha256(text.encode()).hexdigest()


def root(engine: Engine) -> Path | None:
    """The folder beside a read-only engine's DuckDB file (``<file>.cache``) that holds what
    is kept between queries; None for any other engine."""
    path = read_only_file(engine)
    return None if path is None else Path(f"{path}.cache")


def version_folder(engine: Engine, version: str, *, create: bool = False) -> Path | None:
    """The folder for what is kept at this ``version`` of the data (results here, the KPI
    cube of metrics.cube.store beside them). ``create`` makes it and first removes the folders of
    every other version; None for engines without one, or when it cannot be made."""
    base = root(engine)
    if base is None:
        return None
    folder = base / hashlib.sha256(version.encode()).hexdigest()[:32]
    if create and not folder.exists():
        try:
            for old in folder.parent.glob("*"):
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
    return folder


def load(engine: Engine, version: str, key: str) -> pd.DataFrame | None:
    """The result kept for ``key`` at this ``version`` of the data, or None."""
    folder = version_folder(engine, version)
    if folder is None:
        return None
    try:
        return pd.read_feather(folder / f"{key}.arrow")
    except Exception:  # missing, half-removed or unreadable: computed again
        return None


def keep(engine: Engine, version: str, key: str, frame: pd.DataFrame) -> None:
    """Keep ``frame`` for ``key`` at this ``version``; results of older versions are removed.
    A folder that cannot be written only means nothing is kept."""
    folder = version_folder(engine, version, create=True)
    if folder is None:
        return
    try:
        if sum(f.stat().st_size for f in folder.glob("*.arrow")) >= ROOM:
            return
        spare = folder / f".{key}.{os.getpid()}.{threading.get_ident()}"
        frame.to_feather(spare, compression="lz4")  # Arrow IPC: typed columns, fast both ways
        os.replace(spare, folder / f"{key}.arrow")
    except (OSError, ValueError, TypeError):
        return
