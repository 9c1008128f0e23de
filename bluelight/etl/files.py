"""Reading input files defensively: existence, emptiness, binary content, encoding, CSV shape."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from bluelight.errors import InputFileError

#: magic numbers of formats people mistake for CSV
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"%PDF": "a PDF",
    b"\x1f\x8b": "gzip-compressed",
    b"SQLite format 3": "a SQLite database (a GeoPackage? load it as one)",
}


def check_text_file(path: Path) -> bytes:
    """Return the file's bytes after checking it exists, is not empty and is not binary."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(path, "file is empty")
    for sig, what in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise InputFileError(path, f"file is {what}, not a text file")
    if b"\x00" in data[:65536]:
        raise InputFileError(path, "file is binary (contains NUL bytes), not a text file")
    return data


def decode_text(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    """Decode with a message that names the line of the first undecodable byte."""
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = (
            f"line {line}: byte 0x{data[exc.start]:02x} is not valid {encoding}; "
            "save the file as UTF-8 or pass --encoding (for example cp1252)"
        )
        raise InputFileError(path, msg, row=max(line - 1, 0) or None) from exc


def read_csv(
    path: Path,
    *,
    encoding: str = "utf-8",
    required: Sequence[str] = (),
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV as strings, apply a column mapping and check required columns.

    Parameters
    ----------
    mapping
        ``{our_name: their_name}`` for files whose headers differ from ours.
    required
        Columns (our names) that must be present after mapping.

    Returns
    -------
    DataFrame of strings (empty cells are ``""``), index 1..n = data row numbers.
    """
    path = Path(path)
    text = decode_text(path, check_text_file(path), encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise InputFileError(path, f"not a well-formed CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(path, "file has no header row") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if mapping:
        missing_src = [theirs for theirs in mapping.values() if theirs not in frame.columns]
        if missing_src:
            raise InputFileError(path, f"mapped column(s) {missing_src} not in header {list(frame.columns)}",
                                 field=missing_src[0])
        frame = frame.rename(columns={theirs: ours for ours, theirs in mapping.items()})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"missing required column(s) {missing}; header is {list(frame.columns)}"
        raise InputFileError(path, msg, row=None, field=missing[0])
    if frame.empty:
        raise InputFileError(path, "file has a header but no data rows")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def read_vector(path: Path):
    """A GeoJSON / GeoPackage / shapefile as a GeoDataFrame, checked to have features and a CRS."""
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if path.suffix.lower() in {".geojson", ".json"}:
        check_text_file(path)
    elif not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise InputFileError(path, f"cannot read as a vector file: {exc}") from exc
    if gdf.empty:
        raise InputFileError(path, "file has no features")
    if gdf.crs is None:
        raise InputFileError(path, "file declares no CRS; expected EPSG:27700 or EPSG:4326")
    return gdf
