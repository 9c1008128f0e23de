"""The overview page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dash import html

from bluelight.services.executive import cell_text


def executive_table(cells: list[dict]) -> pd.DataFrame:
    """The executive matrix as areas x services, with each area's population assessed first."""
    matrix = pd.DataFrame(cells)
    wide = matrix.assign(cell=[cell_text(r) for r in cells]).pivot(index="area", columns="service",
                                                                        values="cell")
    wide = wide[[s for s in ("fire", "police", "ambulance") if s in wide.columns]]
    population = matrix.drop_duplicates("area").set_index("area")
    wide.insert(0, "population assessed", [f"{population.loc[a, 'population'] * population.loc[a, 'assessed_share']:,.0f}"
                                          f" of {population.loc[a, 'population']:,.0f}" for a in wide.index])
    return wide.reset_index().sort_values("area")


def target_text(statistic: str, threshold_s: float, goal: float | None) -> str:
    """A target in words: ``mean within 6 min``, ``90% within 10 min``."""
    minutes = f"{threshold_s / 60:g} min"
    if statistic == "share_within":
        return f"{100 * goal:.0f}% within {minutes}"
    return f"{'mean' if statistic == 'mean' else '90th centile'} within {minutes}"


def kpi_card(service: str, summary, *, threshold_s: float, target_text: str, met: bool | None,
             profile_key: str, incidents=None, busy: dict | None = None) -> html.Div:
    """One service's headline figures against its standard: with vehicles busy where ``busy`` is given (the
    figures it is judged on lead), with the every-vehicle-free figures beneath."""
    def pct(v):
        return "–" if v is None or not np.isfinite(v) else f"{100 * v:.1f}%"

    def mins(v):
        return "–" if v is None or not np.isfinite(v) else f"{v / 60:.1f} min"

    status = {True: ("meets", "kpi-ok"), False: ("misses", "kpi-bad"), None: ("no target", "kpi-na")}[met]
    lead = (pct(summary.share_within_modelled), "") if busy is None else (
        pct(busy["share_within"]), f" with vehicles busy {100 * busy['busy_fraction']:.0f}% of the time")
    figures_line = (f"mean {mins(summary.mean_s)} · 90th centile {mins(summary.p90_s)}" if busy is None else
                    f"mean {mins(busy['mean_s'])}; every vehicle free: {pct(summary.share_within_modelled)} within, "
                    f"mean {mins(summary.mean_s)}, 90th centile {mins(summary.p90_s)}")
    return html.Div(className=f"card kpi {status[1]}", id=f"kpi-{service}", children=[
        html.Div(service.title(), className="kpi-title"),
        html.Div(lead[0], className="card-value"),
        html.Div(f"of population on the network reached within {threshold_s / 60:g} min{lead[1]}",
                 className="card-label"),
        html.Div(figures_line, className="kpi-line"),
        html.Div(f"{status[0]}: {target_text}", className="kpi-line"),
        html.Div(f"incidents on the network: {pct(incidents.share_within_modelled)} within, mean "
                 f"{mins(incidents.mean_s)} ({incidents.demand_on_network:,.0f} of {incidents.demand_total:,.0f})"
                 if incidents is not None and incidents.demand_on_network > 0 else "no incidents of this service loaded",
                 className="kpi-line"),
        html.Div(f"{summary.demand_off_network:,.0f} people beyond the road data · profile {profile_key}",
                 className="kpi-foot"),
    ])
