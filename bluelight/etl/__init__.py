"""ETL: the only code that writes the warehouse.

Each loader parses one kind of file (roads, sites, incidents, population,
boundaries, targets, scenarios), validates every row, and writes it in one
transaction recorded in ``load_runs`` with the file's SHA-256 (see
:mod:`bluelight.etl.loading`). It builds on the foundation modules and on
:mod:`bluelight.analysis` (road graphs to tables, speed profiles); nothing
above it (services, CLI, dashboard) is imported here.

May import: analysis and the foundation; never services or above.
"""
