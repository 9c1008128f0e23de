"""``bluelight national --service ambulance``: each English ambulance trust's response estimated without road
data and set beside what it publishes (NHS England AmbSYS), with the error on trusts left out of the fit.

The trusts' areas come from ``config/ambulance_trusts.yaml`` (police force areas of their counties), their
people and rurality from the ONS LSOA files, the published figures from an AmbSYS file (the data directory's,
or any other months given with ``--ambsys``: the fit uses only what that file holds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from bluelight.analysis.ambulance_estimate import STATISTICS, estimate
from bluelight.analysis.national import urban
from bluelight.etl.ambsys import read_ambsys
from bluelight.etl.ambsys import read_trusts as load_trusts
from bluelight.etl.warehouse import existing_tables
from bluelight.foundation.config_files import load_config
from bluelight.foundation.errors import InputFileError
from bluelight.services.results import Result

if TYPE_CHECKING:
    from bluelight.analysis.demand_bands import DemandRates
    from bluelight.services.inputs import Connection
    from bluelight.services.session import Session

CONFIG = "ambulance_trusts.yaml"
LABEL = "estimate without road data, fitted to AmbSYS (leave-one-trust-out)"


def trust_rurality(data_dir: Path, trusts: dict[str, Any], files: dict[str, Any]) -> pd.DataFrame:
    """Each trust's people and the share of them in rural LSOAs (the national estimate's density screen).

    Parameters
    ----------
    data_dir
        The open-data folder.
    trusts
        The trusts of ``ambulance_trusts.yaml``.
    files
        The data files the settings name (LSOA population and rural-urban classes).
    """
    import geopandas as gpd

    from bluelight.etl import files as etl_files
    from bluelight.etl.national import read_lsoas

    cfg, _ = load_config("national.yaml")
    lsoas = read_lsoas(data_dir / cfg["files"]["centroids"], data_dir / cfg["files"]["population"])
    pfa = etl_files.read_vector(data_dir / files["police_force_areas"]).to_crs("EPSG:27700")
    name_col = next((c for c in pfa.columns if c.lower().endswith("_name") or c.lower().endswith("nm")), None)
    if name_col is None:
        raise InputFileError(data_dir / files["police_force_areas"], "no police force area name field",
                             field="pfa20_name")
    pts = gpd.GeoDataFrame(lsoas, geometry=gpd.points_from_xy(lsoas["easting"], lsoas["northing"]),
                           crs="EPSG:27700")
    joined = gpd.sjoin(pts, pfa[[name_col, "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    of_pfa = {p: code for code, t in trusts.items() for p in t["pfas"]}
    of_la = {la: code for code, t in trusts.items() for la in t["la_codes"]}
    trust = joined[name_col].map(of_pfa)
    trust = joined["la_code"].map(of_la).fillna(trust)
    xy = joined[["easting", "northing"]].to_numpy(float)
    is_urban = urban(xy, joined["population"].to_numpy(float), density_per_km2=float(cfg["urban_density_per_km2"]))
    frame = pd.DataFrame({"trust": trust, "population": joined["population"].to_numpy(float),
                          "rural": ~is_urban}).dropna(subset=["trust"])
    people = frame.groupby("trust")["population"].sum()
    rural = frame[frame["rural"]].groupby("trust")["population"].sum().reindex(people.index, fill_value=0.0)
    return pd.DataFrame({"population": people, "rural_share": rural / people})


def trust_areas_geojson(data_dir: Path, trusts: dict[str, Any], files: dict[str, Any], *, simplify_m: float = 500.0) -> dict[str, Any]:
    """The trusts' areas (their police force areas dissolved, generalised to ``simplify_m``) as WGS84 GeoJSON,
    each feature carrying its ``org_code`` and ``name``. The Isle of Wight is cut out of Hampshire.

    Parameters
    ----------
    data_dir
        The open-data folder.
    trusts
        The trusts of ``ambulance_trusts.yaml``.
    files
        The data files the settings name (police force area boundaries).
    simplify_m
        Generalisation tolerance in metres.
    """
    import geopandas as gpd
    import shapely

    from bluelight.etl import files as etl_files

    pfa = etl_files.read_vector(Path(data_dir) / files["police_force_areas"]).to_crs("EPSG:27700")
    name_col = next(c for c in pfa.columns if c.lower().endswith("_name") or c.lower().endswith("nm"))
    features = []
    for code, t in trusts.items():
        geoms = pfa.loc[pfa[name_col].isin(t["pfas"]), "geometry"].to_numpy()
        if len(geoms):
            features.append((code, t["name"], shapely.union_all(shapely.make_valid(geoms)).simplify(simplify_m)))
    frame = gpd.GeoDataFrame({"org_code": [f[0] for f in features], "name": [f[1] for f in features]},
                             geometry=[f[2] for f in features], crs="EPSG:27700")
    doc: dict[str, Any] = json.loads(frame.to_crs("EPSG:4326").to_json(drop_id=True))
    return doc


@dataclass(frozen=True)
class AmbulanceNationalResult(Result):
    """Every ambulance trust estimated from rurality, against its AmbSYS figures."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({'areas_geojson'})

    service: str
    label: str
    file: str
    months: list[str]
    trusts: list[dict[str, Any]]
    validation: dict[str, Any]
    model: dict[str, Any]
    method: str
    sources: dict[str, str]
    areas_geojson: dict[str, Any] | None


def run_ambulance_national(data_dir: Path, *, ambsys: Path | None = None, with_areas: bool = False) -> AmbulanceNationalResult:
    """The trusts modelled against AmbSYS, per trust and month, with leave-one-trust-out errors.

    Parameters
    ----------
    data_dir
        The open-data folder.
    ambsys
        The AmbSYS file (default: the one the settings name).
    with_areas
        Whether to add the trusts' areas as GeoJSON (for the map).
    """
    trusts, files, config_path = load_trusts()
    path = Path(ambsys) if ambsys is not None else Path(data_dir) / files["ambsys"]
    monthly, rejects = read_ambsys(path, trusts=set(trusts))
    if rejects:
        first = rejects[0]
        raise InputFileError(path, f"{len(rejects)} invalid value(s); first: {first.reason} ({first.value!r})",
                             row=first.row, field=first.field)
    per_trust = trust_rurality(Path(data_dir), trusts, files)
    est = estimate(monthly[monthly["org_code"] != "Eng"], per_trust["rural_share"])
    rows = []
    for code in est["trusts"]:
        mine = monthly[monthly["org_code"] == code]
        actual = {f"{k}_s": est["statistics"].get(k, {}).get("actual_s", {}).get(code) for k in STATISTICS}
        modelled = {f"{k}_s": est["statistics"].get(k, {}).get("modelled_s", {}).get(code) for k in STATISTICS}
        months = [{"period": f"{p // 100}-{p % 100:02d}",
                   **{f"{k}_actual_s": est["statistics"][k]["months"][code][p]["actual_s"] for k in est["statistics"]},
                   **{f"{k}_modelled_s": est["statistics"][k]["months"][code][p]["modelled_s"]
                      for k in est["statistics"]}}
                  for p in sorted(next(iter(est["statistics"].values()))["months"][code])]
        rows.append({"org_code": code, "name": trusts[code]["name"], "months": len(mine),
                     "population": float(per_trust.at[code, "population"]),
                     "rural_share": float(per_trust.at[code, "rural_share"]),
                     "actual": actual, "modelled": modelled, "by_month": months})
    periods = sorted({f"{int(y)}-{int(m):02d}" for y, m in zip(monthly["year"], monthly["month"])})
    return AmbulanceNationalResult.of({"service": "ambulance", "label": LABEL, "file": str(path), "months": [periods[0], periods[-1]],
            "trusts": rows, "validation": {k: v["validation"] for k, v in est["statistics"].items()},
            "model": {k: v["fit"] for k, v in est["statistics"].items()},
            "method": ("Per trust: its statistic over the file's months (incident-weighted) = a + b x the share of "
                       "its population in rural LSOAs, fitted without the trust; each month adds how far the other "
                       "trusts were from their own average that month (shared winter and demand pressure). "
                       "Baseline: the mean of the other trusts."),
            "sources": {"trusts": config_path, "ambsys": str(path)},
            **({"areas_geojson": trust_areas_geojson(Path(data_dir), trusts, files)} if with_areas else {})})


def trust_of(jurisdictions: set[str], trusts: dict[str, Any]) -> str | None:
    """The ambulance trust (org code) whose area holds an area with these jurisdictions (``trusts``:
    :func:`load_trusts`): a trust naming one of them, or owning one of its police force areas.

    Parameters
    ----------
    jurisdictions
        An area's jurisdictions (:func:`bluelight.services.jurisdictions.area_jurisdictions`).
    trusts
        The trusts, by org code (:func:`load_trusts`).
    """
    for code, t in trusts.items():
        marks = set(t["jurisdictions"]) | {f"police_force:{p.lower()}" for p in t["pfas"]}
        if marks & jurisdictions:
            return str(code)
    return None


def population_trust(session: Session) -> str | None:
    """The ambulance trust serving where most of the loaded population lives (None: not known).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    """
    from bluelight.services.jurisdictions import area_jurisdictions
    from bluelight.services.session import DemandSpec

    pop = session.demand(DemandSpec())
    if pop.empty:
        return None
    biggest = pop.groupby("area")["weight"].sum().idxmax()
    return trust_of(area_jurisdictions(session).get(biggest, set()), load_trusts()[0])


def published_rates(con: Connection, rates: DemandRates, trust: str | None) -> tuple[DemandRates, str | None]:
    """``rates`` with the category shares of the trust's published incidents (AmbSYS A8-A12 over A7), where the
    warehouse holds them; the overall level per head stays the configured one. Returns (rates, what was used).

    Parameters
    ----------
    con
        An open warehouse connection.
    rates
        The configured demand rates.
    trust
        The trust's org code (None: the rates unchanged).
    """
    from dataclasses import replace as _replace

    have = "ambsys" in existing_tables(con)           # published AmbSYS figures loaded
    if not trust or not have:
        return rates, None
    row = con.execute("SELECT count(*), min(year * 100 + month), max(year * 100 + month), sum(incidents), "
                      "sum(c1_incidents), sum(c2_incidents), sum(c3_incidents), sum(c4_incidents) FROM ambsys "
                      "WHERE org_code = ?", [trust]).fetchone()
    if not row or not row[0] or not row[3]:
        return rates, None
    n, first, last, total, *cats = row
    shares = {f"category_{i}": float(c) / float(total) for i, c in enumerate(cats, start=1) if c is not None}
    what = (f"AmbSYS, trust {trust}, {first // 100}-{first % 100:02d} to {last // 100}-{last % 100:02d} ({n} months): "
            + ", ".join(f"{k.replace('category_', 'C')} {100 * v:.1f}%" for k, v in shares.items())
            + " of incidents (published; replaces the configured national mix)")
    return _replace(rates, category_share=shares, sources={**rates.sources, "category_share": what}), what


def published_for(con: Connection, org_code: str) -> dict[str, Any] | None:
    """A trust's published Category 1 and 2 figures over the months loaded (the Overview sets them beside the
    modelled ones), or None when no AmbSYS is loaded for it.

    Parameters
    ----------
    con
        An open warehouse connection.
    org_code
        The trust's org code.
    """
    have = "ambsys" in existing_tables(con)           # published AmbSYS figures loaded
    if not have:
        return None
    row = con.execute("SELECT count(*), min(year * 100 + month), max(year * 100 + month), "
                      "sum(c1_total_s) / nullif(sum(c1_incidents), 0), min(c1_mean_s), max(c1_mean_s), "
                      "sum(c2_total_s) / nullif(sum(c2_incidents), 0) FROM ambsys WHERE org_code = ?",
                      [org_code]).fetchone()
    if not row or not row[0]:
        return None
    n, first, last, c1, lo, hi, c2 = row
    return {"months": int(n), "from": f"{first // 100}-{first % 100:02d}", "to": f"{last // 100}-{last % 100:02d}",
            "c1_mean_s": None if c1 is None else float(c1), "c1_monthly_range_s": [lo, hi],
            "c2_mean_s": None if c2 is None else float(c2)}
