"""Policy JSON → :class:`~clearance.policy.model.Policy`, collecting every problem.

The parser accepts text, bytes or an already-decoded JSON value, never raises
anything but :class:`~clearance.errors.MalformedPolicyDocument`, and records a
JSON pointer for every problem it finds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clearance.errors import MalformedPolicyDocument
from clearance.policy.diagnostics import Diagnostic
from clearance.policy.model import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)

__all__ = ["ParseResult", "PolicyError", "check_policy", "parse_policy"]

SYNTAX_ERROR = "Syntax errors in policy."


class PolicyError(MalformedPolicyDocument):
    """A malformed policy; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics[0].message if diagnostics else SYNTAX_ERROR)
        self.diagnostics = diagnostics


@dataclass
class ParseResult:
    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.policy is not None and not self.diagnostics


def parse_policy(source: str | bytes | Mapping[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """The policy, or :class:`PolicyError` with every problem found."""
    result = check_policy(source, kind)
    if result.policy is None or result.diagnostics:
        raise PolicyError(result.diagnostics)
    return result.policy


def check_policy(source: str | bytes | Mapping[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> ParseResult:
    """Parse and validate for ``kind``; the policy is None when it cannot be read."""
    from clearance.policy.validation import validate

    document = _decode(source)
    if document is None:
        return ParseResult(None, [Diagnostic("MalformedPolicyDocument", SYNTAX_ERROR)])
    builder = _Builder()
    policy = builder.policy(document)
    diagnostics = builder.problems + (validate(document, policy, kind) if policy else [])
    return ParseResult(policy, diagnostics)


def _decode(source: str | bytes | Mapping[str, Any]) -> Any:
    if isinstance(source, Mapping):
        return source
    try:
        text = source.decode("utf-8") if isinstance(source, bytes) else source
        return json.loads(text, object_pairs_hook=_reject_duplicates)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key}")
        out[key] = value
    return out


def _text(value: Any) -> str | None:
    """A scalar as the string AWS compares; None for objects and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


class _Builder:
    """Builds the model from decoded JSON, noting structural problems."""

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def problem(self, message: str, pointer: str) -> None:
        self.problems.append(Diagnostic("MalformedPolicyDocument", message, pointer))

    def policy(self, document: Any) -> Policy | None:
        if not isinstance(document, dict):
            self.problem(SYNTAX_ERROR, "")
            return None
        raw = document.get("Statement")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        if "Statement" in document and not isinstance(raw, list | dict):
            self.problem(SYNTAX_ERROR, "/Statement")
        pointer_of = (lambda i: f"/Statement/{i}") if isinstance(raw, list) else (lambda i: "/Statement")
        statements = []
        for index, item in enumerate(items):
            statement = self.statement(item, pointer_of(index))
            if statement is not None:
                statements.append(statement)
        version, policy_id = document.get("Version"), document.get("Id")
        return Policy(
            tuple(statements),
            version if isinstance(version, str) else None,
            policy_id if isinstance(policy_id, str) else None,
        )

    def statement(self, raw: Any, pointer: str) -> Statement | None:
        if not isinstance(raw, dict):
            self.problem(SYNTAX_ERROR, pointer)
            return None
        effect_text = raw.get("Effect")
        effect = Effect.DENY if effect_text == "Deny" else Effect.ALLOW
        sid = raw.get("Sid")
        return Statement(
            effect=effect,
            sid=sid if isinstance(sid, str) else None,
            principal=self.principal(raw, "Principal", pointer),
            not_principal=self.principal(raw, "NotPrincipal", pointer),
            action=self.strings(raw, "Action", pointer),
            not_action=self.strings(raw, "NotAction", pointer),
            resource=self.strings(raw, "Resource", pointer),
            not_resource=self.strings(raw, "NotResource", pointer),
            conditions=self.conditions(raw.get("Condition"), pointer + "/Condition"),
        )

    def strings(self, raw: dict[str, Any], name: str, pointer: str) -> tuple[str, ...] | None:
        if name not in raw:
            return None
        value = raw[name]
        values = value if isinstance(value, list) else [value]
        out = []
        for index, item in enumerate(values):
            if isinstance(item, str):
                out.append(item)
            else:
                suffix = f"/{index}" if isinstance(value, list) else ""
                self.problem(SYNTAX_ERROR, f"{pointer}/{name}{suffix}")
        return tuple(out)

    def principal(self, raw: dict[str, Any], name: str, pointer: str) -> PrincipalBlock | None:
        if name not in raw:
            return None
        value = raw[name]
        if value == "*":
            return PrincipalBlock(wildcard=True)
        if not isinstance(value, dict):
            self.problem(SYNTAX_ERROR, f"{pointer}/{name}")
            return PrincipalBlock(wildcard=False)
        entries = []
        for kind, listed in value.items():
            items = listed if isinstance(listed, list) else [listed]
            texts = tuple(item for item in items if isinstance(item, str))
            if len(texts) != len(items):
                self.problem(SYNTAX_ERROR, f"{pointer}/{name}/{kind}")
            entries.append((kind, texts))
        return PrincipalBlock(wildcard=False, entries=tuple(entries))

    def conditions(self, raw: Any, pointer: str) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problem(SYNTAX_ERROR, pointer)
            return ()
        out = []
        for operator, block in raw.items():
            if not isinstance(block, dict):
                self.problem(SYNTAX_ERROR, f"{pointer}/{operator}")
                continue
            for key, value in block.items():
                items = value if isinstance(value, list) else [value]
                texts = [_text(item) for item in items]
                if any(text is None for text in texts):
                    self.problem(SYNTAX_ERROR, f"{pointer}/{operator}/{key}")
                out.append(Condition(operator, key, tuple(t for t in texts if t is not None)))
        return tuple(out)
