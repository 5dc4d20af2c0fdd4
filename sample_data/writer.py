"""Writing the synthetic city: case and rating CSVs chunk by chunk, grids CSV and GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from caselog.columns import GRID_COLUMNS
from sample_data import catalog
from sample_data.cases import Batch
from sample_data.geography import City
from sample_data.handling import REQUEST_TYPES
from sample_data.lifecycle import SATISFACTION, STATUSES

CASE_ID_PREFIX = "QL"
_TIMES = (
    ("accepted_at", "accepted"),
    ("dispatched_at", "dispatched"),
    ("responded_at", "responded"),
    ("resolved_at", "resolved"),
    ("closed_at", "closed"),
    ("deadline", "deadline"),
    ("extended_deadline", "extended"),
    ("suspended_at", "suspended"),
    ("resumed_at", "resumed"),
)
# No value the generator writes contains a comma, quote or line break, so nothing is quoted.
_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none")


def _labels(names: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Names looked up by index; a negative index gives an empty value."""
    return pc.take(pa.array(names, pa.string()), pa.array(index, mask=index < 0))


def _timestamps(seconds: np.ndarray) -> pa.Array:
    """`YYYY-MM-DD HH:MM:SS` text of float epoch seconds (naive local time); NaN = empty."""
    missing = np.isnan(seconds)
    whole = np.where(missing, 0, np.floor(seconds)).astype(np.int64)
    return pa.array(whole, pa.timestamp("s"), mask=missing).cast(pa.string())


def _assist_labels(assists: np.ndarray) -> pa.Array:
    """`;`-joined department names per row of an (n, k) index array; -1 = none, all -1 = empty."""
    combos, inverse = np.unique(assists, axis=0, return_inverse=True)
    names = [
        ";".join(catalog.DEPARTMENT_NAMES[d] for d in combo if d >= 0) or None for combo in combos
    ]
    return pc.take(pa.array(names, pa.string()), pa.array(inverse.ravel()))


def case_ids(numbers: np.ndarray) -> pa.Array:
    """Case numbers as text: the prefix then the digits of `numbers`."""
    return pc.binary_join_element_wise(CASE_ID_PREFIX, pa.array(numbers).cast(pa.string()), "")


def case_table(batch: Batch, ids: pa.Array, city: City) -> pa.Table:
    """The canonical case columns of a batch, every value text except counts and coordinates."""
    grid = batch["grid"]
    columns = {
        "case_id": ids,
        "reported_at": _timestamps(batch["reported"]),
        "category": _labels(catalog.CATEGORY_NAMES, batch["category"]),
        "subcategory": _labels(catalog.SUBCATEGORY_NAMES, batch["subcategory"]),
        "district": _labels(city.district_names, city.district[grid]),
        "street": _labels(city.street_names, city.street[grid]),
        "community": _labels(city.community_names, city.community[grid]),
        "grid_id": _labels(city.grid_ids, grid),
        "source": _labels(catalog.SOURCES, batch["source"]),
        "urgency": _labels(catalog.URGENCIES, batch["urgency"]),
        "department": _labels(catalog.DEPARTMENT_NAMES, batch["department"]),
        "assist_departments": _assist_labels(batch["assists"]),
        **{column: _timestamps(batch[key]) for column, key in _TIMES},
        "status": _labels(STATUSES, batch["status"]),
        "solved": _labels(("否", "是"), batch["solved"]),
        "satisfaction": _labels(SATISFACTION, batch["satisfaction"]),
        "reopened": pa.array(batch["reopened"], pa.int64()),
        "reassigned": pa.array(batch["reassigned"], pa.int64()),
        "lat": pa.array(batch["lat"], pa.float64()),
        "lon": pa.array(batch["lon"], pa.float64()),
        "request_type": _labels(REQUEST_TYPES, batch["request_type"]),
        "self_handled": _labels(("否", "是"), batch["self_handled"]),
    }
    return pa.table(columns)


def rating_table(ratings: Batch, ids: pa.Array) -> pa.Table:
    """The rating rows of a batch; `ids` are the batch's case ids."""
    return pa.table(
        {
            "case_id": ids.take(pa.array(ratings["row"], pa.int64())),
            "department": _labels(catalog.DEPARTMENT_NAMES, ratings["department"]),
            "score": pa.array(ratings["score"], pa.int64()),
            "rated_at": _timestamps(ratings["rated_at"]),
        }
    )


class CsvSink:
    """A UTF-8 CSV file written table by table under a plain (unquoted) header line."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._file: BinaryIO | None = None

    def __enter__(self) -> CsvSink:
        self._file = self.path.open("wb")
        self._file.write((",".join(self.columns) + "\n").encode("utf-8"))
        return self

    def write(self, table: pa.Table) -> None:
        assert self._file is not None, "CsvSink used outside its with-block"
        table = table.select(list(self.columns))
        pacsv.write_csv(table, self._file, _CSV_OPTIONS)
        self.rows += table.num_rows

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._file is not None
        self._file.close()


def write_grids(city: City, path: Path) -> None:
    """grids.csv: one row per grid with its community, street, district and households."""
    table = pa.table(
        {
            "grid_id": pa.array(city.grid_ids, pa.string()),
            "community": _labels(city.community_names, city.community),
            "street": _labels(city.street_names, city.street),
            "district": _labels(city.district_names, city.district),
            "households": pa.array(city.households, pa.int64()),
        }
    )
    with CsvSink(path, GRID_COLUMNS) as sink:
        sink.write(table)


def write_geojson(city: City, path: Path) -> None:
    """grids.geojson: a FeatureCollection of one Polygon per grid (lon/lat, counter-clockwise)."""
    features = []
    for g, grid_id in enumerate(city.grid_ids):
        ring = np.round(city.corners[g], 6).tolist()
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "grid_id": grid_id,
                    "community": city.community_names[city.community[g]],
                    "street": city.street_names[city.street[g]],
                    "district": city.district_names[city.district[g]],
                    "households": int(city.households[g]),
                },
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
