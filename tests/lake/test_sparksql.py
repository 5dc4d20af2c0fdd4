"""metrics.sparksql: the KPI statements written in Spark SQL's own spelling (no server needed)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import column, literal, select, table

from metrics.cohort import build_cohort
from metrics.query import level_keys, unit_select
from metrics.rules import load_rules, parse_rules
from metrics.sparksql import spark_sql

WORKING_DAYS = 'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 3\n'


def _street_sql(rules=None, scope=None) -> str:
    from metrics.period import parse_period

    period = parse_period("2025-03")
    coh = build_cohort("spark", load_rules(rules), datetime(2025, 4, 1), period=period, scope=scope)
    return spark_sql(unit_select(coh, "spark", "street", level_keys("street"), period=period))


def test_every_identifier_is_in_backticks_never_in_double_quotes():
    sql = _street_sql(scope={"party": "城管"})
    assert "`cases`" in sql and "`reported_at`" in sql
    # a double-quoted name would be a string literal in Spark SQL: none may appear
    assert '"' not in sql


def test_epoch_seconds_doubles_and_times_are_spark_literals():
    sql = _street_sql()
    assert "unix_micros(`cases`.`reported_at`)" in sql and "extract" not in sql.lower()
    assert "86400.0D" in sql  # a plain 86400.0 is a DECIMAL in Spark
    assert "TIMESTAMP '2025-03-01 00:00:00'" in sql
    assert "median(" in sql and "percentile_cont" not in sql
    assert re.search(r"[^\w`]86400\.0[^D\d]", sql) is None


def test_working_day_deadlines_join_an_inline_table():
    sql = _street_sql(parse_rules(WORKING_DAYS))
    assert "(VALUES (" in sql and "AS `wd` (`day_no`, `urg`, `due_day`)" in sql


def test_quotes_and_backslashes_in_text_are_escaped():
    t = table("t", column("a"))
    sql = spark_sql(select(t.c.a).where(t.c.a == "x' OR '1'='1\\"))
    assert sql.endswith("WHERE `t`.`a` = 'x\\' OR \\'1\\'=\\'1\\\\'")
    assert spark_sql(select(literal(2**40).label("n"))) == "SELECT 1099511627776L AS `n`"
