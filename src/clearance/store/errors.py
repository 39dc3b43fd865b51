"""The store's errors, with IAM's codes, HTTP statuses and wording.

Every error is a :class:`~clearance.errors.ClearanceError`, so the wire layer
renders it as AWS would. Messages follow AWS's text where it is known::

    NoSuchEntity            404  The user with name bob cannot be found.
    EntityAlreadyExists     409  User with name bob already exists.
    LimitExceeded           409  Cannot exceed quota for AccessKeysPerUser: 2
    DeleteConflict          409  Cannot delete entity, must delete access keys first.
    ConcurrentModification  409  a competing writer won; the caller may retry
    ServiceFailure          500  a stored secret cannot be decrypted (wrong master key)
    UnmodifiableEntity      400  a customer account writing to an AWS managed policy

``InvalidInput`` (400) and ``PolicySizeExceeded`` (``LimitExceeded``, 409) are
the shared ones from :mod:`clearance.errors`, re-exported here. No message ever
contains a secret.
"""

from __future__ import annotations

from clearance.errors import ClearanceError, InvalidInput, PolicySizeExceeded

__all__ = [
    "ConcurrentModification",
    "DeleteConflict",
    "EntityAlreadyExists",
    "InvalidInput",
    "LimitExceeded",
    "NoSuchEntity",
    "PolicySizeExceeded",
    "ServiceFailure",
    "UnmodifiableEntity",
    "quota_exceeded",
]


class NoSuchEntity(ClearanceError):
    code = "NoSuchEntity"
    http_status = 404


class EntityAlreadyExists(ClearanceError):
    code = "EntityAlreadyExists"
    http_status = 409


class LimitExceeded(ClearanceError):
    code = "LimitExceeded"
    http_status = 409


class DeleteConflict(ClearanceError):
    code = "DeleteConflict"
    http_status = 409


class ConcurrentModification(ClearanceError):
    code = "ConcurrentModification"
    http_status = 409


class ServiceFailure(ClearanceError):
    code = "ServiceFailure"
    http_status = 500


def quota_exceeded(quota: str, limit: int) -> LimitExceeded:
    """AWS's wording for a numeric quota: ``Cannot exceed quota for GroupsPerUser: 10``."""
    return LimitExceeded(f"Cannot exceed quota for {quota}: {limit}")


class UnmodifiableEntity(ClearanceError):
    """A write to an AWS managed policy from a customer account."""

    code = "UnmodifiableEntity"
    http_status = 400
