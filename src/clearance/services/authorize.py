"""Authorization of service calls: the caller's policies from the store, the
request context AWS would build, and the engine's decision.

Compiled policy sets are cached per principal and invalidated by the
account's version counter, so every server replica sees a change on its next
request without re-reading or re-compiling unchanged policies. Inside a request
the versions are the ones the request read first
(:meth:`~clearance.services.cache.RequestView.versions_of`): one read validates
the key, the policies and the cached entity reads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from threading import Lock

from clearance.arn import account_of
from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    PolicySet,
    Principal,
    Request,
    denial_message,
    evaluate,
    parse_principal,
)
from clearance.policy import Policy, read_policy
from clearance.services.cache import current_view
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.store import NoSuchEntity, PolicyText, Store, Tag

__all__ = ["Authorizer", "root_federation_policies"]

_PRINCIPAL_TYPES = {
    "root": "Account",
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
    "anonymous": "Anonymous",
}
_ROOT_POLICIES = PolicySet()
_ROOT_ACCESS = NamedPolicy(
    "root",
    read_policy(
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
    ),
)
_NOTHING = NamedPolicy("no-session-policy-left", Policy(statements=()))


def root_federation_policies(session: list[NamedPolicy]) -> PolicySet:
    """A federated user whose token the root user issued: the root user's full
    access, limited by the session policies (none left: nothing)."""
    return PolicySet(identity=[_ROOT_ACCESS], session=session or [_NOTHING])


def _resource_account(resource: str, caller_account: str) -> str:
    """The account that owns a resource. AWS managed policies (account ``aws``)
    are read by every account as its own."""
    account = account_of(resource)
    return caller_account if account in (None, "aws") else account


class Authorizer:
    def __init__(self, store: Store, cache_size: int = 4096) -> None:
        self._store = store
        self._cache: OrderedDict[
            tuple[str, ...], tuple[tuple[int, ...], PolicySet, tuple[Tag, ...], object]
        ] = OrderedDict()
        # Parsed documents by (id, text): a policy is parsed once per process.
        self._parsed: OrderedDict[tuple[str, str], NamedPolicy] = OrderedDict()
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
            principal=_principal(ctx.caller.arn, ctx.caller.account_id, ctx.caller.role_arn),
            action=action,
            resource=resource,
            context=self.context_of(ctx, tags, extra),
            resource_account=_resource_account(resource, ctx.account_id),
        )
        decision = evaluate(request, policies)
        ctx.record(request, policies, decision)
        if not decision.allowed:
            raise AccessDenied(denial_message(request, decision) or "Access denied")
        return decision

    def policies_of(self, caller: Caller) -> tuple[PolicySet, tuple[Tag, ...]]:
        """The caller's compiled policy set and principal tags, cached by version."""
        if caller.entity_id is None:
            session = caller.session
            if session is not None and session.kind == "FederatedUser":
                # A federation token the root user issued: root's access, limited
                # by the session policies.
                return root_federation_policies(self._session_policies(caller)), session.tags
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
        # Most writes in an account leave this caller's policies as they were:
        # then the compiled set is reused and only its version stamp moves.
        content = (loaded.identity, loaded.boundary, tuple(map(id, sessions)))
        if cached is not None and cached[3] == content:
            policy_set = cached[1]
        else:
            policy_set = PolicySet(
                identity=[self._named(p) for p in loaded.identity],
                permissions_boundary=self._named(loaded.boundary) if loaded.boundary else None,
                session=sessions,
            )
        tags = _merge_tags(loaded.tags, session.tags if session else ())
        with self._lock:
            self._cache[key] = (version, policy_set, tags, content)
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return policy_set, tags

    def _named(self, text: PolicyText) -> NamedPolicy:
        key = (text.id, text.document)
        with self._lock:
            found = self._parsed.get(key)
            if found is not None:
                self._parsed.move_to_end(key)
                return found
        named = NamedPolicy(text.id, read_policy(text.document))
        with self._lock:
            self._parsed[key] = named
            while len(self._parsed) > self._cache_size:
                self._parsed.popitem(last=False)
        return named

    def _versions(self, account_id: str) -> tuple[int, ...]:
        view = current_view()
        if view is not None and view.store is self._store:
            return view.versions_of(account_id)
        versions = self._store.account_versions([account_id, "aws"])
        return (versions.get(account_id, 0), versions.get("aws", 0))

    def _session_policies(self, caller: Caller) -> list[NamedPolicy]:
        session = caller.session
        if session is None or session.kind == "SessionToken":
            return []
        named = []
        if session.session_policy:
            named.append(self._named(PolicyText("session-policy", session.session_policy)))
        for arn in session.policy_arns:
            try:
                texts = self._store.managed_policy_documents(caller.account_id, (arn,))
            except NoSuchEntity:
                continue  # deleted since the session began: it grants nothing now
            named.extend(self._named(text) for text in texts)
        if not named and (session.session_policy or session.policy_arns):
            # Every session policy is gone: the session may do nothing, rather
            # than lose its limit.
            named.append(_NOTHING)
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
        current, epoch = _times(now)
        values: dict[str, ContextValue] = {
            "aws:currenttime": current,
            "aws:epochtime": epoch,
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
            # Keys a federated session keeps for its permission policies
            # (``<provider>:sub``, ``saml:sub`` ...).
            for key, value in (session.attributes.get("context") or {}).items():
                values[key.lower()] = tuple(value) if isinstance(value, list) else value
        for tag in tags:
            values[f"aws:principaltag/{tag.key.lower()}"] = tag.value
        if extra:
            values.update((key.lower(), value) for key, value in extra.items())
        return values


@lru_cache(maxsize=4096)
def _principal(arn: str, account_id: str, role_arn: str | None) -> Principal:
    """``parse_principal``, remembered (callers repeat; Principal is immutable)."""
    return parse_principal(arn, account_id, role_arn)


def _times(now: datetime) -> tuple[str, str]:
    """``aws:CurrentTime`` and ``aws:EpochTime``, formatted once per second."""
    return _times_at(now.replace(microsecond=0))


@lru_cache(maxsize=4)
def _times_at(second: datetime) -> tuple[str, str]:
    return second.strftime("%Y-%m-%dT%H:%M:%SZ"), str(int(second.timestamp()))


def _merge_tags(principal: tuple[Tag, ...], session: tuple[Tag, ...]) -> tuple[Tag, ...]:
    """Session tags override principal tags with the same key (case-insensitive)."""
    if not session:
        return principal
    overridden = {tag.key.lower() for tag in session}
    return tuple(t for t in principal if t.key.lower() not in overridden) + session
