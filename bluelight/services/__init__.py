"""Use cases: one module per question a planner asks, below both the command line and the dashboard.

Each module holds a typed request (its fields, defaults, ranges and
validation, :mod:`bluelight.services.requests`) and the function that answers
it from the warehouse through a :class:`~bluelight.services.session.Session`:
coverage, scenarios (one engine for ``scenario run``, the Scenarios and the
Co-location pages), co-location candidates, shared facility siting, DAP
plans, co-responding, isochrones and calibration. Services read the warehouse
(never write it), compute with :mod:`bluelight.analysis` and may use the ETL
parsers to read a file a user names; the CLI and the dashboard only parse,
call and render.

Results are typed (:class:`~bluelight.services.results.Result`, with
``to_json``). May import: etl (its readers), analysis and the foundation;
never the command line or the dashboard.
"""
