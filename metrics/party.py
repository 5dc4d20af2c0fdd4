"""A department account's scope in the KPI queries: its cases, and only its own rows.

A scope may name ``party`` (caselog.columns.PARTY): the cohort then holds the cases where
that department is the primary or an assisting one (metrics.cohort, in SQL). Grouped by
department, those cases would also give rows of the other departments on them (the primary
of a case it assisted on, the other assisting ones, their ratings): :func:`own_rows` keeps
the party's own row in the statement. The KPI cube has no party dimension, so a party scope
reads the cases (:func:`cubable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.sql.elements import ColumnElement

from caselog.columns import PARTY


def party_of(scope: Mapping[str, str] | None) -> str | None:
    """The department a scope confines the cases to (primary or assisting), or None."""
    value = (scope or {}).get(PARTY)
    return None if value is None else str(value).replace("\x00", "")


def own_rows(
    column: ColumnElement, keys: Sequence[str], scope: Mapping[str, str] | None
) -> list[ColumnElement]:
    """``[column == party]`` when rows are grouped by department (``keys`` name it) under a
    party scope, else ``[]``: a department account sees its own department's row only."""
    party = party_of(scope)
    return [column == party] if party is not None and "department" in keys else []


def cubable(scope: Mapping[str, str] | None) -> bool:
    """Whether the KPI cube can answer a query within ``scope`` (not with a party scope)."""
    return party_of(scope) is None
