"""Policies compiled for evaluation: every pattern prepared once.

A :class:`CompiledStatement` holds ready-made predicates for its action,
resource, principal and conditions. Nothing here parses JSON or builds a
regular expression while a request is being decided, except for values that
contain policy variables, whose compiled forms are cached by their text.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from functools import lru_cache
from typing import Any

from clearance.engine.decision import ConditionTrace, Decision, Outcome, PolicyType, StatementRef
from clearance.engine.request import Principal, PrincipalKind, Request
from clearance.policy.conditions import UNRESOLVED, Context, Operator, parse_operator
from clearance.policy.model import Condition, Effect, Policy, PrincipalBlock, Statement
from clearance.policy.resource import (
    ResourceMatch,
    ShortArnRule,
    compile_resource,
    compile_resource_pieces,
)
from clearance.policy.variables import Template, has_variables, parse_template
from clearance.wildcard import Pieces, compile_wildcard

__all__ = [
    "CompiledCondition",
    "CompiledPolicy",
    "CompiledStatement",
    "PrincipalMatch",
    "compile_policy",
]


class PrincipalMatch(IntEnum):
    """How a Principal element names the caller, weakest first.

    ``ACCOUNT`` names the caller's account: within the account that delegates
    to identity policies. ``ROLE`` names the role a session was assumed from;
    ``DIRECT`` names the caller itself (or everyone).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


class CompiledCondition:
    """One operator/key pair, its policy values read once.

    An unknown operator never holds (the policy is invalid; validation reports
    it). Values with policy variables are read per request.
    """

    __slots__ = ("check", "condition", "key", "operator", "prepared", "templates")

    def __init__(self, condition: Condition, variables: bool) -> None:
        self.condition = condition
        self.key = condition.key.lower()
        self.operator: Operator | None = parse_operator(condition.operator)
        templated = variables and any(has_variables(v) for v in condition.values)
        self.templates: tuple[Template, ...] | None = (
            tuple(parse_template(v) for v in condition.values) if templated else None
        )
        self.prepared: tuple[object, ...] = ()
        if self.operator is not None and not templated:
            prepare = self.operator.base.prepare
            values = (prepare(((v, True),)) for v in condition.values)
            self.prepared = tuple(p for p in values if p is not None)
        # The decision path's form: a predicate over the request context.
        self.check: Callable[[Context], bool] = self.test_context
        if self.operator is not None and not templated:
            self.check = self.operator.bind(self.prepared, self.key)

    def test(self, request: Request) -> bool:
        return self.test_context(request.context)

    def test_context(self, context: Context) -> bool:
        operator = self.operator
        if operator is None:
            return False
        prepared = self.prepared if self.templates is None else self._resolve(context)
        return operator.evaluate(prepared, context.get(self.key))

    def _resolve(self, context: Context) -> tuple[object, ...]:
        """Read values with variables; an unresolvable one is null (UNRESOLVED)."""
        assert self.operator is not None and self.templates is not None
        prepare = self.operator.base.prepare
        out: list[object] = []
        for template in self.templates:
            pieces = template.resolve(context.get)
            value = UNRESOLVED if pieces is None else prepare(pieces)
            if value is not None:
                out.append(value)
        return tuple(out)

    def trace(self, request: Request) -> ConditionTrace:
        return ConditionTrace(
            self.condition.operator,
            self.condition.key,
            self.condition.values,
            request.context.get(self.key),
            self.test(request),
        )


ResourceTest = Callable[[Request], bool]
# A compiled Resource pattern: its verdict on a resource ARN.
ResourcePattern = Callable[[str], ResourceMatch]


def _true(_request: Request) -> bool:
    return True


def _statement_test(
    any_resource: bool,
    resource: ResourceTest,
    single_resource: ResourcePattern | None,
    conditions: tuple[CompiledCondition, ...],
) -> Callable[[Request], bool]:
    """Resource and conditions as one generated function: one call per statement.

    Each condition is written inline (see :meth:`Operator.inline`) where the
    operator allows, so a statement costs one frame, not one per condition.
    """
    lines: list[str] = []
    names: dict[str, object] = {}
    if not any_resource:
        if single_resource is not None:
            names["resource_match"] = single_resource
            names["MATCH"] = ResourceMatch.MATCH
            lines += [
                "    if resource_match(request.resource) is not MATCH:",
                "        return False",
            ]
        else:
            names["resource_test"] = resource
            lines += ["    if not resource_test(request):", "        return False"]
    if conditions:
        lines.append("    context = request.context")
    for i, condition in enumerate(conditions):
        slot = f"c{i}"
        operator = condition.operator
        inline = (
            operator.inline(condition.prepared, condition.key, slot)
            if operator is not None and condition.templates is None
            else None
        )
        if inline is None:
            names[f"{slot}_check"] = condition.check
            lines += [f"    if not {slot}_check(context):", "        return False"]
        else:
            lines += inline[0]
            names.update(inline[1])
    if not lines:
        return _true
    lines.append("    return True")
    factory = _test_factory(tuple(names), "\n".join(lines))
    return factory(*names.values())


@lru_cache(maxsize=4096)
def _test_factory(params: tuple[str, ...], body: str) -> Callable[..., Callable[[Request], bool]]:
    """Compile a statement test's source once per shape; statements with the
    same shape and keys share the code and differ in the objects bound to it.
    The source holds only names, fixed snippets and ``repr``'d condition keys."""
    indented = "\n".join("    " + line for line in body.split("\n"))
    source = (
        f"def factory({', '.join(params)}):\n"
        f"    def statement_test(request):\n{indented}\n"
        "    return statement_test\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<clearance statement test>", "exec"), namespace)
    factory: Callable[..., Callable[[Request], bool]] = namespace["factory"]
    return factory


class CompiledStatement:
    __slots__ = (
        "any_resource",
        "checks",
        "conditions",
        "decision",
        "deny",
        "matches_action",
        "matches_principal",
        "matches_resource",
        "not_principal",
        "ref",
        "single_resource",
        "statement",
        "test",
    )

    def __init__(self, statement: Statement, ref: StatementRef, variables: bool) -> None:
        self.statement = statement
        self.ref = ref
        self.deny = statement.effect is Effect.DENY
        # The decision this statement makes when it alone decides.
        self.decision = (
            Decision(Outcome.EXPLICIT_DENY, ref.policy_type, (ref,))
            if self.deny
            else Decision(Outcome.ALLOWED, None, (ref,))
        )
        self.matches_action = _action_test(statement)
        self.matches_resource, single_resource = _resource_test(
            statement, variables, ref.policy_type
        )
        self.matches_principal = _principal_test(statement, ref.policy_type)
        self.not_principal = statement.not_principal is not None
        self.conditions = tuple(CompiledCondition(c, variables) for c in statement.conditions)
        self.checks = tuple(c.check for c in self.conditions)
        self.any_resource = statement.resource == ("*",)
        self.single_resource = single_resource
        # Generated on first use: most statements of a policy set compiled for
        # one request (the simulator's) are never tested.
        self.test: Callable[[Request], bool] = self._generate_test

    def _generate_test(self, request: Request) -> bool:
        self.test = _statement_test(
            self.any_resource, self.matches_resource, self.single_resource, self.conditions
        )
        return self.test(request)

    def applies(self, request: Request) -> bool:
        """Resource and conditions hold (the action was matched by the index)."""
        return self.test(request)


class CompiledPolicy:
    """A policy ready for evaluation, with its statements indexed by action."""

    __slots__ = ("_index", "id", "policy", "policy_type", "statements")

    _INDEX_LIMIT = 4096

    def __init__(
        self, policy: Policy, policy_id: str, policy_type: PolicyType, level: int | None = None
    ) -> None:
        self.policy = policy
        self.id = policy_id
        self.policy_type = policy_type
        variables = policy.supports_variables
        self.statements = tuple(
            CompiledStatement(s, StatementRef(policy_type, policy_id, i, s.sid, level), variables)
            for i, s in enumerate(policy.statements)
        )
        self._index: dict[
            str, tuple[tuple[CompiledStatement, ...], tuple[CompiledStatement, ...]]
        ] = {}

    def for_action(
        self, action_key: str
    ) -> tuple[tuple[CompiledStatement, ...], tuple[CompiledStatement, ...]]:
        """The (deny, allow) statements whose Action/NotAction covers the action."""
        found = self._index.get(action_key)
        if found is None:
            matching = [s for s in self.statements if s.matches_action(action_key)]
            found = (
                tuple(s for s in matching if s.deny),
                tuple(s for s in matching if not s.deny),
            )
            if len(self._index) >= self._INDEX_LIMIT:
                self._index.clear()
            self._index[action_key] = found
        return found


def compile_policy(
    policy: Policy, policy_id: str, policy_type: PolicyType, level: int | None = None
) -> CompiledPolicy:
    return CompiledPolicy(policy, policy_id, policy_type, level)


def _action_test(statement: Statement) -> Callable[[str], bool]:
    """Actions match without regard to case; NotAction inverts the match."""
    negate = statement.action is None and statement.not_action is not None
    patterns = statement.action if statement.action is not None else statement.not_action
    if patterns is None:
        return lambda _action: False
    matchers = tuple(compile_wildcard(p.lower()) for p in patterns)

    def matches(action_key: str) -> bool:
        return any(m(action_key) for m in matchers) != negate

    return matches


_SHORT_ARN_RULES = {
    PolicyType.RESOURCE: ShortArnRule.EXPAND_IF_WILDCARD,
    PolicyType.SCP: ShortArnRule.TRAILING_WILDCARD,
    PolicyType.RCP: ShortArnRule.REJECT,
}


def _resource_test(
    statement: Statement, variables: bool, policy_type: PolicyType
) -> tuple[ResourceTest, ResourcePattern | None]:
    """Resource entries match case-sensitively; NotResource inverts the match.

    A statement with neither element (a trust policy) covers every resource.
    An entry whose variable cannot be resolved matches nothing in Resource and
    voids a NotResource statement, as does an entry that is invalid for the
    request (see :class:`ShortArnRule`).

    The second item is the one pattern of a plain single-entry Resource
    element, which the statement test calls directly; None for other shapes.
    """
    rule = _SHORT_ARN_RULES.get(policy_type, ShortArnRule.EXPAND)
    negate = statement.resource is None and statement.not_resource is not None
    patterns = statement.resource if statement.resource is not None else statement.not_resource
    if patterns is None:
        return (lambda _request: True), None
    templated = tuple(parse_template(p) for p in patterns if variables and has_variables(p))
    plain = tuple(
        compile_resource(p, rule) for p in patterns if not (variables and has_variables(p))
    )
    if not templated and not negate:
        if len(plain) == 1:
            only = plain[0]
            return (lambda request: only(request.resource) is ResourceMatch.MATCH), only
        return (
            lambda request: any(m(request.resource) is ResourceMatch.MATCH for m in plain)
        ), None

    def matches(request: Request) -> bool:
        verdicts = [m(request.resource) for m in plain]
        for template in templated:
            pieces: Pieces | None = template.resolve(request.lookup)
            if pieces is None:
                verdicts.append(ResourceMatch.INVALID)
            else:
                verdicts.append(compile_resource_pieces(pieces, rule)(request.resource))
        if negate:
            return not any(v is not ResourceMatch.MISS for v in verdicts)
        return ResourceMatch.MATCH in verdicts

    return matches, None


def _principal_test(
    statement: Statement, policy_type: PolicyType
) -> Callable[[Principal], PrincipalMatch] | None:
    """None when the policy type names no principals (identity policies, SCPs).

    A resource-policy statement without Principal names no one: AWS rejects
    such a policy, and if one is evaluated anyway its statement binds nobody.
    """
    if statement.principal is not None:
        block = statement.principal
        return lambda principal: principal_match(block, principal)
    if statement.not_principal is not None:
        excluded = statement.not_principal
        deny = statement.effect is Effect.DENY
        return lambda principal: _not_principal_match(excluded, principal, deny)
    if policy_type is PolicyType.RESOURCE:
        return lambda _principal: PrincipalMatch.NONE
    return None


def principal_match(block: PrincipalBlock, principal: Principal) -> PrincipalMatch:
    """How strongly a Principal element names the caller.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    if block.wildcard:
        return PrincipalMatch.DIRECT
    kind = principal.kind
    best = PrincipalMatch.NONE
    for principal_type, values in block.entries:
        if principal_type == "AWS":
            for value in values:
                best = max(best, _aws_match(value, principal))
        elif principal.arn in values and kind is not PrincipalKind.ANONYMOUS:
            # Service, Federated and CanonicalUser name the caller exactly.
            best = PrincipalMatch.DIRECT
    return best


def _aws_match(value: str, principal: Principal) -> PrincipalMatch:
    if value == "*":
        return PrincipalMatch.DIRECT
    kind = principal.kind
    if kind in (PrincipalKind.ANONYMOUS, PrincipalKind.SERVICE):
        return PrincipalMatch.NONE
    if value == principal.arn:
        return PrincipalMatch.DIRECT
    if kind is PrincipalKind.ROLE_SESSION and _names_role_of(value, principal):
        return PrincipalMatch.ROLE
    if principal.account is not None and value in (principal.account, principal.account_root):
        return PrincipalMatch.DIRECT if kind is PrincipalKind.ROOT else PrincipalMatch.ACCOUNT
    return PrincipalMatch.NONE


def _names_role_of(value: str, session: Principal) -> bool:
    """Whether a role ARN names the role a session was assumed from.

    An assumed-role ARN drops the role's path, and role names are unique in an
    account, so ``role/team/deployer`` names the sessions of ``deployer``.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
    """
    role = session.role_arn
    if role is None or not value.startswith("arn:"):
        return False
    if value == role:
        return True
    prefix, _, rest = value.partition(":role/")
    role_prefix, _, role_rest = role.partition(":role/")
    return (
        bool(rest)
        and prefix == role_prefix
        and rest.rsplit("/", 1)[-1] == role_rest.rsplit("/", 1)[-1]
    )


def _names(principal: Principal) -> tuple[str, ...]:
    return principal.names or (principal.arn,)


def _not_principal_match(block: PrincipalBlock, principal: Principal, deny: bool) -> PrincipalMatch:
    """NotPrincipal applies to everyone it does not name.

    A Deny spares a caller only when every name it goes by is listed (AWS asks
    for the session, role and account ARNs together); an Allow excludes a caller
    when any of its names is listed.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    if block.wildcard:
        return PrincipalMatch.NONE
    listed = {v for _, values in block.entries for v in values}
    if "*" in listed:
        return PrincipalMatch.NONE
    names = _names(principal)
    root = principal.account_root
    if root is not None:
        listed = {root if v == principal.account else v for v in listed}
    named = (
        [n in listed for n in names] if principal.kind is not PrincipalKind.ANONYMOUS else [False]
    )
    spared = all(named) if deny else any(named)
    return PrincipalMatch.NONE if spared else PrincipalMatch.DIRECT
