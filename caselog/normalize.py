"""Parsing and validating canonical text columns in DuckDB: typed rows or a rejection reason.

Every value from a file reaches SQL as data (a registered Arrow table or a bound parameter);
the SQL text itself is built only from this module's own column names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from caselog.columns import (
    AREA_LEVELS,
    CASE_COLUMNS,
    DAY_PRECISION_COLUMNS,
    EVENT_COLUMNS,
    TIMESTAMP_COLUMNS,
    VOCABULARIES,
    day_bit,
)
from caselog.reader import ROW

NAIVE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S.%f",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
]
OFFSET_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
]
_OFFSET = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"

CASE_OUTPUT = (*CASE_COLUMNS, "quality_flags", "day_precision")
RATING_OUTPUT = ("case_id", "department", "score", "rated_at", "quality_flags")
GRID_OUTPUT = ("grid_id", "community", "street", "district", "households", "geometry")

_ORDER = ("reported_at", "accepted_at", "dispatched_at", "responded_at", "resolved_at", "closed_at")
# Pairs of the handling columns that cannot come in this order: (later, earlier) is flagged
# when later < earlier. An extension that moves the deadline earlier is suspicious.
_HANDLING_ORDER = (
    ("extended_deadline", "deadline"),
    ("suspended_at", "reported_at"),
    ("resumed_at", "suspended_at"),
)


def with_codes(table: pa.Table) -> pa.Table:
    """Append ``<column>_code`` for each coded column present (source, urgency, status …).

    Coded columns hold a handful of distinct spellings, so each distinct value is looked up
    once in Python and the codes are spread back with the dictionary indices — far cheaper
    than a CASE over every row.
    """
    for column, table_of_codes in VOCABULARIES.items():
        if column not in table.column_names:
            continue
        lookup = {
            spelling.lower(): code
            for code, spellings in table_of_codes.items()
            for spelling in spellings
        }
        encoded = pc.dictionary_encode(table.column(column)).combine_chunks()
        codes = pa.array(
            [lookup.get(str(v).strip().lower()) for v in encoded.dictionary.to_pylist()],
            pa.string(),
        )
        table = table.append_column(f"{column}_code", pc.take(codes, encoded.indices))
    return table


class Clock:
    """How timestamps of one file become local times of the store's time zone."""

    def __init__(
        self,
        store_tz: str,
        source_tz: str,
        fmt: str | None,
        day_columns: frozenset[str] = frozenset(),
    ):
        self.store_tz = store_tz
        self.source_tz = source_tz
        self.formats = ([fmt] if fmt else []) + NAIVE_FORMATS
        # A format of the mapping that reads a time of day without a colon ("%Y%m%d%H%M").
        self.clockless_time = bool(fmt) and any(d in fmt for d in ("%H", "%I", "%M", "%S"))
        self.day_columns = day_columns  # the mapping's precision = "day" columns
        # Nothing happens after it is loaded (a day's grace for clocks and zones): a case
        # reported later is rejected, a later event time or rated_at is read as unknown, so
        # one mistyped year can never move every KPI's default as_of into the future.
        now = datetime.now(ZoneInfo(store_tz)).replace(tzinfo=None)
        self.latest = now.replace(microsecond=0) + timedelta(days=1)

    def params(self) -> dict:
        """The bound values of this clock's SQL."""
        params = {"store_tz": self.store_tz, "fmts": self.formats, "latest": self.latest}
        if self.store_tz != self.source_tz:
            params["source_tz"] = self.source_tz
        return params

    def day_only(self, text: str, column: str) -> str:
        """SQL: is the text value of ``column`` known to the day only (no time of day)?

        A value without a colon has no time of day (every accepted format writes one with
        colons), unless the mapping's own format reads one without: then only values of
        at most ten characters are dates. The mapping's ``precision = "day"`` forces it."""
        if column in self.day_columns:
            return "TRUE"
        if self.clockless_time:
            return f"(strpos({text}, ':') = 0 AND length({text}) <= 10)"
        return f"(strpos({text}, ':') = 0)"

    def day_value(self, text: str, parsed: str) -> str:
        """SQL: the midnight of a day-precision value's date as written (its time of day,
        if the mapping forced day precision over one, and its zone are not used)."""
        return f"CAST(CAST(coalesce(try_strptime({text}, $fmts), {parsed}) AS DATE) AS TIMESTAMP)"

    def expr(self, text: str) -> str:
        """SQL turning the text column ``text`` into a local TIMESTAMP (NULL when unparseable)."""
        naive = f"try_strptime({text}, $fmts)"
        if self.store_tz != self.source_tz:
            naive = f"timezone($store_tz, timezone($source_tz, {naive}))"
        offset_formats = ", ".join(f"'{f}'" for f in OFFSET_FORMATS)
        aware = (
            f"timezone($store_tz, try_strptime(regexp_replace({text}, '\\s*Z$', '+00:00'), "
            f"[{offset_formats}]))"
        )
        # A four-digit year is required: lenient formats would read "1/2/3" as the year 3.
        full = (
            f"CASE WHEN regexp_matches({text}, '{_OFFSET}') THEN {aware} "
            f"WHEN regexp_matches({text}, '\\d{{4}}') THEN {naive} END"
        )
        if self.store_tz != self.source_tz:
            return full
        # Fast path for the canonical format, which nearly every row of a Chinese export uses:
        # DuckDB's own cast is ~5x faster than strptime. It ignores an offset, so only values
        # of exactly 'YYYY-MM-DD HH:MM:SS' length (no room for one) take it; COALESCE
        # evaluates the full expression only for the rows the cast does not parse.
        fast = f"CASE WHEN length({text}) = 19 THEN try_cast({text} AS TIMESTAMP) END"
        return f"coalesce({fast}, {full})"


#: The name of each timestamp column's trimmed text in the cases' SQL.
_TEXT = {c: f"{c}_text" for c in TIMESTAMP_COLUMNS} | {"reported_at": "reported_text"}


def _text(column: str, present: set[str]) -> str:
    return f"nullif(trim({column}), '')" if column in present else "CAST(NULL AS VARCHAR)"


def case_sql(present: set[str], clock: Clock) -> str:
    """SELECT over ``_src`` giving typed case columns, ``_reason`` and ``_row``."""
    t = {c: _text(c, present) for c in (*AREA_LEVELS, "case_id", "category", "subcategory")}
    t |= {c: _text(c, present) for c in ("department", "assist_departments", "source")}
    t |= {c: _text(c, present) for c in ("urgency", "status", "solved", "satisfaction")}
    t |= {c: _text(c, present) for c in ("request_type", "self_handled")}
    t |= {c: _text(c, present) for c in ("reopened", "reassigned", "lat", "lon")}
    t |= {c: _text(c, present) for c in ("reported_at", *TIMESTAMP_COLUMNS)}
    grid = t["grid_id"]
    if "grid_id" not in present:
        # Contract §2: where no grid is mapped, the finest mapped area level stands in for it.
        finer = [t[c] for c in ("community", "street", "district") if c in present]
        grid = f"coalesce({', '.join(finer)})" if finer else grid
    stamps = ", ".join(
        f"{clock.expr(t[c])} AS {c}_parsed, {clock.day_only(t[c], c)} AS {c}_dayish"
        for c in DAY_PRECISION_COLUMNS
    )
    typed = ", ".join(
        f"CASE WHEN {c}_parsed IS NULL THEN NULL "
        f"WHEN {c}_dayish THEN {clock.day_value(_TEXT[c], f'{c}_parsed')} "
        f"ELSE {c}_parsed END AS {c}_value"
        for c in DAY_PRECISION_COLUMNS
    )
    final = ", ".join(
        f"CASE WHEN {c}_value > $latest THEN NULL ELSE {c}_value END AS {c}"
        if c in EVENT_COLUMNS
        else f"{c}_value AS {c}"
        for c in DAY_PRECISION_COLUMNS
    )
    days = ", ".join(f"({c}_dayish AND {c} IS NOT NULL) AS {c}_day" for c in DAY_PRECISION_COLUMNS)
    bits = " + ".join(
        f"CASE WHEN {c}_day THEN {day_bit(c)} ELSE 0 END" for c in DAY_PRECISION_COLUMNS
    )
    vocab = {c: f"{c}_code" if c in present else "CAST(NULL AS VARCHAR)" for c in VOCABULARIES}
    return f"""
WITH s AS (
  SELECT {ROW}, {t["case_id"]} AS case_id, {t["category"]} AS category,
         {t["subcategory"]} AS subcategory, {t["district"]} AS district, {t["street"]} AS street,
         {t["community"]} AS community, {grid} AS grid_id, {t["department"]} AS department,
         {t["assist_departments"]} AS assist_departments,
         {t["reported_at"]} AS reported_text,
         {", ".join(f"{t[c]} AS {c}_text" for c in TIMESTAMP_COLUMNS)},
         {", ".join(f"{t[c]} AS {c}_text" for c in ("source", "urgency", "status", "solved"))},
         {t["satisfaction"]} AS satisfaction_text,
         {t["request_type"]} AS request_type_text, {t["self_handled"]} AS self_handled_text,
         {", ".join(f"{t[c]} AS {c}_text" for c in ("reopened", "reassigned", "lat", "lon"))},
         {", ".join(f"{vocab[c]} AS {c}_code" for c in vocab)},
         {stamps}
  FROM _src
), v AS (
  SELECT *,
    try_cast(reopened_text AS DOUBLE) AS reopened_num,
    try_cast(reassigned_text AS DOUBLE) AS reassigned_num,
    try_cast(lat_text AS DOUBLE) AS lat_num,
    try_cast(lon_text AS DOUBLE) AS lon_num,
    {typed}
  FROM s
), w AS (
  SELECT *, {final} FROM v
), d AS (
  SELECT *, {days} FROM w
)
SELECT {ROW}, case_id, reported_at, category, subcategory, district, street, community, grid_id,
  CASE WHEN source_text IS NULL THEN NULL ELSE coalesce(source_code, 'other') END AS source,
  coalesce(urgency_code, 'general') AS urgency,
  department,
  nullif(array_to_string(list_filter(list_transform(string_split(assist_departments, ';'),
         lambda x: trim(x)), lambda x: x <> ''), ';'), '') AS assist_departments,
  {", ".join(TIMESTAMP_COLUMNS)},
  coalesce(status_code, CASE WHEN closed_at IS NOT NULL THEN 'closed'
    WHEN resolved_at IS NOT NULL THEN 'resolved'
    WHEN dispatched_at IS NOT NULL THEN 'dispatched' ELSE 'open' END) AS status,
  CASE solved_code WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END AS solved,
  satisfaction_code AS satisfaction,
  CASE WHEN reopened_num BETWEEN 0 AND 2147483647 AND reopened_num = floor(reopened_num)
       THEN CAST(reopened_num AS INTEGER) END AS reopened,
  CASE WHEN reassigned_num BETWEEN 0 AND 2147483647 AND reassigned_num = floor(reassigned_num)
       THEN CAST(reassigned_num AS INTEGER) END AS reassigned,
  CASE WHEN lat_num BETWEEN -90 AND 90 THEN lat_num END AS lat,
  CASE WHEN lon_num BETWEEN -180 AND 180 THEN lon_num END AS lon,
  coalesce(request_type_code, 'request') AS request_type,
  CASE self_handled_code WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE
    CASE WHEN dispatched_at IS NOT NULL OR department IS NOT NULL THEN FALSE
         WHEN closed_at IS NOT NULL OR status_code = 'closed' THEN TRUE END
  END AS self_handled,
  nullif(concat_ws(';', {_case_flags()}), '') AS quality_flags,
  CAST({bits} AS INTEGER) AS day_precision,
  CASE
    WHEN case_id IS NULL THEN 'missing case_id'
    WHEN reported_text IS NULL THEN 'missing reported_at'
    WHEN reported_at IS NULL THEN 'unparseable reported_at'
    WHEN reported_at > $latest THEN 'reported_at in the future'
    WHEN category IS NULL THEN 'missing category'
    WHEN grid_id IS NULL AND district IS NULL THEN 'missing location'
  END AS _reason
FROM d"""


def _case_flags() -> str:
    flags = [
        f"CASE WHEN {c}_text IS NOT NULL AND {c}_parsed IS NULL THEN 'bad_value:{c}' END"
        for c in TIMESTAMP_COLUMNS
    ]
    flags += [f"CASE WHEN {c}_value > $latest THEN 'future_value:{c}' END" for c in EVENT_COLUMNS]
    flags += [
        f"CASE WHEN {c}_text IS NOT NULL AND {c}_code IS NULL THEN 'unknown_value:{c}' END"
        for c in VOCABULARIES
    ]
    flags += [
        f"CASE WHEN {c}_text IS NOT NULL AND NOT coalesce({c}_num BETWEEN 0 AND 2147483647 "
        f"AND {c}_num = floor({c}_num), FALSE) THEN 'bad_value:{c}' END"
        for c in ("reopened", "reassigned")
    ]
    flags += [
        f"CASE WHEN {c}_text IS NOT NULL AND NOT coalesce({c}_num BETWEEN {-lim} AND {lim}, FALSE)"
        f" THEN 'bad_value:{c}' END"
        for c, lim in (("lat", 90), ("lon", 180))
    ]
    for i, later in enumerate(_ORDER[1:], start=1):
        for earlier in _ORDER[:i]:
            flags.append(_before(later, earlier))
    for later, earlier in _HANDLING_ORDER:
        flags.append(_before(later, earlier))
    flags.append(
        "CASE WHEN resumed_at IS NOT NULL AND suspended_at IS NULL "
        "THEN 'resumed_at_without_suspended_at' END"
    )
    return ", ".join(flags)


def _before(later: str, earlier: str) -> str:
    """The flag of ``later`` before ``earlier``; a day-precision value is compared by date,
    so it never contradicts its own day."""
    before = (
        f"CASE WHEN {later}_day OR {earlier}_day THEN CAST({later} AS DATE) < "
        f"CAST({earlier} AS DATE) ELSE {later} < {earlier} END"
    )
    return f"CASE WHEN {before} THEN '{later}_before_{earlier}' END"


def rating_sql(present: set[str], clock: Clock) -> str:
    """SELECT over ``_src`` giving typed rating columns, ``_reason`` and ``_row``."""
    t = {c: _text(c, present) for c in ("case_id", "department", "score", "rated_at")}
    return f"""
WITH s AS (
  SELECT {ROW}, {t["case_id"]} AS case_id, {t["department"]} AS department,
         {t["score"]} AS score_text, try_cast({t["score"]} AS DOUBLE) AS score,
         {clock.expr(t["rated_at"])} AS rated_parsed
  FROM _src
)
SELECT {ROW}, case_id, department, score,
  CASE WHEN rated_parsed > $latest THEN NULL ELSE rated_parsed END AS rated_at,
  CASE WHEN rated_parsed > $latest THEN 'future_value:rated_at' END AS quality_flags,
  CASE
    WHEN case_id IS NULL THEN 'missing case_id'
    WHEN department IS NULL THEN 'missing department'
    WHEN score_text IS NULL THEN 'missing score'
    WHEN score IS NULL OR NOT (score BETWEEN 0 AND 100) THEN 'invalid score'
  END AS _reason
FROM s"""


def grid_sql(present: set[str]) -> str:
    """SELECT over ``_src`` giving typed grid columns, ``_reason`` and ``_row``."""
    t = {c: _text(c, present) for c in GRID_OUTPUT}
    return f"""
WITH s AS (
  SELECT {ROW}, {t["grid_id"]} AS grid_id, {t["community"]} AS community,
         {t["street"]} AS street, {t["district"]} AS district,
         {t["households"]} AS households_text,
         try_cast(try_cast({t["households"]} AS DOUBLE) AS INTEGER) AS households,
         {t["geometry"]} AS geometry
  FROM _src
)
SELECT {ROW}, grid_id, community, street, district,
  CAST(households AS INTEGER) AS households, geometry,
  CASE
    WHEN grid_id IS NULL THEN 'missing grid_id'
    WHEN households_text IS NOT NULL AND (households IS NULL OR households < 0)
      THEN 'invalid households'
  END AS _reason
FROM s"""


def row_hash_sql(columns: tuple[str, ...]) -> str:
    """SQL for a hash of the stored values, to tell an unchanged row from an updated one.

    DuckDB's 64-bit ``hash`` of the typed values (NULL-aware) costs a third of an md5 over
    their text. It is only ever compared with hashes made by the same code, per case: a
    DuckDB upgrade that changed it would report rows "updated" once and rewrite them as they
    were; no value could be lost.
    """
    return f"CAST(hash({', '.join(columns)}) AS VARCHAR)"
