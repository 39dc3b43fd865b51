"""Request times: parsing the formats clients send, and the ±15-minute skew rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from clearance.authn.errors import RequestTimeTooSkewed, SignatureDoesNotMatch

__all__ = [
    "MAX_SKEW",
    "aware",
    "check_skew",
    "format_amz_date",
    "parse_amz_date",
    "parse_http_date",
    "parse_iso8601",
]

MAX_SKEW = timedelta(minutes=15)
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z", re.ASCII)
_MAX_DATE_LENGTH = 64


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_amz_date(value: str) -> datetime | None:
    """``YYYYMMDDTHHMMSSZ`` (ISO 8601 basic format, UTC), or None."""
    match = _AMZ_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def parse_http_date(value: str) -> datetime | None:
    """A ``Date`` header: RFC 7231 (``Mon, 09 Sep 2011 23:36:00 GMT``, and the
    obsolete forms), or the ISO 8601 basic format some clients put there."""
    if len(value) > _MAX_DATE_LENGTH:
        return None
    basic = parse_amz_date(value.strip())
    if basic is not None:
        return basic
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return aware(parsed)


def parse_iso8601(value: str) -> datetime | None:
    """SigV2's ``Timestamp``/``Expires``: ``2011-10-03T15:19:30[.fff][Z|±hh:mm]``."""
    if not value or len(value) > _MAX_DATE_LENGTH or not value[:4].isdigit():
        return None
    try:
        return aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def format_amz_date(moment: datetime) -> str:
    return aware(moment).strftime("%Y%m%dT%H%M%SZ")


def check_skew(signed_at: datetime, now: datetime, *, s3: bool, past: bool = True) -> None:
    """Reject a request signed more than 15 minutes before or after ``now``.

    ``past=False`` checks only the future side (S3 presigned URLs carry their
    own expiry).
    """
    earliest, latest = now - MAX_SKEW, now + MAX_SKEW
    if past and signed_at < earliest:
        if s3:
            raise _too_skewed(signed_at, now)
        raise SignatureDoesNotMatch(
            f"Signature expired: {format_amz_date(signed_at)} is now earlier than "
            f"{format_amz_date(earliest)} ({format_amz_date(now)} - 15 min.)"
        )
    if signed_at > latest:
        if s3:
            raise _too_skewed(signed_at, now)
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {format_amz_date(signed_at)} is still later than "
            f"{format_amz_date(latest)} ({format_amz_date(now)} + 15 min.)"
        )


def _too_skewed(signed_at: datetime, now: datetime) -> RequestTimeTooSkewed:
    return RequestTimeTooSkewed(
        request_time=format_amz_date(signed_at),
        server_time=format_amz_date(now),
        max_allowed_skew_ms=int(MAX_SKEW.total_seconds() * 1000),
    )
