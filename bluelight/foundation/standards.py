"""The standard each service is assessed against by default, and the target it comes from."""

from __future__ import annotations

from typing import Any

#: service -> (threshold in seconds, target_id in config/targets.yaml)
DEFAULT_STANDARD = {"fire": (360.0, "lfb-first-appliance-mean-6min"),
                    "ambulance": (420.0, "nhs-arp-c1-mean"),
                    "police": (900.0, "mps-immediate-15min-90")}

#: targets about a later arrival than the first, which first-response coverage cannot be compared with
NOT_FIRST_RESPONSE = ("second_appliance",)

#: what each kind of jurisdiction a target names is, and how specific (a service's own plan beats its region's,
#: a region's beats its country's)
JURISDICTION_LEVELS = {"fire_authority": 3, "police_force": 3, "ambulance_trust": 3, "london": 2, "england": 1,
                       "wales": 1, "scotland": 1}
#: country of a GSS local-authority code's first letter
COUNTRY_OF_CODE = {"E": "england", "W": "wales", "S": "scotland"}


def jurisdictions_of(la_code: str | None, *, fire_authority: str | None = None, police_force: str | None = None,
                     ambulance_trust: str | None = None) -> set[str]:
    """The jurisdictions an area falls in: its country, London for a London borough, and the services whose
    areas hold it (``fire_authority:NAME`` ...), lower-case.

    Examples
    --------
    >>> sorted(jurisdictions_of("E09000007"))
    ['england', 'london']
    >>> sorted(jurisdictions_of("E06000017", fire_authority="Leicestershire"))
    ['england', 'fire_authority:leicestershire']
    >>> jurisdictions_of("SYNLA2")           # not a GSS code (a synthetic region's): no country, not Scotland
    set()
    """
    code = (la_code or "").strip().upper()
    gss = len(code) == 9 and code[1:].isdigit()          # an ONS (GSS) code: the country's letter and 8 digits
    out = {COUNTRY_OF_CODE[code[0]]} if gss and code[0] in COUNTRY_OF_CODE else set()
    if code.startswith("E09"):
        out.add("london")
    for kind, name in (("fire_authority", fire_authority), ("police_force", police_force),
                       ("ambulance_trust", ambulance_trust)):
        if name:
            out.add(f"{kind}:{str(name).strip().lower()}")
    return out


def standard_s(service: str, threshold_s: float | None = None) -> float:
    """The response standard a figure is judged against: the one given, else the service's usual one.

    >>> standard_s("ambulance"), standard_s("fire", 480)
    (420.0, 480.0)
    """
    return float(DEFAULT_STANDARD[service][0] if threshold_s is None else threshold_s)


def pick_target(service: str, jurisdictions: set[str],
                targets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first-response target that judges ``service`` in an area: the most specific jurisdiction the area is
    in (a service's own standard, then its region's, then its country's); among equals the default standard's,
    then the first listed. None: no standard is configured for the service there.

    Examples
    --------
    >>> ts = [{"target_id": "lfb", "service": "fire", "jurisdiction": "london"},
    ...       {"target_id": "arp", "service": "ambulance", "jurisdiction": "england"}]
    >>> pick_target("fire", {"england", "london"}, ts)["target_id"], pick_target("fire", {"england"}, ts)
    ('lfb', None)
    """
    mine = [t for t in targets if t["service"] == service and t.get("category") not in NOT_FIRST_RESPONSE
            and str(t["jurisdiction"]).strip().lower() in jurisdictions]
    if not mine:
        return None
    default = DEFAULT_STANDARD.get(service, (None, None))[1]

    def rank(t: dict[str, Any]) -> tuple[int, bool]:
        level = JURISDICTION_LEVELS.get(str(t["jurisdiction"]).lower().split(":")[0], 0)
        return (-level, t["target_id"] != default)
    return min(mine, key=rank)
