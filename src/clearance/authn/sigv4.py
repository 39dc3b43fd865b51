"""SigV4 verification: the ``Authorization`` header and presigned query strings.

The checks run in AWS's order — parameters present, algorithm, signed
headers, date format, clock skew (or presigned expiry), credential scope, key,
signature, body hash — so each failure gets the error AWS gives for it.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from clearance.authn import canonical
from clearance.authn.errors import (
    SIGNATURE_MISMATCH,
    SIGNATURE_MISMATCH_S3,
    AuthorizationQueryParametersError,
    IncompleteSignature,
    InvalidContentSha256,
    PresignedRequestExpired,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
    echo,
)
from clearance.authn.keys import resolve_key
from clearance.authn.model import Authenticated, ChunkSigning, SecretLookup
from clearance.authn.timestamps import (
    aware,
    check_skew,
    format_amz_date,
    parse_amz_date,
    parse_http_date,
)
from clearance.wire import WireRequest

__all__ = [
    "DEFAULT_RULES",
    "MAX_AUTHORIZATION_LENGTH",
    "MAX_EXPIRES",
    "MAX_SIGNED_HEADERS",
    "S3_PAYLOAD_LITERALS",
    "S3_RULES",
    "UNSIGNED_PAYLOAD",
    "SigV4Rules",
    "parse_authorization",
    "scope_of",
    "verify_header",
    "verify_query",
]

MAX_AUTHORIZATION_LENGTH = 8192
MAX_SIGNED_HEADERS = 100
MAX_CREDENTIAL_LENGTH = 512
MAX_EXPIRES = 604800  # seven days
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = frozenset(
    {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}
)
S3_PAYLOAD_LITERALS = frozenset(
    {UNSIGNED_PAYLOAD, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", *STREAMING_SIGNED}
)
REQUIRED_QUERY = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
SIGNATURE_PARAM = "X-Amz-Signature"
TOKEN_PARAM = "X-Amz-Security-Token"

_SEPARATORS = re.compile(r"[,\s]+")
_REGION = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*", re.ASCII)
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_DIGITS = re.compile(r"-?[0-9]{1,12}", re.ASCII)

HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
CREDENTIAL_PARTS = (
    "Credential must have exactly 5 slash-delimited elements, "
    "e.g. keyid/date/region/service/term, got '{}'"
)
BAD_DATE = (
    "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601"
)
S3_QUERY_REQUIRED = (
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)


@dataclass(frozen=True, slots=True)
class SigV4Rules:
    """How a service canonicalizes: every service but S3 normalizes the path and
    encodes it twice; S3 does neither and accepts its payload-hash literals."""

    normalize_path: bool = True
    double_encode: bool = True
    s3: bool = False


DEFAULT_RULES = SigV4Rules()
S3_RULES = SigV4Rules(normalize_path=False, double_encode=False, s3=True)


@dataclass(frozen=True, slots=True)
class _Scope:
    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str

    @property
    def text(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


@dataclass(frozen=True, slots=True)
class _Claim:
    """What a request says about its signature, parsed but not yet verified."""

    location: Literal["header", "query"]
    credential: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # as it enters the string to sign
    signed_at: datetime
    session_token: str | None


# --- the Authorization header ------------------------------------------------------------


def parse_authorization(header: str) -> tuple[str, dict[str, str]]:
    """Split ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``
    into the algorithm and its parameters (commas and/or spaces separate them)."""
    if len(header) > MAX_AUTHORIZATION_LENGTH:
        raise IncompleteSignature(
            f"Authorization header is {len(header)} characters long; "
            f"at most {MAX_AUTHORIZATION_LENGTH} are allowed."
        )
    algorithm, *rest = header.strip().split(None, 1) or [""]
    if algorithm != canonical.ALGORITHM and algorithm.startswith("AWS") and "-" in algorithm:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{echo(algorithm)}'.")
    params: dict[str, str] = {}
    for part in _SEPARATORS.split(rest[0] if rest else ""):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise IncompleteSignature(
                f"'{echo(part)}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{echo(header, MAX_AUTHORIZATION_LENGTH)}'"
            )
        params[name] = value
    return algorithm, params


def _header_claim(request: WireRequest, header: str) -> _Claim:
    algorithm, params = parse_authorization(header)
    amz_date = request.header("x-amz-date")
    http_date = request.header("date")
    message = "".join(
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    )
    if amz_date is None and http_date is None:
        message += (
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if message:
        raise IncompleteSignature(
            f"{message}Authorization={echo(header, MAX_AUTHORIZATION_LENGTH)}"
        )
    if algorithm != canonical.ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{echo(algorithm)}'.")
    signed_headers = _signed_headers(params["SignedHeaders"])
    if amz_date is not None:
        signed_at = parse_amz_date(amz_date)
        stamp = amz_date
    else:
        assert http_date is not None
        signed_at = parse_http_date(http_date)
        stamp = http_date
    if signed_at is None:
        raise IncompleteSignature(BAD_DATE.format(echo(stamp)))
    return _Claim(
        location="header",
        credential=params["Credential"],
        signed_headers=signed_headers,
        signature=params["Signature"],
        amz_date=amz_date if amz_date is not None else format_amz_date(signed_at),
        signed_at=signed_at,
        session_token=request.header("x-amz-security-token") or None,
    )


def _signed_headers(value: str) -> tuple[str, ...]:
    names = value.split(";")
    if len(names) > MAX_SIGNED_HEADERS:
        raise IncompleteSignature(
            f"SignedHeaders lists {len(names)} headers; at most {MAX_SIGNED_HEADERS} are allowed."
        )
    if not all(names):
        raise IncompleteSignature(
            f"SignedHeaders must be header names separated by ';', got '{echo(value)}'."
        )
    lowered = tuple(name.lower() for name in names)
    if "host" not in lowered:
        raise SignatureDoesNotMatch(HOST_NOT_SIGNED)
    return lowered


# --- the presigned query string ------------------------------------------------------------


AUTH_PARAMS = frozenset({*REQUIRED_QUERY, "X-Amz-Expires", TOKEN_PARAM})


def _query_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The query as a dict; an authentication parameter given twice is ambiguous."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values and name in AUTH_PARAMS:
            raise IncompleteSignature(
                f"AWS query-string parameter '{name}' must appear only once. "
                "Re-examine the query-string parameters."
            )
        values.setdefault(name, value)
    return values


def _query_claim(
    request: WireRequest, params: dict[str, str], now: datetime, rules: SigV4Rules
) -> _Claim:
    missing = [name for name in REQUIRED_QUERY if not params.get(name)]
    if rules.s3 and (missing or "X-Amz-Expires" not in params):
        raise AuthorizationQueryParametersError(S3_QUERY_REQUIRED)
    if missing:
        raise IncompleteSignature(
            "".join(f"AWS query-string parameters must include '{name}'. " for name in missing)
            + "Re-examine the query-string parameters."
        )
    algorithm = params["X-Amz-Algorithm"]
    if algorithm != canonical.ALGORITHM:
        if rules.s3:
            raise AuthorizationQueryParametersError(
                'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
            )
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{echo(algorithm)}'.")
    signed_headers = _signed_headers(params["X-Amz-SignedHeaders"])
    amz_date = params["X-Amz-Date"]
    signed_at = parse_amz_date(amz_date)
    if signed_at is None:
        if rules.s3:
            raise AuthorizationQueryParametersError(
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
            )
        raise IncompleteSignature(BAD_DATE.format(echo(amz_date)))
    expires = _expires(params.get("X-Amz-Expires"))
    check_skew(signed_at, now, s3=rules.s3, past=not rules.s3)
    if expires is not None and now > signed_at + timedelta(seconds=expires):
        raise PresignedRequestExpired()
    return _Claim(
        location="query",
        credential=params["X-Amz-Credential"],
        signed_headers=signed_headers,
        signature=params[SIGNATURE_PARAM],
        amz_date=amz_date,
        signed_at=signed_at,
        session_token=params.get(TOKEN_PARAM) or request.header("x-amz-security-token") or None,
    )


def _expires(raw: str | None) -> int | None:
    if raw is None:
        return None
    if _DIGITS.fullmatch(raw) is None:
        if raw.startswith("-") and raw[1:].isdigit():
            raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
        if raw.isascii() and raw.isdigit():  # more than 12 digits: far beyond a week
            raise AuthorizationQueryParametersError()
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number")
    seconds = int(raw)
    if seconds < 0:
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if seconds > MAX_EXPIRES:
        raise AuthorizationQueryParametersError()
    return seconds


# --- shared: scope, payload, signature -----------------------------------------------------


def _scope(credential: str) -> _Scope:
    if len(credential) > MAX_CREDENTIAL_LENGTH:  # it keys the signing-key cache
        raise IncompleteSignature(
            f"Credential is {len(credential)} characters long; "
            f"at most {MAX_CREDENTIAL_LENGTH} are allowed."
        )
    parts = credential.split("/")
    if len(parts) != 5:
        raise IncompleteSignature(CREDENTIAL_PARTS.format(echo(credential)))
    return _Scope(*parts)


def _check_scope(scope: _Scope, claim: _Claim, expected_service: str | None) -> None:
    problems = []
    if len(scope.region) > 64 or _REGION.fullmatch(scope.region) is None:
        problems.append("Credential should be scoped to a valid region. ")
    if expected_service is not None and scope.service != expected_service:
        problems.append(f"Credential should be scoped to correct service: '{expected_service}'. ")
    if scope.terminator != canonical.TERMINATOR:
        problems.append(
            "Credential should be scoped with a valid terminator: "
            f"'{canonical.TERMINATOR}', not '{echo(scope.terminator)}'. "
        )
    if scope.date != claim.amz_date[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{echo(scope.date)}' != '{claim.amz_date[:8]}', "
            f"from '{claim.amz_date}'. "
        )
    if problems:
        raise SignatureDoesNotMatch("".join(problems))


def _payload_hash(
    request: WireRequest, claim: _Claim, params: dict[str, str], rules: SigV4Rules
) -> str:
    """The payload hash the client signed: ``x-amz-content-sha256`` when sent (checked
    against the body after the signature), otherwise the body's SHA-256 — or, for
    S3 presigned URLs, their ``X-Amz-Content-Sha256`` or ``UNSIGNED-PAYLOAD``."""
    claimed = request.header("x-amz-content-sha256")
    if claimed is None and rules.s3 and claim.location == "query":
        claimed = params.get("X-Amz-Content-Sha256", UNSIGNED_PAYLOAD)
    if claimed is None:
        return _body_hash(request)
    if rules.s3 and claimed not in S3_PAYLOAD_LITERALS and not _SHA256_HEX.fullmatch(claimed):
        raise InvalidContentSha256()
    return claimed


def _check_body(request: WireRequest, payload_hash: str, rules: SigV4Rules) -> None:
    if rules.s3 and payload_hash in S3_PAYLOAD_LITERALS:
        return
    computed = _body_hash(request)
    if not hmac.compare_digest(payload_hash.lower().encode(), computed.encode()):
        raise XAmzContentSHA256Mismatch(client_computed=payload_hash, server_computed=computed)


def _body_hash(request: WireRequest) -> str:
    if request.spooled is None:
        return canonical.hash_payload(request.body)
    return request.spooled.sha256


def _canonical_request(
    request: WireRequest,
    claim: _Claim,
    payload_hash: str,
    rules: SigV4Rules,
    exclude: tuple[str, ...],
) -> str:
    return canonical.canonical_request(
        request.method,
        canonical.canonical_uri(
            request.path, normalize=rules.normalize_path, double_encode=rules.double_encode
        ),
        canonical.canonical_query(request.query, exclude=exclude),
        canonical.canonical_headers(request, claim.signed_headers),
        ";".join(claim.signed_headers),
        payload_hash,
    )


def _verify(
    request: WireRequest,
    claim: _Claim,
    params: dict[str, str],
    lookup: SecretLookup,
    now: datetime,
    rules: SigV4Rules,
    expected_service: str | None,
) -> Authenticated:
    scope = _scope(claim.credential)
    _check_scope(scope, claim, expected_service)
    payload_hash = _payload_hash(request, claim, params, rules)
    record = resolve_key(lookup, scope.access_key_id, claim.session_token, now, s3=rules.s3)
    key = canonical.signing_key(record.secret_access_key, scope.date, scope.region, scope.service)
    provided = canonical.utf8(claim.signature)
    exclusions: list[tuple[str, ...]] = [(SIGNATURE_PARAM,)] if claim.location == "query" else [()]
    if claim.location == "query" and TOKEN_PARAM in params:
        # Some signers add the token after signing (AWS's suite: post-sts-header-after).
        exclusions.append((SIGNATURE_PARAM, TOKEN_PARAM))
    first: tuple[str, str] | None = None
    for exclude in exclusions:
        creq = _canonical_request(request, claim, payload_hash, rules, exclude)
        to_sign = canonical.string_to_sign(claim.amz_date, scope.text, creq)
        expected = canonical.signature(key, to_sign)
        if hmac.compare_digest(expected.encode(), provided):
            break
        first = first or (creq, to_sign)
    else:
        assert first is not None
        raise SignatureDoesNotMatch(
            SIGNATURE_MISMATCH_S3 if rules.s3 else SIGNATURE_MISMATCH,
            canonical_request=first[0],
            string_to_sign=first[1],
            signature_provided=echo(claim.signature),
            access_key_id=scope.access_key_id,
        )
    _check_body(request, payload_hash, rules)
    chunks = None
    if payload_hash in STREAMING_SIGNED and rules.s3 and claim.location == "header":
        chunks = ChunkSigning(claim.amz_date, scope.text, expected, key)
    return Authenticated(
        access_key_id=scope.access_key_id,
        method="sigv4-header" if claim.location == "header" else "sigv4-query",
        region=scope.region,
        service=scope.service,
        signed_at=claim.signed_at,
        session_token=claim.session_token,
        signed_headers=claim.signed_headers,
        signature_age_seconds=(now - claim.signed_at).total_seconds(),
        payload_hash=payload_hash,
        chunk_signing=chunks,
    )


def verify_header(
    request: WireRequest,
    header: str,
    lookup: SecretLookup,
    now: datetime,
    rules: SigV4Rules = DEFAULT_RULES,
    expected_service: str | None = None,
) -> Authenticated:
    """Verify a request signed in its ``Authorization`` header (``header`` is its value)."""
    now = aware(now)
    claim = _header_claim(request, header)
    check_skew(claim.signed_at, now, s3=rules.s3)
    return _verify(request, claim, {}, lookup, now, rules, expected_service)


def verify_query(
    request: WireRequest,
    pairs: list[tuple[str, str]],
    lookup: SecretLookup,
    now: datetime,
    rules: SigV4Rules = DEFAULT_RULES,
    expected_service: str | None = None,
) -> Authenticated:
    """Verify a presigned request; ``pairs`` is its decoded query (``canonical.parse_query``)."""
    now = aware(now)
    params = _query_values(pairs)
    claim = _query_claim(request, params, now, rules)
    return _verify(request, claim, params, lookup, now, rules, expected_service)


def scope_of(request: WireRequest) -> tuple[str, str] | None:
    """(region, service) from the SigV4 credential scope, without verifying anything.

    Reads the ``Authorization`` header's ``Credential=`` or the presigned
    ``X-Amz-Credential``; None when the request has neither (or it is malformed).
    """
    credential = None
    header = request.header("authorization")
    if header is not None:
        start = header.find("Credential=")
        if start < 0:
            return None
        rest = header[start + len("Credential=") : start + 512]
        credential = _SEPARATORS.split(rest, maxsplit=1)[0]
    elif "X-Amz-Credential" in request.query:
        for name, value in canonical.parse_query(request.query):
            if name == "X-Amz-Credential":
                credential = value
                break
    if not credential:
        return None
    parts = credential.split("/")
    if len(parts) != 5 or not parts[2] or not parts[3]:
        return None
    return parts[2], parts[3]
