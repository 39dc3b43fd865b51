"""Each issuance of an instance's role credentials leaves CloudTrail's
AssumeRole event by ``ec2.amazonaws.com`` (userIdentity ``AWSService``), with
the secrets redacted; a cached answer and a refused trust leave none."""

from __future__ import annotations

import json

from clearance.audit import HIDDEN, MemorySink
from clearance.services.gateway import Gateway
from tests.services.ec2.test_imds import _credentials, _get, _launch, _token, _web_profile
from tests.services.sts.conftest import ACCOUNT, Harness, trust


def _with_sink(h: Harness) -> MemorySink:
    sink = MemorySink()
    h.gateway = Gateway(h.store, h.clock, sink=sink)
    return sink


def _assume_role_events(sink: MemorySink) -> list[dict[str, object]]:
    return [dict(e.record) for e in sink.events if e.record["eventName"] == "AssumeRole"]


def test_issuance_is_an_assume_role_event_by_ec2(h: Harness) -> None:
    sink = _with_sink(h)
    _web_profile(h)
    instance = _launch(h)
    document = _credentials(h, instance)
    _credentials(h, instance)  # the cached credentials: no second event

    [record] = _assume_role_events(sink)
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["sourceIPAddress"] == record["userAgent"] == "ec2.amazonaws.com"
    assert record["recipientAccountId"] == ACCOUNT
    assert record["requestParameters"] == {
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/web-role",
        "roleSessionName": instance,
    }
    elements = record["responseElements"]
    assert isinstance(elements, dict)
    assert elements["credentials"]["accessKeyId"] == document["AccessKeyId"]
    assert elements["credentials"]["sessionToken"] == HIDDEN
    assert elements["assumedRoleUser"]["arn"].endswith(f":assumed-role/web-role/{instance}")
    text = json.dumps(record)
    assert document["SecretAccessKey"] not in text and document["Token"] not in text


def test_refused_trust_leaves_no_issuance_event(h: Harness) -> None:
    sink = _with_sink(h)
    _web_profile(h, trust({"Service": "lambda.amazonaws.com"}))
    instance = _launch(h)
    answer = _get(
        h,
        instance,
        "latest/meta-data/iam/security-credentials/web-role",
        _token(h, instance).body.decode(),
    )
    assert json.loads(answer.body)["Code"] == "AssumeRoleUnauthorizedAccess"
    assert _assume_role_events(sink) == []
