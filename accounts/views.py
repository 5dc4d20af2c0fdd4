"""Saved views: an account's named page-and-filter sets (a URL's query string), one its default."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)

from accounts.audit import record
from accounts.tables import metadata, now

if TYPE_CHECKING:
    import pandas as pd

#: Made with the other accounts tables (accounts.tables.open_accounts: create_all), so it
#: lives beside the accounts and the audit log, writable while a load holds the case store.
saved_views = Table(
    "gp_saved_views",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("page", String(100), nullable=False),  # the page's url path (assessment)
    Column("params", Text, nullable=False),  # JSON {name: [values]}: the query string
    Column("is_default", Boolean, nullable=False, default=False),
    Column("saved_at", DateTime, nullable=False),
    UniqueConstraint("username", "name"),
)

MAX_NAME = 100
MAX_VIEWS = 50
Params = dict[str, list[str]]


class ViewError(ValueError):
    """A refused view action (empty name, too many views, unknown view): one plain sentence.
    ``key`` names it for the app's zh/en labels (``view_<key>``)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def _clean(name: str) -> str:
    text = " ".join((name or "").replace("\x00", "").split())
    if not text:
        raise ViewError("no_name", "A saved view needs a name.")
    return text[:MAX_NAME]


def save_view(engine: Engine, username: str, name: str, page: str, params: Params) -> str:
    """Keep the view ``name`` of ``username`` (the same name again replaces it); its name."""
    name = _clean(name)
    body = json.dumps({k: list(v) for k, v in params.items()}, ensure_ascii=False)
    v = saved_views.c
    with engine.begin() as conn:
        found = conn.execute(
            select(v.id).where(v.username == username, v.name == name)
        ).scalar_one_or_none()
        if found is not None:
            conn.execute(
                update(saved_views)
                .where(v.id == found)
                .values(page=page, params=body, saved_at=now())
            )
        else:
            count = len(conn.execute(select(v.id).where(v.username == username)).all())
            if count >= MAX_VIEWS:
                raise ViewError("too_many", f"An account keeps at most {MAX_VIEWS} saved views.")
            conn.execute(
                insert(saved_views).values(
                    username=username, name=name, page=page, params=body, saved_at=now()
                )
            )
    record(engine, username, "view", detail={"op": "save", "name": name, "page": page})
    return name


def list_views(engine: Engine, username: str) -> pd.DataFrame:
    """The account's views by name: name, page, params (dict), is_default, saved_at."""
    import pandas as pd

    v = saved_views.c
    query = select(v.name, v.page, v.params, v.is_default, v.saved_at).where(v.username == username)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(v.name)).all()
    frame = pd.DataFrame(rows, columns=["name", "page", "params", "is_default", "saved_at"])
    frame["params"] = frame["params"].map(json.loads)
    frame["is_default"] = frame["is_default"].astype(bool)
    return frame


def get_view(engine: Engine, username: str, name: str) -> tuple[str, Params]:
    """The view's page and query parameters; ViewError when the account has no such view."""
    v = saved_views.c
    with engine.connect() as conn:
        row = conn.execute(
            select(v.page, v.params).where(v.username == username, v.name == name)
        ).first()
    if row is None:
        raise ViewError("unknown", f"There is no saved view {name!r}.")
    return row.page, json.loads(row.params)


def default_view(engine: Engine, username: str) -> tuple[str, Params] | None:
    """The account's default view (page, params), None when it has none."""
    v = saved_views.c
    with engine.connect() as conn:
        row = conn.execute(
            select(v.page, v.params).where(v.username == username, v.is_default.is_(True))
        ).first()
    return None if row is None else (row.page, json.loads(row.params))


def set_default(engine: Engine, username: str, name: str | None) -> None:
    """Make ``name`` the account's default view (None: no default any more)."""
    v = saved_views.c
    with engine.begin() as conn:
        if name is not None:
            found = conn.execute(
                select(v.id).where(v.username == username, v.name == name)
            ).scalar_one_or_none()
            if found is None:
                raise ViewError("unknown", f"There is no saved view {name!r}.")
        conn.execute(update(saved_views).where(v.username == username).values(is_default=False))
        if name is not None:
            conn.execute(update(saved_views).where(v.id == found).values(is_default=True))
    record(engine, username, "view", detail={"op": "default", "name": name or ""})


def delete_view(engine: Engine, username: str, name: str) -> None:
    """Delete the account's view ``name``; ViewError when it has none of that name."""
    v = saved_views.c
    with engine.begin() as conn:
        gone = conn.execute(
            delete(saved_views).where(v.username == username, v.name == name)
        ).rowcount
    if not gone:
        raise ViewError("unknown", f"There is no saved view {name!r}.")
    record(engine, username, "view", detail={"op": "delete", "name": name})
