"""Controlled vocabularies and the normalisation of the many ways files spell them."""

from __future__ import annotations

import re

SERVICES = ("fire", "police", "ambulance", "other")
#: the three services the analyses assess (``other`` sites are hosts and estate only)
EMERGENCY_SERVICES = ("fire", "police", "ambulance")
SITE_KINDS = ("station", "hq", "workshop", "training", "standby", "control", "hospital", "office", "other")
SITE_STATUSES = ("open", "closed", "planned", "candidate")
DUTY_SYSTEMS = ("wholetime", "on_call", "day_crewed", "flexi", "ambulance", "police")

_SERVICE_ALIASES = {
    "fire": "fire", "fire and rescue": "fire", "fire & rescue": "fire", "frs": "fire", "fire_station": "fire",
    "police": "police", "pol": "police",
    "ambulance": "ambulance", "amb": "ambulance", "ems": "ambulance", "ambulance_station": "ambulance",
    "other": "other", "hospital": "other",
}
_DUTY_ALIASES = {
    "wholetime": "wholetime", "whole-time": "wholetime", "whole time": "wholetime", "wt": "wholetime",
    "retained": "on_call", "on-call": "on_call", "on call": "on_call", "on_call": "on_call", "rds": "on_call",
    "day crewed": "day_crewed", "day-crewed": "day_crewed", "day_crewed": "day_crewed", "daycrewed": "day_crewed",
    "flexi": "flexi", "flexible": "flexi", "mixed": "flexi",
    "ambulance": "ambulance", "police": "police",
}


def slug(text: str) -> str:
    """A stable identifier fragment: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


#: kept in capitals wherever they appear in a name
ACRONYMS = frozenset({"HQ", "ARO", "BTP", "LFB", "LAS", "MPS", "NHS", "UK", "CID", "OCU", "RAF", "BT", "TFL", "DLR",
                      "NE", "NW", "SE", "SW", "II", "III", "IV", "VI", "QEII"})
#: lower case inside a name ("City of London", "Burton upon Trent")
SMALL_WORDS = frozenset({"of", "and", "the", "on", "upon", "in", "at", "by", "for", "under", "de", "le", "la"})


def proper_name(text: object) -> str | None:
    """A place or site name in proper case: "CITY OF LONDON" and "City Of london" give "City of London",
    "ST JOHN'S WOOD" gives "St John's Wood", "HQ OFFICES & ARO" gives "HQ Offices & ARO".

    Words already in mixed case (McDonald) are kept, except for title-casing's
    "John'S" and the small words and acronyms above.
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    words = re.split(r"(\s+|-|/|\(|\))", str(text).strip())
    out, first = [], True
    for w in words:
        core = re.sub(r"[^A-Za-z']", "", w)
        if not core:
            out.append(w)
            continue
        bare = core.replace("'", "")
        if bare.upper() in ACRONYMS:
            w = w.replace(core, core.upper())
        elif core.lower() in SMALL_WORDS and not first:
            w = w.replace(core, core.lower())
        elif core.isupper() or core.islower() or core.istitle():
            fixed = core[:1].upper() + core[1:].lower()
            if fixed.lower().startswith("o'") and len(fixed) > 2:           # O'Brien
                fixed = "O'" + fixed[2:].capitalize()
            w = w.replace(core, fixed)
        else:
            w = w.replace(core, re.sub(r"'S\b", "'s", core))
        out.append(w)
        first = False
    return "".join(out)


def station_key(name: object) -> str:
    """A station name reduced to what identifies it ("Soho Fire Station" and "SOHO" give "soho")."""
    text = re.sub(r"[^a-z0-9 ]+", " ", str(name or "").lower())
    text = re.sub(r"\b(community|fire|and|rescue|station|stn|service|the)\b", " ", text)
    return " ".join(text.split())


def norm_service(value: str) -> str | None:
    return _SERVICE_ALIASES.get(str(value).strip().lower())


def norm_duty(value: str) -> str | None:
    return _DUTY_ALIASES.get(str(value).strip().lower())


def norm_choice(value: str, allowed: tuple[str, ...]) -> str | None:
    v = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    return v if v in allowed else None


def category_words(category: str) -> str:
    """An incident category as words: ``category_1`` -> Category 1, ``special_service`` -> special service.

    >>> category_words("category_1"), category_words("special_service"), category_words("red")
    ('Category 1', 'special service', 'red')
    """
    text = str(category).replace("_", " ")
    return text[0].upper() + text[1:] if text.startswith("category ") else text
