"""Blue Light Atlas: planning software for UK police, fire and ambulance services.

Layers, importing one way only (a test checks every import)::

    foundation  errors, config, geo, settings, vocab, standards
        ^
    analysis    pure computation: arrays and GeoDataFrames in, results out
        ^
    etl         the only writer of the warehouse
        ^
    services    one module per use case: typed request in, result out
        ^
    cli, dashboard   thin: parse, call a service, render
"""

__version__ = "0.1.0"
