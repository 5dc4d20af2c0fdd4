"""A SQLAlchemy dialect that writes the KPI statements as Spark SQL text (no driver, no Java)."""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql import compiler
from sqlalchemy.sql.elements import ClauseElement

NAME = "spark"


class _Preparer(compiler.IdentifierPreparer):
    """Backticks around every identifier: in Spark SQL a double-quoted name is a string
    literal (silently wrong, never an error), and unquoted names clash with its keywords."""

    def __init__(self, dialect):
        super().__init__(dialect, initial_quote="`", escape_quote="`")

    def _requires_quotes(self, value: str) -> bool:
        return True


class _Compiler(compiler.SQLCompiler):
    """Literals as Spark reads them: doubles with a D suffix (a plain 86400.0 is a DECIMAL
    there), strings with backslash escapes, times as TIMESTAMP literals."""

    def render_literal_value(self, value, type_):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"{value} has no Spark SQL literal.")
            return f"{value!r}D"
        if isinstance(value, int):
            return f"{value}L" if abs(value) > 2**31 - 1 else str(value)
        if isinstance(value, datetime):
            return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
        if isinstance(value, date):
            return f"DATE '{value.isoformat()}'"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return super().render_literal_value(value, type_)

    def visit_true(self, expr, **kw):
        return "true"

    def visit_false(self, expr, **kw):
        return "false"


class _TypeCompiler(compiler.GenericTypeCompiler):
    """Spark's names of the types the statements cast to."""

    def visit_INTEGER(self, type_, **kw):
        return "INT"

    def visit_DOUBLE(self, type_, **kw):
        return "DOUBLE"

    def visit_VARCHAR(self, type_, **kw):
        return "STRING"

    def visit_TEXT(self, type_, **kw):
        return "STRING"


class SparkDialect(DefaultDialect):
    """Compiles statements to Spark SQL; never connects (the text goes to Spark Connect)."""

    name = NAME
    statement_compiler = _Compiler
    preparer = _Preparer
    type_compiler_cls = _TypeCompiler
    supports_native_boolean = True
    supports_simple_order_by_label = True
    div_is_floordiv = False


_DIALECT = SparkDialect()


def spark_sql(stmt: ClauseElement) -> str:
    """The statement as one Spark SQL text with every value written in (literal binds)."""
    return str(stmt.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
