"""S3's authorization rules, as pure functions the S3 operations call.

* :mod:`.actions` — operation → IAM action(s) and resource ARN(s);
* :mod:`.condition_keys` — the S3 condition keys of a request, per action;
* :mod:`.public_policy` — whether a bucket policy is "public";
* :mod:`.public_access` — Block Public Access settings and their effects;
* :mod:`.ownership` — ACLs under "bucket owner enforced" (the default);
* :mod:`.policy_sets` — a caller's set with the bucket policy added;
* :mod:`.root_lockout` — the root user's bucket policy exception, the
  decision that applies it, and the lockout advice.

No I/O: callers pass the values they read from the store and the request.
"""

from clearance.services.s3_authz.actions import (
    OPERATIONS,
    CopySource,
    OperationRule,
    Permission,
    Target,
    bucket_arn,
    object_arn,
    parse_copy_source,
    required_permissions,
)
from clearance.services.s3_authz.condition_keys import (
    ACTION_KEYS,
    SUPPORTED_KEYS,
    S3RequestFacts,
    parse_tagging,
    s3_condition_keys,
)
from clearance.services.s3_authz.ownership import (
    BUCKET_OWNER_ENFORCED,
    AclRefusal,
    acl_refusal,
)
from clearance.services.s3_authz.policy_sets import with_bucket_policy, without_bucket_policy
from clearance.services.s3_authz.public_access import (
    BLOCKED_PUBLIC_POLICY,
    PublicAccessBlock,
    bucket_policy_in_force,
    effective_settings,
    public_acl_refusal,
    public_policy_refusal,
)
from clearance.services.s3_authz.public_policy import PublicGrant, is_public_policy, public_grants
from clearance.services.s3_authz.root_lockout import (
    BUCKET_POLICY_ACTIONS,
    METHOD_NOT_ALLOWED,
    ROOT_OVERRIDE_NOTE,
    lockout_advice,
    outside_owner_account,
    root_override_applies,
)

__all__ = [
    "ACTION_KEYS",
    "BLOCKED_PUBLIC_POLICY",
    "BUCKET_OWNER_ENFORCED",
    "BUCKET_POLICY_ACTIONS",
    "METHOD_NOT_ALLOWED",
    "OPERATIONS",
    "ROOT_OVERRIDE_NOTE",
    "SUPPORTED_KEYS",
    "AclRefusal",
    "CopySource",
    "OperationRule",
    "Permission",
    "PublicAccessBlock",
    "PublicGrant",
    "S3RequestFacts",
    "Target",
    "acl_refusal",
    "bucket_arn",
    "bucket_policy_in_force",
    "effective_settings",
    "is_public_policy",
    "lockout_advice",
    "object_arn",
    "outside_owner_account",
    "parse_copy_source",
    "parse_tagging",
    "public_acl_refusal",
    "public_grants",
    "public_policy_refusal",
    "required_permissions",
    "root_override_applies",
    "s3_condition_keys",
    "with_bucket_policy",
    "without_bucket_policy",
]
