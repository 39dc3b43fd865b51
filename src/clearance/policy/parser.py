"""Policy JSON → :class:`~clearance.policy.model.Policy`, with every problem found.

The parser accepts text, bytes or an already-decoded JSON object and never
raises anything but :class:`PolicyError` (a
:class:`~clearance.errors.MalformedPolicyDocument`), whatever the input.
:func:`check_policy` validates for a policy kind (AWS's rules and messages,
:mod:`clearance.policy.validation`); :func:`check_grammar` checks only the
kind-independent shape of a document. Both return the policy built as far as
the document allows together with every diagnostic, AWS's first problem first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clearance.errors import MalformedPolicyDocument
from clearance.policy.diagnostics import Diagnostic, Severity
from clearance.policy.model import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)
from clearance.policy.validation import CODE, SYNTAX_ERROR, validate

__all__ = [
    "ParseResult",
    "PolicyError",
    "check_grammar",
    "check_policy",
    "parse_policy",
    "read_policy",
]

Source = str | bytes | Mapping[str, Any]


class PolicyError(MalformedPolicyDocument):
    """A malformed policy; ``diagnostics`` lists every problem, AWS's first one first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics[0].message if diagnostics else SYNTAX_ERROR)
        self.diagnostics = diagnostics


@dataclass
class ParseResult:
    """The policy as far as it could be read (None if not at all) and every diagnostic."""

    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """A policy and no errors (warnings allowed)."""
        return self.policy is not None and not self.errors


def parse_policy(source: Source, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """The policy, or :class:`PolicyError` carrying every problem found."""
    result = check_policy(source, kind)
    if result.policy is None or result.errors:
        raise PolicyError(result.diagnostics or [Diagnostic(CODE, SYNTAX_ERROR)])
    return result.policy


def read_policy(source: Source) -> Policy:
    """A stored policy as the evaluator reads it: the kind-independent grammar only.

    :func:`parse_policy` applies the rules AWS enforces when a policy of a kind is
    *written* (CreatePolicy wants Version 2012-10-17, an RCP a ``"*"`` Principal,
    ...). Documents that exist nevertheless — inline policies in Version
    2008-10-17, statements AWS ignores — are still evaluated; this reads them,
    and raises :class:`PolicyError` only when the grammar itself is broken.
    """
    result = check_grammar(source)
    if result.policy is None or result.errors:
        raise PolicyError(result.diagnostics or [Diagnostic(CODE, SYNTAX_ERROR)])
    return result.policy


def check_policy(source: Source, kind: PolicyKind = PolicyKind.IDENTITY) -> ParseResult:
    """Parse and validate as a policy of ``kind``; never raises."""
    return _check(source, kind)


def check_grammar(source: Source) -> ParseResult:
    """Parse and check the kind-independent grammar only; never raises.

    Lenient where AWS's rules depend on where a policy is attached: Version,
    Action, Resource and Principal may be absent, Sids may repeat, resources need
    not be ARNs. Still checked: JSON, known elements and their types, Effect,
    condition blocks and operators, action format and principal shape.
    """
    return _check(source, None)


def _check(source: Source, kind: PolicyKind | None) -> ParseResult:
    document = _decode(source)
    if document is _UNREADABLE:
        return ParseResult(None, [Diagnostic(CODE, SYNTAX_ERROR)])
    diagnostics = validate(document, kind)
    policy = _build_policy(document) if isinstance(document, dict) else None
    return ParseResult(policy, diagnostics)


# -- decoding -------------------------------------------------------------------------

_UNREADABLE = object()


def _decode(source: object) -> Any:
    """Plain JSON values (dict, list, str, int, float, bool, None), or ``_UNREADABLE``.

    A mapping is passed through JSON too, so that whatever it holds (cycles,
    objects, NaN) is judged like the text AWS would receive.
    """
    try:
        if isinstance(source, bytes | bytearray):
            text = bytes(source).decode("utf-8")
        elif isinstance(source, str):
            text = source
        else:
            if isinstance(source, Mapping) and not isinstance(source, dict):
                source = dict(source)
            text = json.dumps(source, allow_nan=False)
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_no_constant)
    except (ValueError, TypeError, RecursionError):
        return _UNREADABLE


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# -- building the model ---------------------------------------------------------------


def _build_policy(document: dict[str, Any]) -> Policy:
    """The model of a document, skipping whatever is malformed (validation reports it)."""
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    version, policy_id = document.get("Version"), document.get("Id")
    return Policy(
        tuple(_statement(item) for item in items if isinstance(item, dict)),
        version if isinstance(version, str) else None,
        policy_id if isinstance(policy_id, str) else None,
    )


def _statement(raw: dict[str, Any]) -> Statement:
    sid = raw.get("Sid")
    return Statement(
        effect=Effect.DENY if raw.get("Effect") == "Deny" else Effect.ALLOW,
        sid=sid if isinstance(sid, str) else None,
        principal=_principal(raw, "Principal"),
        not_principal=_principal(raw, "NotPrincipal"),
        action=_strings(raw, "Action"),
        not_action=_strings(raw, "NotAction"),
        resource=_strings(raw, "Resource"),
        not_resource=_strings(raw, "NotResource"),
        conditions=_conditions(raw.get("Condition")),
    )


def _strings(raw: dict[str, Any], name: str) -> tuple[str, ...] | None:
    if name not in raw:
        return None
    value = raw[name]
    values = value if isinstance(value, list) else [value]
    return tuple(item for item in values if isinstance(item, str))


def _principal(raw: dict[str, Any], name: str) -> PrincipalBlock | None:
    if name not in raw:
        return None
    value = raw[name]
    if value == "*":
        return PrincipalBlock(wildcard=True)
    if not isinstance(value, dict):
        return PrincipalBlock(wildcard=False)
    entries = []
    for principal_type, listed in value.items():
        items = listed if isinstance(listed, list) else [listed]
        entries.append((principal_type, tuple(item for item in items if isinstance(item, str))))
    return PrincipalBlock(wildcard=False, entries=tuple(entries))


def _conditions(raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        return ()
    out = []
    for operator, block in raw.items():
        if not isinstance(block, dict):
            continue
        for key, value in block.items():
            items = value if isinstance(value, list) else [value]
            texts = (_text(item) for item in items)
            out.append(Condition(operator, key, tuple(t for t in texts if t is not None)))
    return tuple(out)


def _text(value: Any) -> str | None:
    """A scalar as the string AWS compares; None for null, objects and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None
