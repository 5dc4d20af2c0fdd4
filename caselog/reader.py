"""Input files as text columns: encodings, .xlsx, JSON, GeoJSON, Parquet values as text."""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

ROW = "_row"  # the 1-based position of a record among the file's data rows
_CHUNK = 1 << 22

Progress = Callable[[int], None]


class RefusedFile(Exception):
    """A file refused whole (unreadable, wrong type, missing column); one plain sentence."""


@dataclass
class RawTable:
    """A file's records as text columns, with the lines that could not be parsed as a record."""

    path: Path
    sha256: str
    encoding: str
    table: pa.Table
    malformed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [name for name in self.table.column_names if name != ROW]


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes (the ingest log's content hash)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_whole(path: Path) -> RawTable:
    """Read an .xlsx or JSON file whole into text columns (their libraries read a whole
    file); raise RefusedFile when it cannot be read at all."""
    readers = {".xlsx": _read_xlsx, ".json": _read_json}
    if path.suffix.lower() not in readers:
        raise RefusedFile(f"{path.name} is not a CSV, .xlsx, Parquet or JSON file.")
    try:
        return readers[path.suffix.lower()](path)
    except RefusedFile:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, UnicodeError) as exc:
        raise refusal(path, exc) from exc


def refusal(path: Path, exc: BaseException) -> RefusedFile:
    """The one sentence refusing a file that a reader failed on with ``exc``."""
    # ArrowException: also a Parquet column of a type with no text form (list, struct …).
    lines = str(exc).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    if "straddling" in reason:  # pyarrow: a record runs across a parse block
        return RefusedFile(
            f"{path.name} has a quoted value that never closes (or a record longer than "
            "4 MB), so its rows cannot be told apart."
        )
    return RefusedFile(f"{path.name} cannot be read ({reason}).")


def detect_encoding(path: Path, sniff: int = 8 << 20) -> str:
    """'utf-8-sig' with a BOM, 'utf-8' when the first ``sniff`` bytes decode, else 'gb18030'.

    A UTF-8 guess that a later byte contradicts is caught by the CSV reader and read again
    as GB18030 (caselog.stream), so only the head of a large file is decoded here.
    """
    with path.open("rb") as handle:
        head = handle.read(sniff)
    try:
        # final only when the head is the whole file: a cut-off character at the end of the
        # head is fine, one at the end of the file is not UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < sniff)
    except UnicodeDecodeError as exc:
        if head.startswith(codecs.BOM_UTF8):
            # The reader could not even report the broken line (pyarrow fails decoding it).
            raise RefusedFile(
                f"{path.name} starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte {exc.start})."
            ) from exc
        return "gb18030"
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` in a temporary file (the caller removes it)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    fd, name = tempfile.mkstemp(prefix="gridpulse-", suffix=".csv")
    copy = Path(name)
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


def _read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise RefusedFile(f"{path.name} is not a readable .xlsx workbook.") from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise RefusedFile(f"{path.name} is empty: it has no header row.")
    names = [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    columns: list[list[str]] = [[] for _ in names]
    for values in rows:
        if values is None or all(v is None for v in values):
            continue
        for i, column in enumerate(columns):
            column.append(_cell_text(values[i] if i < len(values) else None))
    book.close()
    arrays = {name: pa.array(col, pa.string()) for name, col in zip(names, columns, strict=True)}
    return RawTable(path, file_hash(path), "xlsx", _finish(pa.table(arrays)))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel has no date type: a date cell reads as midnight. Written as a date it still
        # means midnight, and joins with a time column (contract §2: ["日期", "时间"]).
        fmt = "%Y-%m-%d" if value.time() == time.min else "%Y-%m-%d %H:%M:%S"
        return value.strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_columns(table: pa.Table) -> pa.Table:
    """A Parquet file's typed columns as the text a CSV export would hold (empty for null)."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            fmt = "%Y-%m-%dT%H:%M:%S%z" if column.type.tz else "%Y-%m-%d %H:%M:%S"
            # Whole seconds first: Arrow prints %S with the unit's fraction (9 digits for the
            # nanoseconds pandas writes), which no timestamp format reads.
            seconds = pa.timestamp("s", column.type.tz)
            column = pc.strftime(column.cast(seconds, safe=False), format=fmt)
        elif pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        elif pa.types.is_floating(column.type):
            # Whole numbers as integers, as in .xlsx: pandas keeps an integer column with gaps
            # as float, and case id 20250301001 must not become "2.0250301001e+10".
            wide = pc.cast(column, pa.float64())
            whole = pc.and_(pc.equal(pc.floor(wide), wide), pc.less(pc.abs(wide), 2.0**53))
            ints = pc.cast(pc.if_else(whole, wide, 0.0), pa.int64())
            column = pc.if_else(whole, pc.cast(ints, pa.string()), pc.cast(column, pa.string()))
        elif not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        columns[name] = pc.fill_null(column, "")
    return pa.table(columns)


def _read_json(path: Path) -> RawTable:
    """A JSON array of flat objects (an Open311 ``requests.json``): one record per object,
    the keys in order of first appearance, every value as text (a missing key is empty)."""
    import json

    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RefusedFile(f"{path.name} is not UTF-8 text, as JSON must be.") from exc
    except ValueError as exc:
        raise RefusedFile(f"{path.name} is not valid JSON ({exc}).") from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        raise RefusedFile(
            f"{path.name} is a GeoJSON FeatureCollection: that is a grids file (--grids), "
            "not a case log."
        )
    if not isinstance(data, list):
        raise RefusedFile(f"{path.name} is not a JSON array of records (one object per case).")
    names: dict[str, None] = {}
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise RefusedFile(f"{path.name}: record {number} of the JSON array is not an object.")
        for key, value in record.items():
            if isinstance(value, dict | list):
                raise RefusedFile(
                    f"{path.name}: record {number} has a nested value under {key!r}; only flat "
                    "records (text, numbers, true/false, null) can be read."
                )
            names.setdefault(key, None)
    columns = {
        name: pa.array([_json_text(record.get(name)) for record in data], pa.string())
        for name in names
    }
    return RawTable(path, file_hash(path), "json", _finish(pa.table(columns)))


def _json_text(value: object) -> str:
    """A JSON scalar as the text a CSV export would hold: null empty, true/false, 12 not 12.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2.0**53:
        return str(int(value))
    return str(value)


def _finish(table: pa.Table) -> pa.Table:
    """Trim header names and number the records in file order."""
    table = table.rename_columns([name.strip().lstrip("\ufeff") for name in table.column_names])
    return table.append_column(ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))


def read_geojson(path: Path, progress: Progress | None = None) -> RawTable:
    """A GeoJSON FeatureCollection of grids as text columns (properties plus ``geometry``)."""
    import json

    if not path.is_file():
        raise RefusedFile(f"{path.name} does not exist or is not a file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data["features"]
        rows = [(f.get("properties") or {}, f.get("geometry")) for f in features]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RefusedFile(f"{path.name} is not a GeoJSON FeatureCollection.") from exc
    if progress:
        progress(path.stat().st_size)
    names: list[str] = []
    for props, _ in rows:
        names.extend(k for k in props if k not in names)
    columns = {
        name: pa.array([_cell_text(props.get(name)) for props, _ in rows], pa.string())
        for name in names
    }
    columns["geometry"] = pa.array(
        [json.dumps(geom, ensure_ascii=False) if geom else "" for _, geom in rows], pa.string()
    )
    return RawTable(path, file_hash(path), "geojson", _finish(pa.table(columns)))
