"""AssumeRoleWithSAML: temporary credentials for the bearer of a SAML 2.0
assertion from an identity provider registered in the role's account.

The assertion (the IdP's base64 ``SAMLResponse``) must be signed — the Response,
the Assertion, or both; every signature present must verify — with a
certificate of the provider's metadata (``signxml``); only what the signature
covers is read. Its Issuer must be the metadata's entityID, its audience AWS
(``https://signin.aws.amazon.com/saml`` or ``urn:amazon:webservices``), its one
bearer SubjectConfirmationData addressed to AWS's sign-in endpoint (``Recipient``,
the ``saml:aud`` key) and not expired, and its ``Role`` attribute must pair the
requested role with the requested provider. ``RoleSessionName`` names the
session, ``SessionDuration`` and ``SessionNotOnOrAfter`` shorten it,
``SourceIdentity``, ``PrincipalTag:*`` and ``TransitiveTagKeys`` carry over.
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

# lxml ships no type information; this is where it enters.
from lxml import etree  # type: ignore[import-untyped]
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.sts.federation_common import (
    SESSION_NAME,
    ExpiredTokenException,
    FederatedSession,
    IDPRejectedClaim,
    InvalidIdentityToken,
    SessionTags,
    authorize_trust,
    check_source_identity,
    find_role,
    idp_session_tags,
    issue_session,
    request_context,
    role_account,
    role_duration,
    session_policies,
)
from clearance.store import NoSuchEntity, SamlProvider

__all__ = ["SamlAssertion", "assume_role_with_saml", "name_qualifier", "verified_assertion"]

ACTION = "sts:AssumeRoleWithSAML"
DENIED = f"Not authorized to perform {ACTION}"
SIGNATURE_INVALID = "Response signature invalid"

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"saml": SAML, "samlp": SAMLP, "md": MD, "ds": DS}
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

AWS_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
ROLE = AWS_ATTRIBUTE + "Role"
ROLE_SESSION_NAME = AWS_ATTRIBUTE + "RoleSessionName"
SESSION_DURATION = AWS_ATTRIBUTE + "SessionDuration"
SOURCE_IDENTITY = AWS_ATTRIBUTE + "SourceIdentity"
PRINCIPAL_TAG = AWS_ATTRIBUTE + "PrincipalTag:"
TRANSITIVE_TAG_KEYS = AWS_ATTRIBUTE + "TransitiveTagKeys"

AUDIENCES = frozenset({"https://signin.aws.amazon.com/saml", "urn:amazon:webservices"})
# AWS's sign-in endpoint, global or regional, optionally with the provider's /acs/ID.
SIGNIN = re.compile(
    r"https://(?:[a-z0-9-]+\.)?signin\.(?:aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)"
    r"/saml(?:/acs/[A-Za-z0-9-]+)?/?"
)
REDEEM_WITHIN = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=5)  # tolerated for "not yet valid" times only

# SAML attributes AWS maps to trust-policy keys: (attribute Name, key, multi-valued).
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html
_EDU = "urn:oid:1.3.6.1.4.1.5923.1."
_CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_X500: Mapping[str, tuple[str, bool]] = {
    "2.5.4.3": ("commonName", False),
    "2.5.4.4": ("surname", False),
    "2.5.4.42": ("givenName", False),
    "2.5.4.45": ("x500UniqueIdentifier", False),
    "0.9.2342.19200300.100.1.1": ("uid", False),
    "0.9.2342.19200300.100.1.3": ("mail", False),
    "0.9.2342.19200300.100.1.45": ("organizationStatus", False),
}
ATTRIBUTE_KEYS: Mapping[str, tuple[str, bool]] = {
    **_X500,
    **{f"urn:oid:{oid}": key for oid, key in _X500.items()},
    _EDU + "1.1.1": ("edupersonaffiliation", True),
    _EDU + "1.1.2": ("edupersonnickname", True),
    _EDU + "1.1.3": ("edupersonorgdn", False),
    _EDU + "1.1.4": ("edupersonorgunitdn", True),
    _EDU + "1.1.5": ("edupersonprimaryaffiliation", False),
    _EDU + "1.1.6": ("edupersonprincipalname", False),
    _EDU + "1.1.7": ("edupersonentitlement", True),
    _EDU + "1.1.8": ("edupersonprimaryorgunitdn", False),
    _EDU + "1.1.9": ("edupersonscopedaffiliation", True),
    _EDU + "1.1.10": ("edupersontargetedid", True),
    _EDU + "1.1.11": ("edupersonassurance", True),
    _EDU + "2.1.2": ("eduorghomepageuri", True),
    _EDU + "2.1.3": ("eduorgidentityauthnpolicyuri", True),
    _EDU + "2.1.4": ("eduorglegalname", True),
    _EDU + "2.1.5": ("eduorgsuperioruri", True),
    _EDU + "2.1.6": ("eduorgwhitepagesuri", True),
    "urn:oid:2.5.4.3": ("cn", True),  # the eduOrg table's, not X.500's commonName
    _CLAIMS + "name": ("name", False),
    "http://schemas.xmlsoap.org/claims/CommonName": ("commonName", False),
    _CLAIMS + "givenname": ("givenName", False),
    _CLAIMS + "surname": ("surname", False),
    _CLAIMS + "emailaddress": ("mail", False),
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": (
        "primaryGroupSID",
        False,
    ),
}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)
_DATETIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?")


@dataclass(frozen=True, slots=True)
class SamlAssertion:
    """What a verified assertion says (read from the signed XML only)."""

    issuer: str
    subject: str | None
    subject_format: str
    recipient: str
    audiences: tuple[tuple[str, ...], ...]  # one tuple per AudienceRestriction
    issue_instant: datetime | None
    not_before: datetime | None
    not_on_or_after: datetime | None  # Conditions and SubjectConfirmationData, earliest
    session_not_on_or_after: datetime | None
    attributes: Mapping[str, tuple[str, ...]]

    @property
    def subject_type(self) -> str:
        """``persistent``/``transient`` (SAML 2.0 formats lose their prefix), else
        the Format URI as given."""
        fmt = self.subject_format
        return fmt[len(NAMEID_PREFIX) :] if fmt.startswith(NAMEID_PREFIX) else fmt


@operation("sts", "AssumeRoleWithSAML", unsigned=True)
def assume_role_with_saml(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    role_arn, provider_arn = params["RoleArn"], params["PrincipalArn"]
    provider = _provider(ctx, role_account(role_arn), provider_arn)
    assertion = verified_assertion(provider, params["SAMLAssertion"], ctx.now)
    _check_assertion(assertion, ctx.now)
    if not assertion.subject:
        raise AccessDenied(DENIED)  # AWS: no Subject/NameID is a trust denial
    if (role_arn, provider_arn) not in _role_pairs(assertion):
        raise AccessDenied(DENIED)
    session_name = _session_name(assertion)
    source_identity = _single(assertion, SOURCE_IDENTITY)
    if source_identity is not None:
        source_identity = check_source_identity(source_identity, InvalidIdentityToken)
    tags = _tags(assertion)
    role = find_role(ctx, role_arn, ACTION)
    policies = session_policies(ctx, params, role.account_id)
    duration = _duration(role_duration(role, params.get("DurationSeconds")), assertion, ctx.now)
    qualifier = name_qualifier(assertion.issuer, provider)
    kept: dict[str, ContextValue] = {
        "saml:namequalifier": qualifier,
        "saml:sub": assertion.subject,
        "saml:sub_type": assertion.subject_type,
    }
    context: dict[str, ContextValue] = {
        **request_context(ctx),
        **_attribute_keys(assertion),
        **kept,
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:doc": f"{provider.account_id}/{provider.name}",
        "aws:federatedprovider": provider.arn,
        "sts:rolesessionname": session_name,
    }
    authorize_trust(
        ctx, role, [provider.arn], ACTION, context, tags=tags, source_identity=source_identity
    )
    result = issue_session(
        ctx,
        FederatedSession(
            role=role,
            session_name=session_name,
            seconds=duration,
            provider=provider.arn,
            policies=policies,
            tags=tags,
            source_identity=source_identity,
            context=kept,
            details={
                "type": "SAML",
                "provider": provider.arn,
                "subject": assertion.subject,
                "issuer": assertion.issuer,
            },
        ),
    )
    result.update(
        Subject=assertion.subject,
        SubjectType=assertion.subject_type,
        Issuer=assertion.issuer,
        Audience=assertion.recipient,
        NameQualifier=qualifier,
    )
    return result


def name_qualifier(issuer: str, provider: SamlProvider) -> str:
    """``BASE64(SHA1(issuer + account + "/" + provider name))``, per the STS API reference."""
    text = f"{issuer}{provider.account_id}/{provider.name}"
    return base64.b64encode(
        hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()
    ).decode()


def _provider(ctx: CallContext, account_id: str, arn: str) -> SamlProvider:
    try:
        provider = ctx.store.get_saml_provider(account_id, arn)
    except NoSuchEntity:
        raise InvalidIdentityToken("Specified provider doesn't exist.") from None
    if provider.valid_until is not None and ctx.now >= provider.valid_until:
        raise InvalidIdentityToken("The SAML provider's metadata is no longer valid (ValidUntil).")
    return provider


# -- reading and verifying ---------------------------------------------------------------


def verified_assertion(provider: SamlProvider, encoded: str, now: datetime) -> SamlAssertion:
    """The assertion of a base64 SAML response, read from what its signature covers.

    :raises InvalidIdentityToken: undecodable, unsigned, or badly signed.
    :raises IDPRejectedClaim: the response reports a status other than Success.
    """
    try:
        document = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidIdentityToken("The SAML assertion is not valid base64.") from None
    root = _parse(document, "The SAML assertion is not well-formed XML.")
    if root.tag == f"{{{SAMLP}}}Response":
        _check_status(root)
        assertions = root.findall("saml:Assertion", NS)
        if not assertions and root.find("saml:EncryptedAssertion", NS) is not None:
            raise InvalidIdentityToken("Encrypted SAML assertions are not supported.")
        if len(assertions) != 1:
            raise InvalidIdentityToken("The SAML response must contain exactly one Assertion.")
        assertion = assertions[0]
    elif root.tag == f"{{{SAML}}}Assertion":
        assertion = root
    else:
        raise InvalidIdentityToken("The SAML assertion is neither a Response nor an Assertion.")
    entity_id, certificates = metadata_certificates(provider.metadata_document)
    signed = _signed_assertion(root, assertion, certificates, now)
    parsed = _read(signed)
    if entity_id is not None and parsed.issuer != entity_id:
        raise InvalidIdentityToken("Issuer not present in specified provider")
    return parsed


def _parse(data: bytes, message: str) -> Any:
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        raise InvalidIdentityToken(message) from None
    if root is None or root.getroottree().docinfo.doctype:
        raise InvalidIdentityToken(message)  # no DTDs: no entity tricks
    return root


def _check_status(response: Any) -> None:
    code = response.find("samlp:Status/samlp:StatusCode", NS)
    if code is not None and code.get("Value") != SUCCESS:
        raise IDPRejectedClaim(
            f"The identity provider reported that authentication failed ({code.get('Value')})."
        )


def metadata_certificates(document: str) -> tuple[str | None, list[x509.Certificate]]:
    """The entityID and the signing certificates of an IdP's SAML metadata."""
    try:
        root = _parse(document.encode("utf-8"), "Could not parse metadata")
    except InvalidIdentityToken:
        return None, []
    certificates = []
    path = "md:IDPSSODescriptor/md:KeyDescriptor"
    for descriptor in root.iterfind(path, NS):
        if descriptor.get("use", "signing") != "signing":
            continue
        for node in descriptor.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            try:
                der = base64.b64decode("".join((node.text or "").split()))
                certificates.append(x509.load_der_x509_certificate(der))
            except (ValueError, binascii.Error):
                continue
    return root.get("entityID"), certificates


def _signed_assertion(
    root: Any, assertion: Any, certificates: Sequence[x509.Certificate], now: datetime
) -> Any:
    """The Assertion as its signature covers it. Every signed element (Response,
    Assertion) must verify; an unsigned assertion is rejected."""
    elements = [root] if root is assertion else [root, assertion]
    signed_elements = [e for e in elements if e.find("ds:Signature", NS) is not None]
    if not signed_elements:
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    verified: dict[int, Any] = {}
    for element in signed_elements:
        signed = _verify(element, certificates, now)
        if signed is None:
            raise InvalidIdentityToken(SIGNATURE_INVALID)
        verified[id(element)] = signed
    if id(assertion) in verified:
        return verified[id(assertion)]
    inner = verified[id(root)].findall("saml:Assertion", NS)
    if len(inner) != 1:
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    return inner[0]


def _verify(element: Any, certificates: Sequence[x509.Certificate], now: datetime) -> Any:
    """``element`` as signed (signxml's canonical re-parse), or None. The
    reference must cover the element itself, not some part of it."""
    data = etree.tostring(element)
    for certificate in certificates:
        config = SignatureConfiguration(
            location="./",
            expect_references=1,
            # Like AWS, the metadata certificate's own validity period is not enforced:
            # verify "at" a moment inside it (never the system clock).
            verification_time=_within(certificate, now),
        )
        try:
            result = XMLVerifier().verify(data, x509_cert=certificate, expect_config=config)
        except (SignXMLException, etree.LxmlError, ValueError, TypeError, KeyError):
            continue
        signed = getattr(result, "signed_xml", None)
        if (
            signed is not None
            and signed.tag == element.tag
            and signed.get("ID") == element.get("ID")
        ):
            return signed
    return None


def _within(certificate: x509.Certificate, now: datetime) -> datetime:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    return min(max(now, start), end)


def _read(assertion: Any) -> SamlAssertion:
    issuer = _text(assertion.find("saml:Issuer", NS))
    if not issuer:
        raise InvalidIdentityToken("The SAML assertion has no Issuer.")
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    confirmations = [
        data
        for confirmation in assertion.iterfind("saml:Subject/saml:SubjectConfirmation", NS)
        if confirmation.get("Method", BEARER) == BEARER
        for data in confirmation.iterfind("saml:SubjectConfirmationData", NS)
        if data.get("Recipient") and data.get("NotOnOrAfter")
    ]
    if len(confirmations) != 1:
        raise InvalidIdentityToken(
            "The SAML assertion must have exactly one bearer SubjectConfirmationData with "
            "Recipient and NotOnOrAfter."
        )
    confirmation = confirmations[0]
    conditions = assertion.find("saml:Conditions", NS)
    authn = assertion.find("saml:AuthnStatement", NS)
    expiries = [_time(confirmation.get("NotOnOrAfter"))]
    if conditions is not None:
        expiries.append(_time(conditions.get("NotOnOrAfter")))
    return SamlAssertion(
        issuer=issuer,
        subject=_text(name_id) or None,
        subject_format=(name_id.get("Format") if name_id is not None else None) or UNSPECIFIED,
        recipient=confirmation.get("Recipient"),
        audiences=tuple(
            tuple(_text(a) for a in restriction.iterfind("saml:Audience", NS))
            for restriction in (
                conditions.iterfind("saml:AudienceRestriction", NS)
                if conditions is not None
                else ()
            )
        ),
        issue_instant=_time(assertion.get("IssueInstant")),
        not_before=_time(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=min((e for e in expiries if e is not None), default=None),
        session_not_on_or_after=(
            _time(authn.get("SessionNotOnOrAfter")) if authn is not None else None
        ),
        attributes=_attributes(assertion),
    )


def _attributes(assertion: Any) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iterfind("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name")
        if name:
            values = tuple(_text(v) for v in attribute.iterfind("saml:AttributeValue", NS))
            found[name] = found.get(name, ()) + values
    return found


def _text(element: Any) -> str:
    """An element's text nodes joined (XPath ``string()``: comments do not split it)."""
    return "" if element is None else str(element.xpath("string()")).strip()


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise InvalidIdentityToken(f"Invalid time {value!r} in the SAML assertion.")
    base, fraction, zone = match.groups()
    micros = (fraction or "")[:6].ljust(6, "0")
    offset = "+00:00" if zone in (None, "Z") else zone
    return datetime.fromisoformat(f"{base}.{micros}{offset}").astimezone(UTC)


# -- the checks ------------------------------------------------------------------------------


def _check_assertion(assertion: SamlAssertion, now: datetime) -> None:
    if not assertion.audiences or not all(
        AUDIENCES.intersection(r) or any(SIGNIN.fullmatch(a) for a in r)
        for r in assertion.audiences
    ):
        raise InvalidIdentityToken(
            "The SAML assertion's audience must be https://signin.aws.amazon.com/saml or "
            "urn:amazon:webservices."
        )
    if not SIGNIN.fullmatch(assertion.recipient):
        raise InvalidIdentityToken(
            "The SAML assertion's Recipient must be AWS's sign-in endpoint "
            "(https://signin.aws.amazon.com/saml or a regional one)."
        )
    skew = CLOCK_SKEW
    issued = assertion.issue_instant
    if issued is not None and now - issued > REDEEM_WITHIN:
        raise ExpiredTokenException("Token must be redeemed within 5 minutes of issuance")
    for moment in (issued, assertion.not_before):
        if moment is not None and now + skew < moment:
            raise InvalidIdentityToken("The SAML assertion is not valid yet.")
    for moment in (assertion.not_on_or_after, assertion.session_not_on_or_after):
        if moment is not None and now >= moment:
            raise ExpiredTokenException("The SAML assertion has expired.")


def _role_pairs(assertion: SamlAssertion) -> set[tuple[str, str]]:
    """(role ARN, provider ARN) pairs of the Role attribute, in either order."""
    pairs = set()
    for value in assertion.attributes.get(ROLE, ()):
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 2:
            continue
        first, second = parts
        if ":saml-provider/" in first:
            first, second = second, first
        pairs.add((first, second))
    return pairs


def _single(assertion: SamlAssertion, name: str) -> str | None:
    values = assertion.attributes.get(name)
    return values[0] if values else None


def _session_name(assertion: SamlAssertion) -> str:
    name = _single(assertion, ROLE_SESSION_NAME)
    if name is None:
        raise InvalidIdentityToken("RoleSessionName is required in AuthnResponse")
    if not SESSION_NAME.fullmatch(name):
        raise InvalidIdentityToken(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
        )
    return name


def _duration(requested: int, assertion: SamlAssertion, now: datetime) -> int:
    """The requested (or default) duration, shortened by the SessionDuration
    attribute and the AuthnStatement's SessionNotOnOrAfter."""
    duration = timedelta(seconds=requested)
    raw = _single(assertion, SESSION_DURATION)
    if raw is not None:
        if not raw.isdigit() or not 900 <= int(raw) <= 43200:
            raise InvalidIdentityToken(
                "SessionDuration in AuthnResponse must be from 900 to 43200."
            )
        duration = min(duration, timedelta(seconds=int(raw)))
    if assertion.session_not_on_or_after is not None:
        duration = min(duration, assertion.session_not_on_or_after - now)
    return max(int(duration.total_seconds()), 1)


def _tags(assertion: SamlAssertion) -> SessionTags:
    pairs = []
    for name, values in assertion.attributes.items():
        if name.startswith(PRINCIPAL_TAG):
            if len(values) != 1:
                raise InvalidIdentityToken(f"Session tag attribute {name} must have one value.")
            pairs.append((name[len(PRINCIPAL_TAG) :], values[0]))
    return idp_session_tags(pairs, assertion.attributes.get(TRANSITIVE_TAG_KEYS, ()))


def _attribute_keys(assertion: SamlAssertion) -> dict[str, ContextValue]:
    """``saml:edupersonaffiliation``, ``saml:mail``... from the mapped attributes."""
    keys: dict[str, ContextValue] = {}
    for name, values in assertion.attributes.items():
        mapped = ATTRIBUTE_KEYS.get(name)
        if mapped is None or not values:
            continue
        key, multi = mapped
        keys.setdefault(f"saml:{key.lower()}", values if multi else values[0])
    return keys
