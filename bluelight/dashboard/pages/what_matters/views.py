"""What matters most: every station closed in turn, ranked by harm: what the page shows, as plain functions of
the controls and the engine's answer."""

from __future__ import annotations

from typing import Any

from dash import html

from bluelight.dashboard import layers
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, blocked_figure, blocked_note, parse_controls, unavailable
from bluelight.dashboard.pages.what_matters import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.config_files import config_words
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.text import mmss, profile_words
from bluelight.services.session import Session
from bluelight.services.sweep_closures import RANK_WORDS, ClosureSweepRequest, run_closure_sweep

BINDINGS = [Binding("service", "wm-service"), Binding("rank_by", "wm-rank"), Binding("arrivals", "wm-arrivals"),
            Binding("replications", "wm-reps"), Binding("seed", "wm-seed"),
            Binding("vehicles_per_station", "wm-vehicles"), Binding("threshold_s", "wm-threshold", scale=60),
            Binding("traffic_period", "wm-traffic-period")]

#: the page's default replications: enough for intervals of a few seconds, quick enough to wait for
PAGE_REPLICATIONS = 5


def parse(*values: Any) -> tuple[ClosureSweepRequest | None, list[str]]:
    return parse_controls(ClosureSweepRequest, BINDINGS, values)


def sweep_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
    """The page's parts for the controls (summary, map, scatter, table) and the message beside each invalid one."""
    request, errors = parse(*values)
    if request is None:
        return blocked_note(), blocked_figure(), blocked_figure(), "", *errors
    try:
        out = run_closure_sweep(session, request)
    except AnalysisError as exc:
        return blocked_note(unavailable(exc)), blocked_figure(""), blocked_figure(""), "", *errors
    words = RANK_WORDS[request.rank_by]
    sites = visible_sites(session.sites(request.service))
    harm = figures.harm_map(out.sites, sites, rank_by=request.rank_by, rank_words=words, roads=layers.roads(),
                            boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
    scatter = figures.calls_harm_figure(out.sites, rank_by=request.rank_by, rank_words=words,
                                        spearman=out.calls_harm_spearman)
    table = table_parts.frame_table(figures.ranked_frame(out.sites, service=request.service), table_id="wm-table",
                                    page_size=15, markdown=("scenario",), pinned=("rank", "station"))
    return summary(out, words), map_parts.with_tiles(harm, wh.web_tiles), scatter, table, *errors


def summary(out: Any, words: str) -> html.Div:
    """Cards for the worst closure and the baseline, and what the figures rest on."""
    worst = out.sites[0] if out.sites else None
    cards = table_parts.count_cards({
        "stations closed in turn": len(out.sites),
        "closure that hurts most": worst["name"] if worst else "–",
        "its added mean first response": f"{worst['added_mean_response_s']:+.1f} s" if worst else "–",
        f"its incidents a year beyond the {mmss(out.threshold_s)} (m:ss) standard":
            f"{worst['incidents_beyond_standard_pa']:,.0f}" if worst else "–",
        "calls against harm (rank correlation)": "–" if out.calls_harm_spearman is None
        else f"{out.calls_harm_spearman:+.2f}"})
    note = html.P(className="note", children=(
        f"{figures.baseline_words(out)} Ranked by {words}. Each closure takes the station's vehicles out and "
        f"re-dispatches its calls; {out.arrivals_note}; {out.replications} replications on the same calls as the "
        f"baseline (seed {out.seed}), so each interval is of the difference itself. Standard {mmss(out.threshold_s)}; "
        f"{profile_words(out.profile)}. {len(out.not_swept)} of the service's stations lie off the road data and "
        f"are not swept."))
    inputs = out.inputs
    settings = config_words(inputs["settings"])
    given = html.Ul([
        html.Li(f"Vehicles per station: {inputs['vehicles_per_station']:g} on average ("
                + ("as entered" if inputs["vehicles_per_station_from"] == "entered" else settings)
                + "; change it in the field above)."),
        html.Li("Time at the scene: " + inputs["on_scene"].replace(f"{inputs['settings']}: on_scene.{out.service}",
                                                                    settings) + "."),
        *[html.Li([html.B(f"{k.replace('_', ' ')}: "), v]) for k, v in inputs["sources"].items()]])
    return html.Div([cards, note, html.Details([html.Summary("Inputs and their sources"), given])])
