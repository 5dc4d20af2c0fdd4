"""The case-log data contract: schema, store, ingest, mappings and quarantine."""

from caselog.store import (
    StoreBusy,
    StoreError,
    StoreOutdated,
    default_url,
    get_timezone,
    is_duckdb,
    open_store,
)

__all__ = [
    "StoreBusy",
    "StoreError",
    "StoreOutdated",
    "default_url",
    "get_timezone",
    "is_duckdb",
    "open_store",
]
