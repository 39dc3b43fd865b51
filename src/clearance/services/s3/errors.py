"""S3's errors: AWS's codes, statuses and messages, with the extra ``<Error>``
elements S3 adds (``BucketName``, ``Key``...) in ``s3_fields``."""

from __future__ import annotations

from clearance.errors import ClearanceError

__all__ = [
    "AccessControlListNotSupported",
    "BadDigest",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "BucketNotEmpty",
    "EntityTooLarge",
    "EntityTooSmall",
    "IllegalLocationConstraint",
    "InvalidArgument",
    "InvalidBucketName",
    "InvalidLocationConstraint",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidRange",
    "InvalidRequest",
    "InvalidTag",
    "KeyTooLongError",
    "MalformedPolicy",
    "MalformedXMLError",
    "MetadataTooLarge",
    "MethodNotAllowed",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchKey",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchUpload",
    "NotModified",
    "PreconditionFailed",
    "S3Error",
    "error_with",
]


class S3Error(ClearanceError):
    code = "InvalidRequest"
    http_status = 400
    default_message = ""

    def __init__(self, message: str | None = None, **fields: str | None) -> None:
        super().__init__(message or self.default_message)
        self.s3_fields = {name: value for name, value in fields.items() if value is not None}


class AccessControlListNotSupported(S3Error):
    code = "AccessControlListNotSupported"
    http_status = 400
    default_message = "The bucket does not allow ACLs"


class BadDigest(S3Error):
    code = "BadDigest"
    http_status = 400
    default_message = "The Content-MD5 you specified did not match what we received."


class BucketAlreadyExists(S3Error):
    code = "BucketAlreadyExists"
    http_status = 409
    default_message = (
        "The requested bucket name is not available. The bucket namespace is shared by "
        "all users of the system. Please select a different name and try again."
    )


class BucketAlreadyOwnedByYou(S3Error):
    code = "BucketAlreadyOwnedByYou"
    http_status = 409
    default_message = (
        "Your previous request to create the named bucket succeeded and you already own it."
    )


class BucketNotEmpty(S3Error):
    code = "BucketNotEmpty"
    http_status = 409
    default_message = "The bucket you tried to delete is not empty"


class EntityTooLarge(S3Error):
    code = "EntityTooLarge"
    http_status = 400
    default_message = "Your proposed upload exceeds the maximum allowed object size."


class EntityTooSmall(S3Error):
    code = "EntityTooSmall"
    http_status = 400
    default_message = "Your proposed upload is smaller than the minimum allowed object size."


class IllegalLocationConstraint(S3Error):
    code = "IllegalLocationConstraintException"
    http_status = 400
    default_message = "The location constraint is incompatible."


class InvalidArgument(S3Error):
    code = "InvalidArgument"
    http_status = 400
    default_message = "Invalid Argument"


class InvalidBucketName(S3Error):
    code = "InvalidBucketName"
    http_status = 400
    default_message = "The specified bucket is not valid."


class InvalidLocationConstraint(S3Error):
    code = "InvalidLocationConstraint"
    http_status = 400
    default_message = "The specified location-constraint is not valid"


class InvalidPart(S3Error):
    code = "InvalidPart"
    http_status = 400
    default_message = (
        "One or more of the specified parts could not be found.  The part may not have "
        "been uploaded, or the specified entity tag may not match the part's entity tag."
    )


class InvalidPartOrder(S3Error):
    code = "InvalidPartOrder"
    http_status = 400
    default_message = (
        "The list of parts was not in ascending order. Parts must be ordered by part number."
    )


class InvalidRange(S3Error):
    code = "InvalidRange"
    http_status = 416
    default_message = "The requested range is not satisfiable"


class InvalidRequest(S3Error):
    code = "InvalidRequest"
    http_status = 400
    default_message = "Invalid Request"


class InvalidTag(S3Error):
    code = "InvalidTag"
    http_status = 400
    default_message = "The tag provided was not a valid tag."


class MalformedPolicy(S3Error):
    code = "MalformedPolicy"
    http_status = 400
    default_message = "Policies must be valid JSON and the first byte must be '{'"


class MethodNotAllowed(S3Error):
    code = "MethodNotAllowed"
    http_status = 405
    default_message = "The specified method is not allowed against this resource."


class NoSuchBucket(S3Error):
    code = "NoSuchBucket"
    http_status = 404
    default_message = "The specified bucket does not exist"


class NoSuchBucketPolicy(S3Error):
    code = "NoSuchBucketPolicy"
    http_status = 404
    default_message = "The bucket policy does not exist"


class NoSuchKey(S3Error):
    code = "NoSuchKey"
    http_status = 404
    default_message = "The specified key does not exist."


class NoSuchPublicAccessBlockConfiguration(S3Error):
    code = "NoSuchPublicAccessBlockConfiguration"
    http_status = 404
    default_message = "The public access block configuration was not found"


class NoSuchUpload(S3Error):
    code = "NoSuchUpload"
    http_status = 404
    default_message = (
        "The specified upload does not exist. The upload ID may be invalid, or the upload"
        " may have been aborted or completed."
    )


class NotModified(S3Error):
    code = "NotModified"
    http_status = 304
    default_message = "Not Modified"


class PreconditionFailed(S3Error):
    code = "PreconditionFailed"
    http_status = 412
    default_message = "At least one of the pre-conditions you specified did not hold"


def error_with(code: str, status: int, message: str) -> S3Error:
    """An S3 error whose code comes from a rule's answer (an ACL refusal...)."""
    error = S3Error(message)
    error.code = code
    error.http_status = status
    return error


class MalformedXMLError(S3Error):
    code = "MalformedXML"
    http_status = 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class KeyTooLongError(S3Error):
    code = "KeyTooLongError"
    http_status = 400
    default_message = "Your key is too long"


class MetadataTooLarge(S3Error):
    code = "MetadataTooLarge"
    http_status = 400
    default_message = "Your metadata headers exceed the maximum allowed metadata size."
