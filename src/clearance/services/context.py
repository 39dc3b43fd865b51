"""Who is calling and about what: the values every operation receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from clearance.engine import ContextValue, Decision, PolicySet, Request
from clearance.store import Session, Store

if TYPE_CHECKING:
    from clearance.services.authorize import Authorizer

__all__ = ["CallContext", "Caller", "CallerKind", "Check"]

CallerKind = Literal["root", "user", "role_session", "federated_user", "anonymous"]


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated principal.

    ``entity_id`` is the IAM user or role whose identity policies apply (None for
    the root user); ``principal_id`` is what AWS reports as ``aws:userid``.
    """

    account_id: str
    arn: str
    kind: CallerKind
    principal_id: str
    access_key_id: str
    entity_id: str | None = None
    user_name: str | None = None
    role_arn: str | None = None
    session: Session | None = field(default=None, repr=False)

    @property
    def principal_arn(self) -> str:
        """``aws:PrincipalArn``: the role's ARN for a role session."""
        return self.role_arn or self.arn


class Check(NamedTuple):
    """One authorization the call made: what was asked, against which
    policies, and the engine's answer (re-evaluated with ``explain=True`` for
    denials by the audit trail and encoded authorization messages)."""

    request: Request
    policies: PolicySet
    decision: Decision


@dataclass(slots=True)
class CallContext:
    caller: Caller
    service: str
    operation: str
    request_id: str
    region: str
    now: datetime
    store: Store
    authorizer: Authorizer
    source_ip: str | None = None
    user_agent: str | None = None
    secure: bool = False
    endpoint: str | None = None  # "scheme://host[:port]" the request came to
    decisions: list[Decision] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def record(self, request: Request, policies: PolicySet, decision: Decision) -> None:
        """Note an authorization made for this call (see :class:`Check`)."""
        self.decisions.append(decision)
        self.checks.append(Check(request, policies, decision))

    @property
    def account_id(self) -> str:
        return self.caller.account_id

    def require(
        self,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
    ) -> Decision:
        """Authorize ``action`` on ``resource`` or raise AccessDenied."""
        return self.authorizer.require(self, action, resource, context)
