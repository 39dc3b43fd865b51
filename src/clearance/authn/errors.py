"""Authentication failures with AWS's codes, HTTP statuses and wording.

    AuthError (ClearanceError)
    ├── MissingAuthenticationToken   no signature at all (403)
    ├── IncompleteSignature          signature parameters missing or malformed (400)
    ├── InvalidClientTokenId         unknown, inactive or deleted key; bad session token (403)
    │   └── InvalidAccessKeyId       the same, as S3 words it (403)
    ├── SignatureDoesNotMatch        wrong signature, scope, clock skew (403); carries the
    │                                canonical request and string to sign the server computed
    ├── ExpiredToken                 the session behind the token has expired (403)
    ├── AuthorizationQueryParametersError   presigned parameters out of range (400)
    ├── PresignedRequestExpired      AccessDenied "Request has expired" (403)
    ├── RequestExpired               SigV2 ``Expires`` in the past (400)
    ├── RequestTimeTooSkewed         S3's clock-skew error (403)
    ├── XAmzContentSHA256Mismatch    body does not hash to x-amz-content-sha256 (400)
    └── InvalidContentSha256         S3: x-amz-content-sha256 is no hash and no known literal (400)

No message ever contains a secret: only what the client itself sent (access key id,
Authorization header, dates) and what the server derived from public inputs.
"""

from __future__ import annotations

import re

from clearance.errors import ClearanceError

__all__ = [
    "SIGNATURE_MISMATCH",
    "SIGNATURE_MISMATCH_S3",
    "AuthError",
    "AuthorizationQueryParametersError",
    "ExpiredToken",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "InvalidContentSha256",
    "MissingAuthenticationToken",
    "PresignedRequestExpired",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "XAmzContentSHA256Mismatch",
    "echo",
]

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
SIGNATURE_MISMATCH_S3 = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def echo(value: str, limit: int = 256) -> str:
    """A client-sent value fit to repeat in a message: at most ``limit`` characters,
    control characters and lone surrogates (which XML and UTF-8 cannot carry) as ``?``."""
    if len(value) > limit:
        value = value[:limit] + "..."
    return _UNPRINTABLE.sub("?", value)


class AuthError(ClearanceError):
    """Base of every authentication failure."""

    code = "AuthFailure"
    http_status = 403
    default_message = "AWS was not able to validate the provided access credentials"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)


class MissingAuthenticationToken(AuthError):
    code = "MissingAuthenticationToken"
    http_status = 403
    default_message = "Request is missing Authentication Token"


class IncompleteSignature(AuthError):
    code = "IncompleteSignature"
    http_status = 400
    default_message = "Request must contain a signature that conforms to AWS standards"


class InvalidClientTokenId(AuthError):
    code = "InvalidClientTokenId"
    http_status = 403
    default_message = "The security token included in the request is invalid."


class InvalidAccessKeyId(InvalidClientTokenId):
    code = "InvalidAccessKeyId"
    default_message = "The AWS Access Key Id you provided does not exist in our records."


class SignatureDoesNotMatch(AuthError):
    """The signature, its scope or its time is wrong.

    When the signature itself did not match, ``canonical_request`` and
    ``string_to_sign`` hold what the server computed (S3 returns them as
    ``CanonicalRequest`` / ``StringToSign``; other services may append them to
    the message) so that people who sign by hand can find their mistake.
    """

    code = "SignatureDoesNotMatch"
    http_status = 403
    default_message = SIGNATURE_MISMATCH

    def __init__(
        self,
        message: str | None = None,
        *,
        canonical_request: str | None = None,
        string_to_sign: str | None = None,
        signature_provided: str | None = None,
        access_key_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        self.signature_provided = signature_provided
        self.access_key_id = access_key_id


class ExpiredToken(AuthError):
    code = "ExpiredToken"
    http_status = 403
    default_message = "The security token included in the request is expired"


class AuthorizationQueryParametersError(AuthError):
    code = "AuthorizationQueryParametersError"
    http_status = 400
    default_message = (
        "X-Amz-Expires must be less than a week (in seconds); that is, the given "
        "X-Amz-Expires must be less than 604800 seconds"
    )


class PresignedRequestExpired(AuthError):
    code = "AccessDenied"
    http_status = 403
    default_message = "Request has expired"


class RequestExpired(AuthError):
    code = "RequestExpired"
    http_status = 400
    default_message = "Request has expired."


class RequestTimeTooSkewed(AuthError):
    code = "RequestTimeTooSkewed"
    http_status = 403
    default_message = "The difference between the request time and the current time is too large."

    def __init__(
        self,
        message: str | None = None,
        *,
        request_time: str | None = None,
        server_time: str | None = None,
        max_allowed_skew_ms: int = 900_000,
    ) -> None:
        super().__init__(message)
        self.request_time = request_time
        self.server_time = server_time
        self.max_allowed_skew_ms = max_allowed_skew_ms


class XAmzContentSHA256Mismatch(AuthError):
    code = "XAmzContentSHA256Mismatch"
    http_status = 400
    default_message = "The provided 'x-amz-content-sha256' header does not match what was computed."

    def __init__(
        self,
        message: str | None = None,
        *,
        client_computed: str | None = None,
        server_computed: str | None = None,
    ) -> None:
        super().__init__(message)
        self.client_computed = client_computed
        self.server_computed = server_computed


class InvalidContentSha256(AuthError):
    code = "InvalidArgument"
    http_status = 400
    default_message = (
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
    )
