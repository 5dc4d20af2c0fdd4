"""The KPI cube: every KPI's measures summed once per data version, for quick tables.

How it works, module by module (details and figures: docs/metrics.md, "The KPI cube"):

- ``store``: the cube's identity and tables. A cube is a DuckDB file ``cube-<fingerprint>.duckdb``
  in the result-cache folder of one data version; the fingerprint covers what its per-case
  values depend on (time limits, calendar, as_of, format). ``find`` looks one up for a
  query, ``attach`` opens it read-only on the query's connection, ``bypassed`` turns it off.
- ``build``: builds the cube from the cases through a read-only engine (written under a
  temporary name, renamed when complete; at most ``store.KEEP`` per data version).
- ``query``: the KPI queries answered from the cube, column for column as from the cases.
- ``cache``: the result cache, ``<store file>.cache/<version>/``: slow query results kept as
  Arrow files until the next write to the store, and the cubes beside them.
- ``warm``: after a load, builds the cube for the default rules and computes the tables the
  pages open with, so the first views are answered from the cache (called by
  services.afterload).

- ``pg``: the cube kept inside a PostgreSQL store (a schema per cube, valid while the
  store's write count, kept by a trigger, is the one it was built at), built by the load
  and read by every app server.

DuckDB files read through a read-only engine keep a cube and a result cache, PostgreSQL
stores a cube only; writing DuckDB engines compute from the cases, with the same results.
"""
