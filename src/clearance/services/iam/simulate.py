"""The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy,
GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy.

A simulation is an ordinary engine evaluation (``evaluate(..., explain=True)``)
of a policy set built as the authorizer builds it, so the simulator and
enforcement never disagree. Where Clearance goes beyond AWS's simulator:

- ``sts:AssumeRole*`` on a role of the simulating account (no ResourcePolicy
  given) is judged with the role's trust policy, as AssumeRole itself is;
  AWS's simulator ignores trust policies.
- Simulating a user or role fills the context keys enforcement derives from
  the principal (``aws:username``, ``aws:PrincipalArn``, ``aws:PrincipalTag/*``,
  the organization keys ...); ContextEntries override them. The SCP and RCP
  chains of a stored organization apply as in enforcement
  (:mod:`clearance.services.iam.simulate_org`); SimulateCustomPolicy takes SCPs
  from OrderedOrganizationPolicyInputList.
- ``SourcePolicyType`` follows the documented values (user, group, role,
  aws-managed, user-managed, resource, none).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clearance.arn import account_of
from clearance.engine import (
    ContextValue,
    PolicySet,
    Principal,
    PrincipalKind,
    Request,
    ResourcePolicyKind,
    evaluate,
    parse_principal,
)
from clearance.errors import InvalidInput
from clearance.policy import PolicyKind
from clearance.services.context import CallContext
from clearance.services.iam.common import authorize
from clearance.services.iam.simulate_inputs import (
    SourcePolicy,
    action_names,
    caller_principal_arn,
    context_entries,
    policy_context_keys,
    read_source,
    resource_arns,
    resource_handling,
    resource_owner_account,
    unique_keys,
)
from clearance.services.iam.simulate_org import Organizations
from clearance.services.iam.simulate_results import EvalResult, eval_result
from clearance.services.iam.simulate_sources import (
    TRUST_ACTIONS,
    Entity,
    load_entity,
    trust_source,
)
from clearance.services.registry import operation
from clearance.store import Store

__all__ = ["Simulation"]

DEFAULT_MAX_ITEMS = 100
MAX_POLICY_INPUTS = 100
MAX_ORGANIZATION_LEVELS = 7


@dataclass(slots=True)
class Simulation:
    """Everything a simulation evaluates, fixed before the first action.

    The request context is, from weakest to strongest: what enforcement derives
    from the principal (``derived``), the organization keys of the principal's
    and the resource's accounts, then the request's ContextEntries."""

    principal: Principal
    identity: list[SourcePolicy]
    entries: dict[str, ContextValue]
    derived: dict[str, ContextValue] = field(default_factory=dict)
    boundary: SourcePolicy | None = None
    scp: list[list[SourcePolicy]] = field(default_factory=list)
    organizations: Organizations | None = None
    resource_policy: SourcePolicy | None = None
    resource_owner: str | None = None
    # Role trust policies are looked up only for a caller a trust policy can name,
    # and only in the account that runs the simulation (another account's trust
    # policy is not the caller's to read).
    store: Store | None = None
    account_id: str = ""
    _sets: dict[tuple[str | None, str], tuple[PolicySet, dict[str, SourcePolicy]]] = field(
        default_factory=dict
    )

    def evaluate(self, action: str, resource: str, resource_given: bool) -> EvalResult:
        policy = self.resource_policy
        kind = ResourcePolicyKind.RESOURCE
        if action.lower() in TRUST_ACTIONS and ":role/" in resource:
            if policy is None and self.store is not None:
                policy = trust_source(self.store, self.account_id, resource)
            if policy is not None:
                kind = ResourcePolicyKind.TRUST
        # The resource's account: from its ARN, else ResourceOwner, else the
        # caller's (AWS managed policies, account "aws", count as the caller's).
        named = account_of(resource)
        owner = (
            named
            if named and named != "aws"
            else self.resource_owner or self.principal.account or self.account_id
        )
        policies, sources = self._policy_set(policy, owner)
        context = self._context(owner)
        request = Request(
            principal=self.principal,
            action=action,
            resource=resource,
            context=context,
            resource_account=owner,
            resource_policy_kind=kind,
        )
        decision = evaluate(request, policies, explain=True)
        return eval_result(
            decision,
            sources,
            context,
            cross_account=not request.same_account,
            resource_given=resource_given,
        )

    def _context(self, resource_account: str) -> dict[str, ContextValue]:
        if self.organizations is None:
            return {**self.derived, **self.entries}
        return {**self.derived, **self.organizations.keys(resource_account), **self.entries}

    def _policy_set(
        self, resource: SourcePolicy | None, resource_account: str
    ) -> tuple[PolicySet, dict[str, SourcePolicy]]:
        key = (resource.named.id if resource else None, resource_account)
        found = self._sets.get(key)
        if found is None:
            every = [*self.identity, *(p for level in self.scp for p in level)]
            every += [p for p in (self.boundary, resource) if p is not None]
            policies = PolicySet(
                identity=[p.named for p in self.identity],
                resource=resource.named if resource else None,
                permissions_boundary=self.boundary.named if self.boundary else None,
                scp=[[p.named for p in level] for level in self.scp],
            )
            if self.organizations is not None:
                # The stored organization's chains, as enforcement compiled them
                # (set before the first evaluation: the set caches by group).
                policies.scp, policies.rcp = self.organizations.chains(resource_account)
            found = self._sets[key] = (policies, {p.named.id: p for p in every})
        return found


# -- the operations ----------------------------------------------------------------------


@operation("iam", "SimulatePrincipalPolicy")
def simulate_principal_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    source_arn = params["PolicySourceArn"]
    authorize(ctx, "iam:SimulatePrincipalPolicy", source_arn)
    exclusions = list(params.get("PolicyExclusionList") or ())
    entity = _exclude(load_entity(ctx, source_arn), exclusions)
    excluded = {rule.get("PolicyType") for rule in exclusions}
    caller = caller_principal_arn(params.get("CallerArn"))
    identity = entity.identity + _inputs(params.get("PolicyInputList"), "PolicyInputList")
    boundary = _boundary(params.get("PermissionsBoundaryPolicyInputList")) or entity.boundary
    if caller is not None:
        principal = parse_principal(caller, ctx.account_id)
    elif entity.kind == "group":
        principal = _nobody(ctx.account_id, entity.arn)
    else:
        principal = parse_principal(entity.arn, ctx.account_id)
    simulation = Simulation(
        principal=principal,
        identity=identity,
        entries=context_entries(params.get("ContextEntries")),
        boundary=boundary,
        store=ctx.store if principal.names else None,
        account_id=ctx.account_id,
    )
    if entity.caller is not None and caller in (None, entity.arn):
        # Simulated as itself: what enforcement would add for this principal.
        simulation.derived = entity.context
        simulation.organizations = Organizations(
            ctx, entity.caller, "scp" in excluded, "rcp" in excluded
        )
    return _run(simulation, params)


@operation("iam", "SimulateCustomPolicy")
def simulate_custom_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize(ctx, "iam:SimulateCustomPolicy", "*")
    identity = _inputs(params.get("PolicyInputList"), "PolicyInputList")
    if not identity:
        raise InvalidInput("PolicyInputList must contain at least one policy.")
    caller = caller_principal_arn(params.get("CallerArn"))
    principal = parse_principal(caller, ctx.account_id) if caller else _nobody(ctx.account_id, "")
    simulation = Simulation(
        principal=principal,
        identity=identity,
        entries=context_entries(params.get("ContextEntries")),
        boundary=_boundary(params.get("PermissionsBoundaryPolicyInputList")),
        scp=_organization_levels(params.get("OrderedOrganizationPolicyInputList")),
        store=ctx.store if caller else None,
        account_id=ctx.account_id,
    )
    return _run(simulation, params)


@operation("iam", "GetContextKeysForPrincipalPolicy")
def get_context_keys_for_principal_policy(
    ctx: CallContext, params: dict[str, Any]
) -> dict[str, Any]:
    source_arn = params["PolicySourceArn"]
    authorize(ctx, "iam:GetContextKeysForPrincipalPolicy", source_arn)
    entity = load_entity(ctx, source_arn)
    policies = entity.identity + ([entity.boundary] if entity.boundary else [])
    policies += _inputs(params.get("PolicyInputList"), "PolicyInputList")
    return _context_keys(policies)


@operation("iam", "GetContextKeysForCustomPolicy")
def get_context_keys_for_custom_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize(ctx, "iam:GetContextKeysForCustomPolicy", "*")
    policies = _inputs(params.get("PolicyInputList"), "PolicyInputList")
    if not policies:
        raise InvalidInput("PolicyInputList must contain at least one policy.")
    return _context_keys(policies)


# -- helpers -----------------------------------------------------------------------------


def _run(simulation: Simulation, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the request's shared members, then evaluate one page of
    (action, resource) pairs, actions outermost."""
    actions = action_names(params.get("ActionNames") or ())
    resources = resource_arns(params.get("ResourceArns"))
    resource_handling(params.get("ResourceHandlingOption"))
    resource_policy = params.get("ResourcePolicy")
    simulation.resource_owner = resource_owner_account(params.get("ResourceOwner"))
    if resource_policy is not None:
        if not simulation.principal.names:
            raise InvalidInput(
                "CallerArn is required when a ResourcePolicy is given and the simulated "
                "principal is not an IAM user."
            )
        simulation.resource_policy = read_source(
            "ResourcePolicy", resource_policy, PolicyKind.RESOURCE, "ResourcePolicy", "resource"
        )
    targets = resources or ["*"]
    total = len(actions) * len(targets)
    start = _marker(params.get("Marker"), total)
    end = min(start + (params.get("MaxItems") or DEFAULT_MAX_ITEMS), total)
    given = resources is not None
    results = []
    for index in range(start, end):  # pair by pair, actions outermost, one page only
        action, resource = actions[index // len(targets)], targets[index % len(targets)]
        results.append(
            _result_shape(action, resource, simulation.evaluate(action, resource, given), given)
        )
    out: dict[str, Any] = {"EvaluationResults": results, "IsTruncated": end < total}
    if end < total:
        out["Marker"] = str(end)
    return out


def _result_shape(
    action: str, resource: str, result: EvalResult, resource_given: bool
) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": result.decision,
        "MatchedStatements": result.matched,
        "MissingContextValues": [] if resource_given else result.missing,
        "OrganizationsDecisionDetail": result.organizations,
    }
    if result.boundary is not None:
        shape["PermissionsBoundaryDecisionDetail"] = result.boundary
    if result.details is not None:
        shape["EvalDecisionDetails"] = result.details
    if resource_given:
        # AWS: with ResourceArns, missing context values move to the
        # resource-specific results.
        specific: dict[str, Any] = {
            "EvalResourceName": resource,
            "EvalResourceDecision": result.decision,
            "MatchedStatements": result.matched,
            "MissingContextValues": result.missing,
        }
        if result.details is not None:
            specific["EvalDecisionDetails"] = result.details
        if result.boundary is not None:
            specific["PermissionsBoundaryDecisionDetail"] = result.boundary
        shape["ResourceSpecificResults"] = [specific]
    return shape


def _marker(raw: str | None, total: int) -> int:
    if raw is None:
        return 0
    if not raw.isdigit() or int(raw) > total:
        raise InvalidInput("Invalid Marker.")
    return int(raw)


def _inputs(raw: Iterable[str] | None, member: str) -> list[SourcePolicy]:
    documents = list(raw or ())
    if len(documents) > MAX_POLICY_INPUTS:
        raise InvalidInput(f"{member} may list at most {MAX_POLICY_INPUTS} policies.")
    return [
        read_source(f"{member}.{i}", text, PolicyKind.IDENTITY, f"{member}.{i}", "none")
        for i, text in enumerate(documents, start=1)
    ]


def _boundary(raw: Iterable[str] | None) -> SourcePolicy | None:
    """AWS: only one permissions boundary may be simulated."""
    documents = list(raw or ())
    if not documents:
        return None
    if len(documents) > 1:
        raise InvalidInput("PermissionsBoundaryPolicyInputList may contain only one policy.")
    member = "PermissionsBoundaryPolicyInputList.1"
    return read_source(member, documents[0], PolicyKind.PERMISSIONS_BOUNDARY, member, "none")


def _organization_levels(raw: Iterable[Mapping[str, Any]] | None) -> list[list[SourcePolicy]]:
    """SCPs, one list per level of the organization, root first (each level must allow)."""
    levels = list(raw or ())
    if len(levels) > MAX_ORGANIZATION_LEVELS:
        raise InvalidInput(
            f"OrderedOrganizationPolicyInputList may list at most {MAX_ORGANIZATION_LEVELS} levels."
        )
    out: list[list[SourcePolicy]] = []
    for i, level in enumerate(levels, start=1):
        documents = list(level.get("ServiceControlPolicyInputList") or ())
        member = f"OrderedOrganizationPolicyInputList.{i}.ServiceControlPolicyInputList"
        out.append(
            [
                read_source(f"{member}.{j}", text, PolicyKind.SCP, f"{member}.{j}", "none")
                for j, text in enumerate(documents, start=1)
            ]
        )
    return out


def _nobody(account_id: str, arn: str) -> Principal:
    """An IAM principal of the account that no Principal element names: the
    caller of a simulation without CallerArn."""
    return Principal(arn, PrincipalKind.OTHER, account_id, ())


def _exclude(entity: Entity, exclusions: Iterable[Mapping[str, Any]]) -> Entity:
    """PolicyExclusionList: leave out policies by type, ARN or inline identity."""
    for rule in exclusions:
        entity.identity = [p for p in entity.identity if not _excluded(p, rule)]
        if entity.boundary is not None and (
            rule.get("PolicyType") == "permission-boundary" or _excluded(entity.boundary, rule)
        ):
            entity.boundary = None
    return entity


def _excluded(policy: SourcePolicy, rule: Mapping[str, Any]) -> bool:
    key = policy.named.id
    policy_type = rule.get("PolicyType")
    if policy_type == "inline":
        return policy.source_type in ("user", "group", "role")
    if policy_type in ("aws-managed", "user-managed"):
        return bool(policy.source_type == policy_type)
    if rule.get("PolicyArn"):
        return bool(key == rule["PolicyArn"])
    inline = rule.get("InlinePolicyIdentifier")
    if inline:
        wanted = f"{inline['AttachmentType']}/{inline['AttachmentName']}/{inline['PolicyName']}"
        return key.lower() == wanted.lower()
    return False


def _context_keys(policies: Iterable[SourcePolicy]) -> dict[str, Any]:
    keys: list[str] = []
    for source in policies:
        keys.extend(policy_context_keys(source.policy))
    return {"ContextKeyNames": unique_keys(keys)}
