"""The KPI statements of metrics/ compiled to Spark SQL and run over a lake on Spark Connect."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
from sqlalchemy import func, literal, select

from lake import LakeError
from lake.manifest import NAME, TABLES, Manifest, parse
from metrics.cohort import build_cohort
from metrics.known import case_source
from metrics.period import parse_as_of
from metrics.query import TIMESTAMP_COLUMNS, finish_table, level_keys, unit_select
from metrics.rules import parse_rules
from metrics.selection import Selection
from metrics.sparksql import spark_sql

#: Seconds to wait for the server's port before saying it cannot be reached.
CONNECT_TIMEOUT = 10.0
#: Seconds for the server's first answer (no job runs for it).
HANDSHAKE_TIMEOUT = 15.0


@dataclass
class SparkLake:
    """A lake (``gridpulse export``) opened on a Spark Connect server: its tables are the
    session's views ``cases``, ``ratings``, ``grids`` and ``appeals``, so the statements
    metrics/ builds for the store name them unchanged. Stands in for the store's engine
    where metrics takes one (metrics.query.kpi_table hands the work to :meth:`kpi_table`)."""

    session: object
    root: str
    manifest: Manifest

    @property
    def data_loaded_at(self) -> str:
        return self.manifest.data_loaded_at

    def rules_for(self, level: str):
        """The rule set active for ``level`` in the store the lake came from (None: built-in)."""
        from metrics.registry import SPLIT_LEVELS

        text = self.manifest.rules.get("city" if level in SPLIT_LEVELS else level)
        return None if text is None else parse_rules(text, f"the lake's {level} rule set")

    def run(self, stmt) -> pd.DataFrame:
        """The statement compiled to Spark SQL, run on the server, as a DataFrame."""
        try:
            return self.session.sql(spark_sql(stmt)).toPandas()
        except Exception as exc:
            raise LakeError(f"Spark could not run the query ({first_line(exc)}).") from None

    def latest_timestamp(self) -> datetime | None:
        """The latest case timestamp of the lake over every event column (None when empty)."""
        src = case_source(None)
        row = self.run(select(*[func.max(src.c[n]).label(n) for n in TIMESTAMP_COLUMNS]))
        found = [pd.Timestamp(t).to_pydatetime() for t in row.iloc[0] if pd.notna(t)]
        return max(found) if found else None

    def check_scope(self, sel: Selection) -> None:
        """LakeError when the scope names an area no case and no grid of the lake has."""
        from caselog.columns import PARTY
        from caselog.party import involves
        from caselog.schema import cases, grids

        if not sel.scope:
            return
        areas = [(k, v) for k, v in sel.scope if k != PARTY]
        party = [involves(cases.c, v) for k, v in sel.scope if k == PARTY]
        hits = [select(literal(1).label("hit")).where(*[cases.c[k] == v for k, v in areas], *party)]
        if not party:
            hits.append(select(literal(1).label("hit")).where(*[grids.c[k] == v for k, v in areas]))
        found = self.run(select(func.count().label("n")).select_from(_union(hits)))
        if not int(found["n"].iloc[0]):
            raise LakeError(f"The scope {sel.scope_path!r} is not an area of this lake.")

    def kpi_table(self, sel: Selection, *, kpis=None) -> pd.DataFrame:
        """metrics.query.kpi_table computed by Spark over the lake: the same statement,
        compiled to Spark SQL; the same frame."""
        if sel.as_known_at is not None:
            raise LakeError(
                "A lake holds the data of one moment: export it with --as-known-at instead."
            )
        by, p, r, scope = sel.level, sel.period, sel.rules, sel.scope_map
        keys = level_keys(by)
        moment = parse_as_of(sel.as_of, self.manifest.timezone) or self.latest_timestamp()
        if moment is None:
            moment = p.bounds()[1] if p else datetime(1970, 1, 1)
        coh = build_cohort(
            "spark", r, moment, period=p, scope=scope, appeals=self.manifest.rows["appeals"] > 0
        )
        stmt = unit_select(coh, "spark", by, keys, scope=scope, kpis=kpis, period=p)
        return finish_table(self.run(stmt), keys, coh, moment, sel)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a server gone already: nothing to release
            self.session.stop()


def _union(selects):
    from sqlalchemy import union_all

    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("hits")


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, without the JVM's stack trace."""
    text = str(getattr(exc, "message", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def open_lake(url: str, lake: str | Path) -> SparkLake:
    """The lake at ``lake`` (a folder, or a URI the cluster reads: hdfs://, s3a://…) on the
    Spark Connect server at ``url`` (sc://HOST:PORT). LakeError, one sentence, when the
    server cannot be reached, the client is not installed, or the lake is missing or was
    exported by another version."""
    from caselog.migrations import head

    host, port = _address(url)
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise LakeError(
            f"The Spark server at {url} cannot be reached ({exc.strerror or exc}); start one "
            "with scripts/spark.sh start."
        ) from None
    try:
        from pyspark.sql.connect.session import SparkSession
    except ImportError:
        raise LakeError(
            "Spark support is not installed: pip install -r requirements-spark.txt."
        ) from None
    root = _root(lake)
    try:
        session = SparkSession.builder.remote(url).create()  # its own views: one per lake
    except Exception as exc:
        raise LakeError(_refused(url, exc)) from None
    _handshake(session, url)
    try:
        text = session.read.text(f"{root}/{NAME}", wholetext=True).collect()[0][0]
    except Exception as exc:
        if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
            raise LakeError(
                f"There is no GridPulse lake at {lake} (no {NAME}): write one with "
                "gridpulse export --out DIR."
            ) from None
        raise LakeError(f"The lake at {lake} cannot be read ({first_line(exc)}).") from None
    manifest = parse(text, str(lake), head())
    for name in TABLES:
        try:
            session.read.parquet(f"{root}/{name}").createOrReplaceTempView(name)
        except Exception as exc:
            raise LakeError(f"The lake's {name} cannot be read ({first_line(exc)}).") from None
    return SparkLake(session, root, manifest)


def _refused(url: str, exc: BaseException) -> str:
    return f"The Spark server at {url} refused the session ({first_line(exc)})."


def _handshake(session, url: str) -> None:
    """The session's first call (its time zone: UTC, so naive times stay as stored), given
    HANDSHAKE_TIMEOUT seconds: a port that is not a Spark Connect server would otherwise keep
    the client retrying for minutes."""
    failed: list[BaseException] = []

    def ask() -> None:
        try:
            session.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            failed.append(exc)

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(HANDSHAKE_TIMEOUT)
    if asking.is_alive():
        with contextlib.suppress(Exception):  # cancel the call in flight: the process can exit
            session.client._channel.close()
        raise LakeError(
            f"The server at {url} did not answer as a Spark Connect server within "
            f"{HANDSHAKE_TIMEOUT:.0f} s."
        )
    if failed:
        raise LakeError(_refused(url, failed[0]))


def _address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme != "sc" or not parsed.hostname:
        raise LakeError(f"--engine takes a Spark Connect address sc://HOST:PORT, not {url!r}.")
    try:
        return parsed.hostname, parsed.port or 15002
    except ValueError:
        raise LakeError(f"The port of {url!r} is not a number.") from None


def _root(lake: str | Path) -> str:
    """The lake as the cluster names it: a local folder as an absolute path."""
    text = str(lake)
    return text if "://" in text else str(Path(text).resolve())
