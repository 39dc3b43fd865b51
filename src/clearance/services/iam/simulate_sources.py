"""The stored policies of a simulated user, group or role, and the role trust
policies the simulator evaluates for ``sts:AssumeRole*`` actions.

Users and roles are read exactly as the authorizer reads a caller
(:meth:`Store.principal_policies`: own inline, attached, then each group's),
and parsed the same way (the grammar only, as stored documents are evaluated),
so a simulation and an enforced request see the same policy set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from clearance.arn import parse_arn
from clearance.engine import ContextValue, NamedPolicy
from clearance.errors import ClearanceError, InvalidInput
from clearance.policy import Policy, PolicyError, read_policy
from clearance.services.context import CallContext, Caller
from clearance.services.iam.simulate_inputs import SourcePolicy
from clearance.services.iam.simulate_org import simulated_caller
from clearance.services.iam.simulate_positions import statement_spans
from clearance.store import NoSuchEntity, Page, PolicyText, Role, Store, Tag
from clearance.store.lookup import split_policy_arn

__all__ = [
    "TRUST_ACTIONS",
    "Entity",
    "PolicyEvaluation",
    "load_entity",
    "stored_source",
    "trust_source",
]

# Actions a role's trust policy decides (sts/assume_role.py evaluates them so).
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
_NO_STATEMENTS = Policy(statements=())
T = TypeVar("T")


class PolicyEvaluation(ClearanceError):
    """AWS's answer when a policy of the simulated entity cannot be evaluated."""

    code = "PolicyEvaluation"
    http_status = 500


@dataclass(slots=True)
class Entity:
    """The user, group or role named by ``PolicySourceArn`` and its policies."""

    kind: str  # "user" | "group" | "role"
    arn: str
    name: str
    identity: list[SourcePolicy]
    boundary: SourcePolicy | None = None
    context: dict[str, ContextValue] = field(default_factory=dict)
    caller: Caller | None = None  # how enforcement sees a user or role (None: a group)


def load_entity(ctx: CallContext, source_arn: str) -> Entity:
    """NoSuchEntity unless ``source_arn`` names a user, group or role of the
    caller's account (path included); InvalidInput for another kind of ARN."""
    arn = parse_arn(source_arn)
    kind, _, rest = (arn.resource if arn else "").partition("/")
    if arn is None or arn.service != "iam" or kind not in ("user", "group", "role") or not rest:
        raise InvalidInput(f"Invalid ARN {source_arn}: expected a user, group or role.")
    name = rest.rsplit("/", 1)[-1]
    missing = NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    if arn.account != ctx.account_id:
        raise missing
    store = ctx.store
    if kind == "group":
        group = store.get_group(ctx.account_id, name)
        if group.arn != source_arn:
            raise missing
        return Entity("group", group.arn, group.name, _group_policies(store, ctx.account_id, name))
    if kind == "user":
        user = store.get_user(ctx.account_id, name)
        entity_id, entity_arn = user.id, user.arn
    else:
        role = store.get_role(ctx.account_id, name)
        entity_id, entity_arn = role.id, role.arn
    if entity_arn != source_arn:
        raise missing
    loaded = store.principal_policies(ctx.account_id, entity_id)
    entity = Entity(
        kind,
        entity_arn,
        name,
        [stored_source(text) for text in loaded.identity],
        stored_source(loaded.boundary) if loaded.boundary else None,
    )
    entity.context = _principal_context(ctx.account_id, kind, entity_arn, name, entity_id)
    entity.context.update(_tag_context(loaded.tags))
    entity.caller = simulated_caller(ctx.account_id, kind, entity_arn, name, entity_id)
    return entity


def stored_source(text: PolicyText) -> SourcePolicy:
    """A stored policy as the authorizer reads it, named as the simulator reports it:
    inline ``user/bob/Name`` → ``user_bob_Name`` (type user); managed → its
    name (type aws-managed or user-managed)."""
    source_id, source_type = _describe(text.id)
    try:
        policy = read_policy(text.document)
    except PolicyError as error:
        raise PolicyEvaluation(
            f"The policy {source_id} could not be evaluated: {error.message}"
        ) from None
    return SourcePolicy(
        NamedPolicy(text.id, policy),
        source_id,
        source_type,
        tuple(statement_spans(text.document)),
    )


def trust_source(store: Store, account_id: str, resource: str) -> SourcePolicy | None:
    """The trust policy of the role ``resource`` names, if it exists in ``account_id``."""
    arn = parse_arn(resource)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("role/"):
        return None
    if arn.account != account_id:
        return None
    try:
        role: Role = store.get_role(arn.account, arn.resource.rsplit("/", 1)[-1])
    except NoSuchEntity:
        return None
    if role.arn != resource:
        return None
    try:
        policy = read_policy(role.assume_role_policy)
    except PolicyError:
        policy = _NO_STATEMENTS  # enforcement denies a role whose trust does not parse
    return SourcePolicy(
        NamedPolicy(f"trust:{role.arn}", policy),
        role.arn,
        "resource",
        tuple(statement_spans(role.assume_role_policy)),
    )


def _describe(policy_id: str) -> tuple[str, str]:
    found = split_policy_arn(policy_id)
    if found is not None:
        account, _, name = found
        return name, "aws-managed" if account == "aws" else "user-managed"
    kind, owner, name = policy_id.split("/", 2)
    return f"{kind}_{owner}_{name}", kind


def _group_policies(store: Store, account_id: str, name: str) -> list[SourcePolicy]:
    """A group's inline policies, then its attached managed policies."""
    texts = [
        PolicyText(
            f"group/{name}/{policy}", store.get_group_policy(account_id, name, policy).document
        )
        for policy in _every(
            lambda marker: store.list_group_policies(account_id, name, marker=marker)
        )
    ]
    arns = [
        attached.arn
        for attached in _every(
            lambda marker: store.list_attached_group_policies(account_id, name, marker=marker)
        )
    ]
    if arns:
        texts.extend(store.managed_policy_documents(account_id, arns))
    return [stored_source(text) for text in texts]


def _every(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    marker: str | None = None
    while True:
        page = fetch(marker)
        yield from page.items
        if not page.is_truncated or not page.marker:
            return
        marker = page.marker


def _principal_context(
    account_id: str, kind: str, arn: str, name: str, entity_id: str
) -> dict[str, ContextValue]:
    """The keys enforcement derives from the principal itself, so that a
    simulation needs ContextEntries only for what the request would carry.
    (A role is simulated as a session of the role.)"""
    if kind == "user":
        return {
            "aws:username": name,
            "aws:userid": entity_id,
            "aws:principalarn": arn,
            "aws:principalaccount": account_id,
            "aws:principaltype": "User",
        }
    return {
        "aws:principalarn": arn,
        "aws:principalaccount": account_id,
        "aws:principaltype": "AssumedRole",
    }


def _tag_context(tags: tuple[Tag, ...]) -> dict[str, Any]:
    return {f"aws:principaltag/{tag.key.lower()}": tag.value for tag in tags}
