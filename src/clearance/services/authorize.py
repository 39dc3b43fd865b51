"""Authorization of service calls: the caller's policies from the store, the
request context AWS would build, and the engine's decision.

Compiled policy sets are cached per principal and invalidated by the
account's version counter, so every server replica sees a change on its next
request without re-reading or re-compiling unchanged policies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock

from clearance.arn import account_of
from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    PolicySet,
    Request,
    denial_message,
    evaluate,
    parse_principal,
)
from clearance.policy import read_policy
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.store import PolicyText, Store, Tag

__all__ = ["Authorizer"]

_PRINCIPAL_TYPES = {
    "root": "Account",
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
}
_ROOT_POLICIES = PolicySet()


class Authorizer:
    def __init__(self, store: Store, cache_size: int = 4096) -> None:
        self._store = store
        self._cache: OrderedDict[
            tuple[str, ...], tuple[tuple[int, ...], PolicySet, tuple[Tag, ...]]
        ] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def require(
        self,
        ctx: CallContext,
        action: str,
        resource: str,
        extra: Mapping[str, ContextValue] | None = None,
    ) -> Decision:
        """Decide ``action`` on ``resource`` for the caller; raise AccessDenied."""
        policies, tags = self.policies_of(ctx.caller)
        request = Request(
            principal=parse_principal(ctx.caller.arn, ctx.caller.account_id, ctx.caller.role_arn),
            action=action,
            resource=resource,
            context=self.context_of(ctx, tags, extra),
            resource_account=account_of(resource) or ctx.account_id,
        )
        decision = evaluate(request, policies)
        ctx.decisions.append(decision)
        if not decision.allowed:
            raise AccessDenied(denial_message(request, decision) or "Access denied")
        return decision

    def policies_of(self, caller: Caller) -> tuple[PolicySet, tuple[Tag, ...]]:
        """The caller's compiled policy set and principal tags, cached by version."""
        if caller.entity_id is None:
            return _ROOT_POLICIES, ()
        session = caller.session
        key = (caller.account_id, caller.entity_id, session.access_key_id if session else "")
        # AWS managed policies live in account "aws": a change there matters too.
        version = self._versions(caller.account_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == version:
                self._cache.move_to_end(key)
                return cached[1], cached[2]
        loaded = self._store.principal_policies(caller.account_id, caller.entity_id)
        sessions = self._session_policies(caller)
        policy_set = PolicySet(
            identity=[_named(p) for p in loaded.identity],
            permissions_boundary=_named(loaded.boundary) if loaded.boundary else None,
            session=sessions,
        )
        tags = _merge_tags(loaded.tags, session.tags if session else ())
        with self._lock:
            self._cache[key] = (version, policy_set, tags)
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return policy_set, tags

    def _versions(self, account_id: str) -> tuple[int, ...]:
        versions = self._store.account_versions([account_id, "aws"])
        return (versions.get(account_id, 0), versions.get("aws", 0))

    def _session_policies(self, caller: Caller) -> list[NamedPolicy]:
        session = caller.session
        if session is None or session.kind == "SessionToken":
            return []
        named = []
        if session.session_policy:
            named.append(NamedPolicy("session-policy", read_policy(session.session_policy)))
        if session.policy_arns:
            texts = self._store.managed_policy_documents(caller.account_id, session.policy_arns)
            named.extend(_named(text) for text in texts)
        return named

    @staticmethod
    def context_of(
        ctx: CallContext, tags: tuple[Tag, ...], extra: Mapping[str, ContextValue] | None
    ) -> dict[str, ContextValue]:
        """The global condition keys AWS puts in every request's context.

        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
        """
        caller = ctx.caller
        now = ctx.now
        values: dict[str, ContextValue] = {
            "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:epochtime": str(int(now.timestamp())),
            "aws:securetransport": "true" if ctx.secure else "false",
            "aws:principalarn": caller.principal_arn,
            "aws:principalaccount": caller.account_id,
            "aws:principaltype": _PRINCIPAL_TYPES[caller.kind],
            "aws:userid": caller.principal_id,
            "aws:requestedregion": ctx.region,
            "aws:viaawsservice": "false",
        }
        if ctx.source_ip:
            values["aws:sourceip"] = ctx.source_ip
        if ctx.user_agent:
            values["aws:useragent"] = ctx.user_agent
        if caller.kind == "user" and caller.user_name:
            values["aws:username"] = caller.user_name
        session = caller.session
        if session is not None:
            values["aws:multifactorauthpresent"] = "true" if session.mfa_present else "false"
            values["aws:tokenissuetime"] = session.created.strftime("%Y-%m-%dT%H:%M:%SZ")
            if session.mfa_authenticated is not None:
                age = int((now - session.mfa_authenticated).total_seconds())
                values["aws:multifactorauthage"] = str(max(age, 0))
            if session.source_identity:
                values["aws:sourceidentity"] = session.source_identity
            if session.federated_provider:
                values["aws:federatedprovider"] = session.federated_provider
        for tag in tags:
            values[f"aws:principaltag/{tag.key.lower()}"] = tag.value
        if extra:
            values.update((key.lower(), value) for key, value in extra.items())
        return values


def _named(text: PolicyText) -> NamedPolicy:
    return NamedPolicy(text.id, read_policy(text.document))


def _merge_tags(principal: tuple[Tag, ...], session: tuple[Tag, ...]) -> tuple[Tag, ...]:
    """Session tags override principal tags with the same key (case-insensitive)."""
    if not session:
        return principal
    overridden = {tag.key.lower() for tag in session}
    return tuple(t for t in principal if t.key.lower() not in overridden) + session
