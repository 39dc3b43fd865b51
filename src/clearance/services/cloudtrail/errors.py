"""CloudTrail's modeled errors for LookupEvents' bad input (HTTP 400, JSON protocol).

The codes are botocore's model's; the messages are Clearance's wording (AWS's
exact texts are not documented).
"""

from __future__ import annotations

from clearance.errors import ClearanceError

__all__ = [
    "InvalidEventCategory",
    "InvalidLookupAttributes",
    "InvalidMaxResults",
    "InvalidNextToken",
    "InvalidTimeRange",
]


class InvalidLookupAttributes(ClearanceError):
    code = "InvalidLookupAttributesException"
    http_status = 400


class InvalidTimeRange(ClearanceError):
    code = "InvalidTimeRangeException"
    http_status = 400


class InvalidMaxResults(ClearanceError):
    code = "InvalidMaxResultsException"
    http_status = 400


class InvalidNextToken(ClearanceError):
    code = "InvalidNextTokenException"
    http_status = 400


class InvalidEventCategory(ClearanceError):
    code = "InvalidEventCategoryException"
    http_status = 400
