"""The files of one ingest run, opened and their columns checked before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from caselog import stream
from caselog.columns import CASES, GRIDS, RATINGS, InputKind
from caselog.mapping import Mapping, to_canonical
from caselog.reader import ROW, RawTable, RefusedFile, read_geojson
from caselog.stream import Source, open_source, whole_source


@dataclass
class Input:
    """One input file of a run: where it is read from and what it gives."""

    kind: InputKind
    source: Source
    present: set[str]  # the canonical columns the file gives
    dropped: list[str]
    mapping: Mapping | None
    unused: list[str] = field(default_factory=list)
    whole: RawTable | None = None  # a grids file: read whole, canonical, with its polygons

    def canonical(self, rows: int, progress) -> Iterator[tuple[pa.Table, list]]:
        """The file's records in canonical columns, chunk by chunk, with its malformed lines."""
        if self.whole is not None:
            yield self.whole.table, self.whole.malformed
            if progress:
                progress(self.source.path.stat().st_size)
            return
        for chunk in self.source.chunks(rows, progress):
            yield to_canonical(chunk, self.kind, self.mapping).table, chunk.malformed


def open_inputs(files, mapping, ratings, grids) -> list[Input]:
    """Open every file and check its columns before anything is written (grids: read whole)."""
    jobs = [(GRIDS, Path(p), None) for p in grids]
    jobs += [(CASES, Path(p), mapping) for p in files]
    jobs += [(RATINGS, Path(p), None) for p in ratings]
    inputs = []
    for kind, path, kind_mapping in jobs:
        if kind is GRIDS:
            inputs.append(_open_grids(path))
            continue
        source = open_source(path)
        canonical = to_canonical(source.head(), kind, kind_mapping)
        present = {c for c in canonical.table.column_names if c != ROW}
        inputs.append(
            Input(kind, source, present, canonical.dropped_personal, kind_mapping, canonical.unused)
        )
    return inputs


def _open_grids(path: Path) -> Input:
    """A grids file read whole (it is small), with the polygons of a GeoJSON beside it."""
    if path.suffix.lower() in (".geojson", ".json"):
        raw = read_geojson(path)
        source = whole_source(raw)
    else:
        source = open_source(path)
        try:
            raw = _whole(source)
        except stream.NotUtf8:
            source = source.as_gb18030()
            raw = _whole(source)
    canonical = to_canonical(raw, GRIDS, None)
    table = canonical.table
    if "geometry" not in table.column_names:
        shapes = path if path.suffix.lower() in (".geojson", ".json") else None
        table = _with_polygons(table, shapes or path.with_suffix(".geojson"))
    present = {c for c in table.column_names if c != ROW}
    whole = RawTable(path, source.sha256, source.encoding, table, raw.malformed)
    return Input(GRIDS, source, present, canonical.dropped_personal, None, canonical.unused, whole)


def _whole(source: Source) -> RawTable:
    """Every chunk of a source joined into one table."""
    parts = list(source.chunks(stream.chunk_rows()))
    table = pa.concat_tables([p.table for p in parts])
    return RawTable(
        source.path, source.sha256, source.encoding, table, [m for p in parts for m in p.malformed]
    )


def _with_polygons(table: pa.Table, geojson: Path) -> pa.Table:
    """Attach polygons from a GeoJSON file beside a grids CSV, matched by grid_id."""
    if not geojson.is_file():
        return table
    shapes = read_geojson(geojson).table
    if "grid_id" not in shapes.column_names:
        raise RefusedFile(f"{geojson.name} has features without properties.grid_id.")
    index = pc.index_in(table.column("grid_id"), value_set=shapes.column("grid_id"))
    geometry = pc.fill_null(pc.take(shapes.column("geometry"), index), "")
    return table.append_column("geometry", geometry)
