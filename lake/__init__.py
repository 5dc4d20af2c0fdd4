"""The Parquet lake: the store exported for a distributed engine, and Spark SQL over it."""

from __future__ import annotations


class LakeError(ValueError):
    """A lake or Spark server that cannot be used, said in one plain sentence."""
