"""National: every English fire and rescue service at a glance, estimated without road data, with its error: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from dash import html

from bluelight.analysis.national import nearest
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, blocked_figure, blocked_note, parse_controls, unavailable
from bluelight.dashboard.pages.national import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.errors import AnalysisError, InputFileError, ValidationError
from bluelight.foundation.geo import to_bng
from bluelight.foundation.text import mmss
from bluelight.services.ambulance_national import run_ambulance_national
from bluelight.services.national import NationalRequest, NationalResult, run_national
from bluelight.services.session import Session

BINDINGS = [Binding("year", "nat-year"), Binding("fire_type", "nat-fire-type")]


def ambulance_view(session: Session, data_dir: Path | None) -> tuple[Any, ...]:
    """Each trust's published Category 1 mean and 90th centile beside the estimate made without it, and the error."""
    if data_dir is None:
        return (blocked_note("No data directory with england/ambulance: set BLUELIGHT_DATA_DIR."), blocked_figure(),
                blocked_figure(), "")
    try:
        result = session.cached(("national-ambulance",), lambda: run_ambulance_national(data_dir, with_areas=True))
    except (AnalysisError, InputFileError) as exc:   # the data directory's files are missing or cannot carry it
        return blocked_note(unavailable(exc)), blocked_figure(unavailable(exc)), blocked_figure(), ""
    v = result.validation
    lines = [html.P(html.B(f"{len(result.trusts)} trusts, {result.months[0]} to {result.months[1]}: "
                           f"each trust's Category 1 mean estimated with that trust left out of the fit is "
                           f"{mmss(v['c1_mean']['loo_mae_s'])} (m:ss) from its published figure on average, "
                           f"against {mmss(v['c1_mean']['baseline_loo_mae_s'])} for the mean of the other trusts.")),
             html.P(className="note", children=result.method + " " + "; ".join(
                 f"{k.replace('_', ' ').replace('c1', 'Category 1').replace('c2', 'Category 2')}: error "
                 f"{mmss(x['loo_mae_s'])}, baseline {mmss(x['baseline_loo_mae_s'])}"
                 + ("" if x["beats_baseline"] else " (rurality does not explain it)") for k, x in v.items()) + ".")]
    rows = pd.DataFrame([{"trust": t["name"], "rural population %": round(100 * t["rural_share"], 1),
                          "C1 mean published (m:ss)": mmss(t["actual"]["c1_mean_s"]),
                          "C1 mean estimated (m:ss)": mmss(t["modelled"]["c1_mean_s"]),
                          "C1 90th centile published (m:ss)": mmss(t["actual"]["c1_p90_s"]),
                          "C1 90th centile estimated (m:ss)": mmss(t["modelled"]["c1_p90_s"]),
                          "C2 mean published (m:ss)": mmss(t["actual"]["c2_mean_s"]),
                          "months": t["months"]} for t in result.trusts])
    chart = figures.published_against_estimate(
        [t["name"] for t in result.trusts], [t["actual"]["c1_mean_s"] / 60 for t in result.trusts],
        [t["modelled"]["c1_mean_s"] / 60 for t in result.trusts], what="Category 1 mean response (minutes)")
    return (html.Div(lines), figures.trust_map(result), chart,
            table_parts.frame_table(rows, table_id="nat-amb-table-grid", page_size=12,
                                    pinned=("trust",)))


def national_view(wh: Warehouse, session: Session, data_dir: Path | None, year: Any, fire_type: Any) -> tuple[Any, ...]:
    """Headline, map, validation table and trends for the year and fire type, and each control's message."""
    request, errors = parse_controls(NationalRequest, BINDINGS, [year, fire_type])
    if request is None:
        return blocked_note(), blocked_figure(), "", "", blocked_figure(), *errors
    if data_dir is None:
        why = "no data directory holds the national layers (set BLUELIGHT_DATA_DIR)"
        return blocked_note(why), blocked_figure(why), "", "", blocked_figure(why), *errors
    try:              # a year or fire type the published file does not hold is known only once it is read
        result = session.cached(("national", request), lambda: run_national(data_dir, request, with_lsoas=True,
                                                                             with_areas=True))
    except ValidationError as exc:
        return blocked_note(), blocked_figure(), "", "", blocked_figure(), *[exc.errors.get(b.field, "")
                                                                              for b in BINDINGS]
    except (AnalysisError, InputFileError) as exc:   # files missing, or too few services to fit: said in place
        why = unavailable(exc)
        return blocked_note(why), blocked_figure(why), "", "", blocked_figure(why), *errors
    roads = road_area(wh, result)

    def parts() -> tuple[Any, ...]:      # drawn once per year and fire type: a change back to one seen answers at once
        return (figures.national_headline(result, roads), figures.national_map(result),
                figures.national_map_note(result), table_parts.frame_table(national_table(result, roads),
                                                                       table_id="nat-validation", page_size=50,
                                                                       pinned=("service",)),
                figures.national_trend(result))
    return (*session.cached(("national-view", request, roads), parts), *errors)


def road_area(wh: Warehouse, result: NationalResult) -> str | None:
    """The service whose area holds the loaded road network (its road-based figures replace the estimate)."""
    bounds = wh.network_bounds() if wh.available else None
    if not bounds:
        return None
    x, y = to_bng([(bounds[0] + bounds[2]) / 2], [(bounds[1] + bounds[3]) / 2])
    lsoas = pd.DataFrame(result.lsoas)
    i, d = nearest(np.column_stack([x, y]), lsoas[["easting", "northing"]].to_numpy(float))
    return str(lsoas["service"].iloc[int(i[0])]) if d[0] < 5_000 else None


def national_table(result: NationalResult, roads: str | None) -> pd.DataFrame:
    rows = []
    for r in result.services:
        if not r["estimated"]:
            rows.append({"service": r["service"], "figures": "not estimated", "FIRE1001 drive min":
                         round(r["fire1001_drive_min"], 2), "note": r["reason"]})
            continue
        cv = r["cv_drive_min"]
        rows.append({
            "service": r["service"],
            "figures": "road data loaded: see the Overview" if r["service"] == roads else result.label,
            "stations": r["stations"], "FIRE1001 drive min": round(r["fire1001_drive_min"], 2),
            "estimate, service left out min": None if cv is None else round(cv, 2),
            "error min": None if cv is None else round(cv - r["fire1001_drive_min"], 2),
            "FIRE1001 total min": round(r["fire1001_total_min"], 2), "estimated total min": round(r["modelled_total_min"], 2),
            "urban population %": round(100 * r["urban_share"], 1),
            "turnout from duty system %": round(100 * r["turnout_from_duty_share"], 1),
            "on-call / day-crewed / wholetime": f"{r['duty']['on_call']} / {r['duty']['day_crewed']} / "
                                                f"{r['duty']['wholetime']}",
            "note": "held out of the fit" if cv is None else ""})
    return pd.DataFrame(rows)
