"""What temporary credentials may call, by how they were obtained.

AWS limits two kinds of temporary credentials whatever their policies say
(IAM User Guide, "Compare AWS STS credentials"):

- GetSessionToken credentials cannot call IAM unless MFA was used to get them,
  and can call only AssumeRole and GetCallerIdentity on STS;
- GetFederationToken credentials cannot call IAM at all, and only
  GetCallerIdentity on STS.

AWS answers such calls with ``InvalidClientTokenId`` (403, "The security token
included in the request is invalid"). Clearance answers the same code and
status and appends the rule that applied (shared conventions). The gateway
calls :func:`check_credential_type` for every authenticated request, before the
operation runs.
"""

from __future__ import annotations

from clearance.services.context import CallContext, Caller
from clearance.services.errors import InvalidClientTokenId

__all__ = ["INVALID_TOKEN", "check_credential_type", "credential_type_violation"]

INVALID_TOKEN = "The security token included in the request is invalid."

_SESSION_TOKEN_STS = frozenset({"AssumeRole", "GetCallerIdentity"})
_FEDERATION_STS = frozenset({"GetCallerIdentity"})

SESSION_TOKEN_IAM = (
    "Credentials from GetSessionToken cannot call IAM unless MFA was used to get them "
    "(pass SerialNumber and TokenCode to GetSessionToken)."
)
SESSION_TOKEN_STS = (
    "Credentials from GetSessionToken can call only AssumeRole and GetCallerIdentity on STS."
)
FEDERATION_IAM = "Credentials from GetFederationToken cannot call IAM."
FEDERATION_STS = "Credentials from GetFederationToken can call only GetCallerIdentity on STS."


def credential_type_violation(caller: Caller, service: str, operation: str) -> str | None:
    """The rule a call breaks, or None when the caller's credentials may make it."""
    session = caller.session
    if session is None:
        return None
    if session.kind == "SessionToken":
        if service == "iam" and not session.mfa_present:
            return SESSION_TOKEN_IAM
        if service == "sts" and operation not in _SESSION_TOKEN_STS:
            return SESSION_TOKEN_STS
    elif session.kind == "FederatedUser":
        if service == "iam":
            return FEDERATION_IAM
        if service == "sts" and operation not in _FEDERATION_STS:
            return FEDERATION_STS
    return None


def check_credential_type(
    ctx_or_caller: CallContext | Caller, service: str | None = None, operation: str | None = None
) -> None:
    """Raise InvalidClientTokenId when the caller's kind of temporary credentials
    may not make this call. With a CallContext, ``service`` and ``operation``
    default to the context's."""
    if isinstance(ctx_or_caller, CallContext):
        caller = ctx_or_caller.caller
        service = service or ctx_or_caller.service
        operation = operation or ctx_or_caller.operation
    else:
        caller = ctx_or_caller
    if service is None or operation is None:
        raise TypeError("check_credential_type needs the service and the operation")
    rule = credential_type_violation(caller, service, operation)
    if rule is not None:
        raise InvalidClientTokenId(f"{INVALID_TOKEN} {rule}")
