"""The root user locked out by a bucket policy, and the way back in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.engine import NamedPolicy, Outcome, PolicySet, PolicyType, evaluate, explain
from clearance.engine.diagnose import diagnose
from clearance.services.s3_authz import (
    METHOD_NOT_ALLOWED,
    ROOT_OVERRIDE_NOTE,
    lockout_advice,
    outside_owner_account,
    root_override_applies,
    with_bucket_policy,
)
from tests.services.s3_authz.helpers import (
    ALICE,
    BOB,
    BUCKET,
    BUCKET_ARN,
    OTHER_ROOT,
    OWNER,
    OWNER_ROOT,
    allow,
    deny,
    named,
    request,
)
from tests.spec.reference import reference_decide

OBJECT = f"{BUCKET_ARN}/q1.csv"
# The seed's story: an administrator denied everything to everyone but itself.
DENY_ALL = named(
    "bucket-policy",
    deny(
        "s3:*",
        [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        Principal="*",
        Condition={"StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:user/admin"}},
    ),
)
DENY_EVERYONE = named("bucket-policy", deny("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"], Principal="*"))
ROOT_ONLY_DENIED = named(
    "bucket-policy",
    deny("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"], Principal={"AWS": OWNER_ROOT}),
)


def _set(bucket_policy: NamedPolicy | None = DENY_ALL, **groups: Any) -> PolicySet:
    return with_bucket_policy(PolicySet(**groups), bucket_policy)


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        ("s3:GetBucketPolicy", BUCKET_ARN, True),
        ("s3:PutBucketPolicy", BUCKET_ARN, True),
        ("s3:DeleteBucketPolicy", BUCKET_ARN, True),
        ("s3:GetObject", OBJECT, False),
        ("s3:PutObject", OBJECT, False),
        ("s3:ListBucket", BUCKET_ARN, False),
        ("s3:DeleteBucket", BUCKET_ARN, False),
        ("s3:PutBucketPublicAccessBlock", BUCKET_ARN, False),
    ],
)
@pytest.mark.parametrize("bucket_policy", [DENY_ALL, DENY_EVERYONE, ROOT_ONLY_DENIED])
def test_owner_root_keeps_only_the_bucket_policy(
    action: str, resource: str, allowed: bool, bucket_policy: NamedPolicy
) -> None:
    decision = evaluate(request(OWNER_ROOT, action, resource), _set(bucket_policy))
    assert decision.allowed is allowed
    if allowed:
        assert decision.note == ROOT_OVERRIDE_NOTE
    else:
        assert decision.outcome is Outcome.EXPLICIT_DENY
        assert decision.denied_by is PolicyType.RESOURCE


def test_without_a_deny_the_root_user_is_allowed_as_usual() -> None:
    decision = evaluate(request(OWNER_ROOT, "s3:GetBucketPolicy"), _set(None))
    assert decision.allowed
    assert decision.note != ROOT_OVERRIDE_NOTE


@pytest.mark.parametrize(
    ("principal", "identity"),
    [
        (OTHER_ROOT, ()),  # another account's root user: not the owner
        (ALICE, (named("admin", allow("*")),)),  # an administrator of the owner's account
        (BOB, (named("admin", allow("*")),)),
    ],
)
def test_only_the_owners_root_user_gets_the_exception(
    principal: str, identity: tuple[NamedPolicy, ...]
) -> None:
    for action in ("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"):
        decision = evaluate(request(principal, action), _set(DENY_EVERYONE, identity=identity))
        assert not decision.allowed
        assert decision.outcome is Outcome.EXPLICIT_DENY


SCP_DENY = [[named("deny-policy-edits", allow("*"), deny("s3:DeleteBucketPolicy", "*"))]]
RCP_DENY = [[named("rcp", allow("*"), deny("s3:PutBucketPolicy", "*", Principal="*"))]]


def test_organizations_policies_still_bind_the_root_user() -> None:
    policies = _set(DENY_EVERYONE, scp=SCP_DENY, rcp=RCP_DENY)
    deleted = evaluate(request(OWNER_ROOT, "s3:DeleteBucketPolicy"), policies)
    assert deleted.outcome is Outcome.EXPLICIT_DENY
    assert deleted.denied_by is PolicyType.SCP
    put = evaluate(request(OWNER_ROOT, "s3:PutBucketPolicy"), policies)
    assert put.denied_by is PolicyType.RCP
    assert evaluate(request(OWNER_ROOT, "s3:GetBucketPolicy"), policies).allowed


def test_explained_decision_carries_the_note_and_a_trace() -> None:
    decision = evaluate(request(OWNER_ROOT, "s3:DeleteBucketPolicy"), _set(), explain=True)
    assert decision.allowed
    assert decision.note == ROOT_OVERRIDE_NOTE


def test_the_override_needs_the_bucket_owner() -> None:
    unknown = request(OWNER_ROOT, "s3:DeleteBucketPolicy", owner=None)
    assert not root_override_applies(unknown)
    assert root_override_applies(request(OWNER_ROOT, "s3:deletebucketpolicy"))
    assert not root_override_applies(request(OWNER_ROOT, "s3:GetObject", OBJECT))


def test_diagnosis_names_the_case_and_the_way_out() -> None:
    req = request(OWNER_ROOT, "s3:GetObject", OBJECT)
    decision = evaluate(req, _set(), explain=True)
    found = diagnose(req, decision, explain(req, decision))
    assert found is not None
    assert found.case == "root-locked-out-by-resource-policy"
    assert f"aws s3api delete-bucket-policy --bucket {BUCKET}" in found.advice
    assert "root user of the bucket's account" in found.advice


def test_lockout_advice() -> None:
    text = lockout_advice(BUCKET)
    assert f"aws s3api delete-bucket-policy --bucket {BUCKET}" in text
    assert "root user" in text


@pytest.mark.parametrize(
    ("principal", "action", "expected"),
    [
        (BOB, "s3:GetBucketPolicy", True),
        (OTHER_ROOT, "s3:DeleteBucketPolicy", True),
        (ALICE, "s3:PutBucketPolicy", False),
        (OWNER_ROOT, "s3:PutBucketPolicy", False),
        (BOB, "s3:GetObject", False),
    ],
)
def test_bucket_policy_operations_belong_to_the_owner_account(
    principal: str, action: str, expected: bool
) -> None:
    assert outside_owner_account(request(principal, action)) is expected
    assert METHOD_NOT_ALLOWED.startswith("The specified method is not allowed")


# -- properties -----------------------------------------------------------------------------

_PRINCIPALS = st.sampled_from(["*", {"AWS": OWNER_ROOT}, {"AWS": OWNER}, {"AWS": ALICE}])
_ACTIONS = st.sampled_from(["s3:*", "s3:*BucketPolicy", "s3:GetObject", "s3:DeleteBucketPolicy"])
_STATEMENTS = st.builds(
    lambda effect, principal, action: {
        "Effect": effect,
        "Principal": principal,
        "Action": action,
        "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
    },
    st.sampled_from(["Allow", "Deny"]),
    _PRINCIPALS,
    _ACTIONS,
)
_CALLS = st.sampled_from(
    [
        ("s3:GetBucketPolicy", BUCKET_ARN),
        ("s3:PutBucketPolicy", BUCKET_ARN),
        ("s3:DeleteBucketPolicy", BUCKET_ARN),
        ("s3:GetObject", OBJECT),
        ("s3:DeleteBucket", BUCKET_ARN),
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_STATEMENTS, min_size=1, max_size=4), _CALLS, st.sampled_from([OWNER_ROOT, ALICE]))
def test_no_bucket_policy_locks_the_owner_out_of_its_policy(
    statements: list[dict[str, Any]], call: tuple[str, str], caller: str
) -> None:
    action, resource = call
    policies = _set(named("bucket-policy", *statements))
    req = request(caller, action, resource)
    decision = evaluate(req, policies)
    if caller == OWNER_ROOT and action.endswith("BucketPolicy"):
        assert decision.allowed
    # The reference evaluator, written from AWS's documentation, agrees.
    case = {
        "request": {
            "principal": caller,
            "action": action,
            "resource": resource,
            "resource_account": OWNER,
            "context": {},
        },
        "policies": {
            "resource": {
                "id": "bucket-policy",
                "document": {"Version": "2012-10-17", "Statement": statements},
            }
        },
    }
    assert decision.outcome.value == reference_decide(case)
