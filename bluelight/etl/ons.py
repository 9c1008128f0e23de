"""ONS national population: LSOA population-weighted centroids joined to mid-year counts by single year of age.

The two files the data directory holds for England and Wales (and that the
ONS publishes): the centroids (``X``, ``Y`` longitude/latitude and
``lsoa11cd``; no counts) and table SAPE22DT2, persons by single year of age
per LSOA (a CSV with a few lines of preamble, usually gzipped, counts with
thousands separators). Joined on the LSOA code and binned into the age bands
the models use; a region keeps only the zones inside its road network's area.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bluelight.etl import files
from bluelight.etl.loading import Parsed, Reject, content_hashes
from bluelight.foundation.errors import InputFileError

if TYPE_CHECKING:
    from shapely import Geometry

#: the models' age bands and the single years each holds (90+ counted in the last)
BANDS = {"pop_0_15": (0, 15), "pop_16_29": (16, 29), "pop_30_44": (30, 44), "pop_45_64": (45, 64),
         "pop_65_plus": (65, 90)}
#: largest decompressed size read from a gzipped table (England and Wales is about 20 MB)
MAX_TEXT_BYTES = 400_000_000


def _text(path: Path) -> str:
    """The file's text, gunzipped when it is gzip (with a limit on the decompressed size)."""
    raw = Path(path).read_bytes() if Path(path).is_file() else None
    if raw is None:
        raise InputFileError(path, "file not found")
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(io.BytesIO(raw)) as fh:
                data = fh.read(MAX_TEXT_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise InputFileError(path, f"not a readable gzip file: {exc}") from exc
        if len(data) > MAX_TEXT_BYTES:
            raise InputFileError(path, f"decompresses to more than {MAX_TEXT_BYTES:,} bytes: refused")
    else:
        data = files.check_text_file(path)
    return files.decode_text(path, data)


def is_single_year_table(path: Path) -> bool:
    """Whether ``path`` is an ONS persons-by-single-year-of-age table (SAPE22DT2 layout)."""
    try:
        head = _text(path)[:20_000]
    except InputFileError:
        return False
    return "LSOA Code" in head and "All Ages" in head


def is_centroid_file(path: Path) -> bool:
    """Whether ``path`` is an ONS LSOA population-weighted centroid file (``lsoa11cd`` with X and Y)."""
    try:
        first = _text(path).splitlines()[0].lstrip("\ufeff")
    except (InputFileError, IndexError):
        return False
    cols = {c.strip().lower() for c in first.split(",")}
    return {"x", "y"} <= cols and any(c.startswith("lsoa") and c.endswith("cd") for c in cols)


def read_single_year(path: Path) -> pd.DataFrame:
    """Counts per LSOA: zone_code, zone_name, la_code, la_name, pop_total and the age bands."""
    lines = _text(path).splitlines()
    start = next((i for i, line in enumerate(lines[:200]) if line.startswith("LSOA Code")), None)
    if start is None:
        raise InputFileError(path, "no header row starting 'LSOA Code' in the first 200 lines: not the ONS "
                                   "single-year-of-age table (SAPE22DT2)")
    rows = list(csv.reader(lines[start:]))
    header = [h.strip() for h in rows[0]]
    need = ["LSOA Code", "All Ages"] + [str(a) for a in range(90)] + ["90+"]
    missing = [c for c in need if c not in header]
    if missing:
        raise InputFileError(path, f"missing column(s) {missing[:5]}", field=missing[0])
    frame = pd.DataFrame([r for r in rows[1:] if r and r[0].strip()], columns=None)
    frame = frame.iloc[:, :len(header)]
    frame.columns = header[:frame.shape[1]]
    ages = [str(a) for a in range(90)] + ["90+"]
    counts = frame[["All Ages"] + ages].apply(lambda c: pd.to_numeric(c.str.replace(",", "", regex=False),
                                                                      errors="coerce"))
    bad = counts.isna().any(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        col = counts.columns[counts.iloc[i].isna().to_numpy()][0]
        raise InputFileError(path, f"not a number ({frame[col].iloc[i]!r})", row=start + i + 2, field=col)
    single = counts[ages].to_numpy(float)
    out = pd.DataFrame({"zone_code": frame["LSOA Code"].str.strip(),
                        "zone_name": frame.get("LSOA Name", pd.Series([None] * len(frame))).str.strip(),
                        "la_code": _first_of(frame, "LA Code"), "la_name": _first_of(frame, "LA name"),
                        "pop_total": counts["All Ages"].to_numpy(float)})
    for band, (lo, hi) in BANDS.items():
        out[band] = single[:, lo:hi + 1].sum(axis=1)
    return out


def _first_of(frame: pd.DataFrame, prefix: str) -> pd.Series | None:
    cols = [c for c in frame.columns if c.startswith(prefix)]
    return frame[cols[-1]].str.strip() if cols else None        # the latest boundaries given


def read_centroids(path: Path) -> pd.DataFrame:
    """zone_code, longitude, latitude of each LSOA's population-weighted centroid."""
    frame = pd.read_csv(io.StringIO(_text(path)), dtype=str)
    cols = {c.strip().lower().lstrip("\ufeff"): c for c in frame.columns}
    code = next((cols[c] for c in cols if c.startswith("lsoa") and c.endswith("cd")), None)
    if code is None or "x" not in cols or "y" not in cols:
        raise InputFileError(path, f"needs an LSOA code column (lsoa11cd) and X, Y; header is {list(frame.columns)}",
                             field="lsoa11cd")
    return pd.DataFrame({"zone_code": frame[code].str.strip(), "longitude": frame[cols["x"]],
                         "latitude": frame[cols["y"]]})


def parse_national(centroids: Path, counts: Path, *, year: int = 2019, within: Geometry | None = None) -> Parsed:
    """The joined population, keeping only centroids inside ``within`` (a shapely geometry in EPSG:27700)."""
    from bluelight.etl import geo

    pts = read_centroids(centroids)
    pop = read_single_year(counts)
    coords, rejects = geo.locate(pts.set_index(pd.RangeIndex(1, len(pts) + 1)), lat_col="latitude",
                                 lon_col="longitude", east_col=None, north_col=None)
    pts = pts.set_index(pd.RangeIndex(1, len(pts) + 1)).join(coords, how="inner")
    if within is not None:
        import shapely

        inside = shapely.contains_xy(within, pts["easting"].to_numpy(float), pts["northing"].to_numpy(float))
        pts = pts[inside]
        rejects = [r for r in rejects if r.row in set(pts.index)]
    joined = pts.reset_index().rename(columns={"index": "row"}).merge(pop, on="zone_code", how="left")
    no_counts = joined["pop_total"].isna()
    rejects += [Reject(int(r), "zone_code", z, f"no counts for this zone in {Path(counts).name}")
                for r, z in zip(joined.loc[no_counts, "row"], joined.loc[no_counts, "zone_code"])]
    good = joined[~no_counts].drop(columns=["longitude", "latitude"]).set_index("row")
    good["zone_kind"], good["year"], good["source"] = "lsoa11", year, "ons_sape22dt2_mid2019"
    good = good[["zone_code", "zone_name", "la_code", "la_name", "zone_kind", "year", "pop_total", *BANDS,
                 "easting", "northing", "lon", "lat", "source"]]
    good["content_hash"] = content_hashes(good, list(good.columns))
    return Parsed(good, rows_read=len(pts), rejects=rejects)
