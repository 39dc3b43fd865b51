"""The root user and a bucket policy that denies everyone, as AWS does it.

A bucket policy's Deny binds the account's root user too: a policy that
denies ``s3:*`` to ``"*"`` locks the root user out of the objects and of the
bucket. One exception keeps owners from locking themselves out for good: the
root user of the account that owns the bucket can always
``GetBucketPolicy``, ``PutBucketPolicy`` and ``DeleteBucketPolicy``, whatever
the bucket policy says. That rule is the engine's
(:func:`clearance.engine.builtin.root_manages_own_bucket_policy`), so that
``evaluate`` alone — the simulator, ``clearance explain`` — decides it as the
server does; this module keeps the S3 side: the 405 for other accounts and
the advice for a root user locked out.

Separately, the bucket policy operations belong to the owner's account: an
identity of another account gets 405 MethodNotAllowed even when every policy
allows it.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html
https://repost.aws/knowledge-center/s3-accidentally-denied-access
"""

from __future__ import annotations

from clearance.engine import Request
from clearance.engine.builtin import (
    BUCKET_POLICY_ACTIONS,
    ROOT_OVERRIDE_NOTE,
    root_manages_own_bucket_policy,
)

__all__ = [
    "BUCKET_POLICY_ACTIONS",
    "METHOD_NOT_ALLOWED",
    "ROOT_OVERRIDE_NOTE",
    "lockout_advice",
    "outside_owner_account",
    "root_override_applies",
]

METHOD_NOT_ALLOWED = "The specified method is not allowed against this resource."


def root_override_applies(request: Request) -> bool:
    """Whether the request is the bucket owner's root user managing the bucket
    policy. ``request.resource_account`` must be the bucket owner's account."""
    return root_manages_own_bucket_policy(request)


def outside_owner_account(request: Request) -> bool:
    """Whether a bucket policy operation comes from outside the bucket owner's
    account: S3 answers 405 MethodNotAllowed (:data:`METHOD_NOT_ALLOWED`)
    once the caller is authorized."""
    return (
        request.action_key in BUCKET_POLICY_ACTIONS
        and request.resource_account is not None
        and request.principal.account != request.resource_account
    )


def lockout_advice(bucket: str) -> str:
    """What to tell a root user whom a bucket policy denies."""
    return (
        f"The bucket policy of {bucket} denies this request, and a bucket policy's Deny binds "
        "the root user too. The root user of the bucket's account can still get, put and "
        "delete the bucket policy: sign in as root and run "
        f"`aws s3api delete-bucket-policy --bucket {bucket}` (or put a corrected policy)."
    )
