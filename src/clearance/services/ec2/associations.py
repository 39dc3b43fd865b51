"""Instance profile associations: Describe, Associate, Replace, Disassociate.

Each needs its EC2 action on the instance (``Describe…`` on ``*``), and
Associate/Replace also ``iam:PassRole`` on the new profile's role.
Associating a profile with an instance that already has one is
``IncorrectState``; a terminated instance cannot get a profile.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/attach-iam-role.html
"""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.ec2.common import (
    IncorrectState,
    InvalidAssociationIdNotFound,
    InvalidParameterValue,
    authorize,
    instance_arn,
    resource_tag_context,
)
from clearance.services.ec2.instances import check_instance_ids, not_found
from clearance.services.ec2.profiles import pass_profile_role, resolve_profile
from clearance.services.ec2.shapes import association_shape
from clearance.services.registry import operation
from clearance.store.ec2 import Instance, ProfileAssociation

__all__ = [
    "associate_iam_instance_profile",
    "describe_iam_instance_profile_associations",
    "disassociate_iam_instance_profile",
    "replace_iam_instance_profile_association",
]


def _instance(ctx: CallContext, instance_id: str) -> Instance:
    check_instance_ids([instance_id])
    found = ctx.store.list_instances(ctx.account_id, ctx.region, [instance_id])
    if not found:
        raise not_found([instance_id])
    return found[0]


def _association(ctx: CallContext, association_id: str) -> tuple[ProfileAssociation, Instance]:
    found = ctx.store.list_profile_associations(ctx.account_id, ctx.region, [association_id])
    if not found or found[0].state != "associated":
        raise InvalidAssociationIdNotFound(f"The association ID '{association_id}' does not exist")
    return found[0], _instance(ctx, found[0].instance_id)


@operation("ec2", "DescribeIamInstanceProfileAssociations")
def describe_iam_instance_profile_associations(
    ctx: CallContext, params: dict[str, Any]
) -> dict[str, Any]:
    ids = list(params.get("AssociationIds") or ())
    instance_ids: set[str] = set()
    states: set[str] = set()
    for item in params.get("Filters") or ():
        values = set(item.get("Values") or ())
        if item.get("Name") == "instance-id":
            instance_ids |= values
        elif item.get("Name") == "state":
            states |= values
        else:
            raise InvalidParameterValue(f"The filter '{item.get('Name')}' is invalid")
    authorize(ctx, "ec2:DescribeIamInstanceProfileAssociations", "*")
    found = ctx.store.list_profile_associations(ctx.account_id, ctx.region, ids)
    if ids:
        missing = sorted(set(ids) - {a.id for a in found})
        if missing:
            raise InvalidAssociationIdNotFound(
                f"The association ID '{', '.join(missing)}' does not exist"
            )
    wanted = states or {"associating", "associated", "disassociating"}
    chosen = [
        a
        for a in found
        if a.state in wanted and (not instance_ids or a.instance_id in instance_ids)
    ]
    start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
    size = int(params.get("MaxResults") or 1000)
    page = chosen[start : start + size]
    result: dict[str, Any] = {
        "IamInstanceProfileAssociations": [association_shape(a) for a in page]
    }
    if start + size < len(chosen):
        result["NextToken"] = str(start + size)
    return result


@operation("ec2", "AssociateIamInstanceProfile")
def associate_iam_instance_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    instance = _instance(ctx, params["InstanceId"])
    arn = instance_arn(ctx, instance.id)
    authorize(ctx, "ec2:AssociateIamInstanceProfile", arn, resource_tag_context(instance.tags))
    profile, role = resolve_profile(ctx, params["IamInstanceProfile"])
    pass_profile_role(ctx, role, arn)
    if instance.state == "terminated":
        raise IncorrectState(f"The instance '{instance.id}' is not in a valid state.")
    created = ctx.store.associate_profile(ctx.account_id, instance.id, profile)
    if created is None:
        raise IncorrectState(f"There is an existing association for instance {instance.id}")
    return {"IamInstanceProfileAssociation": association_shape(created, "associating")}


@operation("ec2", "ReplaceIamInstanceProfileAssociation")
def replace_iam_instance_profile_association(
    ctx: CallContext, params: dict[str, Any]
) -> dict[str, Any]:
    current, instance = _association(ctx, params["AssociationId"])
    arn = instance_arn(ctx, instance.id)
    authorize(
        ctx, "ec2:ReplaceIamInstanceProfileAssociation", arn, resource_tag_context(instance.tags)
    )
    profile, role = resolve_profile(ctx, params["IamInstanceProfile"])
    pass_profile_role(ctx, role, arn)
    created = ctx.store.end_profile_association(ctx.account_id, current.id, profile)
    if created is None:
        raise InvalidAssociationIdNotFound(f"The association ID '{current.id}' does not exist")
    return {"IamInstanceProfileAssociation": association_shape(created, "associating")}


@operation("ec2", "DisassociateIamInstanceProfile")
def disassociate_iam_instance_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    current, instance = _association(ctx, params["AssociationId"])
    authorize(
        ctx,
        "ec2:DisassociateIamInstanceProfile",
        instance_arn(ctx, instance.id),
        resource_tag_context(instance.tags),
    )
    ended = ctx.store.end_profile_association(ctx.account_id, current.id)
    if ended is None:
        raise InvalidAssociationIdNotFound(f"The association ID '{current.id}' does not exist")
    return {"IamInstanceProfileAssociation": association_shape(ended, "disassociating")}
