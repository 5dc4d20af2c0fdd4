"""Mapping files (TOML) and turning a file's own columns into the canonical ones."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc

from caselog.columns import CASE_COLUMNS, DAY_PRECISION_COLUMNS, InputKind, is_personal
from caselog.reader import ROW, RawTable, RefusedFile

CONST = "const:"


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file: canonical column -> source columns or constant, value maps."""

    name: str
    columns: dict[str, tuple[str, ...] | str]  # a str is a constant
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # canonical column -> {another canonical column: the values it must have for this one
    # to be read}; e.g. Open311's updated_datetime is a closing time only on closed requests
    only_when: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    timezone: str | None = None
    timestamp_format: str | None = None
    day_columns: frozenset[str] = frozenset()  # [precision] column = "day"


class MappingError(Exception):
    """A mapping file that cannot be used; the message is one plain sentence."""


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file (contract §2)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"The mapping file {path.name} does not exist.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"The mapping file {path.name} is not valid TOML ({exc}).") from exc
    return parse_mapping(data, path.name)


def parse_mapping(data: dict, label: str = "mapping") -> Mapping:
    """Validate the parsed TOML of a mapping file."""
    columns_in = data.get("columns")
    if not isinstance(columns_in, dict) or not columns_in:
        raise MappingError(f"{label} has no [columns] table.")
    columns: dict[str, tuple[str, ...] | str] = {}
    for canonical, source in columns_in.items():
        if canonical not in CASE_COLUMNS:
            raise MappingError(f"{label} maps an unknown canonical column {canonical!r}.")
        if isinstance(source, str) and source.startswith(CONST):
            columns[canonical] = source.removeprefix(CONST)
        elif isinstance(source, str) and source:
            columns[canonical] = (source,)
        elif isinstance(source, list) and source and all(isinstance(s, str) for s in source):
            columns[canonical] = tuple(source)
        else:
            raise MappingError(
                f"{label} gives {canonical} neither a column name nor a list of them."
            )
    values: dict[str, dict[str, str]] = {}
    for canonical, table in (data.get("values") or {}).items():
        if canonical not in CASE_COLUMNS or not isinstance(table, dict):
            raise MappingError(f"{label} has a value map for an unknown column {canonical!r}.")
        values[canonical] = {str(k): str(v) for k, v in table.items()}
    only_when = _conditions(data.get("only_when"), columns, label)
    timezone = data.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"{label} names an unknown time zone {timezone!r}.") from exc
    fmt = data.get("timestamp_format")
    if fmt:
        _check_format(str(fmt), label)
    return Mapping(
        name=str(data.get("name") or label),
        columns=columns,
        values=values,
        only_when=only_when,
        timezone=str(timezone) if timezone else None,
        timestamp_format=str(fmt) if fmt else None,
        day_columns=_day_columns(data.get("precision"), label),
    )


def _conditions(
    table: object, columns: dict[str, tuple[str, ...] | str], label: str
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Validate ``[only_when.<column>]``: each key a mapped column, each value a list of text."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise MappingError(f"{label} has an only_when that is not a table.")
    conditions: dict[str, dict[str, tuple[str, ...]]] = {}
    for target, tests in table.items():
        if target not in columns or not isinstance(tests, dict) or not tests:
            raise MappingError(
                f"{label} has an only_when table for {target!r}, which it does not map."
            )
        conditions[target] = {}
        for column, allowed in tests.items():
            if column not in columns:
                raise MappingError(
                    f"{label} reads {target} only when {column!r} has given values, but does "
                    f"not map {column!r}."
                )
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise MappingError(f"{label} gives only_when.{target}.{column} no list of values.")
            conditions[target][column] = tuple(allowed)
    return conditions


def _check_format(fmt: str, label: str) -> None:
    """Refuse a timestamp_format DuckDB's strptime cannot use (it would fail mid-ingest)."""
    import duckdb

    try:
        with duckdb.connect() as probe:
            probe.execute("SELECT try_strptime('2025-03-01', ?)", [fmt]).fetchall()
    except duckdb.Error as exc:
        raise MappingError(f"{label} has an unusable timestamp_format {fmt!r}.") from exc


def _day_columns(table, label: str) -> frozenset[str]:
    """The timestamp columns a ``[precision]`` table says are known to the day only."""
    if table is None:
        return frozenset()
    if not isinstance(table, dict):
        raise MappingError(f"{label} has a precision entry that is not a table.")
    for column, precision in table.items():
        if column not in DAY_PRECISION_COLUMNS:
            raise MappingError(f"{label} gives a precision for {column!r}, not a timestamp column.")
        if precision not in ("day", "minute"):
            raise MappingError(
                f'{label} gives {column} the precision {precision!r}; use "day" or "minute".'
            )
    return frozenset(c for c, precision in table.items() if precision == "day")


@dataclass
class Canonical:
    """A file's rows in canonical text columns, plus what was dropped."""

    table: pa.Table  # canonical columns present, all text, plus ROW
    used: list[str]  # source columns read
    dropped_personal: list[str]  # source columns dropped because they hold personal data
    unused: list[str] = field(default_factory=list)  # other source columns, not read


def to_canonical(raw: RawTable, kind: InputKind, mapping: Mapping | None) -> Canonical:
    """Select and rename the file's columns; raise RefusedFile when a required one is missing."""
    if mapping is None:
        arrays, used = _by_header(raw, kind)
    else:
        arrays, used = _by_mapping(raw, mapping)
    present = set(arrays)
    for column in kind.required:
        if column not in present:
            raise RefusedFile(f"{raw.path.name} lacks the required column {column!r}.")
    for group in kind.any_of:
        if not present.intersection(group):
            names = " or ".join(repr(c) for c in group)
            raise RefusedFile(f"{raw.path.name} needs a {names} column.")
    if mapping is not None:
        for column, table in mapping.values.items():
            if column in arrays:
                arrays[column] = _map_values(_trimmed(arrays[column]), table)
        for column, tests in mapping.only_when.items():
            arrays[column] = _only_when(arrays, column, tests)
    # A NUL cannot be stored in PostgreSQL text (COPY fails): it is dropped on every store.
    arrays = {name: _without_nul(column) for name, column in arrays.items()}
    arrays[ROW] = raw.table.column(ROW)
    personal = [h for h in raw.headers if h not in used and is_personal(h)]
    unused = [h for h in raw.headers if h not in used and h not in personal]
    return Canonical(pa.table(arrays), used, personal, unused)


def _by_header(raw: RawTable, kind: InputKind) -> tuple[dict[str, pa.ChunkedArray], list[str]]:
    by_lower = {}
    for header in raw.headers:
        by_lower.setdefault(header.lower(), header)
    arrays, used = {}, []
    for column in kind.columns:
        header = by_lower.get(column)
        if header is not None:
            arrays[column] = _column(raw, header)
            used.append(header)
    return arrays, used


def _by_mapping(raw: RawTable, mapping: Mapping) -> tuple[dict[str, pa.ChunkedArray], list[str]]:
    # Exact header names first; otherwise the same name in another letter case.
    headers = {h.lower(): h for h in reversed(raw.headers)} | {h: h for h in raw.headers}
    arrays, used = {}, []
    for column, source in mapping.columns.items():
        if isinstance(source, str):
            arrays[column] = pa.chunked_array(
                [pa.array([source] * raw.table.num_rows, pa.string())]
            )
            continue
        found = [headers.get(s) or headers.get(s.lower()) for s in source]
        if None in found:
            raise RefusedFile(
                f"{raw.path.name} lacks the column {source[found.index(None)]!r} that the "
                f"mapping {mapping.name} reads for {column}."
            )
        if len(found) == 1:
            arrays[column] = _column(raw, found[0])
        else:
            parts = [_trimmed(_column(raw, s)) for s in found]
            arrays[column] = _trimmed(pc.binary_join_element_wise(*parts, " "))
        used.extend(found)
    return arrays, used


def _column(raw: RawTable, header: str) -> pa.ChunkedArray:
    """The file's column ``header``; refused when the header names it twice (which one?)."""
    if raw.table.column_names.count(header) > 1:
        raise RefusedFile(f"{raw.path.name} has the column {header!r} more than once.")
    return raw.table.column(header)


def _without_nul(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column  # e.g. an all-null column of a header-only file
    # Look before copying: nearly every file has no NUL, and a copy of 5 million values costs.
    if not pc.any(pc.match_substring(column, "\x00")).as_py():
        return column
    return pc.replace_substring(column, "\x00", "")


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Surrounding white space removed (normalize trims the plain columns in SQL)."""
    return pc.utf8_trim_whitespace(pc.fill_null(column, ""))


def _only_when(
    arrays: dict[str, pa.ChunkedArray], column: str, tests: dict[str, tuple[str, ...]]
) -> pa.ChunkedArray:
    """``column`` where every tested column holds one of its values (after [values], letter
    case ignored), empty elsewhere."""
    keep = None
    for other, allowed in tests.items():
        lowered = pc.utf8_lower(_trimmed(arrays[other]))
        match = pc.is_in(lowered, value_set=pa.array([a.strip().lower() for a in allowed]))
        keep = match if keep is None else pc.and_(keep, match)
    return pc.if_else(keep, arrays[column], "")


def _map_values(column: pa.ChunkedArray, table: dict[str, str]) -> pa.ChunkedArray:
    keys = pa.array(list(table), pa.string())
    targets = pa.array(list(table.values()), pa.string())
    index = pc.index_in(column, value_set=keys)
    return pc.if_else(pc.is_null(index), column, pc.take(targets, index))
