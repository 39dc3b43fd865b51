"""Encoded authorization messages and DecodeAuthorizationMessage, in process:
sealing (round trip, tampering, another account or key, the size limit), the
decoded document's shape, the opt-in response header, EC2's message text, and
the operation's permission and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.clock import FixedClock
from clearance.engine import NamedPolicy, PolicySet, Request, evaluate, parse_principal
from clearance.policy import read_policy
from clearance.services.authorize import Authorizer
from clearance.services.authz_message import (
    ENCODED_MESSAGE_HEADER,
    MAX_MESSAGE_CHARS,
    decode_message,
    decoded_message,
    unauthorized_operation_message,
)
from clearance.services.context import CallContext, Caller, Check
from clearance.services.errors import AccessDenied
from clearance.services.gateway import Gateway
from clearance.services.sts.decode_message import INVALID_MESSAGE
from clearance.store import Store, TokenSealer
from clearance.store.crypto import AUTHORIZATION_MESSAGES

from .conftest import ACCOUNT, OTHER, Harness, Keys, allow

KEY = bytes(range(32))
DECODE = allow("sts:DecodeAuthorizationMessage")
DENY_CREATE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoCreate", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        ],
    }
)
MFA_ONLY = allow("iam:ListUsers", Bool={"aws:MultiFactorAuthPresent": "true"})


# -- sealing ---------------------------------------------------------------------------


def test_sealed_token_round_trips_and_is_url_safe() -> None:
    sealer = TokenSealer(KEY, AUTHORIZATION_MESSAGES)
    token = sealer.seal('{"allowed":false}', ACCOUNT)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(token) == TokenSealer.sealed_length(len(b'{"allowed":false}'))
    assert sealer.open(token, ACCOUNT) == '{"allowed":false}'
    assert sealer.seal("x", ACCOUNT) != sealer.seal("x", ACCOUNT)  # a fresh nonce each time


def test_tampered_foreign_or_garbled_tokens_do_not_open() -> None:
    sealer = TokenSealer(KEY, AUTHORIZATION_MESSAGES)
    token = sealer.seal("secret story", ACCOUNT)
    flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    assert sealer.open(flipped, ACCOUNT) is None
    assert sealer.open(token[:-1], ACCOUNT) is None
    assert sealer.open(token, OTHER) is None  # bound to the account
    assert TokenSealer(bytes(32), AUTHORIZATION_MESSAGES).open(token, ACCOUNT) is None
    assert TokenSealer(KEY, b"another purpose").open(token, ACCOUNT) is None
    for garbage in ("", "!!!!", token + "\n", token.replace("-", "+").replace("_", "/"), "AAAA"):
        if garbage != token:
            assert sealer.open(garbage, ACCOUNT) is None


def test_store_seals_with_a_key_derived_from_the_master_key(store: Store) -> None:
    token = store.authorization_messages.seal("story", ACCOUNT)
    assert TokenSealer(KEY, AUTHORIZATION_MESSAGES).open(token, ACCOUNT) == "story"
    assert "story" not in repr(store.authorization_messages)
    assert decode_message(store, ACCOUNT, token) == "story"
    assert decode_message(store, OTHER, token) is None
    assert decode_message(store, ACCOUNT, "A" * (MAX_MESSAGE_CHARS + 1)) is None


# -- the document ----------------------------------------------------------------------


def _caller(arn: str = f"arn:aws:iam::{ACCOUNT}:user/big") -> Caller:
    return Caller(ACCOUNT, arn, "user", "AIDAEXAMPLEEXAMPLE01", "AKIA", user_name="big")


def _check(document: str, action: str, **context: str) -> Check:
    caller = _caller()
    policies = PolicySet(identity=[NamedPolicy("inline/big", read_policy(document))])
    request = Request(
        principal=parse_principal(caller.arn, ACCOUNT, None),
        action=action,
        resource="*",
        context={k.lower(): v for k, v in context.items()},
        resource_account=ACCOUNT,
    )
    return Check(request, policies, evaluate(request, policies))


def test_document_has_aws_shape_for_an_explicit_deny() -> None:
    check = _check(DENY_CREATE, "iam:CreateUser", **{"aws:SourceIp": "10.0.0.1"})
    document = decoded_message(check, _caller(), request_id="req-1")
    assert document["allowed"] is False
    assert document["explicitDeny"] is True
    assert document["failures"] == {"items": []}
    [statement] = document["matchedStatements"]["items"]
    assert statement["statementId"] == "NoCreate"
    assert statement["effect"] == "DENY"
    assert statement["sourcePolicyId"] == "inline/big"
    assert statement["sourcePolicyType"] == "identity-based policy"
    assert statement["actions"] == {"items": [{"value": "iam:CreateUser"}]}
    assert statement["resources"] == {"items": [{"value": "*"}]}
    assert statement["principals"] == {"items": [{"value": "AIDAEXAMPLEEXAMPLE01"}]}
    context = document["context"]
    assert context["principal"] == {
        "id": "AIDAEXAMPLEEXAMPLE01",
        "name": "big",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/big",
    }
    assert context["action"] == "iam:CreateUser"
    assert context["resource"] == "*"
    assert context["conditions"]["items"] == [
        {"key": "aws:sourceip", "values": {"items": [{"value": "10.0.0.1"}]}}
    ]
    extension = document["clearance"]
    assert extension["outcome"] == "explicitDeny"
    assert extension["deniedBy"] == "identity-based policy"
    assert "NoCreate" in extension["summary"]
    assert extension["fix"] and extension["whoCanFix"]
    assert extension["requestId"] == "req-1"


def test_document_shows_failed_condition_values_for_an_implicit_deny() -> None:
    check = _check(MFA_ONLY, "iam:ListUsers", **{"aws:MultiFactorAuthPresent": "false"})
    document = decoded_message(check, _caller())
    assert document["explicitDeny"] is False
    assert document["matchedStatements"] == {"items": []}
    extension = document["clearance"]
    assert extension["outcome"] == "implicitDeny"
    assert extension["failedConditions"] == [
        {
            "operator": "Bool",
            "key": "aws:MultiFactorAuthPresent",
            "policyValues": ["true"],
            "requestValues": ["false"],
        }
    ]


def test_context_keys_that_could_hold_a_credential_are_left_out() -> None:
    check = _check(MFA_ONLY, "iam:ListUsers", **{"x:SessionToken": "FQoG", "x:Password": "pw"})
    text = json.dumps(decoded_message(check, _caller()))
    assert "FQoG" not in text and '"pw"' not in text


def test_a_huge_denial_shrinks_to_fit_the_decode_limit(store: Store, clock: FixedClock) -> None:
    actions = [f"iam:CreateUser{i:04d}{'x' * 40}" for i in range(400)] + ["iam:CreateUser"]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": f"S{i}", "Effect": "Deny", "Action": actions, "Resource": "*"}
                for i in range(5)
            ],
        }
    )
    ctx = _context(store, clock)
    ctx.record(*_check(document, "iam:CreateUser"))
    message = unauthorized_operation_message(ctx)
    token = message.rsplit(" ", 1)[1]
    assert len(token) <= MAX_MESSAGE_CHARS
    decoded = json.loads(decode_message(store, ACCOUNT, token) or "{}")
    assert decoded["explicitDeny"] is True
    assert decoded["clearance"]["truncated"] is True


# -- EC2's message text ----------------------------------------------------------------


def _context(store: Store, clock: FixedClock, caller: Caller | None = None) -> CallContext:
    return CallContext(
        caller=caller or _caller(),
        service="ec2",
        operation="RunInstances",
        request_id="req-ec2",
        region="us-east-1",
        now=clock.now(),
        store=store,
        authorizer=Authorizer(store),
    )


def test_unauthorized_operation_message_carries_a_decodable_message(
    store: Store, clock: FixedClock
) -> None:
    user = store.create_user(ACCOUNT, "ec2user")
    store.put_user_policy(ACCOUNT, "ec2user", "p0", allow("ec2:DescribeInstances"))
    caller = Caller(
        ACCOUNT, user.arn, "user", user.id, "AKIA", entity_id=user.id, user_name="ec2user"
    )
    ctx = _context(store, clock, caller)
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
    with pytest.raises(AccessDenied):
        ctx.require("ec2:RunInstances", instance)
    message = unauthorized_operation_message(ctx)
    prefix = (
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    assert message.startswith(prefix)
    decoded = json.loads(decode_message(store, ACCOUNT, message[len(prefix) :]) or "{}")
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "ec2:RunInstances"
    assert decoded["context"]["resource"] == instance
    assert decoded["context"]["principal"]["arn"] == user.arn
    assert decoded["clearance"]["requestId"] == "req-ec2"


def test_unauthorized_operation_message_without_a_denied_check(
    store: Store, clock: FixedClock
) -> None:
    assert unauthorized_operation_message(_context(store, clock)) == (
        "You are not authorized to perform this operation."
    )


# -- the operation and the header, through the gateway ----------------------------------


def _ask_for_message(client: Any) -> Any:
    def add(request: Any, **_: Any) -> None:
        request.headers["x-clearance-encode-authorization"] = "true"

    client.meta.events.register("before-sign", add)
    return client


def _denied(call: Any) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value


def _header(error: ClientError) -> str | None:
    headers = error.response["ResponseMetadata"]["HTTPHeaders"]
    return headers.get(ENCODED_MESSAGE_HEADER)


def test_header_only_when_asked_or_enabled(h: Harness) -> None:
    keys = h.user("nobody")
    assert _header(_denied(h.iam(keys).list_users)) is None
    assert _header(_denied(_ask_for_message(h.iam(keys)).list_users))
    h.gateway = Gateway(h.store, h.clock, encoded_messages=True)
    assert _header(_denied(h.iam(keys).list_users))


def test_decode_round_trip_for_an_explicit_deny(h: Harness) -> None:
    keys = h.user("denied", DENY_CREATE)
    error = _denied(lambda: _ask_for_message(h.iam(keys)).create_user(UserName="x"))
    assert error.response["Error"]["Code"] == "AccessDenied"
    token = _header(error)
    assert token
    reader = h.user("reader", DECODE)
    document = json.loads(
        h.sts(reader).decode_authorization_message(EncodedMessage=token)["DecodedMessage"]
    )
    assert document["explicitDeny"] is True
    assert document["context"]["action"] == "iam:CreateUser"
    assert document["context"]["principal"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/denied"
    assert document["matchedStatements"]["items"][0]["statementId"] == "NoCreate"


def test_decode_needs_the_permission(h: Harness) -> None:
    token = _header(_denied(_ask_for_message(h.iam(h.user("d1"))).list_users))
    error = _denied(lambda: h.sts(h.user("d2")).decode_authorization_message(EncodedMessage=token))
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert "sts:DecodeAuthorizationMessage" in error.response["Error"]["Message"]


def _invalid(h: Harness, keys: Keys, message: str) -> ClientError:
    error = _denied(
        lambda: h.sts(keys, validate=False).decode_authorization_message(EncodedMessage=message)
    )
    return error


def test_foreign_tampered_and_oversized_messages_are_rejected(h: Harness) -> None:
    token = _header(_denied(_ask_for_message(h.iam(h.user("d3"))).list_users))
    assert token
    reader = h.user("reader2", DECODE)
    for bad in (token[:-2], token[:30] + "!" + token[31:], "not-a-message", token + " "):
        error = _invalid(h, reader, bad)
        assert error.response["Error"]["Code"] == "InvalidAuthorizationMessageException"
        assert error.response["Error"]["Message"] == INVALID_MESSAGE
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The other account's root may do anything, but not read this account's message.
    error = _invalid(h, h.other_root, token)
    assert error.response["Error"]["Code"] == "InvalidAuthorizationMessageException"
    error = _invalid(h, reader, "A" * (MAX_MESSAGE_CHARS + 1))
    assert error.response["Error"]["Code"] == "ValidationError"
    assert "10240" in error.response["Error"]["Message"]
