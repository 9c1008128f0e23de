"""A small incident-category vocabulary shared by all services, and the mappings into it."""

from __future__ import annotations

CATEGORIES = (
    "dwelling_fire",
    "other_fire",
    "secondary_fire",
    "false_alarm",
    "rtc",
    "medical",
    "cardiac_arrest",
    "special_service",
    "crime",
    "other",
)

_ALIASES = {
    "dwelling fire": "dwelling_fire", "house fire": "dwelling_fire",
    "fire": "other_fire", "primary fire": "other_fire", "other fire": "other_fire",
    "secondary fire": "secondary_fire",
    "false alarm": "false_alarm", "afa": "false_alarm",
    "rtc": "rtc", "road traffic collision": "rtc", "road traffic accident": "rtc", "rta": "rtc",
    "medical": "medical", "medical incident": "medical",
    "cardiac arrest": "cardiac_arrest", "ohca": "cardiac_arrest", "cardiac": "cardiac_arrest",
    "category 1": "medical", "cat1": "medical", "c1": "medical", "category 2": "medical", "cat2": "medical",
    "c2": "medical", "category 3": "medical", "c3": "medical", "category 4": "medical", "c4": "medical",
    "special service": "special_service",
    "crime": "crime", "police": "crime", "other": "other",
}


def normalise_category(value: str) -> str | None:
    """Map a category as written in a file to the vocabulary, or None if unknown."""
    v = str(value).strip().lower()
    if v.replace(" ", "_") in CATEGORIES:
        return v.replace(" ", "_")
    return _ALIASES.get(v.replace("_", " "))


def lfb_category(group: str, stop_code: str, special_type: str, property_category: str) -> tuple[str, str]:
    """Category and detail of an LFB incident record.

    Uses the Home Office incident types that LFB records: a primary fire in a
    dwelling is a dwelling fire; special services split into road traffic
    collisions, medical incidents (including co-responder calls) and the rest.
    """
    group = (group or "").strip()
    stop = (stop_code or "").strip()
    special = (special_type or "").strip()
    if group == "Fire":
        if stop == "Secondary Fire":
            return "secondary_fire", stop
        if stop == "Primary Fire" and (property_category or "").strip() == "Dwelling":
            return "dwelling_fire", stop
        return "other_fire", stop
    if group == "False Alarm":
        return "false_alarm", stop
    if group == "Special Service":
        low = special.lower()
        if low == "rtc":
            return "rtc", special
        if low.startswith("medical"):
            return "medical", special
        return "special_service", special or stop
    return "other", f"{group} / {stop}".strip(" /")
