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
* The root user of the account that owns an S3 bucket can always get, put and
  delete the bucket policy, even when the bucket policy denies it, so that an
  owner cannot lock itself out for good; only SCPs, RCPs and VPC endpoint
  policies can still stop it. Every other action stays denied.
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
  https://repost.aws/knowledge-center/s3-accidentally-denied-access
"""

from __future__ import annotations

from clearance.engine.decision import Decision, Outcome
from clearance.engine.request import PrincipalKind, Request

__all__ = [
    "ALWAYS_ALLOWED",
    "BUCKET_POLICY_ACTIONS",
    "ROOT_OVERRIDE_NOTE",
    "always_allowed",
    "aws_owned_denial",
    "root_bucket_policy_override",
    "root_manages_own_bucket_policy",
]

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


BUCKET_POLICY_ACTIONS = frozenset(
    {"s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"}
)
ROOT_OVERRIDE_NOTE = (
    "the root user of the bucket's account can always get, put and delete the bucket policy, "
    "even when the bucket policy denies it; only SCPs, RCPs and VPC endpoint policies apply"
)
_ROOT_OVERRIDE = Decision(Outcome.ALLOWED, note=ROOT_OVERRIDE_NOTE)


def root_manages_own_bucket_policy(request: Request) -> bool:
    """Whether the request is the bucket owner's root user getting, putting or
    deleting the policy of a bucket (``arn:PARTITION:s3:::bucket``, no key).
    ``request.resource_account`` must be the bucket owner's account: unknown,
    the exception does not apply."""
    principal = request.principal
    if (
        principal.kind is not PrincipalKind.ROOT
        or request.action_key not in BUCKET_POLICY_ACTIONS
        or principal.account is None
        or request.resource_account != principal.account
    ):
        return False
    parts = request.resource.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[2] == "s3"
        and not parts[3]
        and not parts[4]
        and bool(parts[5])
        and "/" not in parts[5]
    )


def root_bucket_policy_override(request: Request) -> Decision:
    """The decision once the bucket policy's Deny is set aside for the owner's
    root user (the guardrails are the caller's to check first)."""
    return _ROOT_OVERRIDE
