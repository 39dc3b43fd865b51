"""AssumeRoleWithWebIdentity in process: tokens signed with local keys, a provider
whose JWKS is a file (the ``clearance:jwks-uri`` tag), an injected clock."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import jwt
import pytest

from clearance.errors import MalformedPolicyDocument
from clearance.protocol.errors import ValidationError
from clearance.services.errors import AccessDenied
from clearance.services.sts.federation_common import (
    ExpiredTokenException,
    IDPCommunicationError,
    InvalidIdentityToken,
    PackedPolicyTooLarge,
)
from tests.services.sts_federation import idp
from tests.services.sts_federation.conftest import (
    ACCOUNT,
    CLIENT,
    ISSUER,
    PROVIDER_ARN,
    Harness,
    trust,
)

ACTION = "sts:AssumeRoleWithWebIdentity"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web"


def _role(harness: Harness, condition: dict[str, Any] | None = None, **options: Any) -> None:
    harness.role("web", trust({"Federated": PROVIDER_ARN}, ACTION, condition), **options)


def _assume(harness: Harness, token: str, **params: Any) -> Any:
    return harness.call(
        "AssumeRoleWithWebIdentity",
        RoleArn=params.pop("RoleArn", ROLE_ARN),
        RoleSessionName=params.pop("RoleSessionName", "app"),
        WebIdentityToken=token,
        **params,
    )


def _token(harness: Harness, signer: idp.Signer, **claims: Any) -> str:
    return idp.id_token(signer, claims.pop("issuer", ISSUER), now=harness.clock.now(), **claims)


@pytest.fixture
def ready(harness: Harness, signer: idp.Signer) -> Harness:
    harness.oidc_provider(signer)
    _role(harness)
    return harness


def test_credentials_for_a_valid_token(ready: Harness, signer: idp.Signer) -> None:
    result = _assume(ready, _token(ready, signer), DurationSeconds=900)
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["Expiration"] == ready.clock.now() + timedelta(seconds=900)
    role = ready.store.get_role(ACCOUNT, "web")
    assert result["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role.id}:app",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/web/app",
    }
    assert result["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:app"
    assert result["Provider"] == PROVIDER_ARN
    assert result["Audience"] == CLIENT
    assert "PackedPolicySize" not in result
    session = ready.store.get_session(credentials["AccessKeyId"])
    assert session is not None
    assert session.kind == "AssumedRole"
    assert session.attributes["role_arn"] == role.arn
    assert session.federated_provider == PROVIDER_ARN
    assert session.expires == credentials["Expiration"]
    assert session.attributes["context"]["oidc.example.com/id/cluster1:sub"] == (
        "system:serviceaccount:default:app"
    )
    assert ready.store.get_role(ACCOUNT, "web").last_used == ready.clock.now()


def test_default_duration_is_an_hour_and_capped_by_the_role(
    harness: Harness, signer: idp.Signer
) -> None:
    harness.oidc_provider(signer)
    _role(harness, max_session_duration=7200)
    result = _assume(harness, _token(harness, signer))
    assert result["Credentials"]["Expiration"] == harness.clock.now() + timedelta(hours=1)
    _assume(harness, _token(harness, signer), DurationSeconds=7200)
    with pytest.raises(ValidationError, match=r"exceeds the MaxSessionDuration"):
        _assume(harness, _token(harness, signer), DurationSeconds=7201)


def test_ec_keys_verify_es256_tokens(harness: Harness) -> None:
    signer = idp.ec_signer()
    harness.oidc_provider(signer)
    _role(harness)
    assert _assume(harness, _token(harness, signer))["Credentials"]["AccessKeyId"]


@pytest.mark.parametrize("algorithm", ["RS384", "RS512"])
def test_other_rsa_algorithms(harness: Harness, algorithm: str) -> None:
    signer = idp.Signer(idp.rsa_key(), "rs", algorithm)
    harness.oidc_provider(signer)
    _role(harness)
    assert _assume(harness, _token(harness, signer))["Credentials"]["AccessKeyId"]


def test_token_signed_by_another_key_is_rejected(ready: Harness, other_signer: idp.Signer) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"signature"):
        _assume(ready, _token(ready, other_signer))


def test_unknown_kid_is_rejected(ready: Harness) -> None:
    stranger = idp.rsa_signer("nobody")
    with pytest.raises(InvalidIdentityToken, match=r"Couldn't retrieve verification key"):
        _assume(ready, _token(ready, stranger))


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_and_symmetric_tokens_are_rejected(
    ready: Harness, signer: idp.Signer, algorithm: str
) -> None:
    payload = jwt.decode(_token(ready, signer), options={"verify_signature": False})
    key = "" if algorithm == "none" else "a-shared-secret-of-enough-length-for-hs256"
    forged = jwt.encode(payload, key or None, algorithm=algorithm, headers={"kid": "key-1"})
    with pytest.raises(InvalidIdentityToken, match=r"Unsupported signing algorithm"):
        _assume(ready, forged)


def test_garbage_is_not_a_jwt(ready: Harness) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"not a valid JWT"):
        _assume(ready, "not.a.token")


def test_wrong_audience(ready: Harness, signer: idp.Signer) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"^Incorrect token audience$"):
        _assume(ready, _token(ready, signer, audience="someone-else"))


def test_audience_list_and_azp(ready: Harness, signer: idp.Signer) -> None:
    result = _assume(ready, _token(ready, signer, audience=["other", CLIENT]))
    assert result["Audience"] == CLIENT
    result = _assume(ready, _token(ready, signer, audience="api://default", azp=CLIENT))
    assert result["Audience"] == CLIENT


def test_expired_token(ready: Harness, signer: idp.Signer) -> None:
    token = _token(ready, signer, lifetime=timedelta(minutes=10))
    ready.clock.advance(minutes=10)
    now = int(ready.clock.now().timestamp())
    with pytest.raises(ExpiredTokenException) as raised:
        _assume(ready, token)
    assert raised.value.message == (
        f"Token expired: current date/time {now} must be before the expiration date/time{now}"
    )
    assert raised.value.code == "ExpiredTokenException"


def test_token_without_exp(ready: Harness, signer: idp.Signer) -> None:
    token = idp.id_token(signer, ISSUER, now=ready.clock.now(), exp=None)
    with pytest.raises(InvalidIdentityToken, match=r"exp"):
        _assume(ready, token)


def test_not_yet_valid_token(ready: Harness, signer: idp.Signer) -> None:
    later = int((ready.clock.now() + timedelta(hours=1)).timestamp())
    with pytest.raises(InvalidIdentityToken, match=r"not valid yet"):
        _assume(ready, _token(ready, signer, nbf=later))
    # A little clock skew is tolerated.
    soon = int((ready.clock.now() + timedelta(minutes=2)).timestamp())
    assert _assume(ready, _token(ready, signer, nbf=soon))


def test_unknown_issuer(ready: Harness, signer: idp.Signer) -> None:
    token = _token(ready, signer, issuer="https://elsewhere.example.com")
    with pytest.raises(InvalidIdentityToken) as raised:
        _assume(ready, token)
    assert raised.value.message == (
        "No OpenIDConnect provider found in your account for https://elsewhere.example.com"
    )


def test_http_issuer_never_matches(ready: Harness, signer: idp.Signer) -> None:
    token = _token(ready, signer, issuer="http://oidc.example.com/id/CLUSTER1")
    with pytest.raises(InvalidIdentityToken, match=r"No OpenIDConnect provider"):
        _assume(ready, token)


def test_provider_in_another_account_does_not_count(harness: Harness, signer: idp.Signer) -> None:
    harness.store.create_account("210987654321")
    harness.store.create_open_id_connect_provider("210987654321", ISSUER, [CLIENT])
    _role(harness)
    with pytest.raises(InvalidIdentityToken, match=r"No OpenIDConnect provider"):
        _assume(harness, _token(harness, signer))


def test_trust_condition_on_sub(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    condition = {
        "StringEquals": {
            "oidc.example.com/id/CLUSTER1:sub": "system:serviceaccount:prod:deployer",
            "oidc.example.com/id/CLUSTER1:aud": CLIENT,
        }
    }
    _role(harness, condition)
    with pytest.raises(AccessDenied) as raised:
        _assume(harness, _token(harness, signer))
    assert raised.value.message == f"Not authorized to perform {ACTION}"
    token = _token(harness, signer, subject="system:serviceaccount:prod:deployer")
    assert _assume(harness, token)["Credentials"]


def test_trust_condition_on_amr_federated_provider_and_session_name(
    harness: Harness, signer: idp.Signer
) -> None:
    harness.oidc_provider(signer)
    condition = {
        "ForAnyValue:StringEquals": {"oidc.example.com/id/CLUSTER1:amr": "mfa"},
        "StringEquals": {"aws:FederatedProvider": PROVIDER_ARN},
        "StringLike": {"sts:RoleSessionName": "ci-*"},
    }
    _role(harness, condition)
    token = _token(harness, signer, amr=["pwd", "mfa"])
    assert _assume(harness, token, RoleSessionName="ci-42")
    with pytest.raises(AccessDenied):
        _assume(harness, token, RoleSessionName="other")
    with pytest.raises(AccessDenied):
        _assume(harness, _token(harness, signer, amr=["pwd"]), RoleSessionName="ci-42")


def test_trust_must_name_the_provider(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    harness.role("web", trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ACTION))
    with pytest.raises(AccessDenied):
        _assume(harness, _token(harness, signer))


def test_trust_for_another_action_does_not_allow(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    harness.role("web", trust({"Federated": PROVIDER_ARN}, "sts:AssumeRoleWithSAML"))
    with pytest.raises(AccessDenied):
        _assume(harness, _token(harness, signer))


def test_missing_role_is_a_trust_denial(ready: Harness, signer: idp.Signer) -> None:
    with pytest.raises(AccessDenied, match=f"Not authorized to perform {ACTION}"):
        _assume(ready, _token(ready, signer), RoleArn=f"arn:aws:iam::{ACCOUNT}:role/missing")


def test_role_with_path(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    harness.store.create_role(
        ACCOUNT, "pathy", trust({"Federated": PROVIDER_ARN}, ACTION), path="/team/"
    )
    result = _assume(
        harness, _token(harness, signer), RoleArn=f"arn:aws:iam::{ACCOUNT}:role/team/pathy"
    )
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/pathy/app"


def test_session_policies(ready: Harness, signer: idp.Signer) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        },
        indent=2,
    )
    arns = [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    result = _assume(ready, _token(ready, signer), Policy=policy, PolicyArns=arns)
    assert 0 < result["PackedPolicySize"] <= 100
    session = ready.store.get_session(result["Credentials"]["AccessKeyId"])
    assert session is not None
    assert json.loads(session.session_policy or "") == json.loads(policy)
    assert session.policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)


def test_malformed_session_policy(ready: Harness, signer: idp.Signer) -> None:
    with pytest.raises(MalformedPolicyDocument):
        _assume(ready, _token(ready, signer), Policy='{"Statement": "nope"}')
    with pytest.raises(MalformedPolicyDocument, match=r"not found"):
        _assume(
            ready,
            _token(ready, signer),
            PolicyArns=[{"arn": f"arn:aws:iam::{ACCOUNT}:policy/Missing"}],
        )


def test_packed_policy_too_large(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    harness.role(
        "web",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": PROVIDER_ARN},
                        "Action": [ACTION, "sts:TagSession"],
                    }
                ],
            }
        ),
    )
    import secrets

    tags = {f"k{i}-{secrets.token_hex(8)}": [secrets.token_hex(100)] for i in range(40)}
    token = _token(harness, signer, **{"https://aws.amazon.com/tags": {"principal_tags": tags}})
    with pytest.raises(PackedPolicyTooLarge, match=r"% of allotted space"):
        _assume(harness, token)


def test_session_tags_from_the_token_need_tag_session(harness: Harness, signer: idp.Signer) -> None:
    harness.oidc_provider(signer)
    _role(harness)
    claim = {
        "https://aws.amazon.com/tags": {
            "principal_tags": {"Project": ["Blue"], "Team": ["Ops"]},
            "transitive_tag_keys": ["Project"],
        }
    }
    with pytest.raises(AccessDenied):
        _assume(harness, _token(harness, signer, **claim))
    harness.store.update_assume_role_policy(
        ACCOUNT,
        "web",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": PROVIDER_ARN},
                        "Action": [ACTION, "sts:TagSession"],
                        "Condition": {"StringEquals": {"aws:RequestTag/Project": "Blue"}},
                    }
                ],
            }
        ),
    )
    result = _assume(harness, _token(harness, signer, **claim))
    session = harness.store.get_session(result["Credentials"]["AccessKeyId"])
    assert session is not None
    assert [(t.key, t.value) for t in session.tags] == [("Project", "Blue"), ("Team", "Ops")]
    assert session.transitive_tag_keys == ("Project",)
    assert result["PackedPolicySize"] > 0


def test_bad_tags_claim(ready: Harness, signer: idp.Signer) -> None:
    claim = {"https://aws.amazon.com/tags": {"principal_tags": {"aws:x": ["1"]}}}
    with pytest.raises(InvalidIdentityToken, match=r"aws:"):
        _assume(ready, _token(ready, signer, **claim))
    claim = {"https://aws.amazon.com/tags": {"principal_tags": {"A": ["1", "2"]}}}
    with pytest.raises(InvalidIdentityToken, match=r"one string value"):
        _assume(ready, _token(ready, signer, **claim))
    claim = {
        "https://aws.amazon.com/tags": {
            "principal_tags": {"A": ["1"]},
            "transitive_tag_keys": ["B"],
        }
    }
    with pytest.raises(InvalidIdentityToken, match=r"not a session tag"):
        _assume(ready, _token(ready, signer, **claim))


def test_source_identity_claim_needs_set_source_identity(
    harness: Harness, signer: idp.Signer
) -> None:
    harness.oidc_provider(signer)
    _role(harness)
    claim = {"https://aws.amazon.com/source_identity": "alice"}
    with pytest.raises(AccessDenied):
        _assume(harness, _token(harness, signer, **claim))
    harness.store.update_assume_role_policy(
        ACCOUNT,
        "web",
        trust({"Federated": PROVIDER_ARN}, ACTION).replace(
            f'"{ACTION}"', f'["{ACTION}", "sts:SetSourceIdentity"]'
        ),
    )
    result = _assume(harness, _token(harness, signer, **claim))
    assert result["SourceIdentity"] == "alice"
    bad = {"https://aws.amazon.com/source_identity": "aws:root"}
    with pytest.raises(InvalidIdentityToken, match=r"Source Identity"):
        _assume(harness, _token(harness, signer, **bad))


def test_provider_id_is_not_supported(ready: Harness, signer: idp.Signer) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"OAuth 2.0"):
        _assume(ready, _token(ready, signer), ProviderId="www.amazon.com")


def test_rotated_keys_are_picked_up_from_the_file(ready: Harness, signer: idp.Signer) -> None:
    assert _assume(ready, _token(ready, signer))
    rotated = idp.rsa_signer("key-2")
    idp.write_jwks(ready.tmp / "jwks.json", rotated)
    assert _assume(ready, _token(ready, rotated))
    with pytest.raises(InvalidIdentityToken):
        _assume(ready, _token(ready, signer))  # the old key is gone


def test_missing_jwks_file(harness: Harness, signer: idp.Signer) -> None:
    harness.store.create_open_id_connect_provider(
        ACCOUNT, ISSUER, [CLIENT], tags=[("clearance:jwks-uri", "file:///nonexistent/jwks.json")]
    )
    _role(harness)
    with pytest.raises(InvalidIdentityToken, match=r"Couldn't retrieve verification key"):
        _assume(harness, _token(harness, signer))


def test_unreachable_discovery(harness: Harness, signer: idp.Signer) -> None:
    """No jwks-uri tag: discovery over HTTPS, and nothing listens there."""
    harness.oidc_provider(url="https://127.0.0.1:9/id/CLUSTER1")
    harness.role(
        "web",
        trust(
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/127.0.0.1:9/id/CLUSTER1"}, ACTION
        ),
    )
    token = _token(harness, signer, issuer="https://127.0.0.1:9/id/CLUSTER1")
    with pytest.raises(IDPCommunicationError):
        _assume(harness, token)


def test_well_known_provider_by_name(harness: Harness, signer: idp.Signer) -> None:
    """Google: Federated "accounts.google.com", azp as the audience, :oaud the aud."""
    harness.oidc_provider(signer, url="https://accounts.google.com", clients=("web-client",))
    condition = {
        "StringEquals": {
            "accounts.google.com:aud": "web-client",
            "accounts.google.com:oaud": "android-client",
        }
    }
    harness.role("web", trust({"Federated": "accounts.google.com"}, ACTION, condition))
    token = _token(
        harness,
        signer,
        issuer="https://accounts.google.com",
        audience="android-client",
        azp="web-client",
    )
    result = _assume(harness, token)
    assert result["Provider"] == "accounts.google.com"
    assert result["Audience"] == "web-client"
