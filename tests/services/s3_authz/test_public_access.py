"""Block Public Access: combining levels, BlockPublicPolicy's refusal, and
RestrictPublicBuckets through the engine."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from clearance.engine import NamedPolicy, PolicySet, evaluate, parse_principal
from clearance.policy import Policy
from clearance.services.s3_authz import (
    PublicAccessBlock,
    bucket_policy_in_force,
    effective_settings,
    public_acl_refusal,
    public_policy_refusal,
    with_bucket_policy,
)
from tests.services.s3_authz.helpers import (
    ALICE,
    BOB,
    BUCKET_ARN,
    OTHER,
    OWNER,
    allow,
    named,
    policy,
    request,
)

OBJECT = f"{BUCKET_ARN}/q1.csv"
ALL_ON = PublicAccessBlock.all_on()
RESTRICT = PublicAccessBlock(restrict_public_buckets=True)


@pytest.mark.parametrize(
    ("account", "bucket", "expected"),
    [
        (None, None, PublicAccessBlock()),
        (ALL_ON, None, ALL_ON),
        (None, ALL_ON, ALL_ON),
        (
            PublicAccessBlock(block_public_policy=True),
            PublicAccessBlock(restrict_public_buckets=True),
            PublicAccessBlock(block_public_policy=True, restrict_public_buckets=True),
        ),
        (
            PublicAccessBlock(),
            PublicAccessBlock(block_public_acls=True),
            PublicAccessBlock(block_public_acls=True),
        ),
        (
            PublicAccessBlock(ignore_public_acls=True),
            PublicAccessBlock(),
            PublicAccessBlock(ignore_public_acls=True),
        ),
    ],
)
def test_the_most_restrictive_combination(
    account: PublicAccessBlock | None, bucket: PublicAccessBlock | None, expected: PublicAccessBlock
) -> None:
    assert effective_settings(account, bucket) == expected


PUBLIC_READ = policy(allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal="*"))
ACCOUNT_READ = policy(allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": OTHER}))


def test_block_public_policy_refuses_a_public_policy_with_aws_message() -> None:
    message = public_policy_refusal(PUBLIC_READ, ALL_ON, ALICE, BUCKET_ARN)
    assert message == (
        f"User: {ALICE} is not authorized to perform: s3:PutBucketPolicy on resource: "
        f'"{BUCKET_ARN}" because public policies are blocked by the BlockPublicPolicy block '
        "public access setting."
    )


@pytest.mark.parametrize(
    ("document", "settings"),
    [
        (ACCOUNT_READ, ALL_ON),
        (PUBLIC_READ, PublicAccessBlock(restrict_public_buckets=True, block_public_acls=True)),
        (PUBLIC_READ, PublicAccessBlock()),
    ],
)
def test_block_public_policy_lets_others_through(
    document: Policy, settings: PublicAccessBlock
) -> None:
    assert public_policy_refusal(document, settings, ALICE, BUCKET_ARN) is None


# RestrictPublicBuckets: AWS's example bucket policy of account OWNER.
MIXED = named(
    "bucket-policy",
    allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"Service": "cloudtrail.amazonaws.com"}),
    allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": OTHER}),
    allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal="*"),
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET_ARN}/secret/*",
    },
)
NON_PUBLIC = named(
    "bucket-policy",
    allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"Service": "cloudtrail.amazonaws.com"}),
    allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": OTHER}),
)
BOB_CAN_READ = [named("bob-read", allow("s3:GetObject", "*"))]


def _allowed(
    caller: str,
    bucket_policy: NamedPolicy,
    settings: PublicAccessBlock,
    identity: Sequence[NamedPolicy] = (),
    resource: str = OBJECT,
) -> bool:
    req = request(caller, "s3:GetObject", resource)
    in_force = bucket_policy_in_force(bucket_policy, settings, req.principal, OWNER)
    return evaluate(req, with_bucket_policy(PolicySet(identity=identity), in_force)).allowed


@pytest.mark.parametrize(
    ("caller", "identity", "settings", "expected"),
    [
        # Without the setting the public policy works for everyone.
        ("anonymous", (), PublicAccessBlock(), True),
        (BOB, BOB_CAN_READ, PublicAccessBlock(), True),
        # With it, only AWS services and the owner's account keep access.
        ("anonymous", (), RESTRICT, False),
        (BOB, BOB_CAN_READ, RESTRICT, False),
        ("cloudtrail.amazonaws.com", (), RESTRICT, True),
        (ALICE, (), RESTRICT, True),
        (f"arn:aws:iam::{OWNER}:root", (), RESTRICT, True),
    ],
)
def test_restrict_public_buckets(
    caller: str, identity: Sequence[NamedPolicy], settings: PublicAccessBlock, expected: bool
) -> None:
    assert _allowed(caller, MIXED, settings, identity) is expected


def test_restrict_public_buckets_keeps_the_denies() -> None:
    secret = f"{BUCKET_ARN}/secret/plan.txt"
    assert not _allowed(BOB, MIXED, RESTRICT, BOB_CAN_READ, secret)
    assert not _allowed("anonymous", MIXED, PublicAccessBlock(), (), secret)


def test_restrict_public_buckets_leaves_a_non_public_policy_alone() -> None:
    """Account-2 regains access once the public statement is gone."""
    assert _allowed(BOB, NON_PUBLIC, RESTRICT, BOB_CAN_READ)
    assert not _allowed("anonymous", NON_PUBLIC, RESTRICT)


def test_bucket_policy_in_force_uses_a_known_verdict() -> None:
    bob = parse_principal(BOB)
    kept = bucket_policy_in_force(NON_PUBLIC, RESTRICT, bob, OWNER, public=True)
    assert all(s.effect.value == "Deny" for s in kept.policy.statements)
    assert bucket_policy_in_force(MIXED, RESTRICT, bob, OWNER, public=False) is MIXED


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-amz-acl": "public-read"}, True),
        ({"x-amz-acl": "public-read-write"}, True),
        ({"x-amz-acl": "authenticated-read"}, True),
        ({"x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}, True),
        (
            {
                "X-Amz-Grant-Full-Control": 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'
            },
            True,
        ),
        ({"x-amz-acl": "private"}, False),
        ({"x-amz-acl": "bucket-owner-full-control"}, False),
        ({"x-amz-grant-read": f'id="{OWNER}"'}, False),
        ({}, False),
    ],
)
def test_block_public_acls(headers: dict[str, str], expected: bool) -> None:
    assert public_acl_refusal(headers, PublicAccessBlock(block_public_acls=True)) is expected
    assert public_acl_refusal(headers, PublicAccessBlock()) is False
