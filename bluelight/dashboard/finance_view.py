"""The appraisal as every page and report shows it: the sentence, the cash flows by year, the sensitivity.

One piece for the Hubs, Co-location and Scenarios pages and their reports, so
a figure reads the same wherever a board meets it: money with separators
(millions to two decimals), the words of :func:`bluelight.analysis.appraisal.describe`,
years that carry money (and the totals), and each input's switching value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from dash import html

from bluelight.analysis.appraisal import describe, switching_text

#: the cash-flow table's columns as a board reads them
FLOW_COLUMNS = {"year": "year", "costs_gbp": "costs (£)", "optimism_bias_gbp": "optimism bias (£)",
                "benefits_gbp": "receipts and savings (£)", "net_gbp": "net (£)", "discount_factor": "discount factor",
                "present_value_gbp": "present value (£)", "cumulative_pv_gbp": "cumulative present value (£)"}


def flow_table(finance: dict[str, Any]) -> pd.DataFrame:
    """The years that carry money, the first and the last, with rounded pounds (a 30-year table that is mostly
    the same saving repeated reads better with the repeated years folded into the last)."""
    flows = pd.DataFrame(finance["cash_flows"])
    if flows.empty:
        return pd.DataFrame(columns=list(FLOW_COLUMNS.values()))
    changes = flows["net_gbp"].diff().fillna(flows["net_gbp"]).abs() > 0.5
    keep = changes | flows.index.isin([0, len(flows) - 1])
    out = flows.loc[keep, list(FLOW_COLUMNS)].copy()
    for col in FLOW_COLUMNS:
        if col.endswith("_gbp"):
            out[col] = out[col].round(0).astype("int64")
    out["discount_factor"] = out["discount_factor"].round(4)
    return out.rename(columns=FLOW_COLUMNS)


def sensitivity_lines(finance: dict[str, Any]) -> list[str]:
    return [switching_text(r) for r in finance.get("sensitivity") or []]


def finance_panel(finance: dict[str, Any], *, table_id: str, frame_table: Callable[..., Any]) -> html.Div:
    """The appraisal on a page: the sentence first, then what is missing, the cash flows and the sensitivity.

    ``frame_table`` is the pages' grid builder (passed in: this module is shared, the grid style is theirs).
    """
    parts: list[Any] = [html.P(html.B(describe(finance)))]
    if finance["items"]:
        parts += [html.H4("Cash flows by year (years that change, and the last)"),
                  frame_table(flow_table(finance), table_id=f"{table_id}-flows", page_size=12)]
    lines = sensitivity_lines(finance)
    if lines:
        parts += [html.H4("Sensitivity: each input at ±20%, and the change that would turn the case"),
                  html.Ul([html.Li(t) for t in lines])]
    if finance["items"]:
        items = pd.DataFrame(finance["items"])[["label", "amount_gbp", "year", "annual", "source"]]
        items = items.assign(amount_gbp=items["amount_gbp"].round(0).astype("int64"),
                             annual=items["annual"].map({True: "each year", False: "once"}))
        parts += [html.H4("Figures used"), frame_table(items.rename(columns={
            "label": "figure", "amount_gbp": "amount (£, + in, − out)", "annual": "when", "year": "from year"}),
            table_id=f"{table_id}-items", page_size=8)]
    ob = finance.get("optimism_bias") or {}
    if ob.get("source"):
        parts.append(html.P(className="note", children=f"Optimism bias: {ob['source']}"))
    return html.Div(parts)
