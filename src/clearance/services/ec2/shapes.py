"""EC2's response shapes for instances and associations, from the store's records.

Clearance's one addition lives inside AWS's shape: a running instance's
``StateTransitionReason`` (free text, empty on AWS for a running instance)
names the instance's metadata service URL, so that ``aws ec2 run-instances``
shows where a program on the "instance" gets its credentials.
"""

from __future__ import annotations

from typing import Any

from clearance.store.ec2 import Instance, ProfileAssociation

__all__ = ["association_shape", "imds_url", "instance_shape", "state_shape"]

_STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
IMDS_NOTE = "Clearance instance metadata service: "


def imds_url(base_url: str | None, instance_id: str) -> str:
    """``http://HOST:PORT/imds/<id>/`` (a path alone when the host is not known)."""
    return f"{(base_url or '').rstrip('/')}/imds/{instance_id}/"


def state_shape(state: str) -> dict[str, Any]:
    return {"Code": _STATE_CODES.get(state, 0), "Name": state}


def instance_shape(
    instance: Instance, base_url: str | None, launch_index: int = 0
) -> dict[str, Any]:
    running = instance.state == "running"
    shape: dict[str, Any] = {
        "InstanceId": instance.id,
        "ImageId": instance.image_id,
        "State": state_shape(instance.state),
        "PrivateDnsName": "",
        "PublicDnsName": "",
        "StateTransitionReason": (
            IMDS_NOTE + imds_url(base_url, instance.id) if running else "User initiated"
        ),
        "AmiLaunchIndex": launch_index,
        "InstanceType": instance.instance_type,
        "LaunchTime": instance.launched,
        "Placement": {
            "AvailabilityZone": f"{instance.region}a",
            "GroupName": "",
            "Tenancy": "default",
        },
        "Monitoring": {"State": "disabled"},
        "Architecture": "x86_64",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "VirtualizationType": "hvm",
        "Hypervisor": "xen",
        "EbsOptimized": False,
        "MetadataOptions": {
            "State": "applied",
            "HttpTokens": instance.http_tokens,
            "HttpPutResponseHopLimit": 2,
            "HttpEndpoint": "enabled",
            "InstanceMetadataTags": "disabled",
        },
    }
    if instance.association is not None:
        profile = instance.association.profile
        shape["IamInstanceProfile"] = {"Arn": profile.arn, "Id": profile.id}
    if instance.tags:
        shape["Tags"] = [{"Key": t.key, "Value": t.value} for t in instance.tags]
    return shape


def association_shape(association: ProfileAssociation, state: str | None = None) -> dict[str, Any]:
    return {
        "AssociationId": association.id,
        "InstanceId": association.instance_id,
        "IamInstanceProfile": {"Arn": association.profile.arn, "Id": association.profile.id},
        "State": state or association.state,
        "Timestamp": association.created,
    }
