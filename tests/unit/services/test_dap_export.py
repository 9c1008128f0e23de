"""A DAP plan as the planner's table (services.dap_export): a row per number of posts, names beside ids, units."""

import re

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.services.dap import DapRequest, plan_band
from bluelight.services.dap_export import plan_export
from bluelight.services.session import Session


def test_each_row_names_its_posts_and_says_its_figures_in_units(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, load_profile("bluelight_v1"))
        request = DapRequest.parse(k=2, model="mclp", candidates="fire,police")
        plan = plan_band(session, request)
        table = plan_export(plan, request, profile=session.profile.key)
    finally:
        con.close()
    assert len(table) == len(plan.compliance) == 2 and table["ambulances free"].tolist() == [1, 2]
    names = dict(zip(plan.candidates_frame["site_id"], plan.candidates_frame["name"]))
    for _, row in table.iterrows():
        ids = row["posts (site ids)"].split("; ")
        assert row["posts (names)"].split("; ") == [names[i] for i in ids]      # names beside their ids, in order
        assert re.fullmatch(r"\d+:\d\d", row["mean response (m:ss)"])
    assert any(c.startswith("objective (") and c.endswith(")") for c in table.columns)
