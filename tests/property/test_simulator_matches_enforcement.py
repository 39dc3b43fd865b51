"""The policy simulator never disagrees with enforcement.

For a random IAM user (random inline identity policies, sometimes a managed
policy attached, sometimes a permissions boundary, random principal tags) and a
random action, resource and request context, ``SimulatePrincipalPolicy``'s
``EvalDecision`` equals what the authorizer decides when that user, with its
own credentials, makes the request in process.

Conditions read keys the simulation is given as ContextEntries (request keys)
and keys enforcement derives from the principal (``aws:username``,
``aws:PrincipalTag/team``, ``aws:PrincipalArn``), which the simulator fills
from the store.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clearance.clock import FixedClock
from clearance.services import iam  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.services.registry import OPERATIONS
from clearance.store import Store, fast_hasher, open_store, seeded_ids

ACCOUNT = "123456789012"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
OUTCOMES = {"allowed": "allowed", "explicit_deny": "explicitDeny", "implicit_deny": "implicitDeny"}

ACTIONS = ["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "sqs:SendMessage"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "ec2:Run*"]
RESOURCES = [
    "arn:aws:s3:::bucket/home/{user}/notes",
    "arn:aws:s3:::bucket/home/other/notes",
    "arn:aws:s3:::bucket/shared",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/home/${aws:username}/*",
    "arn:aws:s3:::bucket/shared",
    f"arn:aws:ec2:*:{ACCOUNT}:instance/*",
    "arn:aws:sqs:*:*:queue",
]
# Request keys: given to enforcement as the request's context and to the
# simulator as ContextEntries.
REQUEST_KEYS: dict[str, list[str]] = {
    "s3:prefix": ["home/", "home/pat/", "shared/"],
    "aws:RequestTag/team": ["red", "blue"],
    "ec2:InstanceType": ["t3.micro", "m5.large"],
}
CONDITIONS: list[tuple[str, str, list[str]]] = [
    ("StringEquals", "s3:prefix", ["home/"]),
    ("StringLike", "s3:prefix", ["home/${aws:username}/*"]),
    ("StringLike", "aws:RequestTag/team", ["r*"]),
    ("StringNotEquals", "aws:RequestTag/team", ["blue"]),
    ("StringEqualsIfExists", "ec2:InstanceType", ["t3.micro"]),
    ("Null", "s3:prefix", ["true"]),
    ("Null", "ec2:InstanceType", ["false"]),
    ("StringEquals", "aws:PrincipalTag/team", ["red"]),
    ("ArnLike", "aws:PrincipalArn", [f"arn:aws:iam::{ACCOUNT}:user/p*"]),
    ("StringEquals", "aws:username", ["nobody"]),
]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2, unique=True))
    statement["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = actions
    statement["Resource"] = draw(
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2, unique=True)
    )
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2, unique_by=lambda c: c[:2]))
    if conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for operator, key, values in conditions:
            block.setdefault(operator, {})[key] = values
        statement["Condition"] = block
    return statement


def documents(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.lists(statements(), min_size=min_size, max_size=3).map(
        lambda items: json.dumps({"Version": "2012-10-17", "Statement": items}, indent=2)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    context = {
        key: draw(st.sampled_from(values))
        for key, values in REQUEST_KEYS.items()
        if draw(st.booleans())
    }
    return {
        "name": draw(st.sampled_from(["pat", "quinn"])),
        "inline": draw(st.lists(documents(), min_size=0, max_size=2)),
        "managed": draw(st.one_of(st.none(), documents())),
        "boundary": draw(st.one_of(st.none(), documents())),
        "team": draw(st.sampled_from([None, "red", "blue"])),
        "action": draw(st.sampled_from(ACTIONS)),
        "resource": draw(st.sampled_from(RESOURCES)),
        "context": context,
    }


class World:
    """One store for every example; each example makes its own user."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.authorizer = Authorizer(store)
        self.root = Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "root", ACCOUNT, "AKIAROOT")
        self.counter = itertools.count()

    def context(self, caller: Caller, operation: str) -> CallContext:
        return CallContext(
            caller=caller,
            service="iam",
            operation=operation,
            request_id="property",
            region="us-east-1",
            now=NOW,
            store=self.store,
            authorizer=self.authorizer,
        )

    def call(self, operation: str, **params: Any) -> Any:
        return OPERATIONS[("iam", operation)].handler(self.context(self.root, operation), params)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("simulator")
    store = open_store(
        f"sqlite:///{path}/clearance.db",
        bytes(range(32)),
        FixedClock(NOW),
        seeded_ids(7),
        password_hasher=fast_hasher(),
    )
    store.create_account(ACCOUNT)
    seed_aws_managed_policies(store)
    try:
        yield World(store)
    finally:
        store.close()


def _make_user(world: World, scenario: dict[str, Any]) -> tuple[str, Caller]:
    n = next(world.counter)
    # "pat…" users match the ArnLike condition, "quinn…" users do not.
    name = f"{scenario['name']}{n}"
    tags = [{"Key": "team", "Value": scenario["team"]}] if scenario["team"] else []
    user = world.call("CreateUser", UserName=name, Tags=tags)["User"]
    for i, document in enumerate(scenario["inline"]):
        world.call("PutUserPolicy", UserName=name, PolicyName=f"p{i}", PolicyDocument=document)
    for kind in ("managed", "boundary"):
        if scenario[kind] is None:
            continue
        arn = world.call("CreatePolicy", PolicyName=f"{kind}{n}", PolicyDocument=scenario[kind])[
            "Policy"
        ]["Arn"]
        if kind == "managed":
            world.call("AttachUserPolicy", UserName=name, PolicyArn=arn)
        else:
            world.call("PutUserPermissionsBoundary", UserName=name, PermissionsBoundary=arn)
    caller = Caller(
        ACCOUNT, user["Arn"], "user", user["UserId"], "AKIAPROPERTY", user["UserId"], name
    )
    return name, caller


def _enforced(
    world: World, caller: Caller, action: str, resource: str, context: dict[str, str]
) -> str:
    ctx = world.context(caller, "Property")
    with contextlib.suppress(AccessDenied):  # the decision is what counts
        ctx.require(action, resource, dict(context))
    (check,) = ctx.checks
    return OUTCOMES[check.decision.outcome.value]


def _simulated(world: World, arn: str, action: str, resource: str, context: dict[str, str]) -> str:
    entries = [
        {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
        for key, value in context.items()
    ]
    result = world.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=arn,
        ActionNames=[action],
        ResourceArns=[resource],
        ContextEntries=entries,
    )
    (evaluation,) = result["EvaluationResults"]
    assert (
        evaluation["ResourceSpecificResults"][0]["EvalResourceDecision"]
        == (evaluation["EvalDecision"])
    )
    return str(evaluation["EvalDecision"])


@SETTINGS
@given(scenario=scenarios())
def test_simulator_matches_enforcement(world: World, scenario: dict[str, Any]) -> None:
    name, caller = _make_user(world, scenario)
    resource = scenario["resource"].format(user=name)
    action, context = scenario["action"], scenario["context"]
    enforced = _enforced(world, caller, action, resource, context)
    simulated = _simulated(world, caller.arn, action, resource, context)
    event(f"decision: {enforced}")
    assert simulated == enforced, (scenario, resource)
