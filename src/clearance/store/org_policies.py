"""AWS Organizations' policies: SCPs and RCPs, policy types on the root, attachments.

Documents are stored as given; the service layer validates them (as SCP/RCP) first.
AWS managed ``FullAWSAccess`` / ``RCPFullAWSAccess`` have no row: they are
constants attached to the root, every OU and every account while their policy
type is enabled (organizations/latest/userguide/orgs_manage_policies_scps.html).
"Every root, OU, and account must have at least one SCP attached"
(APIReference/API_DetachPolicy.html); RCPFullAWSAccess cannot be detached
(orgs_manage_policies_rcps.html).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clearance.store.org_common import ORG_VERSION_ACCOUNT, OrgStoreBase, node_kind
from clearance.store.org_errors import (
    AWSOrganizationsNotInUse,
    ConstraintViolation,
    DuplicatePolicy,
    DuplicatePolicyAttachment,
    InvalidInputException,
    PolicyInUse,
    PolicyNotAttached,
    PolicyTypeAlreadyEnabled,
    PolicyTypeNotEnabled,
    RootNotFound,
)
from clearance.store.org_records import (
    FULL_AWS_ACCESS,
    RCP,
    RCP_FULL_AWS_ACCESS,
    SCP,
    Organization,
    OrgPolicySummary,
    OrgRoot,
    PolicyTarget,
    org_arn,
)
from clearance.store.org_schema import (
    org_accounts,
    org_policies,
    org_policy_attachments,
    org_roots,
    org_units,
)

__all__ = ["OrgPoliciesMixin"]

_FLAG = {SCP: "scp_enabled", RCP: "rcp_enabled"}
_DEFAULT = {SCP: FULL_AWS_ACCESS, RCP: RCP_FULL_AWS_ACCESS}
_MANAGED_IS_READ_ONLY = "You can't modify or delete an AWS managed policy."


class OrgPoliciesMixin(OrgStoreBase):
    def _org(self, conn: Connection, organization_id: str) -> Organization:
        org = self._load_org(conn, organization_id)
        if org is None:
            raise AWSOrganizationsNotInUse()
        return org

    def _org_and_root(
        self, conn: Connection, organization_id: str, root_id: str
    ) -> tuple[Organization, Any]:
        """The organization and its root row, when ``root_id`` names that root."""
        org = self._org(conn, organization_id)
        root = self._root_row(conn, organization_id)
        if root.id != root_id:
            raise RootNotFound()
        return org, root

    # -- policy types on the root ------------------------------------------------------

    def enable_org_policy_type(
        self, organization_id: str, root_id: str, policy_type: str
    ) -> OrgRoot:
        """EnablePolicyType: the AWS managed default policy attached everywhere."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org, root = self._org_and_root(conn, organization_id, root_id)
            if getattr(root, _FLAG[policy_type]):
                raise PolicyTypeAlreadyEnabled()
            conn.execute(
                sa.update(org_roots)
                .where(org_roots.c.id == root_id)
                .values({_FLAG[policy_type]: True})
            )
            units = conn.execute(
                sa.select(org_units.c.id).where(org_units.c.organization_id == organization_id)
            )
            members = conn.execute(
                sa.select(org_accounts.c.account_id).where(
                    org_accounts.c.organization_id == organization_id
                )
            )
            targets = [root_id, *(row[0] for row in units), *(row[0] for row in members)]
            default = _DEFAULT[policy_type]
            conn.execute(
                sa.insert(org_policy_attachments),
                [
                    {
                        "policy_id": default.id,
                        "target_id": target,
                        "organization_id": organization_id,
                        "policy_type": policy_type,
                        "created_at": tx.now,
                    }
                    for target in targets
                ],
            )
            return self._root(self._root_row(conn, organization_id), org.management_account_id)

    def disable_org_policy_type(
        self, organization_id: str, root_id: str, policy_type: str
    ) -> OrgRoot:
        """DisablePolicyType: every policy of the type detached from every target."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org, root = self._org_and_root(conn, organization_id, root_id)
            if not getattr(root, _FLAG[policy_type]):
                raise PolicyTypeNotEnabled()
            conn.execute(
                sa.delete(org_policy_attachments).where(
                    org_policy_attachments.c.organization_id == organization_id,
                    org_policy_attachments.c.policy_type == policy_type,
                )
            )
            conn.execute(
                sa.update(org_roots)
                .where(org_roots.c.id == root_id)
                .values({_FLAG[policy_type]: False})
            )
            return self._root(self._root_row(conn, organization_id), org.management_account_id)

    # -- policies ----------------------------------------------------------------------

    def create_org_policy(
        self, organization_id: str, policy_type: str, name: str, description: str, document: str
    ) -> OrgPolicySummary:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._org(conn, organization_id)
            self._check_policy_name(conn, organization_id, policy_type, name)
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(org_policies)
                .where(
                    org_policies.c.organization_id == organization_id,
                    org_policies.c.type == policy_type,
                )
            ).scalar_one()
            if count >= self.org_quotas.policies_per_type:
                raise ConstraintViolation(
                    "POLICY_NUMBER_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of policies that you can have in an "
                    "organization.",
                )
            policy_id = "p-" + self._org_token(8)
            values = {
                "id": policy_id,
                "organization_id": organization_id,
                "type": policy_type,
                "name": name,
                "description": description,
                "document": document,
                "created_at": tx.now,
            }
            conn.execute(sa.insert(org_policies).values(values))
            return self._policy(_Values(values), org.management_account_id)

    def _check_policy_name(
        self, conn: Connection, organization_id: str, policy_type: str, name: str
    ) -> None:
        taken = conn.execute(
            sa.select(org_policies.c.id).where(
                org_policies.c.organization_id == organization_id,
                org_policies.c.type == policy_type,
                org_policies.c.name == name,
            )
        ).first()
        if taken is not None or any(
            p.name == name and p.type == policy_type for p in _DEFAULT.values()
        ):
            raise DuplicatePolicy()

    def get_org_policy(self, organization_id: str, policy_id: str) -> OrgPolicySummary:
        with self._read() as conn:
            return self._policy_row(conn, self._org(conn, organization_id), policy_id)

    def update_org_policy(
        self,
        organization_id: str,
        policy_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        document: str | None = None,
    ) -> OrgPolicySummary:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._org(conn, organization_id)
            current = self._policy_row(conn, org, policy_id)
            if current.aws_managed:
                raise InvalidInputException(_MANAGED_IS_READ_ONLY)
            changes: dict[str, str] = {}
            if name is not None and name != current.name:
                self._check_policy_name(conn, organization_id, current.type, name)
                changes["name"] = name
            if description is not None:
                changes["description"] = description
            if document is not None:
                changes["document"] = document
            if changes:
                conn.execute(
                    sa.update(org_policies).where(org_policies.c.id == policy_id).values(changes)
                )
            return self._policy_row(conn, org, policy_id)

    def delete_org_policy(self, organization_id: str, policy_id: str) -> None:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            policy = self._policy_row(conn, self._org(conn, organization_id), policy_id)
            if policy.aws_managed:
                raise InvalidInputException(_MANAGED_IS_READ_ONLY)
            if conn.execute(
                sa.select(org_policy_attachments.c.target_id).where(
                    org_policy_attachments.c.policy_id == policy_id
                )
            ).first():
                raise PolicyInUse()
            conn.execute(sa.delete(org_policies).where(org_policies.c.id == policy_id))

    def list_org_policies(
        self, organization_id: str, policy_type: str
    ) -> tuple[OrgPolicySummary, ...]:
        """ListPolicies(Filter): the AWS managed one first, then by name."""
        with self._read() as conn:
            org = self._org(conn, organization_id)
            rows = conn.execute(
                sa.select(org_policies)
                .where(
                    org_policies.c.organization_id == organization_id,
                    org_policies.c.type == policy_type,
                )
                .order_by(org_policies.c.name, org_policies.c.id)
            )
            customer = [self._policy(row, org.management_account_id) for row in rows]
            return (_DEFAULT[policy_type], *customer)

    # -- attachments -------------------------------------------------------------------

    def attach_org_policy(self, organization_id: str, policy_id: str, target_id: str) -> None:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._org(conn, organization_id)
            policy = self._policy_row(conn, org, policy_id)
            self._require_target(conn, organization_id, target_id)
            if not getattr(self._root_row(conn, organization_id), _FLAG[policy.type]):
                raise PolicyTypeNotEnabled()
            attached = self._attached_ids(conn, target_id, policy.type)
            if policy_id in attached:
                raise DuplicatePolicyAttachment()
            limit = (
                self.org_quotas.scps_per_target
                if policy.type == SCP
                else self.org_quotas.rcps_per_target
            )
            if len(attached) >= limit:
                raise ConstraintViolation(
                    "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of policies of a certain type that can be "
                    "attached to an entity at one time.",
                )
            conn.execute(
                sa.insert(org_policy_attachments).values(
                    policy_id=policy_id,
                    target_id=target_id,
                    organization_id=organization_id,
                    policy_type=policy.type,
                    created_at=tx.now,
                )
            )

    def detach_org_policy(self, organization_id: str, policy_id: str, target_id: str) -> None:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._org(conn, organization_id)
            policy = self._policy_row(conn, org, policy_id)
            self._require_target(conn, organization_id, target_id)
            attached = self._attached_ids(conn, target_id, policy.type)
            if policy_id not in attached:
                raise PolicyNotAttached()
            if (policy.type == SCP and len(attached) == 1) or policy_id == RCP_FULL_AWS_ACCESS.id:
                raise ConstraintViolation(
                    "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to detach a policy from an entity that would cause the entity "
                    "to have fewer than the minimum number of policies of a certain type required.",
                )
            conn.execute(
                sa.delete(org_policy_attachments).where(
                    org_policy_attachments.c.policy_id == policy_id,
                    org_policy_attachments.c.target_id == target_id,
                )
            )

    def _attached_ids(self, conn: Connection, target_id: str, policy_type: str) -> list[str]:
        rows = conn.execute(
            sa.select(org_policy_attachments.c.policy_id).where(
                org_policy_attachments.c.target_id == target_id,
                org_policy_attachments.c.policy_type == policy_type,
            )
        )
        return [row[0] for row in rows]

    def list_org_policies_for_target(
        self, organization_id: str, target_id: str, policy_type: str
    ) -> tuple[OrgPolicySummary, ...]:
        with self._read() as conn:
            org = self._org(conn, organization_id)
            self._require_target(conn, organization_id, target_id)
            ids = sorted(self._attached_ids(conn, target_id, policy_type))
            return tuple(self._policy_row(conn, org, policy_id) for policy_id in ids)

    def list_org_policy_targets(
        self, organization_id: str, policy_id: str
    ) -> tuple[PolicyTarget, ...]:
        with self._read() as conn:
            org = self._org(conn, organization_id)
            self._policy_row(conn, org, policy_id)
            rows = conn.execute(
                sa.select(org_policy_attachments.c.target_id)
                .where(
                    org_policy_attachments.c.policy_id == policy_id,
                    org_policy_attachments.c.organization_id == organization_id,
                )
                .order_by(org_policy_attachments.c.created_at, org_policy_attachments.c.target_id)
            )
            return tuple(self._target(conn, org, row[0]) for row in rows)

    def _target(self, conn: Connection, org: Organization, target_id: str) -> PolicyTarget:
        kind = node_kind(target_id) or "ACCOUNT"
        arn_kind = {"ROOT": "root", "ORGANIZATIONAL_UNIT": "ou", "ACCOUNT": "account"}[kind]
        arn = org_arn(org.management_account_id, arn_kind, org.id, target_id)
        return PolicyTarget(target_id, arn, self._node_name(conn, org.id, target_id), kind)


class _Values:
    """A dict read like a row (``values.name``)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
