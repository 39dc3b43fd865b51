"""Resource ARNs: partition, region and IAM path rules, and IAM's legacy ARN reader.

AWS accepts a null among Resource values, IAM resource ``*`` and ``root``
(``arn:aws:iam::123456789012:root``), the S3 resource types whose ARNs carry a
Region (access points, Batch Operations jobs, Storage Lens, Access Grants,
Multi-Region Access Point requests), and every AWS partition.
"""

from __future__ import annotations

from clearance.policy.validation.elements import Located, Statements, strings
from clearance.policy.validation.messages import LEGACY_PARSING
from clearance.policy.validation.order import Phase, Report

__all__ = ["PARTITIONS", "resource_format_error", "resource_formats"]

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"}
    | {"aws-eusc", "*"}
)
IAM_PATHS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
IAM_PATH_ERROR = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_PATHS) + "."
# S3 resource types whose ARNs carry a Region (Service Authorization Reference, Amazon S3).
S3_REGIONAL = (
    "accesspoint/",
    "job/",
    "storage-lens/",
    "storage-lens-group/",
    "access-grants/",
    "async-request/",
)
REGION_ERRORS = {
    "iam": "IAM resource {} cannot contain region information.",
    "s3": "Resource {} can not contain region information.",
}


def resource_formats(report: Report, statements: Statements) -> None:
    """Resource ARN formats and legacy ARN parsing, in AWS's order (see :mod:`.order`)."""
    errors: list[Located] = []
    legacy_now: list[str] = []
    legacy_later: list[str] = []
    for name in ("Resource", "NotResource"):
        for where, statement in statements:
            if name not in statement:
                continue
            located = list(strings(where, statement, name))
            ordered = sorted(located, key=lambda pair: pair[1], reverse=True)
            flagged = set()
            for at, text in ordered:
                message = resource_format_error(text)
                if message is not None:
                    errors.append((at, message))
                    flagged.add(at)
            failing = [at for at, text in located if at not in flagged and not _legacy_arn(text)]
            (legacy_later if errors else legacy_now).extend(failing)
    for at in legacy_now:
        report.add(Phase.LEGACY, LEGACY_PARSING, at)
    if errors:
        chosen = errors[-1]
        report.add(Phase.RESOURCE_FORMAT, chosen[1], chosen[0])
        for at, message in errors[:-1]:
            report.add(Phase.MORE_RESOURCE_FORMAT, message, at)
    for at in legacy_later:
        report.add(Phase.MORE_RESOURCE_FORMAT, LEGACY_PARSING, at)


def resource_format_error(resource: str) -> str | None:
    """AWS's message for a Resource value it rejects, or None.

    AWS reads the value as ``x:partition:service:region:account:resource`` without
    looking at the first field, and rewrites it as an ARN in its partition message.
    """
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition not in PARTITIONS:
        return _partition_error(partition, rest)
    if not colon:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service, _, rest = rest.partition(":")
    _, _, after_region = rest.partition(":")
    resource_id = after_region.partition(":")[2]
    regional = service == "s3" and resource_id.startswith(S3_REGIONAL)
    if service in REGION_ERRORS and not rest.startswith(":") and not regional:
        return REGION_ERRORS[service].format(resource)
    iam_path = resource_id in ("*", "root") or resource_id.startswith(IAM_PATHS)
    if service == "iam" and not iam_path:
        return IAM_PATH_ERROR
    return None


def _partition_error(partition: str, rest: str) -> str:
    parts = rest.split(":")
    service = parts[0] if parts[0] or len(parts) > 1 else "*"
    region = parts[1] if len(parts) > 1 else "*"
    account = parts[2] if len(parts) > 2 else "*"
    tail = ":".join(parts[3:]) if len(parts) > 3 else "*"
    arn = f"arn:{partition}:{service}:{region}:{account}:{tail}"
    return f'Partition "{partition}" is not valid for resource "{arn}".'


def _legacy_arn(resource: str) -> bool:
    """IAM's legacy ARN reader: no ``::`` in a short ARN, and a service field."""
    if resource == "*":
        return True
    parts = resource.split(":")
    return (resource.count(":") >= 5 or "::" not in resource) and len(parts) > 2 and parts[2] != ""
