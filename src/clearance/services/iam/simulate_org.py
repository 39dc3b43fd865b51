"""What AWS Organizations adds when a stored user or role is simulated: the SCP
chain that binds it, the RCP chain of the resource's account, and the
organization context keys, taken from the authorizer exactly as enforcement
takes them (:meth:`Authorizer.policies_of`, :meth:`Authorizer.for_resource`,
:meth:`Authorizer.org_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearance.engine import ContextValue
from clearance.engine.policy_set import PolicyGroup
from clearance.services.context import CallContext, Caller

__all__ = ["Chain", "Organizations", "simulated_caller"]

Chain = tuple[PolicyGroup, ...]


def simulated_caller(
    account_id: str, kind: str, arn: str, name: str, entity_id: str
) -> Caller | None:
    """The caller enforcement would see for a user, or for a session of a role
    (its policies are the role's); None for a group, which never calls."""
    if kind == "user":
        return Caller(account_id, arn, "user", entity_id, "", entity_id, user_name=name)
    if kind == "role":
        return Caller(account_id, arn, "role_session", entity_id, "", entity_id, role_arn=arn)
    return None


@dataclass(slots=True)
class Organizations:
    """The organization side of a principal simulation, per resource account."""

    ctx: CallContext
    caller: Caller
    scp_excluded: bool = False
    rcp_excluded: bool = False
    _chains: dict[str, tuple[Chain, Chain]] = field(default_factory=dict)

    def chains(self, resource_account: str) -> tuple[Chain, Chain]:
        found = self._chains.get(resource_account)
        if found is None:
            authorizer = self.ctx.authorizer
            base, _ = authorizer.policies_of(self.caller)
            policies = authorizer.for_resource(self.caller, base, resource_account)
            found = self._chains[resource_account] = (
                () if self.scp_excluded else policies.scp,
                () if self.rcp_excluded else policies.rcp,
            )
        return found

    def keys(self, resource_account: str) -> dict[str, ContextValue]:
        return self.ctx.authorizer.org_keys(self.caller.account_id, resource_account)
