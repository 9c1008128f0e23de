"""One report builder for every page that exports: a self-contained HTML file that renders from disk, and its PDF.

A :class:`Report` holds what a board needs to accept a figure: what was
asked, what changes, the maps and curves, the tables in the formats people
read (£ with thousands separators and no pence, shares to one decimal,
discount factors to four places, times in minutes and seconds), the
assumptions and missing figures, where the data came from (each load with
its SHA-256), the travel model's measured error, the date, the profile and
the data tier. :func:`to_html` inlines plotly.js and every datum, so nothing
is fetched. The maps are redrawn as SVG (:func:`static_map`), because the
WebGL map cannot draw from a ``file://`` page. :func:`to_pdf` prints the same
HTML with the headless Chromium the browser tests use.
"""

from __future__ import annotations

import html as h
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bluelight.dashboard.components.plain_figures import as_figure
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import TIER_TEXT
from bluelight.foundation.errors import ConfigError
from bluelight.services.session import Session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]

from bluelight.foundation.text import fmt  # noqa: E402  (re-exported: every page formats through it)


def header(name: str) -> str:
    """A column name as a heading: ``within_standard_after`` -> ``Within standard after``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass
class Table:
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)      # column -> one of FORMATS (else text)
    note: str = ""

    def html(self) -> str:
        cols = list(self.frame.columns)
        head = "".join(f"<th>{h.escape(header(c))}</th>" for c in cols)
        def cls(c: str) -> str:
            return "num" if self.formats.get(c, "text") != "text" else "hash" if "sha" in str(c).lower() else ""
        body = "".join("<tr>" + "".join(
            f"<td class=\"{cls(c)}\">"
            f"{h.escape(fmt(v, self.formats.get(c, 'text')))}</td>" for c, v in zip(cols, row)) + "</tr>"
            for row in self.frame.itertuples(index=False))
        note = f"<p class=\"note\">{h.escape(self.note)}</p>" if self.note else ""
        return f"<h2>{h.escape(self.title)}</h2><table><tr>{head}</tr>{body}</table>{note}"


@dataclass
class Report:
    """Everything a report says; :func:`to_html` lays it out."""

    title: str
    headline: str
    asked: dict[str, str]
    figures: list[tuple[str, go.Figure | dict[str, Any]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    provenance: pd.DataFrame | None = None
    model_error: str | None = None
    profile: str = ""
    tier: str = "open"
    synthetic: bool = False
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: an appraisal (Appraisal.as_dict): its own section, with the cash flows
    finance: dict[str, Any] | None = None
    summary: list[str] = field(default_factory=list)   # what changes for whom, in sentences (page 1)

    def __post_init__(self) -> None:
        # a page's plain figure dicts become graph objects here, where a report reads and restyles them
        self.figures = [(caption, as_figure(fig)) for caption, fig in self.figures]


STYLE = """body{font-family:Segoe UI,Roboto,Arial,sans-serif;margin:24px;color:#1d2733;max-width:1100px}
table{border-collapse:collapse;margin-bottom:12px}td,th{border:1px solid #ccd;padding:4px 8px;font-size:13px;
text-align:left}td.num{text-align:right;white-space:nowrap}th{background:#f2f4f7}.note{color:#556;font-size:13px}
.tier{border:1px solid #889;padding:6px 10px;background:#f7f7fa}.synthetic{color:#a00;font-weight:bold}
h2{margin-top:28px}td.hash{word-break:break-all;font-family:monospace;font-size:11px;min-width:260px}
.summary{border:2px solid #10243e;padding:8px 16px;break-after:page}
table.prov{table-layout:fixed;width:100%}table.prov td{word-break:break-word}
td.sha{font-family:monospace;font-size:11px;word-spacing:100vw}
@media print{.plot{break-inside:avoid}h2{break-after:avoid}table{width:100%;table-layout:auto}}"""


def finance_html(finance: dict[str, Any]) -> str:
    """The appraisal section: the sentence, the cash flows by year, the sensitivity, the figures used."""
    from bluelight.analysis.appraisal import describe
    from bluelight.dashboard.finance_view import flow_table, sensitivity_lines

    parts = [f"<h2>Finance (HM Treasury Green Book appraisal)</h2><p><b>{h.escape(describe(finance))}</b></p>"]
    if finance["items"]:
        flows = flow_table(finance)
        parts.append(Table("Cash flows by year (years that change, and the last)", flows,
                           {c: ("factor" if c == "discount factor" else "int" if c == "year" else "gbp")
                            for c in flows.columns}).html())
        items = pd.DataFrame(finance["items"])
        parts.append(Table("Figures used", pd.DataFrame({
            "figure": items["label"], "amount (+ in, − out)": items["amount_gbp"],
            "when": items["annual"].map({True: "each year from", False: "once, in"}), "year": items["year"],
            "source": items["source"]}), {"amount (+ in, − out)": "gbp", "year": "int"}).html())
    lines = sensitivity_lines(finance)
    if lines:
        parts.append("<h2>Sensitivity and switching values</h2><ul>"
                     + "".join(f"<li>{h.escape(t)}</li>" for t in lines) + "</ul>")
    ob = finance.get("optimism_bias") or {}
    if ob.get("source"):
        parts.append(f"<p class=\"note\">Optimism bias: {h.escape(str(ob['source']))}</p>")
    return "".join(parts)


def provenance_html(provenance: pd.DataFrame) -> str:
    """Each load: its dataset, its files by name (the folder once), rows, when, and the full SHA-256 in four
    groups of 16 so that it wraps inside the page instead of being cut off."""
    from pathlib import PurePath

    rows = []
    for r in provenance.itertuples(index=False):
        paths = [PurePath(p) for p in str(r.file_path).split(";") if p]
        folders = sorted({str(p.parent) for p in paths})
        files = ", ".join(p.name for p in paths)
        sha = " ".join(str(r.sha256)[i:i + 16] for i in range(0, len(str(r.sha256)), 16))
        rows.append(f"<tr><td>{h.escape(str(r.dataset))}</td><td>{h.escape(files)}<br><span class=\"note\">"
                    f"{h.escape('; '.join(folders))}</span></td><td class=\"num\">{fmt(r.rows_loaded, 'int')}</td>"
                    f"<td>{h.escape(str(r.loaded_at))}</td><td class=\"sha\">{h.escape(sha)}</td></tr>")
    return ("<h2>Data provenance (each load with its SHA-256)</h2><table class=\"prov\"><colgroup><col style=\"width:"
            "13%\"><col style=\"width:37%\"><col style=\"width:9%\"><col style=\"width:13%\"><col style=\"width:28%\">"
            "</colgroup><tr><th>Dataset</th><th>Files</th><th>Rows loaded</th><th>Loaded</th><th>SHA-256</th></tr>"
            + "".join(rows) + "</table>")


def to_html(report: Report) -> str:
    """The report as one HTML file: plotly.js inline, every datum embedded, nothing fetched."""
    asked = "".join(f"<tr><th>{h.escape(k)}</th><td>{h.escape(str(v))}</td></tr>" for k, v in report.asked.items())
    plots = "".join(f"<div class=\"plot\">{as_figure(fig).to_html(full_html=False, include_plotlyjs=(i == 0), config={'staticPlot': False, 'displaylogo': False})}"
                    f"<p class=\"note\">{h.escape(caption)}</p></div>"
                    for i, (caption, fig) in enumerate(report.figures))
    missing = ("<h2>Missing figures</h2><p>Not counted in the totals above: "
               + h.escape("; ".join(report.missing)) + ".</p>") if report.missing else ""
    runs = provenance_html(report.provenance) if report.provenance is not None and len(report.provenance) else ""
    error = f"<h2>Model error</h2><p>{h.escape(report.model_error)}</p>" if report.model_error else ""
    synthetic = "<p class=\"synthetic\">SYNTHETIC DATA: not a real place.</p>" if report.synthetic else ""
    summary = "".join(f"<li>{h.escape(s)}</li>" for s in report.summary)
    money = ""
    if report.finance is not None:
        from bluelight.analysis.appraisal import describe

        money = f"<p><b>Money:</b> {h.escape(describe(report.finance))}</p>"
    first = (f"<ul>{summary}</ul>" if summary else "") + money
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{h.escape(report.title)}</title>
<style>{STYLE}</style></head><body>
<h1>{h.escape(report.title)}</h1>{synthetic}
<div class="summary"><h2>Summary</h2>
<p><b>{h.escape(report.headline)}</b></p>{first}
<h3>What was asked</h3><table>{asked}</table>
{missing}
<p class="tier">{h.escape(TIER_TEXT[report.tier])}</p></div>
{''.join(t.html() for t in report.tables[:1])}
{plots}
{''.join(t.html() for t in report.tables[1:])}
{finance_html(report.finance) if report.finance is not None else ''}
<h2>Assumptions</h2><ul>{''.join(f'<li>{h.escape(a)}</li>' for a in report.assumptions)}</ul>
{error}{runs}
<p class="tier">{h.escape(TIER_TEXT[report.tier])}</p>
<p class="note">Generated {report.generated:%Y-%m-%d %H:%M} UTC by Blue Light Atlas; speed profile
{h.escape(report.profile)}. Roads © OpenStreetMap contributors (ODbL). Contains public sector information licensed
under the Open Government Licence v3.0; contains OS data © Crown copyright and database right.</p>
</body></html>"""


def to_pdf(html: str, *, timeout_s: float = 60.0) -> bytes:
    """The same report printed to PDF (A4) by headless Chromium, after its plots have drawn."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        raise ConfigError(f"PDF reports need Debian's chromium at {CHROMIUM} (apt-get install chromium); "
                          "the HTML report has the same content")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort() if route.request.url.startswith("http")
                       else route.continue_())
            page.set_content(html, wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_function("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                   ".every(p => p._fullLayout)", timeout=timeout_s * 1000)
            page.emulate_media(media="print")
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()


# -- maps that draw from disk ------------------------------------------------------------------------------------

def _lines(geojson: dict[str, Any] | str) -> tuple[list[Any], list[Any]]:
    """Every ring and line of a GeoJSON layer as lon / lat lists with gaps (None) between them."""
    doc = json.loads(geojson) if isinstance(geojson, str) else geojson
    lon, lat = [], []

    def add(coords: list[Any]) -> None:
        for x, y in coords:
            lon.append(x)
            lat.append(y)
        lon.append(None)
        lat.append(None)

    for feat in (doc or {}).get("features", []):
        g = feat.get("geometry") or {}
        t, c = g.get("type"), g.get("coordinates") or []
        if t == "LineString":
            add(c)
        elif t in ("MultiLineString", "Polygon"):
            for part in c:
                add(part)
        elif t == "MultiPolygon":
            for poly in c:
                for ring in poly:
                    add(ring)
    return lon, lat


def _plain(obj: Any) -> dict[str, Any] | None:
    """A plotly sub-object as a plain dict (so it can move to another trace type), or None if unset."""
    out = obj.to_plotly_json() if obj is not None and hasattr(obj, "to_plotly_json") else obj
    return out or None


def focus_box(easting: np.ndarray, northing: np.ndarray, *, pad_m: float = 1500.0) -> tuple[float, float, float, float]:
    """A lon/lat box around the points (the sites and areas a decision is about), padded, for :func:`static_map`."""
    from bluelight.foundation.geo import to_wgs84

    e, n = np.asarray(easting, float), np.asarray(northing, float)
    ok = np.isfinite(e) & np.isfinite(n)
    if not ok.any():
        raise ConfigError("a map frame needs at least one point")
    lon, lat = to_wgs84([e[ok].min() - pad_m, e[ok].max() + pad_m], [n[ok].min() - pad_m, n[ok].max() + pad_m])
    return float(lon[0]), float(lon[1]), float(lat[0]), float(lat[1])


def service_sentences(services: dict[str, Any]) -> list[str]:
    """What a scenario does for each service it touches, in one sentence each (``run_scenario``'s services)."""
    from bluelight.foundation.text import mmss

    out = []
    for service, e in services.items():
        ch = e["population"]["change"]
        b, a = e["population"]["before"]["summary"], e["population"]["after"]["summary"]
        out.append(f"{service.capitalize()}: {ch['demand_within_after']:,.0f} people reached within "
                   f"{mmss(e['threshold_s'])} (m:ss) after the change, against {ch['demand_within_before']:,.0f} "
                   f"before; mean response {mmss(a['mean_s'])} against {mmss(b['mean_s'])}; sites "
                   f"{e['sites_before']} before, {e['sites_after']} after.")
    return out


def static_map(fig: go.Figure | dict[str, Any], *, height: int = 620,
               focus: tuple[float, float, float, float] | None = None) -> go.Figure:
    """A WebGL map figure (``Scattermap``, ``Choroplethmap``, line layers) redrawn as SVG geo traces.

    Embedded line layers become line traces beneath the data; layers given
    by URL (the app's own routes) are left out, as a file on disk cannot
    fetch them; the view fits the data.
    """
    fig = as_figure(fig)
    data = []
    layers = list(fig.layout.map.layers or []) if fig.layout.map else []
    for layer in layers:
        src = layer.source
        if isinstance(src, (dict, str)) and not (isinstance(src, str) and src.startswith("/")):
            lon, lat = _lines(src)
            if lon:
                data.append(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip", showlegend=False,
                                          line={"width": 0.7, "color": layer.color or "#888888"}))
    for tr in fig.data:
        if tr.type == "choroplethmap":
            data.append(go.Choropleth(geojson=tr.geojson, locations=tr.locations, z=tr.z, zmin=tr.zmin, zmax=tr.zmax,
                                      colorscale=tr.colorscale, colorbar=_plain(tr.colorbar), name=tr.name,
                                      hovertemplate=tr.hovertemplate, customdata=tr.customdata,
                                      featureidkey="id", marker={"line": {"width": 0.2, "color": "#ffffff"}}))
        elif tr.type == "scattermap":
            m = tr.marker
            data.append(go.Scattergeo(lon=tr.lon, lat=tr.lat, mode=tr.mode, name=tr.name, text=tr.text,
                                      customdata=tr.customdata, hovertemplate=tr.hovertemplate,
                                      showlegend=tr.showlegend,
                                      marker={"size": m.size, "color": m.color, "colorscale": m.colorscale,
                                              "cmin": m.cmin, "cmax": m.cmax, "opacity": m.opacity,
                                              "colorbar": _plain(m.colorbar),
                                              "showscale": m.showscale}))
    out = go.Figure(data=data)
    if focus is None:
        out.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    else:                                          # framed on what the decision is about
        out.update_geos(fitbounds=False, visible=False, projection_type="mercator",
                        lonaxis_range=[focus[0], focus[1]], lataxis_range=[focus[2], focus[3]])
    out.update_layout(height=height, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title=fig.layout.title,
                      legend=fig.layout.legend)
    return out


def provenance_and_error(wh: Warehouse, session: Session) -> dict[str, Any]:
    """The parts every report shares: the loads (full SHA-256), the travel model's error, profile, synthetic."""
    from bluelight.dashboard.components.charts import model_error_text

    return {"provenance": wh.provenance(), "model_error": model_error_text(session.profile),
            "profile": session.profile.key, "synthetic": bool(wh.status()["data_source"]["synthetic"])}


def download(report: Report, *, filename: str, pdf: bool) -> dict[str, Any]:
    """A ``dcc.Download`` payload: the HTML, or its PDF (base64)."""
    import base64

    html = to_html(report)
    if not pdf:
        return {"content": html, "filename": f"{filename}.html", "type": "text/html"}
    return {"content": base64.b64encode(to_pdf(html)).decode("ascii"), "filename": f"{filename}.pdf",
            "type": "application/pdf", "base64": True}


def minutes_to_durations(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A comparison table in report formats: times (``... min`` columns) as minutes and seconds, shares to one
    decimal, counts with thousands separators."""
    out, formats = frame.copy(), {}
    for c in frame.columns:
        if c.endswith(" min") and c != "standard min":
            out[c.removesuffix(" min")] = frame[c] * 60
            out = out.drop(columns=[c])
            formats[c.removesuffix(" min")] = "duration"
        elif c.startswith("%") or c.endswith("%"):
            formats[c] = "num1"
        elif pd.api.types.is_numeric_dtype(frame[c]):
            formats[c] = "int" if c != "standard min" else "num1"
    return out[[c.removesuffix(" min") if c.endswith(" min") and c != "standard min" else c
                for c in frame.columns]], formats


def change_words(changes: list[dict[str, Any]], names: dict[str, str]) -> pd.DataFrame:
    """A scenario's changes as a table of words: what happens to which site, by name (never an id or a dict)."""
    def n(site_id: Any) -> str:
        return str(names.get(site_id, site_id))
    rows = []
    for ch in changes:
        act = ch.get("action", "")
        if act == "co_locate":
            what = f"{n(ch['site'])} moves into {n(ch['into'])}"
        elif act == "merge":
            hub = ch["hub"].get("name", "a new hub") if "hub" in ch else n(ch.get("into"))
            what = f"{', '.join(n(s) for s in ch['sites'] if s != ch.get('into'))} merge into {hub}"
        elif act == "open":
            what = f"{ch.get('name') or ch['site_id']} opens ({ch.get('service', '')})"
        elif act == "close":
            what = f"{n(ch['site'])} closes"
        elif act == "move":
            what = f"{n(ch['site'])} moves to a new site"
        elif act == "change":
            what = f"{n(ch['site'])}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in ch.items()
                                                  if k in ("duty_system", "turnout_s"))
        else:
            what = act
        money = ", ".join(k.replace("_gbp_pa", " (£ a year)").replace("_gbp", " (£)").replace("_", " ")
                          for k in (ch.get("finance") or {}) if k != "year")
        rows.append({"change": what, "money supplied": money or "none"})
    return pd.DataFrame(rows or [{"change": "no change", "money supplied": "none"}])


def comparison_report(wh: Warehouse, session: Session, *, title: str, headline: str, asked: dict[str, Any],
                      table: pd.DataFrame, curves: list[tuple[str, go.Figure]], maps: list[tuple[Any, ...]],
                      changes: pd.DataFrame, money: str, tier: str, finance: dict[str, Any] | None = None,
                      summary: list[str] | None = None) -> Report:
    """A before / after comparison (scenarios, hubs) as a report: the changes, maps, curves and the table."""
    shown, formats = minutes_to_durations(table)
    return Report(title=title, headline=f"{headline} {money}".strip(), asked=asked, finance=finance,
                  summary=list(summary or []),
                  figures=[(c, static_map(m, focus=f)) for c, m, f in (
                      (m[0], m[1], m[2] if len(m) > 2 else None) for m in maps)] + curves,
                  tables=[Table("What changes", changes), Table("Cover compared", shown, formats,
                                                                note="Shares in % of the population on the road "
                                                                     "network; modelled shares include the "
                                                                     "calibrated spread of real attendance times.")],
                  assumptions=[f"{k}: {v}" for k, v in session.profile.sources.items()]
                  + ["Demand outside the road data is not assessed; stations outside it cannot be routed."],
                  tier=tier, **provenance_and_error(wh, session))
