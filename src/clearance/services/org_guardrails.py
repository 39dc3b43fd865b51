"""Where an account stands in AWS Organizations, as authorization needs it: its
organization id and path (the ``aws:PrincipalOrg*`` / ``aws:ResourceOrg*`` keys)
and the compiled SCP and RCP chains that bind it.

Rules (AWS Organizations User Guide):

- SCPs bind every principal of a member account, its root user included; they
  do not bind the management account, nor service-linked roles.
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
- RCPs bind the resources of member accounts, whoever calls; not the
  management account's resources, nor actions taken by service-linked roles.
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html

The store's view of an account (``Store.organization_view``) is read at most
once per account and organization version: every organization change bumps the
``org`` pseudo-account's version, which each request reads with its own
account's (:meth:`~clearance.services.cache.RequestView.versions_of`). Each
policy is parsed once per process (the caller passes the Authorizer's parse
cache), each chain compiled once per change of that chain.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Any, Protocol

from clearance.engine import ContextValue, NamedPolicy, PolicySet
from clearance.engine.policy_set import PolicyGroup
from clearance.store import PolicyText

__all__ = ["OrgGuardrails", "OrgStanding", "is_service_linked"]

_SERVICE_LINKED = ":role/aws-service-role/"
Chain = tuple[PolicyGroup, ...]
Levels = tuple[tuple[NamedPolicy, ...], ...]


class _OrgPolicy(Protocol):
    @property
    def arn(self) -> str: ...
    @property
    def document(self) -> str: ...


class _OrgView(Protocol):
    """What this module reads of the store's ``AccountOrgView``."""

    @property
    def organization_id(self) -> str: ...
    @property
    def management_account_id(self) -> str: ...
    @property
    def org_path(self) -> str: ...
    @property
    def scp_levels(self) -> Sequence[Sequence[_OrgPolicy]]: ...
    @property
    def rcp_levels(self) -> Sequence[Sequence[_OrgPolicy]]: ...
    @property
    def account_state(self) -> str: ...


@dataclass(frozen=True, slots=True, eq=False)
class OrgStanding:
    """One account's place in its organization (or in none).

    ``scp`` binds the account's principals, ``rcp`` its resources: empty for
    the management account and for an account in no organization.
    ``levels`` are the parsed chains, to tell an unchanged chain after an
    unrelated organization change (its compiled groups are then kept)."""

    account_id: str
    organization_id: str | None = None
    org_path: str | None = None
    management: bool = False
    scp: Chain = ()
    rcp: Chain = ()
    levels: tuple[Levels, Levels] = ((), ())
    closed: bool = False  # CloseAccount made it SUSPENDED: nothing of it may act or be acted on
    # The condition keys it gives a request as the principal's or the
    # resource's account (none outside an organization), built once.
    principal_keys: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_keys: Mapping[str, ContextValue] = field(default_factory=dict)


_NO_ORGANIZATION = OrgStanding("")


def is_service_linked(role_arn: str | None) -> bool:
    """A service-linked role (path ``/aws-service-role/``): no SCP or RCP binds it."""
    return role_arn is not None and _SERVICE_LINKED in role_arn


class OrgGuardrails:
    """Each account's :class:`OrgStanding`, cached per organization version."""

    def __init__(
        self, store: Any, named: Callable[[PolicyText], NamedPolicy], cache_size: int = 4096
    ) -> None:
        # Duck-typed: a store without organizations (or a test fake) has no
        # ``organization_view``, and then no account is in an organization.
        self._read: Callable[[str], _OrgView | None] | None = getattr(
            store, "organization_view", None
        )
        self._named = named
        self._cache: OrderedDict[str, tuple[int, OrgStanding]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def standing(self, account_id: str, org_version: int) -> OrgStanding:
        """The account's standing at ``org_version`` (read from the store when
        the version moved since it was cached)."""
        if not account_id or self._read is None:
            return _NO_ORGANIZATION
        cached = self._cache.get(account_id)
        if cached is not None and cached[0] == org_version:
            return cached[1]
        previous = cached[1] if cached is not None else None
        found = self._load(self._read(account_id), account_id, previous)
        with self._lock:
            self._cache[account_id] = (org_version, found)
            self._cache.move_to_end(account_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found

    def _load(
        self, view: _OrgView | None, account_id: str, previous: OrgStanding | None
    ) -> OrgStanding:
        if view is None:
            return OrgStanding(account_id)
        management = view.management_account_id == account_id
        scp_levels: Levels = () if management else self._parse(view.scp_levels)
        rcp_levels: Levels = () if management else self._parse(view.rcp_levels)
        if previous is not None and previous.levels == (scp_levels, rcp_levels):
            scp, rcp = previous.scp, previous.rcp  # unchanged: keep the compiled groups
        else:
            compiled = PolicySet(scp=scp_levels, rcp=rcp_levels)
            scp, rcp = compiled.scp, compiled.rcp
        paths = (view.org_path,) if view.org_path else ()
        return OrgStanding(
            account_id=account_id,
            organization_id=view.organization_id,
            org_path=view.org_path,
            management=management,
            scp=scp,
            rcp=rcp,
            levels=(scp_levels, rcp_levels),
            closed=view.account_state == "SUSPENDED",
            principal_keys={
                "aws:principalorgid": view.organization_id,
                "aws:principalorgpaths": paths,
            },
            resource_keys={
                "aws:resourceorgid": view.organization_id,
                "aws:resourceorgpaths": paths,
            },
        )

    def _parse(self, levels: Sequence[Sequence[_OrgPolicy]]) -> Levels:
        # The ARN is the policy's id: denial messages cite it as AWS does.
        return tuple(
            tuple(self._named(PolicyText(p.arn, p.document)) for p in level) for level in levels
        )
