"""AWS's policy evaluation logic, as named steps.

1. An explicit Deny in any policy that applies to the request wins (except
   a bucket policy's Deny of the owner's root user managing that bucket
   policy: see :mod:`clearance.engine.builtin`).
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

The functions here run on every request: they avoid generators, repeated
attribute lookups and object construction where a plain loop will do.
"""

from __future__ import annotations

from clearance.engine.builtin import (
    ALWAYS_ALLOWED,
    always_allowed,
    aws_owned_denial,
    root_bucket_policy_override,
    root_manages_own_bucket_policy,
)
from clearance.engine.compiled import CompiledStatement, PrincipalMatch
from clearance.engine.decision import Decision, Outcome, PolicyType, StatementRef, StatementTrace
from clearance.engine.policy_set import PolicyGroup, PolicySet
from clearance.engine.request import PrincipalKind, Request, ResourcePolicyKind

__all__ = ["evaluate", "trace_statement"]

_EXPLICIT_RESOURCE = frozenset({ResourcePolicyKind.TRUST, ResourcePolicyKind.KEY})
_NONE = PrincipalMatch.NONE
_ACCOUNT = PrincipalMatch.ACCOUNT
_ROLE = PrincipalMatch.ROLE
_DIRECT = PrincipalMatch.DIRECT
_ALLOWED = Outcome.ALLOWED
_IMPLICIT = Outcome.IMPLICIT_DENY
_RESOURCE = PolicyType.RESOURCE
# Decisions are immutable values: the ones without statements are built once.
_DENIED_BY = {t: Decision(_IMPLICIT, t) for t in PolicyType}
_NOT_BY_IDENTITY = _DENIED_BY[PolicyType.IDENTITY]


def evaluate(request: Request, policies: PolicySet, *, explain: bool = False) -> Decision:
    """Decide a request. With ``explain`` the decision lists every deciding
    statement and carries a trace of every statement considered."""
    if not explain:
        return _decide(request, policies, False)
    decision = _decide(request, policies, True)
    return decision._replace(trace=tuple(_trace(request, policies)))


def _decide(request: Request, policies: PolicySet, every: bool) -> Decision:
    action = request.action_key
    if action in ALWAYS_ALLOWED:
        return always_allowed(request)
    scope = request.principal.scope

    denies = _explicit_denies(request, policies, every)
    if denies:
        # The root user's denies come from guardrails, then the resource policy.
        if request.principal.kind is PrincipalKind.ROOT and denies[-1].ref.policy_type is _RESOURCE:
            denies = _binding_root(request, denies)
            if not denies:
                return _root_override(request, policies)
        if len(denies) == 1:
            return denies[0].decision
        return Decision(Outcome.EXPLICIT_DENY, denies[0].ref.policy_type, _refs(denies))

    if action.startswith("iam:"):  # the only actions aws_owned_denial can deny
        owned = aws_owned_denial(request)
        if owned is not None:
            return owned
    for level in policies.guardrails(scope, request.rcp_bound):
        if not _allowing(level, request, True):
            return _DENIED_BY[level.policy_type]

    granted: tuple[CompiledStatement, ...] = ()
    strength = _NONE
    if policies.resource is not None:
        granted, strength = _resource_grant(request, policies, every)
    # Identity, not frozenset membership: Enum.__hash__ is Python code.
    explicit = request.resource_policy_kind is not ResourcePolicyKind.RESOURCE
    if not scope.iam:
        return _decide_non_iam(request, granted, strength, explicit)
    return _decide_iam(request, policies, granted, strength, explicit, every)


def _binding_root(request: Request, denies: list[CompiledStatement]) -> list[CompiledStatement]:
    """The denies that bind the root user: without the bucket policy's when the
    bucket owner's root user manages that bucket policy."""
    if not root_manages_own_bucket_policy(request):
        return denies
    return [d for d in denies if d.ref.policy_type is not _RESOURCE]


def _root_override(request: Request, policies: PolicySet) -> Decision:
    """The bucket owner's root user managing the bucket policy: the bucket
    policy's Deny is set aside, but every guardrail must still allow."""
    for level in policies.guardrails(request.principal.scope, request.rcp_bound):
        if not _allowing(level, request, True):
            return _DENIED_BY[level.policy_type]
    return root_bucket_policy_override(request)


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
    if strength is _NONE and (explicit or not same):
        # Across accounts, and for trust and key policies, the resource side must allow.
        if not same and not _allowing(policies.identity, request, True):
            return _NOT_BY_IDENTITY
        return Decision(_IMPLICIT, PolicyType.RESOURCE)
    if same and strength is _DIRECT:
        # A grant naming the caller itself (its user or session ARN, or "*") is
        # not limited by an implicit deny in identity policies, the boundary or
        # session policies.
        return Decision(_ALLOWED, None, _refs(granted))
    if not same or strength is not _ROLE:
        identity = _allowing(policies.identity, request, not every)
        if not identity:
            return _NOT_BY_IDENTITY
        # Within the account a grant to the account itself only delegates to IAM.
        granted = identity if same else granted + identity
    boundary = policies.boundary
    if boundary is not None and not _allowing(boundary, request, True):
        return Decision(_IMPLICIT, PolicyType.PERMISSIONS_BOUNDARY)
    session = policies.session
    if session is not None:
        if not _allowing(session, request, True):
            return Decision(_IMPLICIT, PolicyType.SESSION)
    elif request.principal.kind is PrincipalKind.FEDERATED_USER:
        # A federated user's permissions come only through its session policies.
        return Decision(_IMPLICIT, PolicyType.SESSION)
    if len(granted) == 1:
        return granted[0].decision
    return Decision(_ALLOWED, None, _refs(granted))


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
        return Decision(_ALLOWED, note="the account's root user has full access to its own account")
    if strength is _NONE:
        return Decision(_IMPLICIT, PolicyType.RESOURCE)
    return Decision(_ALLOWED, None, _refs(granted))


def _explicit_denies(request: Request, policies: PolicySet, every: bool) -> list[CompiledStatement]:
    found: list[CompiledStatement] = []
    action = request.action_key
    principal = request.principal
    bounded = policies.boundary is not None and principal.scope.iam
    for statement in policies.denies_for(principal.scope, request.rcp_bound, action):
        test = statement.matches_principal
        # AWS: a Deny with NotPrincipal always denies a principal that has a
        # permissions boundary, whatever NotPrincipal lists.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
        if (
            test is not None
            and test(principal) is _NONE
            and not (bounded and statement.not_principal)
        ):
            continue
        if statement.test(request):
            found.append(statement)
            if not every:
                return found
    return found


def _allowing(group: PolicyGroup, request: Request, first: bool) -> tuple[CompiledStatement, ...]:
    """Allow statements of the group that apply (only the first when ``first``)."""
    found = []
    principal = request.principal
    for statement in group.for_action(request.action_key)[1]:
        test = statement.matches_principal
        if test is not None and test(principal) is _NONE:
            continue
        if statement.test(request):
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
        return (), _NONE
    best = _NONE
    granted: list[CompiledStatement] = []
    principal = request.principal
    for statement in group.for_action(request.action_key)[1]:
        test = statement.matches_principal
        strength = test(principal) if test is not None else _NONE
        if strength is _NONE or not statement.test(request):
            continue
        if strength > best:
            best, granted = strength, [statement]
        elif strength == best and every:
            granted.append(statement)
    return tuple(granted), best


def _refs(
    statements: tuple[CompiledStatement, ...] | list[CompiledStatement],
) -> tuple[StatementRef, ...]:
    if len(statements) == 1:
        return (statements[0].ref,)
    return tuple(s.ref for s in statements)


def _trace(request: Request, policies: PolicySet) -> list[StatementTrace]:
    return [trace_statement(s, request) for group in policies.groups() for s in group.statements()]


def trace_statement(statement: CompiledStatement, request: Request) -> StatementTrace:
    test = statement.matches_principal
    principal = None if test is None else test(request.principal) is not _NONE
    return StatementTrace(
        ref=statement.ref,
        effect="Deny" if statement.deny else "Allow",
        action_matched=statement.matches_action(request.action_key),
        resource_matched=statement.matches_resource(request),
        principal_matched=principal,
        conditions=tuple(c.trace(request) for c in statement.conditions),
    )
