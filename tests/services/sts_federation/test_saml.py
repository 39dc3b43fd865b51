"""AssumeRoleWithSAML in process: a local IdP's metadata, assertions signed with
signxml, an injected clock."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree  # type: ignore[import-untyped]
from signxml.signer import XMLSigner

from clearance.protocol.errors import ValidationError
from clearance.services.errors import AccessDenied
from clearance.services.sts.federation_common import (
    ExpiredTokenException,
    IDPRejectedClaim,
    InvalidIdentityToken,
)
from tests.services.sts_federation import idp
from tests.services.sts_federation.conftest import ACCOUNT, Harness, trust

ACTION = "sts:AssumeRoleWithSAML"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sso"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp"
SAML = idp.SAML


@pytest.fixture
def ready(harness: Harness, saml_idp: idp.SamlIdp) -> Harness:
    harness.store.create_saml_provider(ACCOUNT, "Corp", saml_idp.metadata())
    harness.role("sso", trust({"Federated": PROVIDER_ARN}, ACTION), max_session_duration=7200)
    return harness


def _assume(harness: Harness, assertion: str, **params: Any) -> Any:
    return harness.call(
        "AssumeRoleWithSAML",
        RoleArn=params.pop("RoleArn", ROLE_ARN),
        PrincipalArn=params.pop("PrincipalArn", PROVIDER_ARN),
        SAMLAssertion=assertion,
        **params,
    )


def _response(harness: Harness, saml_idp: idp.SamlIdp, **options: Any) -> str:
    return idp.signed_response(
        saml_idp, ROLE_ARN, PROVIDER_ARN, now=options.pop("now", harness.clock.now()), **options
    )


def _assertion(harness: Harness, saml_idp: idp.SamlIdp, **options: Any) -> Any:
    return idp.saml_assertion(saml_idp, ROLE_ARN, PROVIDER_ARN, now=harness.clock.now(), **options)


def test_credentials_for_a_signed_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    result = _assume(ready, _response(ready, saml_idp))
    assert result["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert result["Credentials"]["Expiration"] == ready.clock.now() + timedelta(hours=1)
    role = ready.store.get_role(ACCOUNT, "sso")
    assert result["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role.id}:alice@example.com",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/sso/alice@example.com",
    }
    assert result["Subject"] == "alice"
    assert result["SubjectType"] == "persistent"
    assert result["Issuer"] == saml_idp.entity_id
    assert result["Audience"] == idp.AWS_SAML
    digest = hashlib.sha1(f"{saml_idp.entity_id}{ACCOUNT}/Corp".encode()).digest()
    assert result["NameQualifier"] == base64.b64encode(digest).decode()
    session = ready.store.get_session(result["Credentials"]["AccessKeyId"])
    assert session is not None
    assert session.federated_provider == PROVIDER_ARN
    assert session.attributes["role_arn"] == role.arn
    assert session.attributes["context"]["saml:sub"] == "alice"


def test_signed_response_with_unsigned_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    signed = idp.sign(idp.response(_assertion(ready, saml_idp)), saml_idp.key, saml_idp.certificate)
    assert _assume(ready, idp.encode(signed))["Subject"] == "alice"


def test_bare_signed_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    signed = idp.sign(_assertion(ready, saml_idp), saml_idp.key, saml_idp.certificate)
    assert _assume(ready, idp.encode(signed))["Subject"] == "alice"


def test_inclusive_c14n_signature_in_a_response_with_more_namespaces(
    ready: Harness, saml_idp: idp.SamlIdp
) -> None:
    """Inclusive canonicalization covers the namespaces in scope from the Response:
    the assertion is verified with them."""
    nsmap = {"samlp": idp.SAMLP, "saml": SAML, "x": "urn:example:extra"}
    draft = etree.Element(f"{{{idp.SAMLP}}}Response", nsmap=nsmap)
    assertion = _assertion(ready, saml_idp)
    draft.append(assertion)
    signer = XMLSigner(c14n_algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    signed = signer.sign(
        assertion,
        key=saml_idp.key,
        cert=[saml_idp.certificate],
        reference_uri=f"#{assertion.get('ID')}",
    )
    response = etree.Element(f"{{{idp.SAMLP}}}Response", nsmap=nsmap)
    response.append(signed)
    assert _assume(ready, idp.encode(response))["Subject"] == "alice"


def test_metadata_valid_until(harness: Harness, saml_idp: idp.SamlIdp) -> None:
    harness.store.create_saml_provider(
        ACCOUNT, "Corp", saml_idp.metadata(), valid_until=harness.clock.now() - timedelta(days=1)
    )
    harness.role("sso", trust({"Federated": PROVIDER_ARN}, ACTION))
    with pytest.raises(InvalidIdentityToken, match="ValidUntil"):
        _assume(harness, _response(harness, saml_idp))


def test_unsigned_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    unsigned = idp.encode(idp.response(_assertion(ready, saml_idp)))
    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, unsigned)


def test_signed_by_another_key(ready: Harness) -> None:
    stranger = idp.SamlIdp.create()
    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, _response(ready, stranger))


def _tampered(harness: Harness, saml_idp: idp.SamlIdp, change: Any) -> str:
    signed = idp.sign(_assertion(harness, saml_idp), saml_idp.key, saml_idp.certificate)
    change(signed)
    return idp.encode(idp.response(signed))


def test_tampered_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    def rename(assertion: Any) -> None:
        assertion.find(f".//{{{SAML}}}NameID").text = "mallory"

    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, _tampered(ready, saml_idp, rename))

    def extend(assertion: Any) -> None:
        for element in assertion.iter(f"{{{SAML}}}SubjectConfirmationData"):
            element.set("NotOnOrAfter", "2099-01-01T00:00:00Z")

    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, _tampered(ready, saml_idp, extend))


def test_signature_wrapping_is_not_fooled(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    """A signed assertion for alice, and a forged one for admin next to it."""
    signed = idp.sign(_assertion(ready, saml_idp), saml_idp.key, saml_idp.certificate)
    forged = _assertion(ready, saml_idp, subject="admin")
    forged.set("ID", signed.get("ID"))  # the same ID as the signed one
    response = idp.response(forged)
    response.append(signed)
    with pytest.raises(InvalidIdentityToken):
        _assume(ready, idp.encode(response))
    # Hiding the signed assertion inside the forged one does not work either.
    evil = _assertion(ready, saml_idp, subject="admin")
    evil.append(signed)
    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, idp.encode(idp.response(evil)))
    # Nor does lending the forged assertion the genuine signature, whose reference
    # then resolves to the hidden original.
    original = idp.sign(_assertion(ready, saml_idp), saml_idp.key, saml_idp.certificate)
    signature = original.find(f"{{{idp.DS}}}Signature")
    forged = _assertion(ready, saml_idp, subject="admin")
    extensions = etree.SubElement(forged, f"{{{SAML}}}Advice")
    extensions.append(original)
    forged.insert(1, signature)
    with pytest.raises(InvalidIdentityToken, match=r"^Response signature invalid$"):
        _assume(ready, idp.encode(idp.response(forged)))


def test_comment_in_name_id_is_read_whole(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    assertion = _assertion(ready, saml_idp, subject="admin@example.com.evil")
    name_id = assertion.find(f".//{{{SAML}}}NameID")
    name_id.text = "admin@example.com"
    name_id.append(etree.Comment("x"))
    name_id[-1].tail = ".evil"
    signed = idp.sign(assertion, saml_idp.key, saml_idp.certificate)
    assert _assume(ready, idp.encode(idp.response(signed)))["Subject"] == "admin@example.com.evil"


def test_expired_assertion(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    encoded = _response(ready, saml_idp, lifetime=timedelta(minutes=2))
    ready.clock.advance(minutes=3)
    with pytest.raises(ExpiredTokenException, match=r"expired"):
        _assume(ready, encoded)


def test_assertion_must_be_redeemed_within_five_minutes(
    ready: Harness, saml_idp: idp.SamlIdp
) -> None:
    encoded = _response(ready, saml_idp, lifetime=timedelta(hours=1))
    ready.clock.advance(minutes=6)
    with pytest.raises(ExpiredTokenException, match=r"within 5 minutes of issuance"):
        _assume(ready, encoded)


def test_assertion_from_the_future(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    later = ready.clock.now() + timedelta(hours=1)
    with pytest.raises(InvalidIdentityToken, match=r"not valid yet"):
        _assume(ready, _response(ready, saml_idp, now=later))


@pytest.mark.parametrize(
    "audience", [None, "https://someone-else.example.com/saml", "urn:example:sp"]
)
def test_wrong_audience(ready: Harness, saml_idp: idp.SamlIdp, audience: str | None) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"audience"):
        _assume(ready, _response(ready, saml_idp, audience=audience))


def test_other_aws_audiences(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    for audience in ("urn:amazon:webservices", "https://eu-west-1.signin.aws.amazon.com/saml"):
        assert _assume(ready, _response(ready, saml_idp, audience=audience))


def test_wrong_recipient(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"Recipient"):
        _assume(ready, _response(ready, saml_idp, recipient="https://evil.example.com/saml"))
    regional = "https://us-east-2.signin.aws.amazon.com/saml"
    assert _assume(ready, _response(ready, saml_idp, recipient=regional))["Audience"] == regional


def test_issuer_must_be_the_metadata_entity(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    with pytest.raises(InvalidIdentityToken, match=r"Issuer not present in specified provider"):
        _assume(ready, _response(ready, saml_idp, issuer="https://other.example.com"))


def test_role_attribute_must_name_the_requested_pair(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    other = f"arn:aws:iam::{ACCOUNT}:role/other,{PROVIDER_ARN}"
    with pytest.raises(AccessDenied, match=f"^Not authorized to perform {ACTION}$"):
        _assume(ready, _response(ready, saml_idp, role_value=other))
    reversed_pair = f"{PROVIDER_ARN}, {ROLE_ARN}"
    assert _assume(ready, _response(ready, saml_idp, role_value=reversed_pair))


def test_trust_policy_and_saml_keys(harness: Harness, saml_idp: idp.SamlIdp) -> None:
    harness.store.create_saml_provider(ACCOUNT, "Corp", saml_idp.metadata())
    condition = {
        "StringEquals": {
            "saml:aud": idp.AWS_SAML,
            "saml:iss": saml_idp.entity_id,
            "saml:sub_type": "persistent",
            "saml:doc": f"{ACCOUNT}/Corp",
            "saml:mail": "alice@example.com",
        },
        "ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"},
        "StringLike": {"sts:RoleSessionName": "*@example.com"},
    }
    harness.role("sso", trust({"Federated": PROVIDER_ARN}, ACTION, condition))
    attributes = {
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["member", "staff"],
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ["alice@example.com"],
    }
    assert _assume(harness, _response(harness, saml_idp, attributes=attributes))
    student = {**attributes, "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["student"]}
    with pytest.raises(AccessDenied):
        _assume(harness, _response(harness, saml_idp, attributes=student))


def test_trust_must_name_the_saml_provider(harness: Harness, saml_idp: idp.SamlIdp) -> None:
    harness.store.create_saml_provider(ACCOUNT, "Corp", saml_idp.metadata())
    harness.store.create_saml_provider(ACCOUNT, "Other", saml_idp.metadata())
    other = f"arn:aws:iam::{ACCOUNT}:saml-provider/Other"
    harness.role("sso", trust({"Federated": other}, ACTION))
    with pytest.raises(AccessDenied):
        _assume(harness, _response(harness, saml_idp))


def test_unknown_provider(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:saml-provider/Nope"
    with pytest.raises(InvalidIdentityToken, match=r"Specified provider doesn't exist."):
        _assume(ready, _response(ready, saml_idp), PrincipalArn=missing)


def test_missing_role(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:role/nope"
    encoded = idp.signed_response(saml_idp, missing, PROVIDER_ARN, now=ready.clock.now())
    with pytest.raises(AccessDenied, match=ACTION):
        _assume(ready, encoded, RoleArn=missing)


def test_role_session_name_attribute(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    with pytest.raises(
        InvalidIdentityToken, match=r"^RoleSessionName is required in AuthnResponse$"
    ):
        _assume(ready, _response(ready, saml_idp, session_name=None))
    with pytest.raises(InvalidIdentityToken, match=r"must match \[a-zA-Z_0-9\+=,\.@-\]\{2,64\}"):
        _assume(ready, _response(ready, saml_idp, session_name="Alice Smith"))


def test_missing_name_id_is_a_denial(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    with pytest.raises(AccessDenied):
        _assume(ready, _response(ready, saml_idp, subject=None))


def test_durations(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    now = ready.clock.now()
    result = _assume(ready, _response(ready, saml_idp), DurationSeconds=7200)
    assert result["Credentials"]["Expiration"] == now + timedelta(hours=2)
    short = {idp.ATTR + "SessionDuration": ["1800"]}
    result = _assume(ready, _response(ready, saml_idp, attributes=short), DurationSeconds=7200)
    assert result["Credentials"]["Expiration"] == now + timedelta(minutes=30)
    capped = now + timedelta(minutes=20)
    result = _assume(ready, _response(ready, saml_idp, session_not_on_or_after=capped))
    assert result["Credentials"]["Expiration"] == capped
    with pytest.raises(ValidationError, match=r"MaxSessionDuration"):
        _assume(ready, _response(ready, saml_idp), DurationSeconds=7201)
    with pytest.raises(InvalidIdentityToken, match=r"SessionDuration"):
        bad = {idp.ATTR + "SessionDuration": ["60"]}
        _assume(ready, _response(ready, saml_idp, attributes=bad))


def test_session_tags_and_source_identity(harness: Harness, saml_idp: idp.SamlIdp) -> None:
    harness.store.create_saml_provider(ACCOUNT, "Corp", saml_idp.metadata())
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": [ACTION, "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {"StringEquals": {"sts:SourceIdentity": "alice"}},
            }
        ],
    }
    harness.role("sso", json.dumps(policy))
    attributes = {
        idp.ATTR + "PrincipalTag:Project": ["Blue"],
        idp.ATTR + "PrincipalTag:CostCenter": ["12345"],
        idp.ATTR + "TransitiveTagKeys": ["Project"],
        idp.ATTR + "SourceIdentity": ["alice"],
    }
    result = _assume(harness, _response(harness, saml_idp, attributes=attributes))
    assert result["SourceIdentity"] == "alice"
    assert result["PackedPolicySize"] > 0
    session = harness.store.get_session(result["Credentials"]["AccessKeyId"])
    assert session is not None
    assert sorted((t.key, t.value) for t in session.tags) == [
        ("CostCenter", "12345"),
        ("Project", "Blue"),
    ]
    assert session.transitive_tag_keys == ("Project",)
    assert session.source_identity == "alice"


def test_idp_reports_failure(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    signed = idp.sign(_assertion(ready, saml_idp), saml_idp.key, saml_idp.certificate)
    failed = idp.response(signed, status="urn:oasis:names:tc:SAML:2.0:status:Responder")
    with pytest.raises(IDPRejectedClaim):
        _assume(ready, idp.encode(failed))


@pytest.mark.parametrize(
    "encoded",
    [
        "not base64!",
        base64.b64encode(b"<unclosed").decode(),
        base64.b64encode(
            b'<!DOCTYPE r [<!ENTITY e "x">]><samlp:Response xmlns:samlp='
            b'"urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>'
        ).decode(),
        base64.b64encode(b"<html/>").decode(),
    ],
)
def test_malformed_assertions(ready: Harness, encoded: str) -> None:
    with pytest.raises(InvalidIdentityToken):
        _assume(ready, encoded)


def test_session_policy(ready: Harness, saml_idp: idp.SamlIdp) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    result = _assume(ready, _response(ready, saml_idp), Policy=policy)
    assert result["PackedPolicySize"] > 0
