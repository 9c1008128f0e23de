"""Dynamic Activation Posts: where ambulances should wait in each time band, and what that gains: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from dash import html

from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, blocked_figure, blocked_note, parse_controls
from bluelight.dashboard.pages.dap import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.config_files import config_words
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.text import mmss
from bluelight.foundation.vocab import category_words
from bluelight.services.dap import (
    MODEL_WORDS,
    DapBandPlan,
    DapRequest,
    band_words,
    plan_band,
    travel_times_text,
)
from bluelight.services.dap_export import plan_export
from bluelight.services.session import Session

MODEL_LABELS = MODEL_WORDS


CANDIDATE_WORDS = {"fire": "fire stations", "police": "police stations", "ambulance": "ambulance stations",
                   "hospital": "hospitals", "road": "standby points on the road"}


#: the page's controls, in the order of the callbacks' inputs, bound to the fields of :class:`DapRequest`
BINDINGS = [Binding("k", "dap-k"), Binding("model", "dap-model"), Binding("threshold_s", "dap-threshold", scale=60),
            Binding("threshold2_s", "dap-threshold2", scale=60), Binding("alpha", "dap-alpha"),
            Binding("candidates", "dap-candidates"), Binding("band", "dap-band"),
            Binding("busy_fraction", "dap-busy"), Binding("max_snap_m", "dap-snap"), Binding("forced", "dap-force"),
            Binding("excluded", "dap-exclude")]


def parse(*values: Any) -> tuple[DapRequest | None, list[str]]:
    """The request from the controls' values (``BINDINGS`` order), and one error text per control."""
    return parse_controls(DapRequest, BINDINGS, values)


def parse_request(*values: Any) -> DapRequest:
    """The request from valid control values (raises :class:`ValidationError` naming every invalid field)."""
    return DapRequest.parse(**{b.field: v * b.scale if b.scale != 1 and v is not None else v
                               for b, v in zip(BINDINGS, values)})


def update_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
    """Everything the page shows for its controls (``BINDINGS`` order), and the message beside each invalid one."""
    request, errors = parse(*values)
    if request is None:
        return (blocked_figure(), blocked_note(), blocked_figure(), "", blocked_note(), "", *errors)
    try:
        result = plan_band(session, request)
    except AnalysisError as exc:       # a plan that cannot be made: clear the old one, say why beside "Ambulances"
        text = str(exc)
        return (blocked_figure(), blocked_note(text), blocked_figure(), "", blocked_note(text), "",
                text, *errors[1:])
    return *dap_view(wh, session, request, result), *errors


def bands_frame(results: dict[str, DapBandPlan]) -> pd.DataFrame:
    """One row per band: demand, chosen posts and the cover they give."""
    rows = []
    for band, r in results.items():
        e, b, a = r.expected_share_within, r.before, r.after
        rows.append({"band": band, "demand a year": round(r.demand_total, 1),
                     "posts": ", ".join(p["name"] for p in r.posts),
                     "open candidates": r.candidates["open_in_band"],
                     "share within standard % (before → after)":
                         f"{100 * b['share_within_modelled']:.1f} → {100 * a['share_within_modelled']:.1f}",
                     "expected with busy vehicles % (before → after)":
                         f"{100 * e['before']:.1f} → {100 * e['after']:.1f}",
                     "mean s (before → after)": f"{b['mean_s']:.0f} → {a['mean_s']:.0f}",
                     "status": r.model["status"]})
    return pd.DataFrame(rows)


def compliance_frame(result: DapBandPlan) -> pd.DataFrame:
    return pd.DataFrame(result.compliance)


def exportable(result: DapBandPlan, request: DapRequest, session: Session) -> dict[str, Any]:
    """The plan as JSON: inputs, parameters and sources with the figures (what ``bluelight dap --json`` gives)."""
    return result.to_json() | {"request": asdict(request), "profile": session.profile.key,
                               "rules": asdict(result.rules)}


def candidate_options(session: Session) -> list[dict[str, Any]]:
    """Every fire and police station that could hold a post, by name (the value is its site id)."""
    sites = pd.concat([session.sites("fire"), session.sites("police")], ignore_index=True)
    sites = sites[sites["node"] >= 0].sort_values("name")
    return [{"label": f"{n} ({svc})", "value": i} for n, svc, i in zip(sites["name"], sites["service"],
                                                                      sites["site_id"])]


def nested_table(result: DapBandPlan) -> html.Div | html.P:
    """The fill order: posts added one at a time, with what nesting costs against each independent optimum."""
    rows = pd.DataFrame(result.nested)
    if rows.empty:
        return html.P(f"No fill order: {result.nested_note}.", className="note")
    shown = pd.DataFrame({"ambulances free": rows["ambulances_free"], "add this post": rows["added"],
                          "posts filled": rows["posts"], "objective": rows["objective"].round(1),
                          "gain": rows["gain"].round(1),
                          "independent optimum": rows.get("optimum_objective", pd.Series(dtype=float)).round(1),
                          "cost of nesting": rows.get("cost_of_nesting", pd.Series(dtype=float)).round(1),
                          "share within standard %": (100 * rows["share_within"]).round(1)})
    return html.Div([html.H3("Fill order (nested plans)"),
                     table_parts.frame_table(shown, table_id="dap-nested-table", page_size=10, wide=("posts filled",)),
                     html.P(f"Objective and gain in {result.objective_units}. {result.nested_note}.",
                            className="note")])


def dap_view(wh: Warehouse, session: Session, request: DapRequest, result: DapBandPlan) -> tuple[Any, ...]:
    """Map, before/after table, gain curve, compliance table, demand note and sources for one plan."""
    pts = result.points            # zones carry lon / lat from the warehouse
    demand = result.demand
    title = (f"{request.band}: {demand['kind']} demand, {MODEL_LABELS[request.model]}, "
             f"{request.k} posts, standard {request.threshold_s / 60:g} min; "
             f"{travel_times_text(result.travel_times)}")
    fig = figures.demand_posts_map(pts, stations=visible_sites(result.stations),
                                   candidates=visible_sites(result.candidates_frame), chosen=result.model["chosen"],
                                   roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds(),
                                   title=title)
    table = compliance_frame(result)
    covering = request.model != "pmedian"
    curve = figures.gain_curve(table, y="share_within" if covering else "mean_s",
                               y_label=f"share within {request.threshold_s / 60:g} min" if covering
                               else "mean response s", title="Marginal gain: 1..k ambulances posted")
    table = table.drop(columns=["chosen"], errors="ignore")         # rows of the candidates, for the JSON
    if "simulated_share_within" in table.columns:
        table = table.assign(simulated_share_within=(100 * table["simulated_share_within"]).round(1),
                             simulated_ci95=table["simulated_ci95"].map(
                                 lambda c: f"{100 * c[0]:.1f}–{100 * c[1]:.1f}" if isinstance(c, list) else None),
                             simulated_gain=(100 * table["simulated_gain"]).round(1),
                             simulated_mean_s=table["simulated_mean_s"].round(0))
    shown = table.assign(share_within=(100 * table["share_within"]).round(1),
                         share_within_gain=(100 * table["share_within_gain"]).round(1),
                         objective=table["objective"].round(2), gain=table["gain"].round(2),
                         mean_s=table["mean_s"].round(0), p90_s=table["p90_s"].round(0),
                         mip_gap=table["mip_gap"].map(lambda g: f"{g:.1e}")).rename(
        columns={"share_within": "share within standard %", "share_within_gain": "gain in share, points",
                 "simulated_share_within": "simulated, busy vehicles %", "simulated_ci95": "simulated 95% CI",
                 "simulated_gain": "simulated gain, points", "simulated_mean_s": "simulated mean s"})
    return (map_parts.with_tiles(fig, wh.web_tiles),
            table_parts.frame_table(figures.dap_summary_table(result), table_id="dap-summary-table", page_size=12),
            curve, html.Div([table_parts.frame_table(shown, table_id="dap-compliance-table", page_size=10),
                             html.P(f"Objective and gain in {result.objective_units}.", className="note"),
                             simulated_note(result.simulated), nested_table(result)]),
            demand_note(result), sources_panel(result))


def dap_report(wh: Warehouse, session: Session, request: DapRequest, result: DapBandPlan, *,
               tier: str) -> reports.Report:
    """A DAP plan as a report a control room can adopt: posts, fill order, compliance, demand and rules."""
    fig = figures.demand_posts_map(result.points, stations=visible_sites(result.stations),
                                   candidates=visible_sites(result.candidates_frame),
                                   chosen=result.model["chosen"], roads=None,
                                   boundaries=wh.boundaries_geojson("borough"), title="")
    e, sim = result.expected_share_within, result.simulated
    comp = plan_export(result, request, profile=session.profile.key).drop(
        columns=["posts (site ids)", "time band", "model", "standard (m:ss)", "travel times", "speed profile"])
    nested = pd.DataFrame(result.nested).drop(columns=["chosen"], errors="ignore").rename(columns={
        "ambulances_free": "ambulances free", "added": "post added", "posts": "posts filled",
        "share_within": "share within standard", "mean_s": "mean response (m:ss)",
        "optimum_objective": "independent optimum", "cost_of_nesting": "cost of nesting"})
    headline = (f"{request.k} posts ({', '.join(p['name'] for p in result.posts)}): expected share reached by a "
                f"free ambulance within {mmss(request.threshold_s)} (m:ss) {100 * e['before']:.1f}% -> "
                f"{100 * e['after']:.1f}%" + (f"; simulated with busy vehicles "
                f"{100 * sim['baseline']['share_within']['mean']:.1f}% -> "
                f"{100 * result.compliance[-1]['simulated_share_within']:.1f}%" if sim.get("available")
                and "simulated_share_within" in result.compliance[-1] else "") + ".")
    rules = result.rules
    return reports.Report(
        title=f"Dynamic Activation Posts: {band_words(request.band)}, {MODEL_LABELS[request.model]}",
        headline=headline,
        asked={"Time band": band_words(request.band), "Model": MODEL_LABELS[request.model],
               "Ambulances to post": str(request.k), "Standard": f"{mmss(request.threshold_s)} (m:ss)",
               "Candidates": ", ".join(request.candidates),
               "Forced posts": ", ".join(result.forced) or "none",
               "Excluded posts": ", ".join(result.excluded) or "none",
               "Demand": f"{result.demand['kind']} ({result.demand_total:,.0f} incidents a year)"},
        figures=[("Demand (blue, by incidents a year), ambulance stations (green), candidate posts (dark) and the "
                  "chosen posts (red in a white ring).", reports.static_map(fig))],
        tables=[reports.Table("Before and after", figures.dap_summary_table(result)),
                reports.Table("Compliance: with n ambulances free, fill these posts", comp,
                              note=f"Objective and gain in {result.objective_units}."),
                reports.Table("Fill order (nested plans)", nested,
                              {"ambulances free": "int", "objective": "num1", "gain": "num1",
                               "share within standard": "pct", "mean response (m:ss)": "duration",
                               "independent optimum": "num1", "cost of nesting": "num1"},
                              note=result.nested_note)],
        assumptions=[f"busy fraction {result.settings['busy_fraction']}: {rules.sources['busy_fraction']}",
                     f"activation at a post: {rules.sources['activation']}",
                     *([f"simulation: {sim['method']}"] if sim.get("available") else [])],
        tier=tier, **reports.provenance_and_error(wh, session))


def simulated_note(sim: dict[str, Any]) -> html.P:
    """How the simulated columns were made, or why there are none."""
    if not sim["available"]:
        return html.P(f"No simulated shares: {sim['reason']}.", className="note blocked")
    base = sim["baseline"]["share_within"]
    return html.P(className="note", children=[
        f"Simulated: {sim['method']}. With every vehicle at its station "
        f"{100 * base['mean']:.1f}% ({100 * base['ci95'][0]:.1f}–{100 * base['ci95'][1]:.1f}) of calls are reached "
        f"within the standard; mean vehicle busy {100 * sim['baseline']['mean_utilisation']['mean']:.0f}%.",
        *[html.B(f" {w}.") for w in sim["warnings"]]])


def demand_note(result: DapBandPlan) -> html.Div:
    d, m = result.demand, result.model
    if d["kind"] == "expected":
        what = (f"Expected demand (no ambulance incidents are loaded): population by age x per-person rates x the "
                f"band's share of the week ({100 * d['band_share_of_year']:.1f}%), {category_words(d['category'])}; the "
                f"categories' shares from {d.get('category_share_from', 'config/ambulance_demand.yaml')}.")
    else:
        v = d.get("validation")
        check = (f" Kernel bandwidth {d['bandwidth_m']:.0f} m blended with {100 * d['population_share']:.0f}% "
                 f"population share, both chosen on held-out weeks; on the last "
                 f"{v['test_weeks']} weeks its Poisson deviance is {100 * v['improvement_vs_counts']:.0f}% lower "
                 f"than raw counts and {100 * v['improvement_vs_population']:.0f}% lower than population share."
                 if v else f" {d.get('note', '')}")
        what = (f"Observed demand: {d['incidents']:,} ambulance incidents in this band over {d['weeks']} weeks "
                f"({d['selection']}).{check}")
    return html.Div([html.B(f"{d['kind'].title()} demand. "), what,
                     html.Span(f" {result.demand_total:,.0f} incidents a year at {result.demand_points:,} "
                               f"zones on the road network; {result.candidates['open_in_band']} of "
                               f"{result.candidates['total']} candidate posts open in this band. Solver: "
                               f"{m['status']}, gap {m['mip_gap']:.1e}, build {m['build_s']:.2f} s, "
                               f"solve {m['solve_s']:.2f} s.")])


def sources_panel(result: DapBandPlan) -> html.Div | html.Ul:
    d, rules = result.demand, result.rules
    items = [html.Li([html.B("busy fraction: "), f"{result.settings['busy_fraction']} — {rules.sources['busy_fraction']}"]),
             html.Li([html.B("activation at a post: "), rules.sources["activation"]]),
             html.Li([html.B("opening hours: "), ", ".join(f"{k}: {v[0]:02d}-{v[1]:02d}" if v else f"{k}: never"
                                                           for k, v in rules.opening_hours.items()),
                      f" (open for at least {rules.min_open_share:.0%} of the band)"])]
    if d["kind"] == "expected":
        rates = d["rates"]
        items += [html.Li([html.B(f"{k.replace('_', ' ')}: "), v]) for k, v in rates["sources"].items()]
        items.append(html.Li([html.B("rates per 1,000 a year by age: "),
                              ", ".join(f"{a} {r:g}" for a, r in rates["per_1000_per_year"].items()),
                              f" ({config_words(rates['origin'])}; edit it to change them)"]))
    return html.Ul(items)
