"""Which jurisdictions each loaded area falls in (country, London, the fire authority and police force whose
loaded boundaries hold it): what decides whose standard judges it and which ambulance trust serves it."""

from __future__ import annotations

import pandas as pd

from bluelight.foundation.standards import jurisdictions_of
from bluelight.services.inputs import Connection
from bluelight.services.session import Session


def area_jurisdictions(session: Session) -> dict[str, set[str]]:
    """Each area's jurisdictions: its country (and London) from its local-authority code, and the fire
    authority and police force whose loaded boundaries hold most of its people.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    """
    def build() -> dict[str, set[str]]:
        def query(cur: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
            areas = cur.execute("SELECT coalesce(la_name, la_code, '') AS area, any_value(la_code) AS code "
                                "FROM population GROUP BY 1").df()
            held = cur.execute(
                "SELECT coalesce(p.la_name, p.la_code, '') AS area, b.kind, b.name, sum(p.pop_total) AS people "
                "FROM population p JOIN boundaries b ON b.kind IN ('fire_authority', 'police_force') "
                "AND ST_Contains(b.geom, ST_Point(p.easting, p.northing)) GROUP BY ALL").df()
            return areas, held
        areas, held = session.read(query)
        top = held.sort_values("people").drop_duplicates(["area", "kind"], keep="last")
        owner = {(r.area, r.kind): r.name for r in top.itertuples(index=False)}
        return {r.area: jurisdictions_of(r.code, fire_authority=owner.get((r.area, "fire_authority")),
                                         police_force=owner.get((r.area, "police_force")))
                for r in areas.itertuples(index=False)}
    return session.cached(("area_jurisdictions",), build)
