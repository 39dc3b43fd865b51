"""Errors raised by service operations (beyond the store's and the wire's)."""

from __future__ import annotations

from clearance.errors import ClearanceError

__all__ = ["AccessDenied", "InvalidClientTokenId", "NotImplementedOperation", "ServiceFailure"]


class AccessDenied(ClearanceError):
    code = "AccessDenied"
    http_status = 403


class InvalidClientTokenId(ClearanceError):
    code = "InvalidClientTokenId"
    http_status = 403


class NotImplementedOperation(ClearanceError):
    """An operation the service model knows but Clearance does not (yet) serve."""

    code = "NotImplemented"
    http_status = 501


class ServiceFailure(ClearanceError):
    code = "ServiceFailure"
    http_status = 500

    def __init__(self, message: str = "An internal error occurred. Try again.") -> None:
        super().__init__(message)


# IAM passwords (login profiles, ChangePassword).


class PasswordPolicyViolation(ClearanceError):
    """A new password does not satisfy the account's password policy."""

    code = "PasswordPolicyViolation"
    http_status = 400


class InvalidUserType(ClearanceError):
    """An operation only IAM users may call (ChangePassword) called by another principal."""

    code = "InvalidUserType"
    http_status = 400


__all__ += ["InvalidUserType", "PasswordPolicyViolation"]
