"""Rules AWS applies before or beside any policy.

* ``sts:GetCallerIdentity`` needs no permission and cannot be denied.
  https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
* AWS-owned IAM resources — AWS managed policies (account ``aws``), reserved
  SSO roles (``/aws-reserved/``) and service-linked roles
  (``/aws-service-role/``) — can be read but not changed by any customer
  policy, except that a service-linked role's description and tags can be
  edited and the role deleted through DeleteServiceLinkedRole.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
"""

from __future__ import annotations

from clearance.engine.decision import Decision, Outcome
from clearance.engine.request import Request

__all__ = ["ALWAYS_ALLOWED", "always_allowed", "aws_owned_denial"]

ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})
_READ_VERBS = ("get", "list", "generate", "simulate")
_AWS_OWNED_MARKERS = (":iam::aws:policy/", ":role/aws-reserved/", ":role/aws-service-role/")
_SERVICE_LINKED = ":role/aws-service-role/"
_SERVICE_LINKED_EDITS = frozenset(
    {
        "iam:updateroledescription",
        "iam:updaterole",
        "iam:tagrole",
        "iam:untagrole",
        "iam:deleteservicelinkedrole",
    }
)


def always_allowed(request: Request) -> Decision:
    """The decision for an action in :data:`ALWAYS_ALLOWED`."""
    return Decision(
        Outcome.ALLOWED,
        note=f"{request.action} needs no permission; AWS allows it even under an explicit deny",
    )


def aws_owned_denial(request: Request) -> Decision | None:
    """An implicit deny for a change to an IAM resource that AWS owns."""
    action = request.action_key
    if not action.startswith("iam:") or action[4:].startswith(_READ_VERBS):
        return None
    resource = request.resource
    if not any(marker in resource for marker in _AWS_OWNED_MARKERS):
        return None
    if _SERVICE_LINKED in resource and action in _SERVICE_LINKED_EDITS:
        return None
    return Decision(
        Outcome.IMPLICIT_DENY,
        note="the resource is owned by AWS: no policy can allow changing it",
    )
