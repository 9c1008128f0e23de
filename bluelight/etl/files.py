"""Reading input files defensively: existence, emptiness, binary content, encoding, CSV shape, and limits.

Every file is bounded before it is parsed (size, line length, columns, field
length), checked for NUL bytes after decoding, and decoded by its byte-order
mark when it has one; a file over a limit is refused with a message naming
the file, the limit and how to raise it (``BLUELIGHT_LIMIT_<NAME>``).
"""

from __future__ import annotations

import codecs
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from bluelight.foundation.errors import InputFileError

if TYPE_CHECKING:
    import geopandas as gpd

#: magic numbers of formats people mistake for CSV
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"%PDF": "a PDF",
    b"\x1f\x8b": "gzip-compressed",
    b"SQLite format 3": "a SQLite database (a GeoPackage? load it as one)",
}


#: default limits, each raised by an environment variable BLUELIGHT_LIMIT_<NAME> (same unit)
LIMITS = {"file_mb": 1024, "line_chars": 1_000_000, "columns": 500, "field_chars": 20_000}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def limit(name: str) -> int:
    """A limit on input files, from ``BLUELIGHT_LIMIT_<NAME>`` when set."""
    raw = os.environ.get(f"BLUELIGHT_LIMIT_{name.upper()}")
    try:
        return int(raw) if raw else LIMITS[name]
    except ValueError:
        raise InputFileError(f"BLUELIGHT_LIMIT_{name.upper()}", f"must be a whole number, got {raw!r}") from None


def _over(path: object, what: str, name: str, value: int) -> InputFileError:
    return InputFileError(path, f"{what} ({value:,}) is over the limit of {limit(name):,}; raise it with "
                                f"BLUELIGHT_LIMIT_{name.upper()} if the file is genuine")


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark declares, if the data starts with one."""
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def check_text_file(path: Path, *, encoding: str | None = None) -> bytes:
    """Return the file's bytes after checking it exists, is not empty, is not too big and is not binary.

    A file in UTF-16 or UTF-32 (by its byte-order mark, or ``encoding``) holds
    NUL bytes by design; it is checked for NULs after decoding instead.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    size = path.stat().st_size
    if size > limit("file_mb") * 1024 * 1024:
        raise _over(path, "file size in MB", "file_mb", size // (1024 * 1024))
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(path, "file is empty")
    for sig, what in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise InputFileError(path, f"file is {what}, not a text file")
    wide = (bom_encoding(data) or encoding or "").lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in data[:65536]:
        raise InputFileError(path, "file is binary (contains NUL bytes), not a text file")
    return data


def decode_text(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    """Decode (by the byte-order mark when there is one), naming the line of the first undecodable byte.

    The decoded text is checked for NUL characters anywhere, and for lines over the limit.
    """
    bom = bom_encoding(data)
    enc = bom or ("utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = (
            f"line {line}: byte 0x{data[exc.start]:02x} is not valid {encoding}; "
            "save the file as UTF-8 or pass --encoding (for example cp1252)"
        )
        raise InputFileError(path, msg, row=max(line - 1, 0) or None) from exc
    except LookupError as exc:
        raise InputFileError(path, f"unknown encoding {encoding!r} (try utf-8, cp1252, utf-16)") from exc
    text = text.lstrip("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputFileError(path, f"line {line}: contains a NUL character: the file is damaged or binary",
                             row=max(line - 1, 0) or None)
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > limit("line_chars"):
        raise _over(path, "longest line in characters", "line_chars", longest)
    return text


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
    text = decode_text(path, check_text_file(path, encoding=encoding), encoding)
    header = next(iter(text.splitlines()), "")
    if header.count(",") + 1 > limit("columns"):
        raise _over(path, "number of columns", "columns", header.count(",") + 1)
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
    widest = frame.apply(lambda c: c.str.len().max()).max() if len(frame.columns) else 0
    if widest and widest > limit("field_chars"):
        col = frame.columns[int(np.argmax(frame.apply(lambda c: c.str.len().max()).to_numpy()))]
        row = int(frame[col].str.len().idxmax())
        raise InputFileError(path, f"a value of {int(widest):,} characters is over the limit of "
                                   f"{limit('field_chars'):,} (BLUELIGHT_LIMIT_FIELD_CHARS)", row=row, field=col)
    return frame


def _bad_feature(path: Path, exc: Exception) -> InputFileError:
    """The first feature whose geometry GEOS refuses (an open ring, too few points), named with the problem."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, _, wkbs, _ = pyogrio.raw.read(path, read_geometry=True)
    for row, wkb in enumerate(wkbs, start=1):
        if wkb is None:
            continue
        try:
            shapely.from_wkb(wkb)
        except shapely.errors.GEOSException as err:
            problem = str(err).split(": ", 1)[-1]
            return InputFileError(path, f"feature {row} has an invalid geometry: {problem} (a polygon's rings must "
                                        "close: the last point repeats the first)", row=row, field="geometry")
    return InputFileError(path, f"a geometry cannot be read: {exc}", field="geometry")


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """A GeoJSON / GeoPackage / shapefile as a GeoDataFrame, checked to have features and a CRS."""
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if path.suffix.lower() in {".geojson", ".json"}:
        check_text_file(path)
    elif not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)       # GDAL's "non closed ring": found per feature below
            gdf = gpd.read_file(path, engine="pyogrio")
    except shapely.errors.GEOSException as exc:
        raise _bad_feature(path, exc) from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise InputFileError(path, f"cannot read as a vector file: {exc}") from exc
    if gdf.empty:
        raise InputFileError(path, "file has no features")
    if gdf.crs is None:
        raise InputFileError(path, "file declares no CRS; expected EPSG:27700 or EPSG:4326")
    return gdf
