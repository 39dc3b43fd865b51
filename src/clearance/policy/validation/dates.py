"""Dates in condition values, as IAM's legacy parser reads them."""

from __future__ import annotations

__all__ = ["legacy_date"]

_EPOCH_MAX = 9223372036854775807


def legacy_date(value: str) -> bool:
    """IAM's legacy reader of date condition values: ISO 8601 or epoch seconds."""
    lowered = value.lower()
    try:
        if "t" in lowered or "-" in value:
            return _iso_datetime(lowered)
        return 0 <= int(value) <= _EPOCH_MAX
    except ValueError:
        return False


def _iso_datetime(text: str) -> bool:
    date, _, time = text.partition("t")
    negative = date.startswith("-")
    fields = (date[1:] if negative else date).split("-")
    year = int(("-" if negative else "") + fields[0])
    if not -292275054 <= year <= 292278993 or len(fields) > 3:
        return False
    if len(fields) > 1 and not 1 <= int(fields[1]) <= 12:
        return False
    if len(fields) > 2 and not 1 <= int(fields[2]) <= 31:
        return False
    clock = time.split(":")
    if clock[0] != "" and not 0 <= int(clock[0]) <= 23:
        return False
    if len(clock) > 1 and not 0 <= int(clock[1]) <= 59:
        return False
    return len(clock) < 3 or _iso_seconds(clock[2])


def _iso_seconds(text: str) -> bool:
    """Seconds, fraction and zone of an ISO time; the zone's minutes are the next field."""
    if "z" in text:
        seconds, _, after = text.partition("z")
        if after:
            return False
    elif "+" in text:
        seconds, _, zone = text.partition("+")
        hours, colon, minutes = zone.partition(":")
        if len(hours) != 2 or not 0 <= int(hours) <= 23:
            return False
        if colon and (len(minutes) != 2 or not 0 <= int(minutes) <= 59):
            return False
    else:
        seconds = text
    whole, dot, fraction = seconds.partition(".")
    if not 0 <= int(whole) <= 59:
        return False
    return not dot or 0 <= int(fraction) <= 999999999
