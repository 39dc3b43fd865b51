"""Same-account and cross-account S3 access, as the engine already decides it
(identity OR bucket policy within the account; both across accounts), with
object ownership "bucket owner enforced": the bucket owner's policies govern
every object, whoever uploaded it. These cases pin the behaviour the S3
operations rely on; they do not reimplement it."""

from __future__ import annotations

from typing import Any

import pytest

from clearance.engine import NamedPolicy, Outcome, PolicySet, PolicyType, evaluate
from clearance.services.s3_authz import required_permissions, with_bucket_policy
from tests.services.s3_authz.helpers import (
    ALICE,
    BOB,
    BUCKET,
    BUCKET_ARN,
    OTHER,
    OTHER_ROOT,
    OWNER,
    OWNER_ROOT,
    allow,
    named,
    request,
)

OBJECT = f"{BUCKET_ARN}/uploads/report.csv"
READ = named("read", allow("s3:GetObject", f"{BUCKET_ARN}/*"))
BP_ALICE = named("bp", allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": ALICE}))
BP_OTHER_ACCOUNT = named("bp", allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": OTHER}))
BP_BOB = named("bp", allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": BOB}))
BP_OWNER_ACCOUNT = named("bp", allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": OWNER}))
BP_PUBLIC = named("bp", allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal="*"))
BOUNDARY_NONE = named("boundary", allow("s3:ListBucket", "*"))

Row = tuple[
    str,
    str,
    tuple[NamedPolicy, ...],
    NamedPolicy | None,
    dict[str, Any],
    Outcome,
    PolicyType | None,
]

# (name, caller, identity policies, bucket policy, other groups, outcome, denied_by)
ROWS: list[Row] = [
    ("same account: identity alone", ALICE, (READ,), None, {}, Outcome.ALLOWED, None),
    (
        "same account: bucket policy naming the user alone",
        ALICE,
        (),
        BP_ALICE,
        {},
        Outcome.ALLOWED,
        None,
    ),
    ("same account: neither", ALICE, (), None, {}, Outcome.IMPLICIT_DENY, PolicyType.IDENTITY),
    (
        "same account: bucket policy naming the account delegates to IAM",
        ALICE,
        (),
        BP_OWNER_ACCOUNT,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.IDENTITY,
    ),
    (
        "same account: a grant naming the user passes a boundary",
        ALICE,
        (),
        BP_ALICE,
        {"permissions_boundary": BOUNDARY_NONE},
        Outcome.ALLOWED,
        None,
    ),
    (
        "same account: identity grant limited by the boundary",
        ALICE,
        (READ,),
        None,
        {"permissions_boundary": BOUNDARY_NONE},
        Outcome.IMPLICIT_DENY,
        PolicyType.PERMISSIONS_BOUNDARY,
    ),
    ("same account: root user", OWNER_ROOT, (), None, {}, Outcome.ALLOWED, None),
    ("cross account: both sides", BOB, (READ,), BP_OTHER_ACCOUNT, {}, Outcome.ALLOWED, None),
    (
        "cross account: bucket policy naming the user, identity allows",
        BOB,
        (READ,),
        BP_BOB,
        {},
        Outcome.ALLOWED,
        None,
    ),
    (
        "cross account: bucket policy only, no identity grant",
        BOB,
        (),
        BP_OTHER_ACCOUNT,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.IDENTITY,
    ),
    (
        "cross account: identity only (seed: bucket policy without the principal)",
        BOB,
        (READ,),
        None,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
    (
        "cross account: bucket policy names someone else",
        BOB,
        (READ,),
        BP_ALICE,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
    (
        "cross account: public bucket policy, identity allows",
        BOB,
        (READ,),
        BP_PUBLIC,
        {},
        Outcome.ALLOWED,
        None,
    ),
    (
        "cross account: root user of another account",
        OTHER_ROOT,
        (),
        BP_OTHER_ACCOUNT,
        {},
        Outcome.ALLOWED,
        None,
    ),
    (
        "cross account: root user, no bucket policy",
        OTHER_ROOT,
        (),
        None,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
    ("anonymous: public bucket policy", "anonymous", (), BP_PUBLIC, {}, Outcome.ALLOWED, None),
    (
        "anonymous: no bucket policy",
        "anonymous",
        (),
        None,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
    (
        "anonymous: a policy for the owner's account",
        "anonymous",
        (),
        BP_OWNER_ACCOUNT,
        {},
        Outcome.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
]


@pytest.mark.parametrize(
    ("name", "caller", "identity", "bucket_policy", "groups", "outcome", "denied_by"),
    ROWS,
    ids=[row[0] for row in ROWS],
)
def test_account_rules(
    name: str,
    caller: str,
    identity: tuple[NamedPolicy, ...],
    bucket_policy: NamedPolicy | None,
    groups: dict[str, Any],
    outcome: Outcome,
    denied_by: PolicyType | None,
) -> None:
    policies = with_bucket_policy(PolicySet(identity=identity, **groups), bucket_policy)
    decision = evaluate(request(caller, "s3:GetObject", OBJECT), policies)
    assert decision.outcome is outcome
    if outcome is not Outcome.ALLOWED:
        assert decision.denied_by is denied_by


def test_objects_uploaded_by_another_account_follow_the_owners_policies() -> None:
    """Bucket owner enforced: the owner reads an object Bob uploaded through its
    own identity policy; ownership is the bucket's, so the resource account is
    the bucket owner's for every object."""
    (put,) = required_permissions("PutObject", BUCKET, "uploads/report.csv")
    write = named("bp", allow("s3:PutObject", f"{BUCKET_ARN}/uploads/*", Principal={"AWS": BOB}))
    bob_writes = with_bucket_policy(
        PolicySet(identity=[named("w", allow("s3:PutObject", "*"))]), write
    )
    assert evaluate(request(BOB, put.action, put.resource), bob_writes).allowed
    (get,) = required_permissions("GetObject", BUCKET, "uploads/report.csv")
    alice_reads = with_bucket_policy(PolicySet(identity=[READ]), write)
    assert evaluate(request(ALICE, get.action, get.resource, owner=OWNER), alice_reads).allowed
    # Bob, who uploaded it, has no read access unless the owner grants it.
    assert not evaluate(request(BOB, get.action, get.resource), bob_writes).allowed


def test_copy_across_buckets_needs_each_owner() -> None:
    """A copy reads the source under its owner's bucket policy and writes the
    destination under its own: each permission is decided on its own bucket."""
    headers = {"x-amz-copy-source": f"/{BUCKET}/uploads/report.csv"}
    read, write = required_permissions("CopyObject", "bob-bucket", "copy.csv", headers=headers)
    assert (read.bucket, write.bucket) == (BUCKET, "bob-bucket")
    bob = PolicySet(identity=[named("rw", allow(["s3:GetObject", "s3:PutObject"], "*"))])
    source = with_bucket_policy(bob, BP_BOB)
    destination = with_bucket_policy(bob, None)
    assert evaluate(request(BOB, read.action, read.resource, owner=OWNER), source).allowed
    assert evaluate(request(BOB, write.action, write.resource, owner=OTHER), destination).allowed
    assert not evaluate(request(BOB, read.action, read.resource, owner=OWNER), destination).allowed
