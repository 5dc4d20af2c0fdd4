"""Reading an input file (CSV in UTF-8/BOM/GB18030, .xlsx, Parquet, JSON) into text columns."""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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


def read_table(path: Path, progress: Progress | None = None) -> RawTable:
    """Read ``path`` into text columns; raise RefusedFile when it cannot be read at all."""
    if not path.is_file():
        raise RefusedFile(f"{path.name} does not exist or is not a file.")
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".txt": _read_csv, ".tsv": _read_csv, ".xlsx": _read_xlsx}
    readers |= {".parquet": _read_parquet, ".pq": _read_parquet, ".json": _read_json}
    if suffix not in readers:
        raise RefusedFile(f"{path.name} is not a CSV, .xlsx, Parquet or JSON file.")
    try:
        return readers[suffix](path, progress)
    except RefusedFile:
        raise
    # ArrowException: also a Parquet column of a type with no text form (list, struct …).
    except (pa.ArrowException, OSError, ValueError, KeyError, UnicodeError) as exc:
        lines = str(exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        if "straddling" in reason:  # pyarrow: a record runs across a 16 MB block
            raise RefusedFile(
                f"{path.name} has a quoted value that never closes (or a record longer than "
                "16 MB), so its rows cannot be told apart."
            ) from exc
        raise RefusedFile(f"{path.name} cannot be read ({reason}).") from exc


def detect_encoding(path: Path, sniff: int = 8 << 20) -> str:
    """'utf-8-sig' with a BOM, 'utf-8' when the first ``sniff`` bytes decode, else 'gb18030'.

    A UTF-8 guess that a later byte contradicts is caught by the CSV reader and retried as
    GB18030 (see _read_csv), so only the head of a large file is decoded here.
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


def _read_csv(path: Path, progress: Progress | None) -> RawTable:
    encoding = detect_encoding(path)
    try:
        return _parse_csv(path, encoding, progress)
    except pa.ArrowInvalid as exc:
        if encoding != "utf-8" or "utf8" not in str(exc).lower().replace("-", ""):
            raise
    return _parse_csv(path, "gb18030", progress)


def _parse_csv(path: Path, encoding: str, progress: Progress | None) -> RawTable:
    with path.open("r", encoding=encoding, newline="") as probe:
        first = probe.readline()
    if not first.strip():
        raise RefusedFile(f"{path.name} is empty: it has no header row.")
    # the separator the header uses most: comma, tab or semicolon (European-style exports)
    delimiter = max((",", "\t", ";"), key=first.count)
    line = pa.BufferOutputStream()  # a copy Arrow owns: no Python object for its threads
    line.write(first.lstrip("\ufeff").encode("utf-8"))
    header = pacsv.read_csv(
        line.getvalue(), parse_options=pacsv.ParseOptions(delimiter=delimiter)
    ).column_names
    # Parse on all cores; a file with malformed lines (the parallel parse stops at the first)
    # is read again on one thread, where the parser skips and numbers each one.
    try:
        table, malformed, digest = _records(path, encoding, delimiter, header, progress, True)
    except pa.ArrowInvalid:
        table, malformed, digest = _records(path, encoding, delimiter, header, None, False)
    for number, text in malformed:
        if text.count('"') % 2:
            # an unclosed quote swallows every later line into one bad record: refuse the
            # file rather than load the rows before it and silently lose the rest
            raise RefusedFile(
                f"{path.name}: data row {number} opens a quoted value that never closes, so "
                "the rows after it cannot be read."
            )
    table = _finish(table)
    if malformed:
        # The parsed records keep their place in the file: a skipped malformed one still counts.
        skipped = {n for n, _ in malformed}
        places = [k for k in range(1, table.num_rows + len(malformed) + 1) if k not in skipped]
        rows = pa.array(places[: table.num_rows], pa.int64())
        table = table.set_column(table.column_names.index(ROW), ROW, rows)
    return RawTable(path, digest, encoding, table, malformed)


def _records(path, encoding, delimiter, header, progress, threads: bool):
    """The CSV's records as text columns, its malformed lines and the file's SHA-256."""
    malformed: list[tuple[int, str]] = []

    def on_invalid(row) -> str:
        # row.number counts records with the header as 1 (known when read on one thread), so
        # the malformed record is data row row.number - 1.
        malformed.append((row.number - 1 if row.number is not None else -1, row.text))
        return "skip"

    options = {
        "read_options": pacsv.ReadOptions(encoding="utf8", block_size=1 << 24, use_threads=threads),
        # No Python callback on Arrow's threads: the parallel reader drops its reference to
        # it on a worker thread, sometimes after read_csv has returned, and that worker then
        # takes the GIL; if the interpreter is exiting by then (a refused ingest exits at
        # once), Python ends the thread inside Arrow and the process aborts ("terminate
        # called without an active exception", exit 134). One thread releases it here.
        "parse_options": pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            invalid_row_handler=None if threads else on_invalid,
        ),
        # Every column as text, so values are validated by us, not guessed by the reader.
        "convert_options": pacsv.ConvertOptions(
            column_types=_text_types(header),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }
    if encoding.startswith("utf-8"):
        table = _parse_native(path, options, progress)
        return table, malformed, file_hash(path)
    source, digest = _utf8_copy(path, encoding, progress)
    try:
        return _parse_native(source, options, None), malformed, digest
    finally:
        source.unlink(missing_ok=True)


def _text_types(header: list[str]) -> dict[str, pa.DataType]:
    """Every header name as text. Arrow drops one byte-order mark and a file may repeat it
    (files joined by hand): the first name is also typed with the marks Arrow keeps, or its
    column would be guessed (a timestamp) and fail later instead of being refused plainly."""
    types = {name: pa.string() for name in header}
    types |= {"\ufeff" * k + header[0]: pa.string() for k in range(1, 9)} if header else {}
    return types


def _parse_native(source: Path, options: dict, progress: Progress | None) -> pa.Table:
    """Parse ``source`` through pyarrow's own file object. A Python file object (or pyarrow's
    decoding of other encodings, through Python codecs) has pyarrow's threads call into
    Python, and one still reading ahead while the interpreter exits aborts the process
    ("terminate called without an active exception"). Progress: the bytes read so far,
    polled from this thread while a worker parses."""
    stream = pa.OSFile(str(source), "rb")
    try:
        if progress is None:
            return pacsv.read_csv(stream, **options)
        told = 0
        with ThreadPoolExecutor(1, thread_name_prefix="gridpulse-csv") as pool:
            job = pool.submit(pacsv.read_csv, stream, **options)
            while True:
                try:
                    table = job.result(timeout=0.2)
                    break
                except FuturesTimeout:
                    now = stream.tell()
                    if now > told:
                        progress(now - told)
                        told = now
        size = source.stat().st_size
        if size > told:
            progress(size - told)
        return table
    finally:
        stream.close()


def _utf8_copy(path: Path, encoding: str, progress: Progress | None) -> tuple[Path, str]:
    """A UTF-8 copy of ``path`` in a temporary file, and the SHA-256 of the original bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    fd, name = tempfile.mkstemp(prefix="gridpulse-", suffix=".csv")
    copy = Path(name)
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(decoder.decode(chunk).encode("utf-8"))
                if progress:
                    progress(len(chunk))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy, digest.hexdigest()


def _read_xlsx(path: Path, progress: Progress | None) -> RawTable:
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
    if progress:
        progress(path.stat().st_size)
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


def _read_parquet(path: Path, progress: Progress | None) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if progress:
        progress(path.stat().st_size)
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
    return RawTable(path, file_hash(path), "parquet", _finish(pa.table(columns)))


def _read_json(path: Path, progress: Progress | None) -> RawTable:
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
    if progress:
        progress(path.stat().st_size)
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
