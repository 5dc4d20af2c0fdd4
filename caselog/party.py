"""The cases a department is party to: as primary (主责) or assisting (协办) department."""

from __future__ import annotations

from sqlalchemy import literal, or_
from sqlalchemy.sql.elements import ColumnElement


def involves(c, department: str) -> ColumnElement:
    """True for a case (columns ``c`` of cases or a subquery with ``department`` and
    ``assist_departments``) whose primary department is ``department`` or whose
    ``;``-joined assisting departments name it (stored trimmed, without empty items)."""
    # No stored value holds a NUL (ingest drops it; PostgreSQL refuses it as a parameter).
    name = str(department).replace("\x00", "")
    listed = (literal(";") + c.assist_departments + literal(";")).contains(
        f";{name};", autoescape=True
    )
    return or_(c.department == name, listed)
