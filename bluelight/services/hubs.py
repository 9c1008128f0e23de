"""Merging sites into a hub (a shared HQ, a two-into-one or tri-service station): the Hubs page's use case.

A hub request names two or more sites of any services and where they go: one
of them, another existing site, or a new point. It becomes a ``merge``
scenario, evaluated by the same engine as ``bluelight scenario run``
(:mod:`bluelight.services.scenarios`), with the hub's capacity checked
against the space each moving service needs (``config/colocation.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from bluelight.analysis.colocation import capacity
from bluelight.analysis.finance import GREEN_BOOK_RATE
from bluelight.analysis.scenario import Scenario
from bluelight.foundation.errors import ValidationError
from bluelight.services.colocation import load_space_rules
from bluelight.services.inputs import read_sites
from bluelight.services.requests import TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.results import Result
from bluelight.services.scenarios import FINANCE_FIELDS, AppraisalRequest, ScenarioResult, estates, run_scenario
from bluelight.services.session import Session

NEW_SITE = "new"
#: the finance of a merger (the receipts of the sites released come from their estates figures)
FINANCE = (("build_cost_gbp", "Hub build or extension (£)"), ("refurbishment_gbp", "Refurbishment (£)"),
           ("relocation_cost_gbp", "Relocation, one-off (£)"), ("grant_gbp", "Grant (£)"),
           ("running_cost_change_gbp_pa", "Hub running cost change (£ a year)"),
           ("receipt_gbp", "Disposal receipts (£)"), ("running_cost_saved_gbp_pa", "Running costs saved (£ a year)"),
           ("backlog_maintenance_gbp", "Backlog maintenance avoided (£)"))


@dataclass(frozen=True)
class HubRequest(Request):
    """Which sites merge, where into, and the money."""

    sites: tuple[str, ...] = ()
    host: str = ""
    hub_easting: float | None = None
    hub_northing: float | None = None
    name: str = ""
    build_cost_gbp: float | None = None
    refurbishment_gbp: float | None = None
    relocation_cost_gbp: float | None = None
    grant_gbp: float | None = None
    running_cost_change_gbp_pa: float | None = None
    receipt_gbp: float | None = None
    running_cost_saved_gbp_pa: float | None = None
    backlog_maintenance_gbp: float | None = None
    horizon_years: int = 30
    discount_rate: float | None = None
    traffic_period: str = "all"

    FIELDS = (
        Field("sites", "Sites to merge", list, (), min_items=2),
        Field("host", "Hub at", str, "", expected="one of the sites, another site, or a new point"),
        Field("hub_easting", "Hub easting", float, None, 0.0, 700_000.0, optional=True),
        Field("hub_northing", "Hub northing", float, None, 0.0, 1_250_000.0, optional=True),
        Field("name", "Scenario name", str, "", optional=True),
        *[FINANCE_FIELDS[k] for k, _ in FINANCE],
        Field("horizon_years", "Appraisal horizon (years)", int, 30, 1, 100),
        Field("discount_rate", "Discount rate (blank: the Green Book's)", float, None, 0.0, 0.2, optional=True,
              unit="share", help=f"A fixed rate (blank: the Green Book schedule, {GREEN_BOOK_RATE:.1%} to year 30, "
                                 "3.0% after)."),
        TRAFFIC_PERIOD_FIELD,
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        if values["host"] == NEW_SITE and (values["hub_easting"] is None or values["hub_northing"] is None):
            raise ValidationError("host", "Hub at a new point: click the map where the hub would be")
        if not values["host"]:
            raise ValidationError("host", "Hub at must be one of the sites, another site, or a new point")
        values["name"] = values["name"] or ""

    def scenario(self, names: dict[str, str]) -> Scenario:
        """The merge as a scenario (the format ``bluelight scenario run`` reads)."""
        finance = {k: v for k, v in ((k, getattr(self, k)) for k, _ in FINANCE) if v is not None}
        change: dict[str, Any] = {"action": "merge", "sites": list(self.sites)}
        if self.host == NEW_SITE:
            change["hub"] = {"site_id": "HUB-1", "name": self.name or "New hub", "easting": self.hub_easting,
                             "northing": self.hub_northing}
        else:
            change["into"] = self.host
        if finance:
            change["finance"] = finance
        where = change["hub"]["name"] if "hub" in change else names.get(self.host, self.host)
        title = self.name or f"{' + '.join(names.get(s, s) for s in self.sites)} into {where}"
        return Scenario(name=title, note="merger drawn on the Hubs page", changes=[change],
                        horizon_years=self.horizon_years, discount_rate=self.discount_rate)


def hub_capacity(session: Session, request: HubRequest) -> pd.DataFrame:
    """Per service moving into the hub: what it needs, and whether the host can give it (new point: to build).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        The sites merged and the host.
    """
    rules, sources = load_space_rules()
    sites = session.estate(None).merge(estates(session)[["site_id", "bays", "floor_area_m2"]],
                                                on="site_id", how="left")
    moving = sites[sites["site_id"].isin(request.sites) & (sites["site_id"] != request.host)]
    host = sites[sites["site_id"] == request.host]
    rows = []
    for service, grp in moving.groupby("service"):
        fits = "a new building: size it to the needs" if host.empty else capacity(service, host.iloc[0], rules)
        rows.append({"service": service, "sites moving": len(grp), "needs m²": rules.space_needed_m2.get(service),
                     "needs bays": rules.bays_needed.get(service, 0), "host": fits})
    return pd.DataFrame(rows, columns=["service", "sites moving", "needs m²", "needs bays", "host"])


@dataclass(frozen=True)
class HubPlan(Result):
    """A merger into one hub: the request as asked, the scenario it makes, that scenario's result for every service
    it touches (with the finance), and whether the host has room for each."""

    request: HubRequest = field(metadata={"json": False})
    scenario: Scenario = field(metadata={"json": False})
    result: ScenarioResult
    capacity: pd.DataFrame = field(metadata={"json": False})


def run_hub(session: Session, request: HubRequest) -> HubPlan:
    """The merger's scenario, its effect on every service it touches with the finance, and the capacity check
    (times of the request's traffic period).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        The sites merged, the host, the standard and the appraisal's terms.
    """
    asked = request
    session = session.for_period(request.traffic_period)
    sites = session.estate(None)
    names = dict(zip(sites["site_id"], sites["name"]))
    if request.host not in names and request.host != NEW_SITE:        # a candidate site (HQ, council or NHS estate)
        extra = session.read(lambda cur: read_sites(cur, statuses=("open", "candidate", "planned"), kinds=None))
        hit = extra[extra["site_id"] == request.host]
        if not hit.empty:
            h = hit.iloc[0]
            request = replace(request, host=NEW_SITE, hub_easting=float(h["easting"]),
                              hub_northing=float(h["northing"]), name=request.name or f"hub at {h['name']}")
    unknown = [s for s in (*request.sites, request.host) if s and s != NEW_SITE and s not in names]
    if unknown:
        raise ValidationError("sites", f"Sites to merge: {unknown} are not operational sites")
    scenario = request.scenario(names)
    result = run_scenario(session, scenario, AppraisalRequest(request.horizon_years, request.discount_rate))
    return HubPlan(asked, scenario, result, hub_capacity(session, request))
