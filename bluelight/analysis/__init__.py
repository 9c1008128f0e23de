"""Pure analysis: arrays and GeoDataFrames in, results out. No I/O of warehouse or web."""
