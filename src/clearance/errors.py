"""The error vocabulary shared by every layer.

Every error Clearance raises carries a stable AWS error ``code`` and the HTTP
status AWS uses for it. Subclasses are grouped by the AWS service family they
mimic; the wire layer turns any :class:`ClearanceError` into AWS's error shape.

    ClearanceError
    ├── MalformedPolicyDocument      policy grammar or kind rules broken (400)
    ├── PolicySizeExceeded           LimitExceeded: document over the kind's size limit (409)
    └── InvalidInput                 a request value is out of its domain (400)
"""

from __future__ import annotations

__all__ = [
    "ClearanceError",
    "InvalidInput",
    "MalformedPolicyDocument",
    "PolicySizeExceeded",
]


class ClearanceError(Exception):
    """Base of every error with an AWS code."""

    code: str = "InternalFailure"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedPolicyDocument(ClearanceError):
    code = "MalformedPolicyDocument"
    http_status = 400


class PolicySizeExceeded(ClearanceError):
    code = "LimitExceeded"
    http_status = 409


class InvalidInput(ClearanceError):
    code = "InvalidInput"
    http_status = 400
