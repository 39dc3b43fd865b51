"""Errors raised while decoding a request, before any operation runs.

Each carries AWS's code and HTTP status, and the wire layer encodes it like
any other :class:`~clearance.errors.ClearanceError`. Two of them are not
ordinary ``<ErrorResponse>`` documents on AWS, and say so in attributes that
:func:`clearance.protocol.encode_error` honours:

* ``xml_namespace``: AWS answers protocol-level faults (an unknown Action or
  Version) in its generic ``AWSFault`` namespace rather than the service's.
* ``location``: a query request without ``Action`` is not an API call at all
  to AWS; IAM and STS redirect it (302) to the IAM product page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clearance.errors import ClearanceError

__all__ = [
    "AWS_FAULT_NAMESPACE",
    "InvalidAction",
    "MalformedInput",
    "MalformedQueryString",
    "MissingAction",
    "MissingParameter",
    "RequestEntityTooLarge",
    "ValidationError",
    "Violation",
]

AWS_FAULT_NAMESPACE = "http://webservices.amazon.com/AWSFault/2005-15-09"

# Where AWS IAM/STS send a query request that names no Action.
_PRODUCT_PAGE = "https://aws.amazon.com/iam"


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed constraint, as AWS words it inside a ``ValidationError``.

    ``shown`` is the value as AWS prints it: ``None`` for a missing member
    (``Value null at ...``), ``""`` for a sensitive member whose value is not
    echoed (``Value at ...``), otherwise the quoted text (``Value 'x' at ...``).
    """

    path: str
    shown: str | None
    constraint: str

    @property
    def message(self) -> str:
        if self.shown is None:
            value = "Value null"
        elif self.shown == "":
            value = "Value"
        else:
            value = f"Value {self.shown}"
        return f"{value} at '{self.path}' failed to satisfy constraint: {self.constraint}"


class ValidationError(ClearanceError):
    """Parameters that break the model's constraints (AWS's wording, all of them)."""

    code = "ValidationError"
    http_status = 400

    def __init__(self, message: str, violations: Sequence[Violation] = ()) -> None:
        super().__init__(message)
        self.violations = tuple(violations)

    @classmethod
    def from_violations(cls, violations: Sequence[Violation]) -> ValidationError:
        count = len(violations)
        noun = "error" if count == 1 else "errors"
        detail = "; ".join(v.message for v in violations)
        return cls(f"{count} validation {noun} detected: {detail}", violations)


class MalformedInput(ClearanceError):
    """A value that cannot be read as its type (``DurationSeconds=abc``).

    AWS sends no ``<Message>`` for most of these; an empty message is encoded
    the same way.
    """

    code = "MalformedInput"
    http_status = 400


class InvalidAction(ClearanceError):
    """Unknown Action, or a Version the service does not speak."""

    code = "InvalidAction"
    http_status = 400
    xml_namespace = AWS_FAULT_NAMESPACE

    def __init__(self, action: str, version: str | None) -> None:
        shown = "NO_VERSION_SPECIFIED" if version is None else version
        super().__init__(f"Could not find operation {action} for version {shown}")
        self.action = action
        self.version = version


class MissingAction(ClearanceError):
    """No ``Action`` parameter: AWS answers with a redirect, not an error document."""

    code = "MissingAction"
    http_status = 302

    def __init__(self, query: str = "") -> None:
        super().__init__("Missing Action")
        self.location = f"{_PRODUCT_PAGE}?{query}" if query else _PRODUCT_PAGE


class MissingParameter(ClearanceError):
    """A parameter an operation needs beyond the model's ``required`` list."""

    code = "MissingParameter"
    http_status = 400

    def __init__(self, name: str) -> None:
        super().__init__(f"The request must contain the parameter {name}")
        self.parameter = name


class MalformedQueryString(ClearanceError):
    """A body or query string that is not well-formed form encoding."""

    code = "MalformedQueryString"
    http_status = 400


class RequestEntityTooLarge(ClearanceError):
    """A request body over the configured limit."""

    code = "RequestEntityTooLarge"
    http_status = 413
