"""Instance profiles given to EC2: finding them, and passing their role.

- an unknown profile is ``InvalidParameterValue`` with EC2's wording
  (``Value (NAME) for parameter iamInstanceProfile.name is invalid. Invalid
  IAM Instance Profile name``);
- a profile with no role fails the launch or association as AWS fails it:
  ``InvalidParameterValue`` ``IAM Instance Profile "ARN" has no associated IAM
  Roles`` (the seed's "empty instance profile"); nothing is launched;
- passing the role needs ``iam:PassRole`` on it, with ``iam:PassedToService``
  = ``ec2.amazonaws.com`` and ``iam:AssociatedResourceArn`` = the instance's
  ARN (``instance/*`` at launch, when the id is not known yet).
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/permission-to-pass-iam-roles.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearance.arn import parse_arn
from clearance.services.context import CallContext
from clearance.services.ec2.common import InvalidParameterValue, authorize
from clearance.store import InstanceProfile, NoSuchEntity, Role
from clearance.store.ec2 import ProfileRef

__all__ = ["EC2_SERVICE", "pass_profile_role", "resolve_profile"]

EC2_SERVICE = "ec2.amazonaws.com"


def _unknown_name(name: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Value ({name}) for parameter iamInstanceProfile.name is invalid. "
        "Invalid IAM Instance Profile name"
    )


def _unknown_arn(arn: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Value ({arn}) for parameter iamInstanceProfile.arn is invalid. "
        "Invalid IAM Instance Profile ARN"
    )


def _find(ctx: CallContext, spec: Mapping[str, Any]) -> InstanceProfile:
    arn_text = spec.get("Arn")
    if arn_text:
        arn = parse_arn(arn_text)
        if (
            arn is None
            or arn.service != "iam"
            or arn.account != ctx.account_id
            or not arn.resource.startswith("instance-profile/")
        ):
            raise _unknown_arn(arn_text)
        name = arn.resource.rsplit("/", 1)[-1]
        try:
            profile = ctx.store.get_instance_profile(ctx.account_id, name)
        except NoSuchEntity:
            raise _unknown_arn(arn_text) from None
        if profile.arn != arn_text:  # another path: not this profile
            raise _unknown_arn(arn_text)
        if spec.get("Name") and spec["Name"] != profile.name:
            raise InvalidParameterValue(
                "The parameter iamInstanceProfile.name does not match the profile that "
                "iamInstanceProfile.arn names."
            )
        return profile
    given = spec.get("Name")
    if not given:
        raise InvalidParameterValue(
            "The parameter iamInstanceProfile requires either iamInstanceProfile.arn or "
            "iamInstanceProfile.name."
        )
    try:
        return ctx.store.get_instance_profile(ctx.account_id, given)
    except NoSuchEntity:
        raise _unknown_name(given) from None


def resolve_profile(ctx: CallContext, spec: Mapping[str, Any]) -> tuple[ProfileRef, Role]:
    """The profile a request names and its role; EC2's errors otherwise."""
    profile = _find(ctx, spec)
    if not profile.roles:
        raise InvalidParameterValue(
            f'IAM Instance Profile "{profile.arn}" has no associated IAM Roles'
        )
    return ProfileRef(profile.arn, profile.id), profile.roles[0]


def pass_profile_role(ctx: CallContext, role: Role, instance_arn: str) -> None:
    """``iam:PassRole`` on the profile's role, as EC2 asks for it."""
    authorize(
        ctx,
        "iam:PassRole",
        role.arn,
        {"iam:PassedToService": EC2_SERVICE, "iam:AssociatedResourceArn": instance_arn},
    )
