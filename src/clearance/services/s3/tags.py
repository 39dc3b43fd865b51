"""Object tags: ``x-amz-tagging`` headers and ``<Tagging>`` bodies, S3's limits.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
(up to 10 tags, keys up to 128 and values up to 256 Unicode characters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearance.services import s3_authz
from clearance.services.s3.errors import InvalidArgument, InvalidTag

__all__ = ["MAX_TAGS", "check_tags", "from_header", "from_tag_set", "tag_set"]

MAX_TAGS = 10


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise InvalidTag("Object tags cannot be greater than 10")
    for key, value in tags.items():
        if not key or len(key) > 128:
            raise InvalidTag("The TagKey you have provided is invalid")
        if len(value) > 256:
            raise InvalidTag("The TagValue you have provided is invalid")
        if key.lower().startswith("aws:"):
            raise InvalidTag("Your TagKey cannot be prefixed with aws:")
    return dict(tags)


def from_header(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    try:
        return check_tags(s3_authz.parse_tagging(value))
    except ValueError:
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates."
        ) from None


def from_tag_set(tagging: Mapping[str, Any] | None) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in (tagging or {}).get("TagSet") or []:
        key = str(tag.get("Key", ""))
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key")
        tags[key] = str(tag.get("Value", ""))
    return check_tags(tags)


def tag_set(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]
