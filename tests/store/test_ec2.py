"""EC2 records: instances, their states, and instance profile associations."""

from __future__ import annotations

import re

from clearance.store import Store, Tag
from clearance.store.ec2 import InstanceSpec, ProfileRef

WEB = ProfileRef("arn:aws:iam::123456789012:instance-profile/web", "AIPAWEB")
BATCH = ProfileRef("arn:aws:iam::123456789012:instance-profile/batch", "AIPABATCH")


def test_launch_describe_terminate(store: Store, account: str) -> None:
    spec = InstanceSpec("ami-1", "t3.micro", (Tag("team", "blue"),), "required")
    launched = store.launch_instances(account, "us-east-1", 2, spec, WEB)
    assert len({i.reservation_id for i in launched}) == 1
    first = launched[0]
    assert re.fullmatch(r"i-[0-9a-f]{17}", first.id)
    assert first.state == "running" and first.http_tokens == "required"
    assert first.tags == (Tag("team", "blue"),)
    assert first.association is not None and first.association.profile == WEB
    assert first.arn == f"arn:aws:ec2:us-east-1:{account}:instance/{first.id}"
    assert store.list_instances(account, "eu-west-1") == []
    assert [i.id for i in store.list_instances(account, "us-east-1", [first.id])] == [first.id]
    assert store.get_instance(first.id) == first
    assert store.get_instance("i-00000000000000000") is None

    changed = store.terminate_instances(account, "us-east-1", [first.id, "i-00000000000000000"])
    assert [(i.id, i.state, before) for i, before in changed] == [
        (first.id, "terminated", "running")
    ]
    ended = store.get_instance(first.id)
    assert ended is not None and ended.association is None and ended.terminated is not None
    again = store.terminate_instances(account, "us-east-1", [first.id])
    assert [(i.state, before) for i, before in again] == [("terminated", "terminated")]


def test_associations(store: Store, account: str) -> None:
    (instance,) = store.launch_instances(account, "us-east-1", 1, InstanceSpec("ami-1", "t3.micro"))
    assert instance.association is None
    first = store.associate_profile(account, instance.id, WEB)
    assert first is not None and first.state == "associated"
    assert store.associate_profile(account, instance.id, BATCH) is None  # one at a time
    second = store.end_profile_association(account, first.id, BATCH)
    assert second is not None and second.id != first.id and second.profile == BATCH
    assert store.end_profile_association(account, first.id) is None  # already ended
    states = {a.id: a.state for a in store.list_profile_associations(account, "us-east-1")}
    assert states == {first.id: "disassociated", second.id: "associated"}
    ended = store.end_profile_association(account, second.id)
    assert ended is not None and ended.id == second.id
    current = store.get_instance(instance.id)
    assert current is not None and current.association is None
    assert store.end_profile_association("210987654321", second.id) is None
