"""The overview page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
from dash import html

from bluelight.foundation.text import mmss, profile_words
from bluelight.services.executive import cell_text

#: a cell's status: judged and met, judged and missed, judged with no target to meet, or not judged (under half of
#: the area's population inside the road data: grey, its figure describes only the part inside)
CELL_STATUS = {True: "met", False: "missed", None: "no-target"}
STATUS_WORDS = {"met": "met", "missed": "not met", "no-target": "no target", "not-judged": "not judged"}



def _data(**values: str) -> dict[str, Any]:
    """``data-*`` attributes of a cell (its status for tests and screen readers, its area and service)."""
    return {f"data-{k}": v for k, v in values.items()}

def cell_status(cell: dict[str, Any]) -> str:
    """``met``, ``missed``, ``no-target`` or ``not-judged`` (under half the area's population assessed)."""
    if not cell["judged"]:
        return "not-judged"
    return CELL_STATUS[cell["met"]]


def cell_headline(cell: dict[str, Any]) -> str:
    """The figure a cell is judged on, in a few words: ``mean 5:32 (standard 6:00)`` or ``66.8% within 6:00``."""
    standard = mmss(cell["threshold_s"])
    if cell.get("statistic") == "mean":
        return f"mean {mmss(cell['mean_s'])} (standard {standard})"
    goal = f" (goal {100 * cell['goal']:.0f}%)" if cell.get("statistic") == "share_within" and cell.get("goal") else ""
    return f"{100 * cell['share_within']:.1f}% within {standard}{goal}"


def cell_detail(cell: dict[str, Any]) -> str:
    """What a cell rests on, in a line: the share assessed, the every-vehicle-free figure, incidents checked."""
    parts = []
    if not cell["judged"]:
        parts.append(f"{100 * cell['assessed_share']:.0f}% of people assessed")
    if cell.get("busy_fraction") is not None:
        parts.append(f"vehicles busy; all free {100 * cell['free_share_within']:.0f}%")
    if cell.get("published_c1_mean_s") is not None:
        parts.append(f"published C1 mean {mmss(cell['published_c1_mean_s'])}")
    if cell.get("incidents_checked"):
        parts.append(f"{cell['incidents_checked']:,} incidents: {100 * cell['actual_share_within']:.0f}% actual, "
                     f"{100 * cell['modelled_incident_share_within']:.0f}% modelled")
    return "; ".join(parts)


def executive_grid(cells: list[dict[str, Any]], *, table_id: str) -> html.Table:
    """Areas x services as coloured cells a reader takes in at a glance.

    Each cell leads with the figure it is judged on and its status in a word, carries ``data-status``
    (``met``, ``missed``, ``no-target``, ``not-judged``; grey where under half the area is assessed) and
    holds the full sentence as its tooltip.
    """
    services = [s for s in ("fire", "police", "ambulance") if any(c["service"] == s for c in cells)]
    by = {(c["area"], c["service"]): c for c in cells}
    people = {c["area"]: (c["population"], c["assessed_share"]) for c in cells}
    head = html.Thead(html.Tr([html.Th("Area"), html.Th("People assessed")]
                              + [html.Th(s.title()) for s in services]))
    rows = []
    for area in sorted(people):
        pop, share = people[area]
        tds = [html.Th(area, scope="row"), html.Td(f"{pop * share:,.0f} of {pop:,.0f}", className="num")]
        for service in services:
            cell = by.get((area, service))
            if cell is None:
                tds.append(html.Td("–", className="cell cell-none", **_data(status="none")))
                continue
            status = cell_status(cell)
            detail = cell_detail(cell)
            tds.append(html.Td(className=f"cell cell-{status}", title=cell_text(cell),
                               **_data(status=status, area=area, service=service),
                               children=[html.Div(cell_headline(cell), className="cell-figure"),
                                         html.Div(STATUS_WORDS[status], className="cell-word")]
                               + ([html.Div(detail, className="cell-detail")] if detail else [])))
        rows.append(html.Tr(tds))
    return html.Table(id=table_id, className="matrix", children=[head, html.Tbody(rows)])


def target_text(statistic: str, threshold_s: float, goal: float | None) -> str:
    """A target in words: ``mean within 6 min``, ``90% within 10 min``."""
    minutes = f"{threshold_s / 60:g} min"
    if statistic == "share_within" and goal is not None:
        return f"{100 * goal:.0f}% within {minutes}"
    return f"{'mean' if statistic == 'mean' else '90th centile'} within {minutes}"


def kpi_card(service: str, summary: Any, *, threshold_s: float, target_text: str, met: bool | None,
             profile_key: str, incidents: Any = None, busy: dict[str, Any] | None = None) -> html.Div:
    """One service's headline figures against its standard: with vehicles busy where ``busy`` is given (the
    figures it is judged on lead), with the every-vehicle-free figures beneath."""
    def pct(v: float | None) -> str:
        return "–" if v is None or not np.isfinite(v) else f"{100 * v:.1f}%"

    def mins(v: float | None) -> str:
        return "–" if v is None or not np.isfinite(v) else mmss(v)

    status = {True: ("meets", "kpi-ok"), False: ("misses", "kpi-bad"), None: ("no target", "kpi-na")}[met]
    lead = (pct(summary.share_within_modelled), "") if busy is None else (
        pct(busy["share_within"]), f" with vehicles busy {100 * busy['busy_fraction']:.0f}% of the time")
    figures_line = (f"mean {mins(summary.mean_s)} · 90th centile {mins(summary.p90_s)}" if busy is None else
                    f"mean {mins(busy['mean_s'])}; every vehicle free: {pct(summary.share_within_modelled)} within, "
                    f"mean {mins(summary.mean_s)}, 90th centile {mins(summary.p90_s)}")
    return html.Div(className=f"card kpi {status[1]}", id=f"kpi-{service}", children=[
        html.Div(service.title(), className="kpi-title"),
        html.Div(lead[0], className="card-value"),
        html.Div(f"of population on the network reached within {mmss(threshold_s)} (m:ss){lead[1]}",
                 className="card-label"),
        html.Div(figures_line, className="kpi-line"),
        html.Div(f"{status[0]}: {target_text}", className="kpi-line"),
        html.Div(f"incidents on the network: {pct(incidents.share_within_modelled)} within, mean "
                 f"{mins(incidents.mean_s)} ({incidents.demand_on_network:,.0f} of {incidents.demand_total:,.0f})"
                 if incidents is not None and incidents.demand_on_network > 0 else "no incidents of this service loaded",
                 className="kpi-line"),
        html.Div(f"{summary.demand_off_network:,.0f} people beyond the road data · {profile_words(profile_key)}",
                 className="kpi-foot"),
    ])
