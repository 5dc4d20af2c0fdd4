"""Reading an input file in chunks of records, so a file of any size loads in bounded memory."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from caselog.reader import (
    ROW,
    Progress,
    RawTable,
    RefusedFile,
    detect_encoding,
    file_hash,
    read_whole,
    refusal,
    text_columns,
    utf8_copy,
)

#: Records per chunk when neither the caller nor GRIDPULSE_INGEST_CHUNK_ROWS says otherwise:
#: large enough that DuckDB's work per chunk dwarfs the per-chunk overhead, small enough
#: that a chunk's text (~300 bytes a case) stays near a hundred megabytes.
CHUNK_ROWS = 250_000
_BLOCK = 1 << 22  # bytes the CSV reader parses at a time; larger blocks only cost memory


def chunk_rows(rows: int | None = None) -> int:
    """Records per chunk: ``rows``, else GRIDPULSE_INGEST_CHUNK_ROWS, else CHUNK_ROWS."""
    rows = rows or int(os.environ.get("GRIDPULSE_INGEST_CHUNK_ROWS") or CHUNK_ROWS)
    if rows < 1:
        raise ValueError("a chunk holds at least one record")
    return rows


class NotUtf8(Exception):
    """A file sniffed as UTF-8 holds a byte further on that is not: read it again as GB18030."""


@dataclass
class Source:
    """An input file opened for loading: its header known, its records read chunk by chunk.

    Each chunk is a RawTable of at most ``rows`` records numbered in file order (``ROW``),
    carrying the malformed lines met while reading it. A chunk of a CSV file that turns out
    not to be UTF-8 past the sniffed head raises NotUtf8 (the caller drops what it took from
    the file and calls :meth:`as_gb18030`); a file unreadable further on raises RefusedFile.
    """

    path: Path
    sha256: str
    encoding: str
    headers: list[str]
    _read: Callable[[Source, int, Progress | None], Iterator[RawTable]]
    delimiter: str = ","
    names: list[str] = field(default_factory=list)  # a CSV's header as Arrow reads it
    table: pa.Table | None = field(default=None, repr=False)  # a file read whole

    def head(self) -> RawTable:
        """The header alone, as a RawTable of no rows (for the column checks)."""
        columns = {name: pa.array([], pa.string()) for name in self.headers}
        empty = pa.table(columns | {ROW: pa.array([], pa.int64())})
        return RawTable(self.path, self.sha256, self.encoding, empty)

    def chunks(self, rows: int, progress: Progress | None = None) -> Iterator[RawTable]:
        """The records, at most ``rows`` a chunk; at least one chunk, empty for no records."""
        return self._read(self, rows, progress)

    def as_gb18030(self) -> Source:
        """The same file read as GB18030 (after NotUtf8)."""
        return Source(
            self.path, self.sha256, "gb18030", self.headers, _csv_chunks, self.delimiter, self.names
        )


def open_source(path: Path) -> Source:
    """Open ``path`` for reading in chunks; raise RefusedFile when it cannot be read at all.

    CSV and Parquet are read a chunk at a time; .xlsx and JSON, whose libraries read a
    whole file, are read here and handed out in chunks."""
    if not path.is_file():
        raise RefusedFile(f"{path.name} does not exist or is not a file.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            return _open_csv(path)
        if suffix in (".parquet", ".pq"):
            return _open_parquet(path)
    except RefusedFile:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, UnicodeError) as exc:
        raise refusal(path, exc) from exc
    return whole_source(read_whole(path))


def whole_source(raw: RawTable) -> Source:
    """A table already read whole, handed out in chunks."""
    return Source(raw.path, raw.sha256, raw.encoding, raw.headers, _slices, table=raw.table)


def _slices(source: Source, rows: int, progress: Progress | None) -> Iterator[RawTable]:
    table = source.table
    assert table is not None
    for start in range(0, max(table.num_rows, 1), rows):
        yield RawTable(source.path, source.sha256, source.encoding, table.slice(start, rows))
    if progress:
        progress(source.path.stat().st_size)


def _open_csv(path: Path) -> Source:
    encoding = detect_encoding(path)
    with path.open("rb") as probe:  # the header line alone: the sniffed head may end sooner
        first = probe.readline().decode(encoding)
    if not first.strip():
        raise RefusedFile(f"{path.name} is empty: it has no header row.")
    # the separator the header uses most: comma, tab or semicolon (European-style exports)
    delimiter = max((",", "\t", ";"), key=first.count)
    line = pa.BufferOutputStream()  # a copy Arrow owns
    line.write(first.lstrip("\ufeff").encode("utf-8"))
    header = pacsv.read_csv(
        line.getvalue(), parse_options=pacsv.ParseOptions(delimiter=delimiter)
    ).column_names
    headers = [_clean(name) for name in header]
    return Source(path, file_hash(path), encoding, headers, _csv_chunks, delimiter, header)


def _clean(name: str) -> str:
    return name.strip().lstrip("\ufeff")


def _csv_chunks(source: Source, rows: int, progress: Progress | None) -> Iterator[RawTable]:
    """Parse the CSV on this thread, a block at a time, numbering malformed lines as it goes.

    One thread: the invalid-row handler is a Python callback, and Arrow's worker threads
    must hold no Python object (one released there while the interpreter exits aborts the
    process: "terminate called without an active exception", exit 134)."""
    copy = None
    path = source.path
    if not source.encoding.startswith("utf-8"):
        try:
            copy = utf8_copy(path, source.encoding)
        except UnicodeError as exc:  # not GB18030 either (a sequence cut off at the end)
            raise refusal(source.path, exc) from exc
        path = copy
    stream = pa.OSFile(str(path), "rb")
    malformed: list[tuple[int, str]] = []
    unknown = [0]

    def on_invalid(row) -> str:
        # row.number counts records with the header as 1, so this is data row number - 1.
        if row.number is None:
            unknown[0] += 1
        malformed.append((row.number - 1 if row.number is not None else -unknown[0], row.text))
        return "skip"

    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(encoding="utf8", block_size=_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=source.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            # Every column as text, so values are validated by us, not guessed by the reader.
            convert_options=pacsv.ConvertOptions(
                column_types=_text_types(source.names),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        yield from _gather(source, reader, rows, malformed, stream, progress)
    except pa.ArrowInvalid as exc:
        if source.encoding == "utf-8" and "utf8" in str(exc).lower().replace("-", ""):
            raise NotUtf8(str(exc)) from exc
        raise refusal(source.path, exc) from exc
    except (pa.ArrowException, OSError) as exc:
        raise refusal(source.path, exc) from exc
    finally:
        stream.close()
        if copy is not None:
            copy.unlink(missing_ok=True)


def _gather(source, reader, rows, malformed, stream, progress) -> Iterator[RawTable]:
    """The reader's batches cut into chunks of ``rows`` records, numbered in file order."""
    pending: list[pa.Table] = []
    size = taken = told = checked = 0  # records waiting, handed out; bytes told; lines noted
    whole = source.path.stat().st_size
    seen: list[int] = []  # numbers of the malformed lines so far, ascending

    def note() -> None:
        nonlocal checked
        fresh = malformed[checked:]
        _check_quotes(source.path, fresh)
        seen.extend(n for n, _ in fresh if n > 0)
        checked = len(malformed)

    def take(n: int) -> RawTable:
        nonlocal pending, size, taken, checked
        table = pa.concat_tables(pending) if pending else reader.schema.empty_table()
        head, rest = table.slice(0, n), table.slice(n)
        pending = [rest] if rest.num_rows else []
        size -= head.num_rows
        chunk = _chunk(source, head, taken, seen, list(malformed))
        taken += head.num_rows
        malformed.clear()
        checked = 0
        return chunk

    handed = False
    for batch in reader:
        note()
        pending.append(pa.Table.from_batches([batch]))
        size += batch.num_rows
        if progress:
            # bytes of the file itself (a GB18030 file is parsed from its UTF-8 copy)
            now = whole * stream.tell() // max(stream.size(), 1)
            progress(now - told)
            told = now
        while size >= rows:
            yield take(rows)
            handed = True
    note()
    if size or malformed or not handed:
        yield take(size)
    if progress:
        progress(whole - told)


def _check_quotes(path: Path, malformed: list[tuple[int, str]]) -> None:
    for number, text in malformed:
        if text.count('"') % 2:
            # an unclosed quote swallows every later line into one bad record: refuse the
            # file rather than load the rows before it and silently lose the rest
            raise RefusedFile(
                f"{path.name}: data row {number} opens a quoted value that never closes, so "
                "the rows after it cannot be read."
            )


def _chunk(source: Source, table: pa.Table, taken: int, seen: list[int], malformed) -> RawTable:
    """One chunk: its records numbered by their place among the file's data rows (``seen``:
    the malformed lines' numbers so far, each still counting), and the malformed lines met
    since the last chunk."""
    table = table.rename_columns([_clean(name) for name in table.column_names])
    index = np.arange(taken + 1, taken + table.num_rows + 1, dtype=np.int64)
    if seen:
        # The k-th record comes after the i-th malformed line (0-based, line number m_i)
        # when k >= m_i - i: its place is k plus the number of such lines.
        marks = np.asarray(seen, dtype=np.int64) - np.arange(len(seen), dtype=np.int64)
        index = index + np.searchsorted(marks, index, side="right")
    table = table.append_column(ROW, pa.array(index, pa.int64()))
    return RawTable(source.path, source.sha256, source.encoding, table, malformed)


def _text_types(header: list[str]) -> dict[str, pa.DataType]:
    """Every header name as text. Arrow drops one byte-order mark and a file may repeat it
    (files joined by hand): the first name is also typed with the marks Arrow keeps, or its
    column would be guessed (a timestamp) and fail later instead of being refused plainly."""
    types = {name: pa.string() for name in header}
    types |= {"\ufeff" * k + header[0]: pa.string() for k in range(1, 9)} if header else {}
    return types


def _open_parquet(path: Path) -> Source:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        names = parquet.schema_arrow.names
    return Source(path, file_hash(path), "parquet", [_clean(n) for n in names], _parquet_chunks)


def _parquet_chunks(source: Source, rows: int, progress: Progress | None) -> Iterator[RawTable]:
    import pyarrow.parquet as pq

    taken = 0
    try:
        with pq.ParquetFile(source.path) as parquet:
            for batch in parquet.iter_batches(batch_size=rows):
                table = text_columns(pa.Table.from_batches([batch]))
                table = table.rename_columns([_clean(n) for n in table.column_names])
                index = pa.array(range(taken + 1, taken + table.num_rows + 1), pa.int64())
                taken += table.num_rows
                yield RawTable(
                    source.path, source.sha256, source.encoding, table.append_column(ROW, index)
                )
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise refusal(source.path, exc) from exc
    if not taken:
        yield source.head()
    if progress:
        progress(source.path.stat().st_size)
