"""Authorization of service calls: the caller's policies from the store, the
request context AWS would build, and the engine's decision.

Compiled policy sets are cached per principal and invalidated by the
account's version counter (and the ``aws`` and ``org`` pseudo-accounts'), so
every server replica sees a change on its next request without re-reading or
re-compiling unchanged policies. Inside a request the versions are the ones the
request read first (:meth:`~clearance.services.cache.RequestView.versions_of`):
one read validates the key, the policies, the organization chains and the
cached entity reads.

Organizations (:mod:`clearance.services.org_guardrails`): a caller's set holds
the SCP chain of its account and the RCP chain of its own account's resources;
a request on another account's resource swaps in that account's RCP chain
(cached per caller set and resource account). The ``aws:PrincipalOrg*`` and
``aws:ResourceOrg*`` keys come from the same standings.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from threading import Lock

from clearance.arn import account_of
from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    Outcome,
    PolicySet,
    PolicyType,
    Principal,
    Request,
    denial_message,
    evaluate,
    parse_principal,
)
from clearance.policy import Policy, read_policy
from clearance.services.cache import AWS_ACCOUNT, ORG_ACCOUNT, current_view
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.org_guardrails import Chain, OrgGuardrails, OrgStanding, is_service_linked
from clearance.store import NoSuchEntity, PolicyText, Store, Tag

__all__ = ["Authorizer", "root_federation_policies", "with_chains"]

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


def with_chains(base: PolicySet, scp: Chain, rcp: Chain) -> PolicySet:
    """``base`` with other SCP and RCP chains; its compiled groups are shared."""
    derived = PolicySet()
    derived.identity = base.identity
    derived.resource = base.resource
    derived.boundary = base.boundary
    derived.session = base.session
    derived.vpc_endpoint = base.vpc_endpoint
    derived.scp = scp
    derived.rcp = rcp
    return derived


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
        # Sets derived from a cached one with other organization chains (the
        # root user's; a caller's on another account's resource), by what they
        # derive from: (base, scp, rcp, derived), checked by identity.
        self._derived: OrderedDict[
            tuple[object, ...], tuple[PolicySet, Chain, Chain, PolicySet]
        ] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()
        self._org = OrgGuardrails(store, self._named, cache_size)

    def require(
        self,
        ctx: CallContext,
        action: str,
        resource: str,
        extra: Mapping[str, ContextValue] | None = None,
        *,
        resource_account: str | None = None,
        resource_policy: Callable[[PolicySet, Principal], PolicySet] | None = None,
    ) -> Decision:
        """Decide ``action`` on ``resource`` for the caller; raise AccessDenied.

        For resources whose ARN names no account (S3), ``resource_account`` is
        the owner's; ``resource_policy`` adds the resource's policy to the
        caller's set."""
        caller = ctx.caller
        policies, tags = self.policies_of(caller)
        resource_account = resource_account or _resource_account(resource, ctx.account_id)
        self.refuse_closed(caller, action, resource, resource_account)
        policies = self.for_resource(caller, policies, resource_account)
        principal = _principal(caller.arn, caller.account_id, caller.role_arn)
        if resource_policy is not None:
            policies = resource_policy(policies, principal)
        request = Request(
            principal=principal,
            action=action,
            resource=resource,
            context=self.request_context(ctx, tags, extra, resource_account),
            resource_account=resource_account,
        )
        decision = evaluate(request, policies)
        ctx.record(request, policies, decision)
        if not decision.allowed:
            raise AccessDenied(self.denial_text(caller, request, decision))
        return decision

    def policies_of(self, caller: Caller) -> tuple[PolicySet, tuple[Tag, ...]]:
        """The caller's compiled policy set and principal tags, cached by version.

        The set holds the SCP chain of the caller's account and the RCP chain
        of that account's resources (:meth:`for_resource` swaps the latter)."""
        version = self._versions(caller.account_id)
        scp, rcp = self._chains(caller, self._org.standing(caller.account_id, version[2]))
        if caller.entity_id is None:
            session = caller.session
            if session is not None and session.kind == "FederatedUser":
                # A federation token the root user issued: root's access, limited
                # by the session policies.
                base = root_federation_policies(self._session_policies(caller))
                return with_chains(base, scp, rcp), session.tags
            return self._derive(("root", caller.account_id), _ROOT_POLICIES, scp, rcp), ()
        session = caller.session
        key = (caller.account_id, caller.entity_id, session.access_key_id if session else "")
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == version:
                self._cache.move_to_end(key)
                return cached[1], cached[2]
        loaded = self._store.principal_policies(caller.account_id, caller.entity_id)
        sessions = self._session_policies(caller)
        # Most writes in an account (or an organization) leave this caller's
        # policies as they were: then the compiled set is reused and only its
        # version stamp moves.
        content = (loaded.identity, loaded.boundary, tuple(map(id, sessions)), scp, rcp)
        if cached is not None and cached[3] == content:
            policy_set = cached[1]
        else:
            policy_set = with_chains(
                PolicySet(
                    identity=[self._named(p) for p in loaded.identity],
                    permissions_boundary=self._named(loaded.boundary) if loaded.boundary else None,
                    session=sessions,
                ),
                scp,
                rcp,
            )
        tags = _merge_tags(loaded.tags, session.tags if session else ())
        with self._lock:
            self._cache[key] = (version, policy_set, tags, content)
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return policy_set, tags

    def for_resource(self, caller: Caller, policies: PolicySet, resource_account: str) -> PolicySet:
        """The caller's set for a resource of ``resource_account``: with that
        account's RCP chain (none for the management account's resources)."""
        if resource_account == caller.account_id:
            return policies
        standing = self.standing(resource_account, caller.account_id)
        rcp = () if is_service_linked(caller.role_arn) else standing.rcp
        if rcp is policies.rcp or (not rcp and not policies.rcp):
            return policies
        return self._derive(("resource", id(policies), resource_account), policies, None, rcp)

    def refuse_closed(
        self, caller: Caller, action: str, resource: str, resource_account: str
    ) -> None:
        """A closed (SUSPENDED) member account can no longer use AWS, nor can
        others use its resources: refuse before any policy is consulted.
        https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html
        """
        for account in dict.fromkeys((caller.account_id, resource_account)):
            if account and self.standing(account, caller.account_id).closed:
                raise AccessDenied(
                    f"User: {caller.arn} is not authorized to perform: {action} on resource: "
                    f"{resource} because account {account} is closed (SUSPENDED)"
                )

    def standing(self, account_id: str, caller_account: str | None = None) -> OrgStanding:
        """Where ``account_id`` stands in AWS Organizations, as of this request's
        snapshot of the organization version (read with ``caller_account``'s)."""
        version = self._versions(caller_account if caller_account else account_id)
        return self._org.standing(account_id, version[2])

    def denial_text(self, caller: Caller, request: Request, decision: Decision) -> str:
        """AWS's message. It names the denying policy's ARN only within the
        account or organization: not an RCP's to a caller from outside.
        https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns
        """
        message = denial_message(request, decision) or "Access denied"
        if (
            decision.denied_by is PolicyType.RCP
            and decision.outcome is Outcome.EXPLICIT_DENY
            and decision.determining
        ):
            mine = self.standing(caller.account_id).organization_id
            owner = self.standing(request.resource_account or caller.account_id, caller.account_id)
            cited = f": {decision.determining[0].policy_id}"
            if (mine is None or mine != owner.organization_id) and message.endswith(cited):
                message = message[: -len(cited)]
        return message

    def _chains(self, caller: Caller, standing: OrgStanding) -> tuple[Chain, Chain]:
        """The SCP chain that binds the caller, and the RCP chain of its own
        account's resources. Service-linked roles are bound by neither."""
        if is_service_linked(caller.role_arn):
            return (), ()
        return standing.scp, standing.rcp

    def _derive(
        self, key: tuple[object, ...], base: PolicySet, scp: Chain | None, rcp: Chain
    ) -> PolicySet:
        """``base`` with ``scp`` (None: base's own) and ``rcp``, remembered under
        ``key`` while base and the chains stay the same objects."""
        scp = base.scp if scp is None else scp
        if scp is base.scp and rcp is base.rcp:
            return base
        with self._lock:
            hit = self._derived.get(key)
            if hit is not None and hit[0] is base and hit[1] is scp and hit[2] is rcp:
                self._derived.move_to_end(key)
                return hit[3]
        derived = with_chains(base, scp, rcp)
        with self._lock:
            self._derived[key] = (base, scp, rcp, derived)
            self._derived.move_to_end(key)
            while len(self._derived) > self._cache_size:
                self._derived.popitem(last=False)
        return derived

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

    def _versions(self, account_id: str) -> tuple[int, int, int]:
        """(account's, aws's, org's version): the request's snapshot when there is one."""
        view = current_view()
        if view is not None and view.store is self._store:
            return view.versions_of(account_id)
        versions = self._store.account_versions([account_id, AWS_ACCOUNT, ORG_ACCOUNT])
        return (
            versions.get(account_id, 0),
            versions.get(AWS_ACCOUNT, 0),
            versions.get(ORG_ACCOUNT, 0),
        )

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

    def request_context(
        self,
        ctx: CallContext,
        tags: tuple[Tag, ...],
        extra: Mapping[str, ContextValue] | None,
        resource_account: str | None = None,
    ) -> dict[str, ContextValue]:
        """:meth:`context_of` with the organization keys of the caller and of
        ``resource_account`` (the account that owns the request's resource)."""
        values = self.context_of(ctx, tags, None)
        if ctx.caller.account_id or resource_account:
            values.update(self.org_keys(ctx.caller.account_id, resource_account))
        if extra:
            values.update((key.lower(), value) for key, value in extra.items())
        return values

    @staticmethod
    def context_of(
        ctx: CallContext, tags: tuple[Tag, ...], extra: Mapping[str, ContextValue] | None
    ) -> dict[str, ContextValue]:
        """The global condition keys AWS puts in every request's context, but
        those that depend on AWS Organizations (:meth:`request_context`).

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

    def org_keys(
        self, principal_account: str | None, resource_account: str | None
    ) -> dict[str, ContextValue]:
        """``aws:ResourceAccount`` and the organization keys, present only for
        an account in an organization (AWS's availability rules):
        ``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths`` (multivalued),
        ``aws:ResourceOrgID``, ``aws:ResourceOrgPaths`` (multivalued)."""
        values: dict[str, ContextValue] = {}
        org_version = self._versions(principal_account or resource_account or "")[2]
        if principal_account:
            values.update(self._org.standing(principal_account, org_version).principal_keys)
        if resource_account:
            values["aws:resourceaccount"] = resource_account
            values.update(self._org.standing(resource_account, org_version).resource_keys)
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
