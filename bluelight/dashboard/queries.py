"""The dashboard's read-only connection to the warehouse, and the reads only the pages make (layers, loads).

Everything a use case reads goes through :mod:`bluelight.services` instead.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from bluelight.foundation.errors import WarehouseError

T = TypeVar("T")

log = logging.getLogger(__name__)

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
OGL_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"


#: road tiles kept per warehouse (about 10 kB each at street zoom)
ROAD_TILES_KEPT = 4096
#: a tile with at most this many road edges draws every class whatever its zoom (a rural tile stays legible)
SPARSE_TILE_EDGES = 3_000


class Warehouse:
    """Read-only access to one warehouse file, with per-instance caches of heavy layers.

    A missing warehouse is not an error here: pages show how to build it.
    """

    def __init__(self, path: str | Path, *, web_tiles: bool = False):
        self.path = Path(path)
        #: whether this deployment draws OpenStreetMap web tiles under its maps (online only)
        self.web_tiles = web_tiles
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened: tuple[int, int] | None = None            # (inode, mtime) of the file the connection reads
        #: bumped each time a newly published warehouse is opened; analysis caches follow it
        self.generation = 0
        self._lock = threading.Lock()
        self._readers_done = threading.Condition()
        self._readers = 0
        self._swapping = False
        self._local = threading.local()
        self._cache: dict[Hashable, Any] = {}
        self.refresh()

    def refresh(self) -> bool:
        """Open the warehouse if it has appeared or a load has published a new one; True if it (re)opened.

        Loads publish by renaming a new file over the old (see
        :func:`bluelight.etl.warehouse.publishing`), so a changed inode means new
        data: the pages serve it from the next request, without a restart.
        """
        from bluelight.etl.warehouse import connect

        try:
            st = self.path.stat()
        except OSError:
            return False
        stamp = (st.st_ino, st.st_mtime_ns)
        if stamp == self._opened:
            return False
        with self._readers_done:
            if stamp == self._opened:
                return False
            self._swapping = True
            # DuckDB shares one database per path within a process: the old connection must close before the
            # new file can be opened, so wait for the readers in flight to finish first
            while self._readers:
                self._readers_done.wait()
            try:
                if self._con is not None:
                    self._con.close()
                    self._con = None
                try:
                    self._con = connect(self.path, read_only=True)
                except WarehouseError as exc:
                    log.error("cannot open warehouse: %s", exc)
                    self._opened = None
                    return False
                self._opened = stamp
                self._cache = {}
                self.generation += 1
            finally:
                self._swapping = False
                self._readers_done.notify_all()
        log.info("warehouse %s opened (generation %d)", self.path, self.generation)
        return True

    @property
    def available(self) -> bool:
        self.refresh()
        return self._con is not None

    def _query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self._with_cursor(lambda cur: cur.execute(sql, params or []).df())

    def _cached(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                found: T = self._cache[key]
                return found
        value = build()
        with self._lock:
            kept: T = self._cache.setdefault(key, value)
            return kept

    def cached_text(self, key: Hashable, build: Callable[[], str]) -> str:
        """A serialised layer, built once per warehouse."""
        return self._cached(key, build)

    def status(self) -> dict[str, Any]:
        from bluelight.etl.status import warehouse_status

        return self._cached("status", lambda: self._with_cursor(warehouse_status))

    def load_runs(self) -> pd.DataFrame:
        return self._query(
            "SELECT run_id, dataset, loader, status, rows_read, rows_loaded, rows_unchanged, rows_rejected, "
            "substr(sha256, 1, 12) AS sha256, file_path, strftime(finished_at, '%Y-%m-%d %H:%M') AS loaded_at, "
            "round(seconds, 2) AS seconds, message FROM load_runs ORDER BY run_id")

    def provenance(self) -> pd.DataFrame:
        """Each successful load: what, which file, its full SHA-256, rows, when (for reports)."""
        return self._query(
            "SELECT dataset, file_path, sha256, rows_loaded, strftime(finished_at, '%Y-%m-%d %H:%M') AS loaded_at "
            "FROM load_runs WHERE status <> 'failed' ORDER BY run_id")

    def rejects(self, limit: int = 500) -> pd.DataFrame:
        return self._query(
            "SELECT r.run_id, l.file_path, r.row_number, r.field, r.value, r.reason FROM rejects r "
            "JOIN load_runs l USING (run_id) ORDER BY r.run_id, r.row_number LIMIT ?", [limit])

    def sites(self, *, include_duplicates: bool = False) -> pd.DataFrame:
        where = "" if include_duplicates else "WHERE duplicate_of IS NULL"
        return self._query(
            "SELECT site_id, name, service, kind, status, closed_on, plan_action, duty_system, lon, lat, easting, "
            f"northing, location_precision_m, source FROM sites {where} ORDER BY service, name")

    def targets(self) -> pd.DataFrame:
        """The loaded targets (read once per warehouse: every coverage answer names its goal)."""
        return self._cached("targets", lambda: self._query(
            "SELECT target_id, service, category, statistic, threshold_s, goal, jurisdiction, description, source, "
            "url FROM targets ORDER BY service, target_id")).copy()

    def boundaries_geojson(self, kind: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            frame = self._query("SELECT code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom_wgs84, 0.0002)) AS g "
                                "FROM boundaries WHERE kind = ?", [kind])
            return _feature_collection(frame, ["code", "name"])

        return self._cached(("boundaries", kind), build)

    def road_tile(self, z: int, x: int, y: int, *, highways: tuple[str, ...] | None,
                  sparse_edges: int = SPARSE_TILE_EDGES) -> bytes:
        """One Mapbox vector tile (layer ``roads``) of the road edges in tile ``z/x/y``; ``highways`` None is all,
        and so is a tile meeting at most ``sparse_edges`` edges (too few roads for the zoom's classes to matter).

        A bounded number of tiles is kept per warehouse: a county's network at
        street zoom is thousands of tiles, and a browser asks for each once.
        """
        def build() -> bytes:
            chosen = highways
            if chosen is not None and self._tile_edges(z, x, y) <= sparse_edges:
                chosen = None                 # few roads here (a rural tile): every class reads, so draw them all
            classes = "" if chosen is None else "AND highway IN (SELECT unnest(?))"
            params = [z, x, y] + ([] if chosen is None else [list(chosen)])
            sql = ("WITH t AS (SELECT ST_TileEnvelope(?, ?, ?) AS e), "
                   "b AS (SELECT e, ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM t), "
                   "f AS (SELECT {'geom': ST_AsMVTGeom(geom_3857, ST_Extent(b.e), 4096, 64, true), "
                   "'highway': highway} AS row FROM road_edges, b "
                   "WHERE mx1 >= b.x0 AND mx0 <= b.x1 AND my1 >= b.y0 AND my0 <= b.y1 "
                   f"AND (u < v OR coalesce(oneway, true)) {classes}) "            # a two-way street drawn once
                   "SELECT ST_AsMVT(row, 'roads') FROM f WHERE row.geom IS NOT NULL AND NOT ST_IsEmpty(row.geom)")
            body = self._with_cursor(lambda cur: cur.execute(sql, params).fetchone()[0])
            return bytes(body or b"")

        key = ("road tile", z, x, y, highways, sparse_edges)
        with self._lock:
            tiles: OrderedDict[Hashable, bytes] = self._cache.setdefault("road tiles", OrderedDict())
            if key in tiles:
                tiles.move_to_end(key)
                return tiles[key]
        body = build()
        with self._lock:
            tiles[key] = body
            while len(tiles) > ROAD_TILES_KEPT:
                tiles.popitem(last=False)
        return body

    def _tile_edges(self, z: int, x: int, y: int) -> int:
        """Road edges whose bounding box meets tile ``z/x/y`` (every class)."""
        sql = ("WITH b AS (SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 "
               "FROM (SELECT ST_TileEnvelope(?, ?, ?) AS e)) SELECT count(*) FROM road_edges, b "
               "WHERE mx1 >= b.x0 AND mx0 <= b.x1 AND my1 >= b.y0 AND my0 <= b.y1")
        return int(self._with_cursor(lambda cur: cur.execute(sql, [z, x, y]).fetchone()[0]))

    def incident_categories(self, service: str) -> list[str]:
        return [str(c) for c in self._query("SELECT DISTINCT category FROM incidents WHERE service = ? ORDER BY 1",
                                            [service])["category"]]

    def lsoa_geojson(self, codes: list[Any]) -> dict[str, Any]:
        """LSOA polygons (WGS84, simplified) of the given zone codes, keyed by ``id`` = code."""
        codes = sorted(set(codes))
        if not codes:
            return {"type": "FeatureCollection", "features": []}
        frame = self._query("SELECT code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom_wgs84, 0.00005)) AS g "
                            "FROM boundaries WHERE kind = 'lsoa' AND code IN (SELECT unnest(?))", [codes])
        fc = _feature_collection(frame, ["code", "name"])
        for f in fc["features"]:
            f["id"] = f["properties"]["code"]
        return fc

    def area_labels_geojson(self) -> dict[str, Any]:
        """A point per loaded area (local authority) at its population-weighted centre, with its name: the
        maps' area labels, for whatever region is loaded."""
        def build() -> dict[str, Any]:
            frame = self._query(
                "SELECT coalesce(la_name, la_code) AS name, sum(pop_total * lon) / sum(pop_total) AS lon, "
                "sum(pop_total * lat) / sum(pop_total) AS lat FROM population WHERE pop_total > 0 "
                "AND coalesce(la_name, la_code) IS NOT NULL GROUP BY 1 ORDER BY 1")
            return {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": str(r.name)},
                 "geometry": {"type": "Point", "coordinates": [round(float(r.lon), 5), round(float(r.lat), 5)]}}
                for r in frame.itertuples(index=False)]}
        return self._cached(("area labels",), build)

    def read(self, fn: Callable[..., Any]) -> Any:
        """``fn(cursor)`` on the read-only connection (the reader a :class:`~bluelight.services.session.Session` uses)."""
        return self._with_cursor(fn)

    def _with_cursor(self, fn: Callable[..., Any]) -> Any:
        if not getattr(self._local, "depth", 0):      # never swap under a read this thread is making
            self.refresh()
        with self._readers_done:
            while self._swapping:
                self._readers_done.wait()
            if self._con is None:
                raise WarehouseError(f"warehouse {self.path} does not exist; build it with 'bluelight etl demo'")
            cur = self._con.cursor()
            self._readers += 1
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            return fn(cur)
        finally:
            self._local.depth -= 1
            cur.close()
            with self._readers_done:
                self._readers -= 1
                self._readers_done.notify_all()

    def has_zone_polygons(self) -> bool:
        """Whether LSOA polygons are loaded (else maps draw demand at its points, not as areas)."""
        return self._cached("has zone polygons", lambda: bool(
            self._query("SELECT count(*) AS n FROM boundaries WHERE kind = 'lsoa'")["n"].iloc[0]))

    def area_word(self) -> str:
        """What the loaded areas are called: "borough" where every one is a London borough (ONS codes E09),
        else "local authority" (the word that fits the districts, unitaries and Welsh or Scottish councils)."""
        def word() -> str:
            codes = self._query("SELECT code FROM boundaries WHERE kind = 'borough'")["code"].astype(str)
            return "borough" if len(codes) and codes.str.startswith("E09").all() else "local authority"
        return self._cached("area word", word)

    def network_bounds(self) -> tuple[float, float, float, float] | None:
        """The road network's lon/lat box (read once per published warehouse: every map is framed by it)."""
        def bounds() -> tuple[float, float, float, float] | None:
            row = self._query("SELECT min(lon), min(lat), max(lon), max(lat) FROM road_nodes").iloc[0].tolist()
            return None if pd.isna(row[0]) else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        return self._cached("network bounds", bounds)


def _feature_collection(frame: pd.DataFrame, props: list[str]) -> dict[str, Any]:
    feats = [{"type": "Feature", "properties": {p: r[p] for p in props}, "geometry": json.loads(r["g"])}
             for _, r in frame.iterrows() if r["g"]]
    return {"type": "FeatureCollection", "features": feats}
