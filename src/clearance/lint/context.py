"""What a check sees: the parsed policy, its kind, the catalog, and pointers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from clearance.lint.catalog import ActionInfo, Catalog
from clearance.lint.finding import Finding
from clearance.lint.layout import Layout, StatementLayout
from clearance.policy import Condition, Effect, Policy, PolicyKind, Statement
from clearance.wildcard import compile_wildcard, has_wildcard

__all__ = ["PRINCIPAL_KINDS", "PolicyCheck", "PolicyContext", "StatementCheck", "StatementView"]

# Kinds whose statements name who may act (Principal / NotPrincipal).
PRINCIPAL_KINDS = frozenset({PolicyKind.RESOURCE, PolicyKind.TRUST})


@dataclass
class StatementView:
    """One statement with the pointers of its parts and its catalog expansions."""

    index: int
    statement: Statement
    layout: StatementLayout
    catalog: Catalog
    _expansions: dict[str, tuple[ActionInfo, ...]] = field(default_factory=dict)

    @property
    def pointer(self) -> str:
        return self.layout.pointer

    @property
    def allows(self) -> bool:
        return self.statement.effect is Effect.ALLOW

    def at(self, *path: str) -> str:
        return self.layout.at(*path)

    def item(self, element: str, index: int) -> str:
        return self.layout.item(index, element)

    def condition_at(self, condition: Condition) -> str:
        return self.layout.at("Condition", condition.operator, condition.key)

    def condition_value_at(self, condition: Condition, index: int) -> str:
        return self.layout.item(index, "Condition", condition.operator, condition.key)

    def expand(self, pattern: str) -> tuple[ActionInfo, ...]:
        """The catalog actions an Action entry matches (empty for unknown ones)."""
        if pattern not in self._expansions:
            self._expansions[pattern] = self.catalog.expand_action_pattern(pattern)
        return self._expansions[pattern]

    def allows_action(self, action: str) -> str | None:
        """The Action entry through which the statement covers ``action`` (``NotAction``
        for a NotAction statement that does not exclude it), or None."""
        statement = self.statement
        if statement.action is not None:
            for entry in statement.action:
                if compile_wildcard(entry, ignore_case=True)(action):
                    return entry
            return None
        if statement.not_action is not None and not any(
            compile_wildcard(entry, ignore_case=True)(action) for entry in statement.not_action
        ):
            return "NotAction"
        return None

    def has_condition_key(self, *keys: str) -> bool:
        wanted = {key.lower() for key in keys}
        return any(condition.key.lower() in wanted for condition in self.statement.conditions)

    def concrete_actions(self) -> tuple[ActionInfo, ...] | None:
        """Every catalog action of the Action element; None when it is absent or
        names every service (``*``, ``*:Get*``), when no finite answer helps."""
        entries = self.statement.action
        if entries is None or any(has_wildcard(entry.partition(":")[0]) for entry in entries):
            return None
        found: dict[str, ActionInfo] = {}
        for entry in entries:
            for info in self.expand(entry):
                found[info.full_name] = info
        return tuple(found.values())


@dataclass
class PolicyContext:
    policy: Policy
    kind: PolicyKind
    catalog: Catalog
    layout: Layout
    views: list[StatementView] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.views = [
            StatementView(index, statement, self.layout.statement(index), self.catalog)
            for index, statement in enumerate(self.policy.statements)
        ]

    def __iter__(self) -> Iterator[StatementView]:
        return iter(self.views)


PolicyCheck = Callable[[PolicyContext], Iterable[Finding]]
StatementCheck = Callable[[StatementView, PolicyContext], Iterable[Finding]]
