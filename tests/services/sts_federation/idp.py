"""A local identity provider for tests: key pairs, self-signed certificates,
JWKS documents, ID tokens (pyjwt), SAML metadata and signed assertions (signxml),
and a small HTTPS server for OpenID discovery."""

from __future__ import annotations

import base64
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree  # type: ignore[import-untyped]
from signxml.signer import XMLSigner

AWS_SAML = "https://signin.aws.amazon.com/saml"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
ATTR = "https://aws.amazon.com/SAML/Attributes/"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    name: str = "localhost",
    *,
    not_before: datetime | None = None,
    days: int = 365,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


def thumbprint(certificate: x509.Certificate) -> str:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest()


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# -- OpenID Connect --------------------------------------------------------------------------


@dataclass
class Signer:
    """A signing key and the JWK that publishes it."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    kid: str
    algorithm: str = "RS256"

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        public = json.loads(algorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.algorithm}


def rsa_signer(kid: str = "key-1") -> Signer:
    return Signer(rsa_key(), kid, "RS256")


def ec_signer(kid: str = "ec-1") -> Signer:
    return Signer(ec.generate_private_key(ec.SECP256R1()), kid, "ES256")


def jwks(*signers: Signer) -> dict[str, Any]:
    return {"keys": [s.jwk() for s in signers]}


def write_jwks(path: Path, *signers: Signer) -> str:
    """Write a JWKS document; its ``file://`` URL."""
    path.write_text(json.dumps(jwks(*signers)))
    return path.resolve().as_uri()


def id_token(
    signer: Signer,
    issuer: str,
    *,
    audience: str | list[str] = "sts.amazonaws.com",
    subject: str = "system:serviceaccount:default:app",
    now: datetime | None = None,
    lifetime: timedelta = timedelta(hours=1),
    headers: Mapping[str, Any] | None = None,
    **claims: Any,
) -> str:
    issued = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    header = {"kid": signer.kid, **(headers or {})}
    return jwt.encode(payload, signer.key, algorithm=signer.algorithm, headers=header)


class _Handler(http.server.BaseHTTPRequestHandler):
    documents: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.documents.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class HttpsIssuer:
    """An OpenID provider on https://localhost:PORT with a self-signed certificate."""

    url: str
    certificate: x509.Certificate
    documents: dict[str, bytes] = field(default_factory=dict)

    def publish(self, *signers: Signer) -> None:
        self.documents["/.well-known/openid-configuration"] = json.dumps(
            {"issuer": self.url, "jwks_uri": f"{self.url}/keys"}
        ).encode()
        self.documents["/keys"] = json.dumps(jwks(*signers)).encode()


@contextmanager
def https_issuer(tmp: Path) -> Iterator[HttpsIssuer]:
    key = rsa_key()
    certificate = self_signed(key)
    (tmp / "tls.pem").write_text(pem(certificate))
    (tmp / "tls.key").write_bytes(key_pem(key))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "tls.pem", tmp / "tls.key")
    documents: ClassVar[dict[str, bytes]] = {}
    handler = type("Handler", (_Handler,), {"documents": documents})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield HttpsIssuer(f"https://localhost:{port}", certificate, documents)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- SAML ----------------------------------------------------------------------------------------


@dataclass
class SamlIdp:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    entity_id: str = "https://idp.example.com/saml"

    @classmethod
    def create(cls, entity_id: str = "https://idp.example.com/saml") -> SamlIdp:
        key = rsa_key()
        return cls(key, self_signed(key, "idp.example.com"), entity_id)

    def metadata(self) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        cert = base64.b64encode(der).decode()
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{self.entity_id}">'
            f'<md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}">'
            f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
            f"<ds:X509Certificate>{cert}</ds:X509Certificate>"
            f"</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"'
            f' Location="https://idp.example.com/sso"/>'
            f"</md:IDPSSODescriptor></md:EntityDescriptor>"
        )


def _t(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def saml_assertion(
    idp: SamlIdp,
    role_arn: str,
    provider_arn: str,
    *,
    now: datetime | None = None,
    session_name: str | None = "alice@example.com",
    subject: str | None = "alice",
    name_format: str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    recipient: str = AWS_SAML,
    audience: str | None = AWS_SAML,
    lifetime: timedelta = timedelta(minutes=5),
    issuer: str | None = None,
    attributes: Mapping[str, list[str]] | None = None,
    session_not_on_or_after: datetime | None = None,
    role_value: str | None = None,
) -> Any:
    """An unsigned ``saml:Assertion`` element."""
    moment = now or datetime.now(UTC)
    ident = f"_{uuid.uuid4().hex}"
    nsmap = {"saml": SAML}
    a = etree.Element(f"{{{SAML}}}Assertion", nsmap=nsmap)
    a.set("ID", ident)
    a.set("Version", "2.0")
    a.set("IssueInstant", _t(moment))
    etree.SubElement(a, f"{{{SAML}}}Issuer").text = issuer or idp.entity_id
    subj = etree.SubElement(a, f"{{{SAML}}}Subject")
    if subject is not None:
        name_id = etree.SubElement(subj, f"{{{SAML}}}NameID")
        name_id.set("Format", name_format)
        name_id.text = subject
    confirmation = etree.SubElement(subj, f"{{{SAML}}}SubjectConfirmation")
    confirmation.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
    data = etree.SubElement(confirmation, f"{{{SAML}}}SubjectConfirmationData")
    data.set("NotOnOrAfter", _t(moment + lifetime))
    data.set("Recipient", recipient)
    conditions = etree.SubElement(a, f"{{{SAML}}}Conditions")
    conditions.set("NotBefore", _t(moment - timedelta(seconds=30)))
    conditions.set("NotOnOrAfter", _t(moment + lifetime))
    if audience is not None:
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        etree.SubElement(restriction, f"{{{SAML}}}Audience").text = audience
    authn = etree.SubElement(a, f"{{{SAML}}}AuthnStatement")
    authn.set("AuthnInstant", _t(moment))
    if session_not_on_or_after is not None:
        authn.set("SessionNotOnOrAfter", _t(session_not_on_or_after))
    context = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
    etree.SubElement(
        context, f"{{{SAML}}}AuthnContextClassRef"
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    values: dict[str, list[str]] = {ATTR + "Role": [role_value or f"{role_arn},{provider_arn}"]}
    if session_name is not None:
        values[ATTR + "RoleSessionName"] = [session_name]
    values.update(attributes or {})
    statement = etree.SubElement(a, f"{{{SAML}}}AttributeStatement")
    for name, items in values.items():
        attribute = etree.SubElement(statement, f"{{{SAML}}}Attribute")
        attribute.set("Name", name)
        for item in items:
            etree.SubElement(attribute, f"{{{SAML}}}AttributeValue").text = item
    return a


def sign(element: Any, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> Any:
    """Enveloped RSA-SHA256 signature over ``element`` (by its ID), as IdPs sign."""
    signer = XMLSigner(c14n_algorithm=EXC_C14N)
    return signer.sign(element, key=key, cert=[certificate], reference_uri=f"#{element.get('ID')}")


def response(assertion: Any, *, status: str = "urn:oasis:names:tc:SAML:2.0:status:Success") -> Any:
    """A ``samlp:Response`` around an (already signed or not) assertion."""
    r = etree.Element(f"{{{SAMLP}}}Response", nsmap={"samlp": SAMLP, "saml": SAML})
    r.set("ID", f"_{uuid.uuid4().hex}")
    r.set("Version", "2.0")
    r.set("IssueInstant", assertion.get("IssueInstant"))
    r.set("Destination", AWS_SAML)
    etree.SubElement(r, f"{{{SAML}}}Issuer").text = assertion.findtext(f"{{{SAML}}}Issuer")
    status_el = etree.SubElement(r, f"{{{SAMLP}}}Status")
    etree.SubElement(status_el, f"{{{SAMLP}}}StatusCode").set("Value", status)
    r.append(assertion)
    return r


def encode(element: Any) -> str:
    return base64.b64encode(etree.tostring(element)).decode()


def signed_response(idp: SamlIdp, role_arn: str, provider_arn: str, **options: Any) -> str:
    """The base64 SAMLResponse an IdP would post: a Response with a signed Assertion."""
    assertion = sign(
        saml_assertion(idp, role_arn, provider_arn, **options), idp.key, idp.certificate
    )
    return encode(response(assertion))
