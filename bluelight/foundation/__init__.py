"""The foundation every layer stands on: errors, configuration files, where things live, Great Britain's
geography, the project's words and standards, roles and disclosure, how figures are written.

Room: ``errors`` (the one exception hierarchy; no exit codes), ``config_files`` (the YAML configuration
shipped in the package or a user's directory, read by one bounded loader), ``environment`` (where the
warehouse, caches, data and scenarios live, from the environment), ``geo`` (EPSG:27700 and the land check),
``vocab`` and ``standards`` (services' words, whose standard judges an area), ``access`` (roles, tiers,
limits), ``text`` (m:ss, £, %), ``exports`` (safe CSV). May import: nothing else of the project.
"""
