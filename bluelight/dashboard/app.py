"""Build the Dash application for one warehouse.

The app is thin: each page parses its controls into a service request
(:mod:`bluelight.services`), calls the service through the app's one
:class:`~bluelight.services.session.Session` and renders the answer.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, html, set_props
from dash.exceptions import DependencyException

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard.auth import AuthSettings, current_role, current_user, install
from bluelight.dashboard.layers import register_routes
from bluelight.dashboard.layout import Page, not_found, not_permitted, shell
from bluelight.dashboard.pages import (
    availability,
    colocation,
    coresponding,
    coverage,
    dap,
    data,
    hubs,
    national,
    overview,
    scenarios,
    what_matters,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import allows, load_rules
from bluelight.foundation.environment import configured_data_dir, scenario_store, shipped_scenarios
from bluelight.foundation.errors import BluelightError
from bluelight.services.accounts import security_store as open_security_store
from bluelight.services.inputs import session_profile
from bluelight.services.session import Session

if TYPE_CHECKING:
    from bluelight.foundation.access import DisclosureRules
    from bluelight.services.accounts import SecurityStore

log = logging.getLogger(__name__)


def default_scenario_dirs() -> list[Path]:
    """User-saved scenarios first (where the pages save), then the examples shipped with the package."""
    return [scenario_store(), shipped_scenarios()]


def show_error(err: Exception) -> None:
    """Every callback error becomes a readable alert above the page, never a stack trace."""
    if isinstance(err, BluelightError):
        text = str(err)
    else:
        log.exception("callback failed", exc_info=err)
        text = f"Something went wrong computing this view ({type(err).__name__}: {err}). Details are in the server log."
    set_props("global-alert", {"children": [html.B("Could not update the view. "), text],
                               "style": {"display": "block"}})


def national_data_dir() -> Path | None:
    """The data directory holding the national layers (england/), if any: the National page reads it."""
    source = configured_data_dir()
    return source.path if source is not None and (source.path / "england").is_dir() else None


#: ids of the frame around every page (navigation, title, alert), open to every signed-in role
SHELL_IDS = frozenset({"url", "page-content", "global-alert", "page-title-sink"})


def signin_required(store: SecurityStore, rules: DisclosureRules) -> bool:
    """Whether sign-in is configured: an account in the store or single sign-on enabled."""
    return bool(rules.sso.enabled or store.has_accounts())


def create_app(warehouse: str | Path, *, scenario_dirs: list[Path] | None = None, profile: str | None = None,
               web_tiles: bool = False, security_store: str | Path | None = None,
               secure_cookies: bool = False, local_only: bool | None = None) -> dash.Dash:
    """A Dash app serving the pages over ``warehouse`` (opened read-only).

    ``web_tiles`` draws OpenStreetMap tiles under the maps (needs the internet);
    by default the maps use only the project's own roads and boundaries.
    ``security_store`` holds the accounts (default: :func:`security_store_path`).
    ``local_only`` serves the person at this machine without sign-in; ``False``
    requires sign-in for as long as the app runs, whatever happens to the store;
    ``None`` decides now, once: sign-in if the store has an account (or single
    sign-on is enabled), else local-only. ``secure_cookies`` marks the cookies
    HTTPS-only (any bind off loopback, or behind a TLS proxy).
    """
    wh = Warehouse(warehouse, web_tiles=web_tiles)
    session = Session(wh.read, wh.read(lambda cur: session_profile(cur, profile)) if wh.available
                      else load_profile(profile), generation=lambda: wh.generation)
    dirs = scenario_dirs or default_scenario_dirs()
    app = dash.Dash(__name__, title="Blue Light Atlas", suppress_callback_exceptions=True, serve_locally=True,
                    on_error=show_error, assets_folder=str(Path(__file__).with_name("assets")))
    pages: list[Page] = [
        overview.register(app, wh, session), coverage.register(app, wh, session),
        scenarios.register(app, wh, session, dirs), colocation.register(app, wh, session, dirs),
        hubs.register(app, wh, session, dirs), what_matters.register(app, wh, session),
        dap.register(app, wh, session), coresponding.register(app, wh, session),
        availability.register(app, wh, session), data.register(app, wh, session),
        national.register(app, wh, session, national_data_dir())]
    by_path = {p.path: p for p in pages}
    rules = load_rules()

    def page_role(path: str) -> str:
        return rules.page_roles.get(path, "admin")          # a page the rules do not name: administrators only

    store = open_security_store(security_store)
    if local_only is None:
        local_only = not signin_required(store, rules)
    store.signing_key()                                    # made now if new; shared by every worker
    if not local_only:                                     # from now on the store must be there: never recreated
        store = open_security_store(store.path, create=False)
    install(app.server, AuthSettings(store, rules, secure_cookies and not local_only, web_tiles, local_only),
            page_prefixes={prefix: page_role(p.path) for p in pages for prefix in p.prefixes},
            callback_map=app.callback_map, shell_ids=SHELL_IDS, script_hashes=app.csp_hashes)
    app.layout = lambda: shell(wh, [p for p in pages if allows(current_role(), page_role(p.path))],
                               user=current_user())
    register_routes(app.server, wh, session)
    # a component-suite path Dash did not register (a traversal attempt, a stale bundle): not found, not a 500
    app.server.register_error_handler(DependencyException, lambda _exc: ("Not found", 404))
    titles = json.dumps({p.path: p.title for p in pages})
    app.clientside_callback(f"function(path) {{ document.title = ({titles})[path] || 'Blue Light Atlas'; return ''; }}",
                            Output("page-title-sink", "children"), Input("url", "pathname"))

    @app.callback(Output("page-content", "children"), Output("global-alert", "style"), Input("url", "pathname"))
    def route(pathname: str | None) -> tuple[Any, dict[str, str]]:
        path = pathname or "/"
        page = by_path.get(path)
        if page is None:
            return not_found(path), {"display": "none"}
        if not allows(current_role(), page_role(page.path)):
            return not_permitted(page.path, current_role(), page_role(page.path)), {"display": "none"}
        return page.layout(), {"display": "none"}

    return app
