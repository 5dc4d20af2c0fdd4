"""The audit log: sign-ins (good and failed), sign-outs, exports, publications, appeals and
orders: who and when."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, select

from accounts.tables import audit_log, now

if TYPE_CHECKING:  # pandas is imported by recent, not by record (the command line's path)
    import pandas as pd

#: What the log records.
ACTIONS: tuple[str, ...] = (
    "sign_in",
    "sign_out",
    "export",
    "account",
    "publish",
    "appeal",
    "order",
    "rule_set",  # a rule set saved as a version, or made active for a level
    "forecast_setting",  # a unit's tuned forecast setting saved or deleted
    "view",  # a saved view kept, deleted or made the default
)


def record(
    engine: Engine, username: str, action: str, *, ok: bool = True, detail: str | dict = ""
) -> None:
    """Append one entry; ``detail`` is text or a dict stored as JSON (what was exported)."""
    if action not in ACTIONS:
        raise ValueError(f"The audit action {action!r} is not one of {', '.join(ACTIONS)}.")
    text = (
        json.dumps(detail, ensure_ascii=False, default=str) if isinstance(detail, dict) else detail
    )
    name, text = username.replace("\x00", "")[:200], text.replace("\x00", "")[:4000]
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(at=now(), username=name, action=action, ok=ok, detail=text)
        )


def recent(engine: Engine, limit: int = 200, username: str | None = None) -> pd.DataFrame:
    """The newest entries first: at, username, action, ok, detail."""
    import pandas as pd

    log = audit_log.c
    query = select(log.at, log.username, log.action, log.ok, log.detail)
    if username:
        query = query.where(log.username == username)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(log.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=["at", "username", "action", "ok", "detail"])
