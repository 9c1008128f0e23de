"""Tables and cards every page shares: grids with units and frozen names, count cards."""

from __future__ import annotations

import re
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import html

from bluelight.foundation.text import fmt, percent

#: numbers right-aligned with thousands separators (the value itself, for sorting and editing, is unchanged)
NUMBER_COLUMN = {"type": "rightAligned",
                 "valueFormatter": {"function": "params.value == null ? '' : "
                                                "Number(params.value).toLocaleString('en-GB', "
                                                "{maximumFractionDigits: 6})"}}


#: a time in minutes (a column named "... min") shown as m:ss; the value stays minutes, for sorting and filtering
_SECONDS = "Math.round(Math.abs(params.value) * 60)"
MINUTES_COLUMN = {"type": "rightAligned",
                  "valueFormatter": {"function": f"params.value == null ? '' : (params.value < 0 ? '−' : '') + "
                                                 f"Math.floor({_SECONDS} / 60) + ':' + "
                                                 f"({_SECONDS} % 60 < 10 ? '0' : '') + {_SECONDS} % 60"}}


def _is_minutes(frame: pd.DataFrame, column: str) -> bool:
    """A numeric column of minutes: its name ends in the unit ``min``."""
    return str(column).endswith(" min") and _is_quantity(frame, column)


def _header(column: str, frame: pd.DataFrame) -> str:
    """A column's header in words, with its unit: minutes are shown as m:ss."""
    name = str(column).replace("_", " ")
    return name.removesuffix(" min") + " (m:ss)" if _is_minutes(frame, column) else name


def _is_quantity(frame: pd.DataFrame, column: str) -> bool:
    """A numeric column other than a year or an hour (which take no thousands separator)."""
    name = " ".join(str(column).lower().replace("_", " ").split())
    return (pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
            and name not in {"year", "from year", "financial year", "calendar year", "hour", "hour of day"})


def frame_table(frame: pd.DataFrame, *, table_id: str, page_size: int = 15, wide: tuple[str, ...] = (),
                markdown: tuple[str, ...] = (), pinned: tuple[str, ...] = ()) -> dag.AgGrid:
    """A sortable, filterable, paginated grid of a DataFrame, each column at least as wide as its content.

    Each column's least width comes from its longest value, so names are never cut off; the room left is
    shared out (flex) and headers wrap instead of widening columns. ``wide`` columns (long text) wrap their
    cells within a generous width instead of growing without end. Columns of minutes (named ``... min``) are
    shown as m:ss. ``markdown`` columns are drawn as Markdown (links within the app); ``pinned`` columns stay
    at the left while the rest scroll sideways inside the grid (the names a reader needs beside every figure).
    """
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    widths = {c: max(_content_width_px([r[c] for r in records]), _header_width_px(_header(c, frame)))
              for c in frame.columns}
    return dag.AgGrid(
        id=table_id, rowData=records,
        columnDefs=[{"field": c, "headerName": _header(c, frame), "filter": True, "sortable": True,
                     "resizable": True, "tooltipField": c, "minWidth": widths[c], "flex": 1,
                     **(MINUTES_COLUMN if _is_minutes(frame, c) else NUMBER_COLUMN if _is_quantity(frame, c) else {}),
                     **({"minWidth": 220, "flex": 3, "wrapText": True, "autoHeight": True} if c in wide else {}),
                     **({"cellRenderer": "markdown", "linkTarget": "_self", "minWidth": 220} if c in markdown else {}),
                     **({"pinned": "left", "lockPinned": True, "flex": 0,           # room for the filter icon
                         "width": widths[c] + 24}
                        if c in pinned else {})}
                    for c in frame.columns],
        defaultColDef={"wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size, "paginationPageSizeSelector": False,
                         "domLayout": "autoHeight", "enableCellTextSelection": True,
                         "suppressColumnVirtualisation": True},
        className="ag-theme-alpine", style={"width": "100%"},
    )


def _content_width_px(values: list[Any]) -> int:
    """Room for a column's longest value (as shown, with thousands separators) and the filter icon; missing
    values (None) take no room."""
    longest = max((len(f"{v:,}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v))
                   for v in values if v is not None), default=0)
    return int(min(380, max(84, 7.2 * longest + 34)))


def _header_width_px(header: str) -> int:
    """Room for a header's longest word beside the header's sort and filter icons, so that headers wrap between
    words, never inside one ("estim / ate").

    >>> _header_width_px("estimate, service left out (m:ss)") > _header_width_px("error (m:ss)")
    True
    """
    longest = max((len(w) for w in re.split(r"[\s-]+", header)), default=0)     # a break after a hyphen is fine
    return int(min(380, 8.4 * longest + 66))


def count_cards(counts: dict[str, Any]) -> html.Div:
    """A row of small cards, one per figure (numbers are formatted with thousands separators)."""
    return html.Div(className="cards", children=[
        html.Div(className="card", children=[html.Div(f"{n:,}" if isinstance(n, int) else ("–" if n is None else n),
                                                      className="card-value"),
                                             html.Div(t.replace("_", " "), className="card-label")])
        for t, n in counts.items()])


def _fmt(value: float | None, statistic: str) -> str:
    """A target's value: a share in %, a time in m:ss."""
    if value is None or value != value:
        return "n/a"
    return fmt(value, "pct" if statistic == "share_within" else "duration")


def with_change_row(table: pd.DataFrame) -> pd.DataFrame:
    """Add a row with the second row minus the first, for every numeric column."""
    if len(table) < 2:
        return table
    diff = {c: (round(table[c].iloc[1] - table[c].iloc[0], 2) if pd.api.types.is_numeric_dtype(table[c]) and
                table[c].notna().all() else None) for c in table.columns}
    diff[table.columns[0]] = "change (second − first)"
    return pd.concat([table, pd.DataFrame([diff])], ignore_index=True)


def validation_table(out: Any, *, table_id: str) -> html.Div:
    """Simulated against actual attendance for each incident set, with the static model beside it."""
    rows = []
    for s in out.sets:
        for f in s["figures"]:
            ci = f["simulated_ci95"]
            rows.append({"incidents": s["set"], "measure": f["label"], "actual %": percent(f["actual"]),
                         "simulated %": percent(f["simulated"]),
                         "simulated 95% CI": None if not ci else f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}",
                         "nearest always free %": percent(f["static_model"]),
                         "gap (points)": None if f["gap_points"] is None else round(f["gap_points"], 1),
                         "incidents used": s["incidents_used"]})
    return html.Div([frame_table(pd.DataFrame(rows), table_id=table_id, page_size=10, wide=("measure",)),
                     html.P(out.note, className="note")])
