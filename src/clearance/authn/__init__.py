"""Request authentication: SigV4 (header and presigned) and SigV2 verification.

Framework-free and store-free: secrets arrive through an injected lookup."""

from clearance.authn.chunked import IncompleteBody, decode_chunked
from clearance.authn.errors import (
    AuthError,
    AuthorizationQueryParametersError,
    ExpiredToken,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidClientTokenId,
    InvalidContentSha256,
    MissingAuthenticationToken,
    PresignedRequestExpired,
    RequestExpired,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)
from clearance.authn.model import (
    Authenticated,
    AuthMethod,
    ChunkSigning,
    KeyRecord,
    SecretLookup,
)
from clearance.authn.sigv4 import scope_of
from clearance.authn.verify import authenticate

__all__ = [
    "AuthError",
    "AuthMethod",
    "Authenticated",
    "AuthorizationQueryParametersError",
    "ChunkSigning",
    "ExpiredToken",
    "IncompleteBody",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "InvalidContentSha256",
    "KeyRecord",
    "MissingAuthenticationToken",
    "PresignedRequestExpired",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "SecretLookup",
    "SignatureDoesNotMatch",
    "XAmzContentSHA256Mismatch",
    "authenticate",
    "decode_chunked",
    "scope_of",
]
