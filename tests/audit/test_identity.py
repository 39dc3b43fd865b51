"""userIdentity: the exact field set of each identity type (CloudTrail's userIdentity docs)."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.audit import ANONYMOUS_PRINCIPAL, Identity, SessionIssuer, user_identity

ACCOUNT = "123456789012"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ISSUER = SessionIssuer(
    "Role", "AROAEXAMPLE", f"arn:aws:iam::{ACCOUNT}:role/admin", ACCOUNT, "admin"
)


def test_root() -> None:
    identity = Identity("Root", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAROOT")
    assert user_identity(identity) == {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAROOT",
    }


def test_iam_user() -> None:
    identity = Identity(
        "IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AKIAX", "alice"
    )
    assert user_identity(identity) == {
        "type": "IAMUser",
        "principalId": "AIDAX",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAX",
        "userName": "alice",
    }


def test_assumed_role_with_session_context() -> None:
    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1"
    identity = Identity(
        "AssumedRole",
        "AROAEXAMPLE:s1",
        arn,
        ACCOUNT,
        "ASIAX",
        issuer=ISSUER,
        session_created=CREATED,
        mfa_authenticated=True,
    )
    assert user_identity(identity) == {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:s1",
        "arn": arn,
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAX",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/admin",
                "accountId": ACCOUNT,
                "userName": "admin",
            },
            "attributes": {"creationDate": "2026-01-02T03:04:05Z", "mfaAuthenticated": "true"},
        },
    }


def test_federated_user_is_issued_by_an_iam_user() -> None:
    issuer = SessionIssuer("IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/bob", ACCOUNT, "bob")
    arn = f"arn:aws:sts::{ACCOUNT}:federated-user/fed"
    identity = Identity(
        "FederatedUser", f"{ACCOUNT}:fed", arn, ACCOUNT, "ASIAF", issuer=issuer,
        session_created=CREATED,
    )  # fmt: skip
    out = user_identity(identity)
    assert set(out) == {"type", "principalId", "arn", "accountId", "accessKeyId", "sessionContext"}
    assert out["sessionContext"]["sessionIssuer"]["type"] == "IAMUser"
    assert out["sessionContext"]["attributes"] == {
        "creationDate": "2026-01-02T03:04:05Z",
        "mfaAuthenticated": "false",
    }


def test_web_identity_user() -> None:
    identity = Identity(
        "WebIdentityUser",
        "issuer.example:aud:sub-1",
        user_name="sub-1",
        identity_provider="issuer.example",
    )
    assert user_identity(identity) == {
        "type": "WebIdentityUser",
        "principalId": "issuer.example:aud:sub-1",
        "userName": "sub-1",
        "identityProvider": "issuer.example",
    }


def test_saml_user() -> None:
    identity = Identity("SAMLUser", "Q==:alice", user_name="alice", identity_provider="Q==")
    assert user_identity(identity) == {
        "type": "SAMLUser",
        "principalId": "Q==:alice",
        "userName": "alice",
        "identityProvider": "Q==",
    }


def test_aws_service() -> None:
    identity = Identity("AWSService", invoked_by="ec2.amazonaws.com")
    assert user_identity(identity) == {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}


def test_anonymous_account() -> None:
    assert user_identity(Identity("AWSAccount")) == {
        "type": "AWSAccount",
        "principalId": "",
        "accountId": ANONYMOUS_PRINCIPAL,
    }


def test_unknown_keeps_the_presented_key() -> None:
    assert user_identity(Identity("Unknown", access_key_id="AKIABAD")) == {
        "type": "Unknown",
        "principalId": "",
        "arn": "",
        "accountId": "",
        "accessKeyId": "AKIABAD",
        "userName": "",
    }
