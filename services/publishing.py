"""The work of a publication and of its downloads, for the command line and the app alike:
the publication itself (records.publications), then its entry in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

import accounts
from metrics.selection import Selection
from records.publications import Publication, get_publication, publish


@dataclass(frozen=True)
class Published:
    """A publication made, and the audit-log failure (one sentence) if any."""

    publication: Publication
    audit_error: str | None = None

    @property
    def id(self) -> int:
        return self.publication.id


def publish_recorded(
    store: Engine,
    log: Engine,
    sel: Selection,
    *,
    title: str,
    by: str,
    asked: datetime | None = None,
) -> Published:
    """Publish ``sel`` as ``by``, who asked at ``asked`` (records.publications.publish; its
    PublicationError passes through with nothing written) and write the act to the audit log ``log``.

    The publication row itself names who published it and when; a log entry that cannot
    be written after it is committed is returned as a sentence rather than undoing it."""
    pub = get_publication(store, publish(store, sel, title=title, by=by, asked=asked))
    return Published(pub, _record(log, by, "publish", describe(pub)))


def describe(pub: Publication) -> dict:
    """A publication's particulars as plain values (the audit log, ``publish --json``)."""
    return {
        "id": pub.id,
        "title": pub.title,
        "level": pub.level,
        "period": pub.period,
        "scope": pub.scope,
        "rule_set": pub.rule_set,
        "rules_hash": pub.rules_hash,
        "as_of": pub.as_of.isoformat(sep=" "),
        "as_known_at": pub.as_known_at.isoformat(sep=" "),
        "published_at": pub.published_at.isoformat(sep=" "),
        "published_by": pub.published_by,
        "previous_id": pub.previous_id,
        "appeals": len(pub.appeals),
    }


def record_download(log: Engine, by: str, pub: Publication, file: str) -> str | None:
    """Write a publication's download to the audit log; the failure as a sentence, else None."""
    detail = {"publication": pub.id, "level": pub.level, "period": pub.period}
    return _record(log, by, "export", {**detail, "scope": pub.scope, "file": file})


def _record(log: Engine, by: str, action: str, detail: dict) -> str | None:
    try:
        accounts.record(log, by, action, detail=detail)
    except Exception as exc:  # the act is done; say that its log entry is missing
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"the audit log could not be written ({first})"
    return None
