"""The policies that bear on one request, grouped by type and compiled.

The engine never knows where policies live: callers (the store, the simulate
command) build a :class:`PolicySet` and keep it as long as the policies do
not change; it caches its per-action statement index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clearance.engine.compiled import CompiledPolicy, CompiledStatement, compile_policy
from clearance.engine.decision import PolicyType
from clearance.engine.request import Scope
from clearance.policy.model import Policy

__all__ = ["NamedPolicy", "PolicyGroup", "PolicySet"]

Statements = tuple[CompiledStatement, ...]


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    """A parsed policy and the id (ARN or name) that explanations cite."""

    id: str
    policy: Policy


class PolicyGroup:
    """Policies of one type whose allows are pooled (any of them may allow)."""

    __slots__ = ("_index", "policies", "policy_type")

    def __init__(self, policy_type: PolicyType, policies: Sequence[CompiledPolicy]) -> None:
        self.policy_type = policy_type
        self.policies = tuple(policies)
        self._index: dict[str, tuple[Statements, Statements]] = {}

    def for_action(self, action_key: str) -> tuple[Statements, Statements]:
        """All (deny, allow) statements of the group that cover the action."""
        found = self._index.get(action_key)
        if found is None:
            denies: list[CompiledStatement] = []
            allows: list[CompiledStatement] = []
            for policy in self.policies:
                deny, allow = policy.for_action(action_key)
                denies.extend(deny)
                allows.extend(allow)
            found = (tuple(denies), tuple(allows))
            if len(self._index) >= 4096:
                self._index.clear()
            self._index[action_key] = found
        return found

    def statements(self) -> Iterable[CompiledStatement]:
        for policy in self.policies:
            yield from policy.statements


def _group(
    policy_type: PolicyType, named: Iterable[NamedPolicy], level: int | None = None
) -> PolicyGroup:
    return PolicyGroup(
        policy_type, [compile_policy(n.policy, n.id, policy_type, level) for n in named]
    )


class PolicySet:
    """Every policy that bears on a request, by type.

    ``scp`` and ``rcp`` hold one list per level of the organization, root
    first; each level must allow. ``session`` policies are pooled, as AWS
    combines the inline and managed session policies of one session.
    """

    __slots__ = (
        "_deny_groups",
        "_deny_index",
        "_guardrails",
        "boundary",
        "identity",
        "rcp",
        "resource",
        "scp",
        "session",
        "vpc_endpoint",
    )

    def __init__(
        self,
        identity: Iterable[NamedPolicy] = (),
        resource: NamedPolicy | None = None,
        permissions_boundary: NamedPolicy | None = None,
        session: Iterable[NamedPolicy] = (),
        scp: Iterable[Iterable[NamedPolicy]] = (),
        rcp: Iterable[Iterable[NamedPolicy]] = (),
        vpc_endpoint: Iterable[NamedPolicy] = (),
    ) -> None:
        self.identity = _group(PolicyType.IDENTITY, identity)
        self.resource = _group(PolicyType.RESOURCE, [resource]) if resource else None
        self.boundary = (
            _group(PolicyType.PERMISSIONS_BOUNDARY, [permissions_boundary])
            if permissions_boundary
            else None
        )
        sessions = list(session)
        self.session = _group(PolicyType.SESSION, sessions) if sessions else None
        self.scp = tuple(_group(PolicyType.SCP, level, i) for i, level in enumerate(scp))
        self.rcp = tuple(_group(PolicyType.RCP, level, i) for i, level in enumerate(rcp))
        endpoints = list(vpc_endpoint)
        self.vpc_endpoint = _group(PolicyType.VPC_ENDPOINT, endpoints) if endpoints else None
        self._deny_groups: dict[tuple[Scope, bool], tuple[PolicyGroup, ...]] = {}
        self._deny_index: dict[tuple[Scope, bool], dict[str, Statements]] = {}
        self._guardrails: dict[tuple[Scope, bool], tuple[PolicyGroup, ...]] = {}

    def groups(self) -> list[PolicyGroup]:
        """Every group, in the order explanations list them."""
        optional = (self.vpc_endpoint, self.resource)
        limits = (self.boundary, self.session)
        return [
            *self.scp,
            *self.rcp,
            *(g for g in optional if g is not None),
            self.identity,
            *(g for g in limits if g is not None),
        ]

    def deny_groups(self, scope: Scope, rcp: bool) -> tuple[PolicyGroup, ...]:
        """Groups whose Deny statements bind a principal of this scope (and the
        RCPs when ``rcp``), in reporting order: the first deny found names
        the policy type."""
        found = self._deny_groups.get((scope, rcp))
        if found is None:
            groups: list[PolicyGroup] = []
            if scope.scp:
                groups.extend(self.scp)
            if rcp:
                groups.extend(self.rcp)
            groups.extend(g for g in (self.vpc_endpoint, self.resource) if g is not None)
            if scope.iam:
                groups.append(self.identity)
                groups.extend(g for g in (self.boundary, self.session) if g is not None)
            found = self._deny_groups[scope, rcp] = tuple(groups)
        return found

    def denies_for(self, scope: Scope, rcp: bool, action_key: str) -> Statements:
        """Every Deny statement that binds this scope and covers the action, in
        reporting order: one lookup on the decision path."""
        by_action = self._deny_index.get((scope, rcp))
        if by_action is None:
            by_action = self._deny_index[scope, rcp] = {}
        found = by_action.get(action_key)
        if found is None:
            found = tuple(
                s for g in self.deny_groups(scope, rcp) for s in g.for_action(action_key)[0]
            )
            if len(by_action) >= 4096:
                by_action.clear()
            by_action[action_key] = found
        return found

    def guardrails(self, scope: Scope, rcp: bool) -> tuple[PolicyGroup, ...]:
        """Groups that must each allow: SCP levels, RCP levels, VPC endpoint."""
        found = self._guardrails.get((scope, rcp))
        if found is None:
            groups = [*(self.scp if scope.scp else ()), *(self.rcp if rcp else ())]
            if self.vpc_endpoint is not None:
                groups.append(self.vpc_endpoint)
            found = self._guardrails[scope, rcp] = tuple(groups)
        return found
