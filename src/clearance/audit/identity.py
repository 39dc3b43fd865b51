"""Who made a call, as CloudTrail's ``userIdentity`` element shows it.

Field sets follow CloudTrail's userIdentity reference, one per identity type;
``Unknown`` is a request whose credentials could not be verified, ``AWSAccount``
with ``ANONYMOUS_PRINCIPAL`` an unsigned request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "ANONYMOUS_PRINCIPAL",
    "Identity",
    "IdentityType",
    "SessionIssuer",
    "iso",
    "user_identity",
]

ANONYMOUS_PRINCIPAL = "ANONYMOUS_PRINCIPAL"

IdentityType = Literal[
    "Root",
    "IAMUser",
    "AssumedRole",
    "FederatedUser",
    "WebIdentityUser",
    "SAMLUser",
    "AWSService",
    "AWSAccount",
    "Unknown",
]


@dataclass(frozen=True, slots=True)
class SessionIssuer:
    """The role (or IAM user, for a federation token) that issued a session."""

    type: Literal["Role", "IAMUser"]
    principal_id: str
    arn: str
    account_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class Identity:
    type: IdentityType
    principal_id: str = ""
    arn: str = ""
    account_id: str = ""
    access_key_id: str = ""
    user_name: str | None = None
    issuer: SessionIssuer | None = None
    session_created: datetime | None = None
    mfa_authenticated: bool = False
    identity_provider: str | None = None
    invoked_by: str | None = None


def iso(moment: datetime) -> str:
    """``2026-01-02T03:04:05Z``: CloudTrail's time format (UTC, whole seconds; naive is UTC)."""
    zone = moment.tzinfo
    if zone is not None and zone is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime's unpadded %Y, kept for the odd ancient date
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{moment.year}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def user_identity(identity: Identity) -> dict[str, Any]:
    """The ``userIdentity`` element of a record."""
    kind = identity.type
    if kind == "AWSService":
        return {"type": kind, "invokedBy": identity.invoked_by or ""}
    if kind in ("WebIdentityUser", "SAMLUser"):
        return {
            "type": kind,
            "principalId": identity.principal_id,
            "userName": identity.user_name or "",
            "identityProvider": identity.identity_provider or "",
        }
    if kind == "AWSAccount":
        return {"type": kind, "principalId": "", "accountId": ANONYMOUS_PRINCIPAL}
    out: dict[str, Any] = {
        "type": kind,
        "principalId": identity.principal_id,
        "arn": identity.arn,
        "accountId": identity.account_id,
        "accessKeyId": identity.access_key_id,
    }
    if kind in ("IAMUser", "Unknown") or (kind == "Root" and identity.user_name):
        out["userName"] = identity.user_name or ""
    if kind in ("AssumedRole", "FederatedUser"):
        out["sessionContext"] = _session_context(identity)
    return out


def _session_context(identity: Identity) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if identity.issuer is not None:
        issuer = identity.issuer
        context["sessionIssuer"] = {
            "type": issuer.type,
            "principalId": issuer.principal_id,
            "arn": issuer.arn,
            "accountId": issuer.account_id,
            "userName": issuer.user_name,
        }
    context["attributes"] = {
        "creationDate": iso(identity.session_created) if identity.session_created else "",
        "mfaAuthenticated": "true" if identity.mfa_authenticated else "false",
    }
    return context
