"""AWS's policy evaluation logic, as named steps.

1. An explicit Deny in any policy that applies to the request wins.
2. Guardrails: every SCP level (for principals of a member account), every
   RCP level (for resources of a member account) and the VPC endpoint policy
   must allow.
3. The root user: allowed in its own account; identity policies do not apply.
4. Resource-based policy and identity-based policies combine by account:
   within one account either may allow (with the principal-specific rules
   below); across accounts both must.
5. Permissions boundaries and session policies limit what identity policies
   (and resource policies naming a role rather than its session) grant.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
"""

from __future__ import annotations

from collections.abc import Iterator

from clearance.engine.builtin import always_allowed, aws_owned_denial
from clearance.engine.compiled import CompiledStatement, PrincipalMatch
from clearance.engine.decision import Decision, Outcome, PolicyType, StatementRef, StatementTrace
from clearance.engine.policy_set import PolicyGroup, PolicySet
from clearance.engine.request import PrincipalKind, Request, ResourcePolicyKind

__all__ = ["evaluate"]

_IAM_KINDS = frozenset(
    {
        PrincipalKind.USER,
        PrincipalKind.ROLE,
        PrincipalKind.ROLE_SESSION,
        PrincipalKind.FEDERATED_USER,
        PrincipalKind.OTHER,
    }
)
_NO_ORG_LIMITS = frozenset({PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS})
_EXPLICIT_RESOURCE = frozenset({ResourcePolicyKind.TRUST, ResourcePolicyKind.KEY})


def evaluate(request: Request, policies: PolicySet, *, explain: bool = False) -> Decision:
    """Decide a request. With ``explain`` the decision lists every deciding
    statement and carries a trace of every statement considered."""
    decision = _decide(request, policies, explain)
    if explain:
        trace = tuple(_trace(request, policies))
        return Decision(
            decision.outcome, decision.denied_by, decision.determining, trace, decision.note
        )
    return decision


def _decide(request: Request, policies: PolicySet, every: bool) -> Decision:
    exempt = always_allowed(request)
    if exempt is not None:
        return exempt
    principal = request.principal
    kind = principal.kind
    orgs = kind not in _NO_ORG_LIMITS
    iam = kind in _IAM_KINDS

    denies = _explicit_denies(request, policies, orgs, iam, every)
    if denies:
        return Decision(Outcome.EXPLICIT_DENY, denies[0].ref.policy_type, _refs(tuple(denies)))

    owned = aws_owned_denial(request)
    if owned is not None:
        return owned
    guardrails = (policies.scp if orgs else ()) + (
        policies.rcp if kind is not PrincipalKind.SERVICE else ()
    )
    for level in guardrails:
        if not _allowing(level, request, first=True):
            return Decision(Outcome.IMPLICIT_DENY, level.policy_type)
    if policies.vpc_endpoint is not None and not _allowing(
        policies.vpc_endpoint, request, first=True
    ):
        return Decision(Outcome.IMPLICIT_DENY, PolicyType.VPC_ENDPOINT)

    granted, strength = _resource_grant(request, policies, every)
    explicit = request.resource_policy_kind in _EXPLICIT_RESOURCE
    if not iam:
        return _decide_non_iam(request, granted, strength, explicit)
    return _decide_iam(request, policies, granted, strength, explicit, every)


def _decide_iam(
    request: Request,
    policies: PolicySet,
    granted: tuple[CompiledStatement, ...],
    strength: PrincipalMatch,
    explicit: bool,
    every: bool,
) -> Decision:
    """IAM users, roles and sessions: identity and resource policies combined."""
    same = request.same_account
    if strength is PrincipalMatch.NONE and (explicit or not same):
        # Across accounts, and for trust and key policies, the resource side must allow.
        if not same and not _allowing(policies.identity, request, first=True):
            return Decision(Outcome.IMPLICIT_DENY, PolicyType.IDENTITY)
        return Decision(Outcome.IMPLICIT_DENY, PolicyType.RESOURCE)
    if same and strength is PrincipalMatch.DIRECT:
        # A grant naming the caller itself needs no identity policy; a role
        # session's session policy still limits it (a federated user's does not).
        session = policies.session
        if (
            request.principal.kind is PrincipalKind.ROLE_SESSION
            and session is not None
            and not _allowing(session, request, first=True)
        ):
            return Decision(Outcome.IMPLICIT_DENY, PolicyType.SESSION)
        return Decision(Outcome.ALLOWED, None, _refs(granted))
    if not same or strength is not PrincipalMatch.ROLE:
        identity = _allowing(policies.identity, request, first=not every)
        if not identity:
            return Decision(Outcome.IMPLICIT_DENY, PolicyType.IDENTITY)
        # Within the account a grant to the account itself only delegates to IAM.
        granted = identity if same else granted + identity
    for limit in (policies.boundary, policies.session):
        if limit is not None and not _allowing(limit, request, first=True):
            return Decision(Outcome.IMPLICIT_DENY, limit.policy_type)
    return Decision(Outcome.ALLOWED, None, _refs(granted))


def _decide_non_iam(
    request: Request,
    granted: tuple[CompiledStatement, ...],
    strength: PrincipalMatch,
    explicit: bool,
) -> Decision:
    """Root, anonymous callers and AWS services: only a resource policy can grant,
    except that the root user owns its own account's resources."""
    kind = request.principal.kind
    if kind is PrincipalKind.ROOT and request.same_account and not explicit:
        return Decision(
            Outcome.ALLOWED, note="the account's root user has full access to its own account"
        )
    if strength is PrincipalMatch.NONE:
        return Decision(Outcome.IMPLICIT_DENY, PolicyType.RESOURCE)
    return Decision(Outcome.ALLOWED, None, _refs(granted))


def _explicit_denies(
    request: Request, policies: PolicySet, orgs: bool, iam: bool, every: bool
) -> list[CompiledStatement]:
    found: list[CompiledStatement] = []
    for group in _deny_groups(request, policies, orgs, iam):
        for statement in group.for_action(request.action_key)[0]:
            if _statement_applies(statement, request):
                found.append(statement)
                if not every:
                    return found
    return found


def _deny_groups(
    request: Request, policies: PolicySet, orgs: bool, iam: bool
) -> Iterator[PolicyGroup]:
    """Groups whose Deny statements bind this request, in reporting order."""
    if orgs:
        yield from policies.scp
    if request.principal.kind is not PrincipalKind.SERVICE:
        yield from policies.rcp
    if policies.vpc_endpoint is not None:
        yield policies.vpc_endpoint
    if policies.resource is not None:
        yield policies.resource
    if iam:
        yield policies.identity
        if policies.boundary is not None:
            yield policies.boundary
        if policies.session is not None:
            yield policies.session


def _statement_applies(statement: CompiledStatement, request: Request) -> bool:
    test = statement.matches_principal
    if test is not None and test(request.principal) is PrincipalMatch.NONE:
        return False
    return statement.applies(request)


def _allowing(group: PolicyGroup, request: Request, first: bool) -> tuple[CompiledStatement, ...]:
    """Allow statements of the group that apply (only the first when ``first``)."""
    found = []
    for statement in group.for_action(request.action_key)[1]:
        if _statement_applies(statement, request):
            if first:
                return (statement,)
            found.append(statement)
    return tuple(found)


def _resource_grant(
    request: Request, policies: PolicySet, every: bool
) -> tuple[tuple[CompiledStatement, ...], PrincipalMatch]:
    """The resource policy's applying Allow statements and how strongly they
    name the caller (a statement without Principal names no one)."""
    group = policies.resource
    if group is None:
        return (), PrincipalMatch.NONE
    best = PrincipalMatch.NONE
    granted: list[CompiledStatement] = []
    for statement in group.for_action(request.action_key)[1]:
        test = statement.matches_principal
        strength = test(request.principal) if test is not None else PrincipalMatch.NONE
        if strength is PrincipalMatch.NONE or not statement.applies(request):
            continue
        if strength > best:
            best, granted = strength, [statement]
        elif strength == best and every:
            granted.append(statement)
    return tuple(granted), best


def _trace(request: Request, policies: PolicySet) -> Iterator[StatementTrace]:
    groups: list[PolicyGroup] = [*policies.scp, *policies.rcp]
    for optional in (policies.vpc_endpoint, policies.resource):
        if optional is not None:
            groups.append(optional)
    groups.append(policies.identity)
    for optional in (policies.boundary, policies.session):
        if optional is not None:
            groups.append(optional)
    for group in groups:
        for statement in group.statements():
            yield trace_statement(statement, request)


def trace_statement(statement: CompiledStatement, request: Request) -> StatementTrace:
    test = statement.matches_principal
    principal = None if test is None else test(request.principal) is not PrincipalMatch.NONE
    return StatementTrace(
        ref=statement.ref,
        effect="Deny" if statement.deny else "Allow",
        action_matched=statement.matches_action(request.action_key),
        resource_matched=statement.matches_resource(request),
        principal_matched=principal,
        conditions=tuple(c.trace(request) for c in statement.conditions),
    )


def _refs(statements: tuple[CompiledStatement, ...]) -> tuple[StatementRef, ...]:
    return tuple(s.ref for s in statements)
