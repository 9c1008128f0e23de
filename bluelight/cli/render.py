"""How the CLI prints a result: JSON (``--json``), or a few lines of text a planner reads.

Each ``*_lines`` function takes one service's result (and the request when
the text quotes it) and returns the lines; nothing here computes a figure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import click

from bluelight.foundation.text import mmss, money


def json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON: report them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def plain(result: Any) -> Any:
    """A typed result as the JSON it stands for (dicts and lists pass through)."""
    if hasattr(result, "to_json"):
        return result.to_json()
    if isinstance(result, list):
        return [plain(r) for r in result]
    return result


def show(result: Any, as_json: bool, lines: Callable[..., Iterable[str]] | None = None, *args: Any) -> None:
    """Print ``result`` as JSON, or as the lines ``lines(result, *args)`` gives (load summaries by default)."""
    if as_json:
        click.echo(json.dumps(json_safe(plain(result)), indent=2, default=str, allow_nan=False))
        return
    for line in (lines or load_lines)(result, *args):
        click.echo(line)


def load_lines(result: Any) -> list[str]:
    """One line per load (with its message beneath); anything else as indented JSON."""
    out = []
    for r in (result if isinstance(result, list) else [result]):
        if isinstance(r, dict) and "status" in r and "files" in r:
            out.append(f"{r['status']:>9}  {r['dataset']:<20} read {r['rows_read']:>6}  loaded {r['rows_loaded']:>6}  "
                       f"unchanged {r['rows_unchanged']:>6}  rejected {r['rows_rejected']:>4}  {', '.join(r['files'])}"
                       + (f"\n           {r['message']}" if r.get("message") else ""))
        else:
            out.append(json.dumps(r, indent=2, default=str))
    return out


def region_lines(report: Any) -> list[str]:
    out = [f"region {report.name}: speed profile {report.profile} ({report.profile_reason})"]
    for step in report.steps:
        out.append(f"  {step.step:<26} {step.status:<9} {step.found}")
        if step.missing:
            out.append(f"  {'':<26} {'':<9} not found: {step.missing}")
    return out


def status_lines(result: dict[str, Any]) -> list[str]:
    ds = result["data_source"]
    out = [f"data source: {ds['kind']} {ds['path'] or ''}" + ("  [SYNTHETIC]" if ds["synthetic"] else "")]
    for t, n in result["tables"].items():
        out.append(f"  {t:<14} {n if n is not None else 'absent (an older warehouse: reload to add it)':>8}")
    for svc, e in result["sites"].items():
        out.append(f"  sites {svc:<10} {e['total']:>5}  {e['by_status']}  (+{e['duplicates']} duplicates)")
    if result["road_network"]:
        rn = result["road_network"]
        out.append(f"  road network: {rn['nodes']} nodes, {rn['edges']} edges, {rn['nodes_dropped']} nodes dropped")
    out.append("  recent loads (new or changed / unchanged / rejected rows):")
    for c in result["recent_changes"]:
        extra = "; ".join(f"{n} {k}" for k, n in c["site_changes"].items())
        out.append(f"    run {c['run_id']:>4} {c['at']} {c['dataset']:<22} {c['status']:<8} {c['rows_loaded']:>7} / "
                   f"{c['rows_unchanged']:>7} / {c['rows_rejected']:>5}" + (f"  sites: {extra}" if extra else ""))
    return out


def check_lines(report: dict[str, Any]) -> list[str]:
    out = [f"warehouse {'ok' if report['ok'] else 'has problems'}: {report['load_runs']} loads recorded"]
    out += [f"  repaired: {line}" for line in report["repaired"]]
    out += [f"  problem: {line}" for line in report["problems"]]
    return out


def coverage_lines(result: Any, request: Any) -> list[str]:
    out = []
    for part in [result.baseline] + ([result.scenario] if result.scenario is not None else []):
        s = part["summary"]
        out.append(f"{part['label']}: {result.service} within {request.threshold_s:.0f} s: "
                   f"{100 * (s['share_within_modelled'] or 0):.1f}% modelled with travel variability "
                   f"({100 * (s['share_within'] or 0):.1f}% on single drive times), mean "
                   f"{s['mean_s'] or float('nan'):.0f} s, p90 {s['p90_s'] or float('inf'):.0f} s; demand "
                   f"{s['demand_total']:,.0f}, off network {s['demand_off_network']:,.0f}, unreached "
                   f"{s['demand_unreached']:,.0f}  [profile {result.profile}]")
        for row in part.get("by_area", []):
            share = row.get("share_within_modelled") or row["share_within"] or 0
            out.append(f"    {row['area'] or '(no area)'}: {100 * share:.1f}% of {row['demand_on_network']:,.0f} on "
                       "the network")
    av = result.with_availability
    if av:
        out.append(f"with availability: {100 * av['first_within']['mean']:.1f}% of {av['over']} within "
                   f"{request.threshold_s:.0f} s (95% CI {100 * av['first_within']['ci95'][0]:.1f}-"
                   f"{100 * av['first_within']['ci95'][1]:.1f}%) vs {100 * av['first_within_static']['mean']:.1f}% "
                   f"with the nearest always free" if av["available"] else f"with availability: {av['reason']}")
    return out


def executive_lines(result: Any) -> list[str]:
    from bluelight.services.executive import cell_text

    sc = result.scope
    out = [f"Assessed: {sc['population_assessed']:,.0f} of {sc['population']:,.0f} people in {sc['areas']} areas "
           f"that reach into the road data; {sc['judged']} at least half inside it  [profile {result.profile}]"]
    out += [f"  {cell['area']}, {cell['service']}: {cell_text(cell)}" for cell in result.cells]
    out.append("Standards:")
    out += [f"  {line}" for line in result.standards_in_use]
    notes = sorted({c["published_summary"] for c in result.cells if c.get("published_c1_mean_s") is not None})
    out += [f"Published: the {note}." for note in notes]
    out += [f"{service.title()}: {caveat}." for service, caveat in result.caveats.items()]
    return out


def national_ambulance_lines(result: Any) -> list[str]:
    out = [f"{result.label}: {len(result.trusts)} trusts, {result.months[0]} to {result.months[1]} ({result.file})"]
    for name, v in result.validation.items():
        out.append(f"  {name.replace('_', ' ')}: leave-one-trust-out error {mmss(v['loo_mae_s'])} (m:ss), baseline "
                   f"{mmss(v['baseline_loo_mae_s'])}" + ("" if v["beats_baseline"] else "  (no better than the "
                                                         "baseline: not explained by rurality)"))
    for t in result.trusts:
        a, m = t["actual"], t["modelled"]
        out.append(f"  {t['name']}: C1 mean published {mmss(a['c1_mean_s'])}, modelled {mmss(m['c1_mean_s'])}; "
                   f"C1 90th centile {mmss(a['c1_p90_s'])} / {mmss(m['c1_p90_s'])}; rural {100 * t['rural_share']:.0f}%")
    return out


def national_fire_lines(result: Any) -> list[str]:
    m = result.model
    out = [f"{result.label}: {result.fire_type} fires {result.year}; drive = {m['start_s']:.0f} s + distance at "
           f"{m['urban_kph_straight_line']:.0f} km/h (urban) or {m['rural_kph_straight_line']:.0f} km/h (rural), "
           f"as the crow flies, fitted to {m['fitted_to']} services",
           f"leave-one-service-out error of mean drive: {result.cv_mae_drive_min:.2f} min "
           f"(bias {result.cv_bias_drive_min:+.2f}) over {result.cv_services} services"]
    ldn = result.held_out
    if ldn.get("available"):
        sample = ldn.get("incident_sample", {})
        out.append(f"{result.held_out_service} (held out): drive {ldn['modelled_drive_min']:.2f} min vs FIRE1001 "
                   f"{ldn['fire1001_drive_min']:.2f}; first pump within 6 min "
                   f"{100 * ldn['modelled_share_within_6min']:.1f}%"
                   + (f" vs {100 * sample['share_within_6min']:.1f}% in the incident sample {sample['file']} "
                      f"({sample['incidents']:,} incidents)" if sample.get("available") else ""))
    for r in result.services:
        if not r["estimated"]:
            out.append(f"  {r['service']}: not estimated: {r['reason']}")
            continue
        cv = "held out" if r["cv_drive_min"] is None else f"{r['cv_drive_min']:.2f}"
        out.append(f"  {r['service']}: drive FIRE1001 {r['fire1001_drive_min']:.2f} min, estimate {cv} (left out); "
                   f"total FIRE1001 {r['fire1001_total_min']:.2f}, estimate {r['modelled_total_min']:.2f}; "
                   f"{r['stations']} stations")
    return out


def batch_lines(result: Any) -> list[str]:
    out = [f"{result.job}: {result.tasks} tasks on {result.scheduler} ({result.workers} workers) in "
           f"{result.wall_s:.1f} s" + (f"; results in {result.out}" if result.out else "")]
    out += [f"  {r['year']} {r['fire_type']}: left-out error of mean drive {r['cv_mae_drive_min']:.2f} min over "
            f"{r['cv_services']} services" for r in result.results]
    return out


def scenario_lines(result: Any) -> list[str]:
    from bluelight.analysis.appraisal import describe

    out = [f"scenario: {result.scenario} (profile {result.profile})"]
    for service, e in result.services.items():
        ch = e["population"]["change"]
        b, a = e["population"]["before"]["summary"], e["population"]["after"]["summary"]
        out.append(f"  {service}: sites {e['sites_before']} -> {e['sites_after']}; people within "
                   f"{mmss(e['threshold_s'])} {ch['demand_within_before']:,.0f} -> {ch['demand_within_after']:,.0f};"
                   f" mean {mmss(b['mean_s'])} -> {mmss(a['mean_s'])} (m:ss)")
        for cat, c in e["incidents"].items():
            out.append(f"    {cat.replace('_', ' ')} incidents within the standard: "
                       f"{c['change']['demand_within_before']:,.0f} -> {c['change']['demand_within_after']:,.0f} of "
                       f"{c['on_network']} on the network")
    out.append("  " + describe(result.finance))
    return out


def appraisal_lines(result: Any) -> list[str]:
    from bluelight.analysis.appraisal import describe, switching_text

    out = [f"options against the do-minimum over {result.horizon_years} years (best first):"]
    for row in result.comparison:
        bcr = "" if row["bcr"] is None else f", BCR {row['bcr']:.2f}"
        pay = "" if row["payback_year"] is None else f", pays back in year {row['payback_year']}"
        out.append(f"  {row['rank']}. {row['option']}: NPSV {money(row['npsv_gbp'])}, "
                   f"{money(row['npsv_over_do_minimum_gbp'])} against the do-minimum{bcr}{pay}"
                   + ("" if row["complete"] else " (incomplete)"))
    for name, f in result.options.items():
        out.append(f"{name}: {describe(f)}")
        out += [f"    {switching_text(s)}" for s in f["sensitivity"]]
    return out


def candidates_lines(result: Any, request: Any) -> list[str]:
    out = [f"{result.pairs} cross-service pairs within {request.max_travel_s:.0f} s (profile {result.profile}); "
           f"{result.pairs_judged} can be judged by the road data"]
    for c in result.candidates:
        released = c["running_cost_released_gbp_pa"]
        out.append(f"  {c['move_name']} ({c['service']}) into {c['into_name']} ({c['into_service']}), "
                   f"{c['drive_s']:.0f} s away: cover {100 * c['share_within_before']:.1f}% -> "
                   f"{100 * c['share_within_after']:.1f}%; running cost released "
                   + ("not recorded" if released is None else f"£{released:,.0f} a year") + f"; capacity {c['capacity']}"
                   + ("" if c["meets_standard_after"] else "  [below standard]")
                   + ("" if c["judged"] else f"  [not judged: {100 * c['unseen_demand_share']:.0f}% of the "
                                             "population in reach is beyond the road data]"))
    out.append(result.caveat)
    return out


def dap_lines(result: Any, request: Any) -> list[str]:
    from bluelight.services.dap import travel_times_text

    out = []
    for name, r in result.bands.items():
        b, a, e = r.before, r.after, r.expected_share_within
        out.append(f"{name}: {r.demand['kind']} demand {r.demand_total:,.1f} incidents a year; {request.model} "
                   f"posts: {', '.join(p['name'] for p in r.posts)} ({r.model['status']}, "
                   f"gap {r.model['mip_gap']:.1e}); {travel_times_text(r.travel_times)}")
        out.append(f"  within {request.threshold_s:.0f} s: {100 * b['share_within']:.1f}% -> "
                   f"{100 * a['share_within']:.1f}% with every vehicle free; {100 * e['before']:.1f}% -> "
                   f"{100 * e['after']:.1f}% expected with vehicles busy {100 * e['busy_fraction']:.0f}% of the time; "
                   f"mean {b['mean_s']:.0f} -> {a['mean_s']:.0f} s")
        if r.nested:
            out.append("  fill order (nested): " + " -> ".join(n["added"] for n in r.nested)
                       + f"; cost of nesting at k = {len(r.nested)}: "
                       f"{r.nested[-1].get('cost_of_nesting', 0):,.1f} ({r.objective_units})")
        sim = r.simulated
        last = r.compliance[-1] if r.compliance else {}
        if sim["available"] and "simulated_share_within" in last:
            out.append(f"  simulated with busy vehicles ({sim['vehicles']} ambulances): "
                       f"{100 * sim['baseline']['share_within']['mean']:.1f}% -> "
                       f"{100 * last['simulated_share_within']:.1f}% "
                       f"(95% CI {100 * last['simulated_ci95'][0]:.1f}-{100 * last['simulated_ci95'][1]:.1f})")
        elif not sim["available"]:
            out.append(f"  not simulated: {sim['reason']}")
    return out


def coresponding_lines(result: Any) -> list[str]:
    out = result.to_json()
    s = out["summary"]
    lines = [f"{s['enrolled_stations']} stations co-responding; fire first for {100 * s['share_fire_first']:.1f}% "
             f"of expected arrests (median {s['minutes_saved_median'] or 0:.1f} min saved); expected survivors "
             f"{s['survivors_without']:.2f} -> {s['survivors_with']:.2f} a year "
             f"(+{s['additional_survivors']:.2f}; model {s['survival_model']})"]
    sim = out["fire_cover_simulated"]
    if sim["available"]:
        c = sim["change"]
        lines.append(f"fire calls with the first pump within {sim['threshold_s'] / 60:g} min, simulated: "
                     f"{100 * sim['fire_first_within_alone']['mean']:.2f}% -> "
                     f"{100 * sim['fire_first_within_with_coresponding']['mean']:.2f}% with co-responding "
                     f"({100 * c['mean']:+.3f} points, 95% CI {100 * c['ci95'][0]:+.3f} to {100 * c['ci95'][1]:+.3f};"
                     f" {sim['coresponder_calls_per_year']:,.0f} co-responder calls a year)")
    else:
        lines.append(f"fire cover not simulated: {sim['reason']}")
    lines += [f"  {r['name']}: +{r['additional_survivors']:.3f} survivors a year, fire cover at risk while away "
              f"{100 * r['fire_share_at_risk_while_away']:.1f}% x busy {100 * r['busy_fraction']:.2f}%"
              for r in out["stations"][:10]]
    return lines


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def validation_lines(out: Any) -> list[str]:
    lines = []
    for s in out.sets:
        lines.append(f"{s['set']}: {s['incidents_used']} incidents on the network")
        for f in s["figures"]:
            ci = f["simulated_ci95"]
            lines.append(f"  {f['label']}: actual {_pct(f['actual'])}, simulated {_pct(f['simulated'])}"
                         + (f" (95% CI {_pct(ci[0])}-{_pct(ci[1])})" if ci else "")
                         + (f", static model {_pct(f['static_model'])}" if f["static_model"] is not None else ""))
    return lines


def simulation_lines(out: Any, request: Any) -> list[str]:
    lines = []
    parts = [("baseline", out.baseline)] + ([(out.scenario["name"], out.scenario)] if out.scenario else [])
    for label, part in parts:
        fw, st, cr = part["first_within"], part["first_within_static"], part["not_nearest_share"]
        lines.append(f"{label}: {out.service} first vehicle within {request.threshold_s / 60:g} min "
                     f"{100 * fw['mean']:.1f}% with availability (95% CI {100 * fw['ci95'][0]:.1f}-"
                     f"{100 * fw['ci95'][1]:.1f}%) vs {100 * st['mean']:.1f}% if the nearest were always free; "
                     f"{100 * cr['mean']:.1f}% answered by other than the nearest station; mean vehicle utilisation "
                     f"{100 * part['mean_utilisation']['mean']:.1f}%  [{out.inputs['vehicles']} vehicles, "
                     f"{out.inputs['calls_per_year']:,.0f} calls a year, {request.replications} replications]")
        lines += [f"  warning: {w}" for w in part["warnings"]]
    lines += [f"  {r['name']}: {r['jobs_change_per_year']:+,.0f} vehicle jobs a year"
              for r in (out.workload_change or [])[:10]]
    return lines


def facility_lines(result: Any, request: Any) -> list[str]:
    p, k = result.plan, request.k
    return [f"{k} facilit{'y' if k == 1 else 'ies'} for {result.users} {'/'.join(result.user_services)} "
            f"sites ({request.objective}): {', '.join(p['chosen_names'])}; {p['trip_hours_per_year']:,.0f} trip "
            f"hours a year, mean trip {p['mean_trip_s']:.0f} s, worst {p['worst_trip_s']:.0f} s; annual cost "
            + (f"£{p['annual_cost_gbp']:,.0f}" if p["annual_cost_gbp"] is not None else
               f"not recorded for {', '.join(p['cost_missing_for'])}") + f"  [solver: {p['status']}]"]


def users_lines(rows: list[dict[str, Any]]) -> list[str]:
    out = [f"{r['username']:<24} {r['role']:<8} {r['origin']:<6} since {r['created_at']}" for r in rows]
    return out or ["no accounts: the dashboard serves this machine only, without sign-in"]


def audit_lines(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{r['at']}  {r['username'] or '-':<20} {r['role'] or '-':<8} {r['action']:<15} "
            f"{r['tier'] or '':<18} {r['detail'] or ''}" for r in rows]


def calibration_lines(typed: Any) -> list[str]:
    """``bluelight calibrate`` without ``--json``: each model's error, then by distance and traffic period."""
    result = typed.to_json()
    lines = [f"file: {result['file']}", "observations: " + ", ".join(f"{k} {v}" for k, v in result["observations"].items())]
    if "fitted_profile" in result:
        turns = result.get("turn_penalty_s", {})
        lines += [f"fitted {result['fitted_profile']} from {result['base_profile']}, written to {result['written_to']}",
                  f"turnout over all hours {result['turnout_s']:.0f} s; speeds "
                  + ", ".join(f"{c} {v:.1f} km/h" for c, v in result["speeds_kph"].items()),
                  "junction delays: " + (", ".join(f"{k} {v:.1f} s" for k, v in result["junction_delay_s"].items())
                                         or "none fitted"),
                  "turn penalties: " + (", ".join(f"{k} {v:.1f} s" for k, v in turns.items()) or "none fitted")
                  + (" (routed on the edge-based network)" if any(v > 0 for v in turns.values()) else ""),
                  "traffic periods: " + (", ".join(f"{b} turnout {v['turnout_s']:.0f} s, drive x{v['drive_factor']:.3f}"
                                              for b, v in result["hour_bands"].items()) or "one for all hours")]
    models = ([result["cross_validated"] | {"name": f"{result['fitted_profile']}, cross-validated by "
                                                    f"{result['cv_grouping']} ({result['cv_folds']} folds)"}]
              if result.get("cross_validated") else []) + result.get("models", result.get("in_sample", []))
    for m in models:
        lines.append(f"{m['name']}: mean absolute error {m['mae_s']:.1f} s, bias {m['bias_s']:+.1f} s, within 6 min "
                     f"modelled {100 * m['modelled_share_within_6min']:.1f}% vs actual "
                     f"{100 * m['actual_share_within_6min']:.1f}% (n {m['n']})")
        for title, rows in (("by distance", m.get("by_distance", [])),
                            ("by traffic period", m.get("by_hour_band", []))):
            for r in rows:
                lines.append(f"    {title} {r['band']}: n {r['n']}, MAE {r['mae_s']:.0f} s, bias {r['bias_s']:+.0f} s, "
                             f"within 6 min {100 * r['modelled_share_within']:.0f}% modelled / "
                             f"{100 * r['actual_share_within']:.0f}% actual"
                             + ("" if r["enough"] else "  (too few calls to judge)"))
    return lines


def closure_sweep_lines(result: Any) -> list[str]:
    from bluelight.services.sweep_closures import RANK_WORDS

    b = result.baseline
    out = [f"{result.service} stations closed in turn ({b['stations']} on the road network, {b['vehicles']} vehicles; "
           f"{len(result.not_swept)} off it not swept), ranked by {RANK_WORDS[result.rank_by]}",
           f"  calls: {result.arrivals_note}; {result.replications} replications, seed {result.seed}, on "
           f"{result.scheduler} ({result.workers} workers) in {result.wall_s:.1f} s",
           f"  baseline: mean first response {mmss(b['first_mean_s'])}, {100 * b['first_within']:.1f}% within "
           f"{mmss(result.threshold_s)}, {b['calls_pa']:,.0f} calls a year",
           f"  {'rank':>4}  {'site':<28} {'added mean':>10} {'95% interval':>15} {'beyond a year':>13} "
           f"{'people beyond':>13} {'calls a year':>12}"]
    for r in result.sites:
        lo, hi = r["added_mean_response_ci95"]
        people = "-" if r["people_beyond_standard"] is None else f"{r['people_beyond_standard']:,.0f}"
        out.append(f"  {r['rank']:>4}  {r['name'][:28]:<28} {r['added_mean_response_s']:>+9.1f}s "
                   f"{f'{lo:+.1f} to {hi:+.1f}':>15} {r['incidents_beyond_standard_pa']:>13,.0f} {people:>13} "
                   f"{r['calls_pa']:>12,.0f}" + ("  at the edge of the road data" if r["at_edge"] else ""))
    if result.calls_harm_spearman is not None:
        out.append(f"  calls against harm: rank correlation {result.calls_harm_spearman:+.2f} (1: the busiest site is "
                   "always the one that matters most)")
    return out


def colocation_sweep_lines(result: Any) -> list[str]:
    out = [f"co-location pairs within {mmss(result.max_travel_s)} run as scenarios: {result.pairs} "
           f"({result.pairs_judged} judged), on {result.scheduler} in {result.wall_s:.1f} s"]
    out += [f"  {service} simulated: {note}" for service, note in result.simulated.items()]
    out += [f"  {service} not simulated: {why}" for service, why in result.not_simulated.items()]
    for r in result.ranked:
        added = "not simulated" if r["added_mean_response_s"] is None else \
            f"{r['added_mean_response_s']:+.1f} s mean first response"
        npv = f"NPV {money(r['npv_gbp'])}" if r["npv_gbp"] is not None else \
            f"finance: {len(r['finance_missing'])} figures missing"
        out.append(f"  {r['rank']:>4}  {r['move_name']} ({r['service']}) into {r['into_name']} ({r['into_service']}): "
                   f"{added}; {npv}" + ("" if r["judged"] else "; not judged (near the edge of the road data)"))
    return out


def parameter_sweep_lines(result: Any) -> list[str]:
    out = [f"{result.scenario}: {result.service} simulated at each value of {result.parameter_words} "
           f"({result.replications} replications, seed {result.seed}, {result.wall_s:.1f} s)",
           f"  calls: {result.arrivals_note}",
           f"  {'value':>8}  {'mean before':>11} {'mean after':>10} {'change':>8} {'95% interval':>17}  "
           f"{'within ' + mmss(result.threshold_s) + ' before':>20} {'after':>7}"]
    for p in result.points:
        lo, hi = p["added_mean_response_ci95"]
        out.append(f"  {p['value']:>8g}  {mmss(p['before_mean_s']):>11} {mmss(p['after_mean_s']):>10} "
                   f"{p['added_mean_response_s']:>+7.1f}s {f'{lo:+.1f} to {hi:+.1f} s':>17}  "
                   f"{100 * p['before_within']:>19.1f}% {100 * p['after_within']:>6.1f}%")
    return out
