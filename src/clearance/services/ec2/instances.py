"""RunInstances, DescribeInstances, TerminateInstances: instances as records.

Authorization follows EC2's resource-level model: ``ec2:RunInstances`` on the
new instances (``instance/*``) and on the image; ``ec2:CreateTags`` (with
``ec2:CreateAction`` = ``RunInstances``) when tags are set at launch;
``iam:PassRole`` for an instance profile's role (:mod:`.profiles`);
``ec2:TerminateInstances`` on each instance; ``ec2:DescribeInstances`` on ``*``.
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from clearance.engine import ContextValue
from clearance.protocol.errors import MissingParameter
from clearance.services.context import CallContext
from clearance.services.ec2.common import (
    InvalidInstanceIdMalformed,
    InvalidInstanceIdNotFound,
    InvalidParameterValue,
    authorize,
    finish_dry_run,
    instance_arn,
    resource_tag_context,
)
from clearance.services.ec2.profiles import pass_profile_role, resolve_profile
from clearance.services.ec2.shapes import instance_shape, state_shape
from clearance.services.registry import operation
from clearance.store import Tag
from clearance.store.ec2 import Instance, InstanceSpec, ProfileRef
from clearance.wildcard import compile_wildcard

__all__ = ["check_instance_ids", "describe_instances", "run_instances", "terminate_instances"]

MAX_LAUNCH = 20  # EC2's default On-Demand limit is in vCPUs; a round number of records
DEFAULT_INSTANCE_TYPE = "m1.small"  # what EC2 launches when no type is given
_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_MAX_TAGS = 50


def check_instance_ids(ids: Iterable[str]) -> list[str]:
    checked = list(dict.fromkeys(ids))
    for instance_id in checked:
        if _INSTANCE_ID.fullmatch(instance_id) is None:
            raise InvalidInstanceIdMalformed(f'Invalid id: "{instance_id}"')
    return checked


def not_found(missing: Sequence[str]) -> InvalidInstanceIdNotFound:
    if len(missing) == 1:
        return InvalidInstanceIdNotFound(f"The instance ID '{missing[0]}' does not exist")
    return InvalidInstanceIdNotFound(f"The instance IDs '{', '.join(missing)}' do not exist")


# -- RunInstances ----------------------------------------------------------------------


def _launch_tags(params: dict[str, Any]) -> tuple[Tag, ...]:
    tags: list[Tag] = []
    for spec in params.get("TagSpecifications") or ():
        if spec.get("ResourceType") not in (None, "instance"):
            continue  # volumes, network interfaces...: no records here
        tags.extend(Tag(t.get("Key", ""), t.get("Value", "")) for t in spec.get("Tags") or ())
    if len(tags) > _MAX_TAGS or any(not t.key or len(t.key) > 128 for t in tags):
        raise InvalidParameterValue("The tag specification is invalid: 1..50 tags, keys 1..128.")
    return tuple(tags)


def _counts(params: dict[str, Any]) -> tuple[int, int]:
    low, high = int(params["MinCount"]), int(params["MaxCount"])
    if low < 1:
        raise InvalidParameterValue(
            f"Value ({low}) for parameter minCount is invalid. Expected a positive integer."
        )
    if high < low:
        raise InvalidParameterValue(
            f"Value ({high}) for parameter maxCount is invalid. Expected a value of at least "
            f"minCount ({low})."
        )
    if low > MAX_LAUNCH:
        raise InvalidParameterValue(
            f"You have requested more instances ({low}) than Clearance launches in one "
            f"request ({MAX_LAUNCH})."
        )
    return low, min(high, MAX_LAUNCH)


def _http_tokens(params: dict[str, Any]) -> str:
    options = params.get("MetadataOptions") or {}
    tokens = options.get("HttpTokens") or "optional"
    if tokens not in ("optional", "required"):
        raise InvalidParameterValue(
            f"Value ({tokens}) for parameter metadataOptions.httpTokens is invalid."
        )
    return str(tokens)


@operation("ec2", "RunInstances")
def run_instances(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    image_id = params.get("ImageId")
    if not image_id:
        raise MissingParameter("ImageId")
    _, count = _counts(params)
    tags = _launch_tags(params)
    instance_type = params.get("InstanceType") or DEFAULT_INSTANCE_TYPE
    launching = instance_arn(ctx)
    context: dict[str, ContextValue] = {"ec2:InstanceType": instance_type}
    for tag in tags:
        context[f"aws:RequestTag/{tag.key}"] = tag.value
    if tags:
        context["aws:TagKeys"] = tuple(t.key for t in tags)
    profile_spec = params.get("IamInstanceProfile")
    authorize(ctx, "ec2:RunInstances", launching, context)
    authorize(ctx, "ec2:RunInstances", f"arn:aws:ec2:{ctx.region}::image/{image_id}")
    if tags:
        authorize(ctx, "ec2:CreateTags", launching, {**context, "ec2:CreateAction": "RunInstances"})
    profile: ProfileRef | None = None
    if profile_spec:
        profile, role = resolve_profile(ctx, profile_spec)
        pass_profile_role(ctx, role, launching)
    finish_dry_run(params)
    spec = InstanceSpec(image_id, instance_type, tags, _http_tokens(params))
    launched = ctx.store.launch_instances(ctx.account_id, ctx.region, count, spec, profile)
    return {
        "ReservationId": launched[0].reservation_id,
        "OwnerId": ctx.account_id,
        "Groups": [],
        "Instances": [
            instance_shape(instance, ctx.endpoint, index) for index, instance in enumerate(launched)
        ],
    }


# -- DescribeInstances -----------------------------------------------------------------

_Test = Callable[[Instance], bool]


def _any_of(values: Sequence[str], read: Callable[[Instance], Iterable[str]]) -> _Test:
    matchers = [compile_wildcard(v) for v in values]
    return lambda i: any(m(value) for value in read(i) for m in matchers)


def _filter_test(name: str, values: Sequence[str]) -> _Test | None:
    if name.startswith("tag:"):
        key = name[4:]
        return _any_of(values, lambda i: [t.value for t in i.tags if t.key == key])
    readers: dict[str, Callable[[Instance], Iterable[str]]] = {
        "instance-id": lambda i: [i.id],
        "instance-state-name": lambda i: [i.state],
        "instance-state-code": lambda i: [str(state_shape(i.state)["Code"])],
        "instance-type": lambda i: [i.instance_type],
        "image-id": lambda i: [i.image_id],
        "reservation-id": lambda i: [i.reservation_id],
        "owner-id": lambda i: [i.account_id],
        "tag-key": lambda i: [t.key for t in i.tags],
        "iam-instance-profile.arn": lambda i: [i.association.profile.arn] if i.association else [],
    }
    read = readers.get(name)
    return None if read is None else _any_of(values, read)


def _filters(params: dict[str, Any]) -> list[_Test]:
    tests = []
    for item in params.get("Filters") or ():
        name = item.get("Name") or ""
        test = _filter_test(name, list(item.get("Values") or ()))
        if test is None:
            raise InvalidParameterValue(f"The filter '{name}' is invalid")
        tests.append(test)
    return tests


def _token(instance_id: str) -> str:
    return base64.urlsafe_b64encode(instance_id.encode()).decode().rstrip("=")


def _after(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, ValueError):
        text = ""
    if _INSTANCE_ID.fullmatch(text) is None:
        raise InvalidParameterValue(f"The token '{token[:64]}' is invalid.")
    return text


def _page_size(params: dict[str, Any]) -> int | None:
    size = params.get("MaxResults")
    if size is None:
        return None
    if params.get("InstanceIds"):
        raise InvalidParameterValue(
            "The parameter instancesSet cannot be used with the parameter maxResults"
        )
    if not 5 <= int(size) <= 1000:
        raise InvalidParameterValue(
            f"Value ( {size} ) for parameter maxResults is invalid. "
            "Expecting a value greater than 5."
        )
    return int(size)


def _reservations(instances: Sequence[Instance], ctx: CallContext) -> list[dict[str, Any]]:
    grouped: dict[str, list[Instance]] = {}
    for instance in instances:
        grouped.setdefault(instance.reservation_id, []).append(instance)
    return [
        {
            "ReservationId": reservation,
            "OwnerId": members[0].account_id,
            "Groups": [],
            "Instances": [instance_shape(i, ctx.endpoint) for i in members],
        }
        for reservation, members in grouped.items()
    ]


@operation("ec2", "DescribeInstances")
def describe_instances(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ids = check_instance_ids(params.get("InstanceIds") or ())
    size = _page_size(params)
    tests = _filters(params)
    authorize(ctx, "ec2:DescribeInstances", "*")
    finish_dry_run(params)
    found = ctx.store.list_instances(ctx.account_id, ctx.region, ids)
    if ids:
        missing = sorted(set(ids) - {i.id for i in found})
        if missing:
            raise not_found(missing)
    matching = [i for i in found if all(test(i) for test in tests)]
    if params.get("NextToken"):
        after = _after(params["NextToken"])
        positions = [n for n, i in enumerate(matching) if i.id == after]
        matching = matching[positions[0] + 1 :] if positions else []
    result: dict[str, Any] = {}
    if size is not None and len(matching) > size:
        matching = matching[:size]
        result["NextToken"] = _token(matching[-1].id)
    result["Reservations"] = _reservations(matching, ctx)
    return result


# -- TerminateInstances ----------------------------------------------------------------


@operation("ec2", "TerminateInstances")
def terminate_instances(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ids = check_instance_ids(params["InstanceIds"])
    found = {i.id: i for i in ctx.store.list_instances(ctx.account_id, ctx.region, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise not_found(missing)
    for instance_id in ids:
        authorize(
            ctx,
            "ec2:TerminateInstances",
            instance_arn(ctx, instance_id),
            resource_tag_context(found[instance_id].tags),
        )
    finish_dry_run(params)
    changed = ctx.store.terminate_instances(ctx.account_id, ctx.region, ids)
    return {
        "TerminatingInstances": [
            {
                "InstanceId": instance.id,
                "CurrentState": state_shape(instance.state),
                "PreviousState": state_shape(before),
            }
            for instance, before in changed
        ]
    }
