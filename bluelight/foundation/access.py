"""Who may see what: roles, data tiers and the disclosure rules shared by every surface.

Roles are ordered: each includes what the ones before it may do. Data carry a
tier; a tier names the least role cleared for it. These are words and rules
only (foundation): the security store keeps the accounts, the dashboard
enforces the rules per request, and analysis does the aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bluelight.foundation.config_files import config_file, read_yaml
from bluelight.foundation.errors import ConfigError

#: viewer: aggregate maps and tables; planner: scenarios, co-location, hubs, DAPs and saving them;
#: analyst: incident-level rows, exact coordinates, restricted sites and their exports; admin: everything
ROLES = ("viewer", "planner", "analyst", "admin")

#: the tiers every table and export is labelled with, and the least role cleared for each
TIERS = {"open": "viewer", "official-sensitive": "analyst"}
TIER_TEXT = {
    "open": "Tier OPEN: aggregate figures; counts under the disclosure threshold are suppressed and locations are "
            "given as grid cells, so no incident or restricted site can be picked out.",
    "official-sensitive": "Tier OFFICIAL-SENSITIVE: incident-level rows and exact locations; for analysts of the "
                          "services only, not for publication.",
}

CONFIG = "security.yaml"


def check_role(role: str, *, what: str = "role") -> str:
    """``role`` if it is one of :data:`ROLES`, else a message listing them."""
    if role not in ROLES:
        raise ConfigError(f"{what} must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` includes ``needed`` (no role: nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def cleared_for(role: str | None, tier: str) -> bool:
    """Whether ``role`` may see data of ``tier``."""
    return allows(role, TIERS[tier])


def tier_for(role: str | None) -> str:
    """The most sensitive tier ``role`` may see."""
    return "official-sensitive" if cleared_for(role, "official-sensitive") else "open"


@dataclass(frozen=True)
class SsoSettings:
    """Single sign-on through OpenID Connect (``security.yaml``, section ``sso``)."""

    enabled: bool = False
    label: str = "single sign-on"
    issuer: str = ""
    client_id: str = ""
    client_secret_env: str = "BLUELIGHT_SSO_CLIENT_SECRET"
    scopes: str = "openid email profile"
    username_claim: str = "email"
    role_claim: str = "roles"
    role_map: dict[str, str] = field(default_factory=dict)     # a value of the role claim -> a role


def role_from_claims(claims: dict[str, Any], settings: SsoSettings) -> str | None:
    """The highest role any value of the token's role claim maps to (None: no value maps).

    Examples
    --------
    >>> s = SsoSettings(role_map={"bl-viewers": "viewer", "bl-analysts": "analyst"})
    >>> role_from_claims({"roles": ["bl-viewers", "bl-analysts", "other"]}, s)
    'analyst'
    >>> role_from_claims({"roles": "bl-viewers"}, s), role_from_claims({"roles": ["x"]}, s)
    ('viewer', None)
    """
    values = claims.get(settings.role_claim) or []
    values = [values] if isinstance(values, str) else list(values)
    roles = [settings.role_map[v] for v in values if isinstance(v, str) and v in settings.role_map]
    return max(roles, key=ROLES.index) if roles else None


def _sso(doc: object, path: object) -> SsoSettings:
    if not doc:
        return SsoSettings()
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: sso must be a mapping")
    unknown = set(doc) - set(SsoSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"{path}: sso has unknown keys {sorted(unknown)}")
    values: dict[str, Any] = {k: (dict(v) if k == "role_map" else v) for k, v in doc.items()}
    sso = SsoSettings(**values)
    if sso.enabled:
        missing = [k for k in ("issuer", "client_id") if not str(getattr(sso, k) or "").strip()]
        if missing or not sso.role_map:
            raise ConfigError(f"{path}: sso is enabled but needs {', '.join(missing + ([] if sso.role_map else ['role_map']))}")
        if not str(sso.issuer).startswith("https://") and not str(sso.issuer).startswith("http://127.0.0.1"):
            raise ConfigError(f"{path}: sso.issuer must be an https:// URL, got {sso.issuer!r}")
        for value, role in sso.role_map.items():
            check_role(role, what=f"{path}: sso.role_map[{value!r}]")
    return sso


@dataclass(frozen=True)
class SignInLimits:
    """Throttling of failed sign-ins and the bounds on what a sign-in may send (``security.yaml``, ``sign_in``)."""

    backoff_after: int = 3
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    lock_account_after: int = 10
    lock_address_after: int = 50
    lockout_window_s: float = 900.0
    max_concurrent_hashes: int = 2
    max_password_chars: int = 1024


@dataclass(frozen=True)
class RequestLimits:
    """Bounds on every request's body (``security.yaml``, ``requests``)."""

    max_callback_body_mb: float = 16.0
    max_form_body_kb: float = 16.0
    max_json_depth: int = 100


def sign_in_wait_s(failures: int, last_at: float, locked_until: float, *, now: float, limits: SignInLimits) -> float:
    """Seconds before another sign-in may be tried, given the failures counted so far (0: now).

    Examples
    --------
    >>> lim = SignInLimits(backoff_after=3, backoff_base_s=1, backoff_max_s=60)
    >>> [sign_in_wait_s(n, 100.0, 0.0, now=100.0, limits=lim) for n in (2, 3, 4, 5, 20)]
    [0.0, 1.0, 2.0, 4.0, 60.0]
    >>> sign_in_wait_s(12, 100.0, 1000.0, now=500.0, limits=lim)      # locked: until the window has passed
    500.0
    """
    if locked_until > now:
        return locked_until - now
    if failures < limits.backoff_after:
        return 0.0
    wait = min(limits.backoff_max_s, limits.backoff_base_s * 2.0 ** (failures - limits.backoff_after))
    return max(0.0, last_at + wait - now)


#: a section of limits: one of the limits dataclasses (every field a positive number)
_Limits = TypeVar("_Limits", "SignInLimits", "RequestLimits")


def _section(cls: type[_Limits], doc: object, path: object, name: str) -> _Limits:
    """A limits section (``sign_in``, ``requests``) of ``security.yaml``, every value positive."""
    if doc is None:
        return cls()
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: {name} must be a mapping")
    unknown = set(doc) - set(cls.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"{path}: {name} has unknown keys {sorted(unknown)} (known: "
                          f"{', '.join(cls.__dataclass_fields__)})")
    try:
        out = cls(**{k: type(getattr(cls(), k))(v) for k, v in doc.items()})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {name}: {exc}") from exc
    bad = [k for k in cls.__dataclass_fields__ if not getattr(out, k) > 0 and k != "backoff_after"]
    if bad or getattr(out, "backoff_after", 0) < 0:
        raise ConfigError(f"{path}: {name}: {', '.join(bad) or 'backoff_after'} must be positive")
    return out


#: the hour blocks incident maps are published in beyond analysts, unless ``security.yaml`` sets its own
OPEN_HOUR_BLOCKS: tuple[tuple[int, int], ...] = ((0, 5), (6, 11), (12, 17), (18, 23))


def _hour_blocks(doc: Any, path: object) -> tuple[tuple[int, int], ...]:
    """Hour blocks that partition the day: each [first, last] inclusive, in order, from 0 to 23 without gaps."""
    if doc is None:
        return OPEN_HOUR_BLOCKS
    try:
        blocks = tuple((int(a), int(b)) for a, b in doc)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: open_hour_blocks must be a list of [first, last] hours, got {doc!r}") from exc
    expected = 0
    for a, b in blocks:
        if a != expected or b < a or b > 23:
            raise ConfigError(f"{path}: open_hour_blocks must cover hours 0 to 23 in order without gaps or overlaps, "
                              f"got {doc!r}")
        expected = b + 1
    if expected != 24:
        raise ConfigError(f"{path}: open_hour_blocks must end at hour 23, got {doc!r}")
    return blocks


@dataclass(frozen=True)
class DisclosureRules:
    """How aggregate outputs protect what they summarise (``security.yaml``)."""

    min_count: int                      # a cell with fewer incidents than this shows no figures
    cell_m: float                       # grid cell size for incident locations shown to the open tier
    site_rounding_m: float              # restricted sites' coordinates are rounded to this for the open tier
    restricted_site_kinds: tuple[str, ...]
    restricted_sites: tuple[str, ...]
    page_roles: dict[str, str]          # path -> least role that may open the page
    session_hours: float
    min_password_length: int
    sources: dict[str, str]
    path: str
    sso: SsoSettings = field(default_factory=SsoSettings)
    sign_in: SignInLimits = field(default_factory=SignInLimits)
    requests: RequestLimits = field(default_factory=RequestLimits)
    open_hour_blocks: tuple[tuple[int, int], ...] = OPEN_HOUR_BLOCKS


def load_rules(path: str | Path | None = None) -> DisclosureRules:
    """The user's or the shipped ``security.yaml``, checked."""
    path = path or config_file(CONFIG)
    doc = read_yaml(path, what="security settings")
    try:
        rules = DisclosureRules(int(doc["min_count"]), float(doc["cell_m"]), float(doc["site_rounding_m"]),
                                tuple(doc.get("restricted_site_kinds") or ()), tuple(doc.get("restricted_sites") or ()),
                                {str(k): str(v) for k, v in doc["page_roles"].items()}, float(doc["session_hours"]),
                                int(doc["min_password_length"]), doc.get("sources", {}), str(path),
                                _sso(doc.get("sso"), path), _section(SignInLimits, doc.get("sign_in"), path, "sign_in"),
                                _section(RequestLimits, doc.get("requests"), path, "requests"),
                                _hour_blocks(doc.get("open_hour_blocks"), path))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: security settings need {exc} (min_count, cell_m, site_rounding_m, "
                          f"page_roles, session_hours, min_password_length)") from exc
    if rules.min_count < 1 or rules.cell_m <= 0 or rules.site_rounding_m <= 0:
        raise ConfigError(f"{path}: min_count must be at least 1 and cell_m, site_rounding_m positive")
    for page, role in rules.page_roles.items():
        check_role(role, what=f"{path}: page_roles[{page!r}]")
    return rules
