"""AWS Organizations: organizations, the root, OUs, member accounts, and the view of an
account's organization that authorization needs (:meth:`organization_view`).

Every write bumps the pseudo-account ``org``'s version (:data:`ORG_VERSION_ACCOUNT`),
which also serializes organization writes. Ids are AWS's formats: ``o-`` and 10
characters, ``r-`` and 4, ``ou-<root's 4>-<8>``, ``car-`` and 32
(organizations/latest/APIReference/API_Organization.html and siblings).

CreateAccount makes a real Clearance account without root access keys (AWS's
new member accounts have none either) and the role ``OrganizationAccountAccessRole``
(or ``RoleName``) trusting the management account, with the inline policy
``AdministratorAccess`` allowing everything, as AWS creates it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clearance.store.org_common import ORG_VERSION_ACCOUNT, OrgStoreBase
from clearance.store.org_errors import (
    AccountAlreadyClosed,
    AccountNotFound,
    AlreadyInOrganization,
    AWSOrganizationsNotInUse,
    ConstraintViolation,
    CreateAccountStatusNotFound,
    DestinationParentNotFound,
    DuplicateAccount,
    DuplicateOrganizationalUnit,
    MasterCannotLeaveOrganization,
    OrganizationalUnitNotEmpty,
    OrganizationalUnitNotFound,
    OrganizationNotEmpty,
    ParentNotFound,
    SourceParentNotFound,
)
from clearance.store.org_records import (
    AWS_MANAGED_POLICIES,
    RCP,
    SCP,
    AccountOrgView,
    CreateAccountStatus,
    OrgAccount,
    Organization,
    OrgPolicy,
    OrgRoot,
    OrgUnit,
)
from clearance.store.org_schema import (
    org_accounts,
    org_create_account_status,
    org_policies,
    org_policy_attachments,
    org_roots,
    org_units,
    organizations,
)
from clearance.store.schema import accounts

__all__ = ["ORG_VERSION_ACCOUNT", "AccountOrgView", "OrgPolicy", "OrganizationsMixin"]

ADMIN_POLICY_NAME = "AdministratorAccess"
_ADMIN_DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _trust(management_account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{management_account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


class _RoleWriter(Protocol):
    def create_role(self, account_id: str, name: str, assume_role_policy: str) -> Any: ...

    def put_role_policy(
        self, account_id: str, role_name: str, name: str, document: str
    ) -> None: ...


def _status(row: Any) -> CreateAccountStatus:
    return CreateAccountStatus(
        row.id,
        row.account_name,
        row.state,
        row.requested_at,
        row.completed_at,
        row.account_id,
        row.failure_reason,
    )


class OrganizationsMixin(OrgStoreBase):
    # -- the organization --------------------------------------------------------------

    def create_organization(
        self, account_id: str, management_email: str, feature_set: str = "ALL"
    ) -> Organization:
        """CreateOrganization: ``account_id`` becomes the management account, in a new root."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            if self._org_of_account(conn, account_id) is not None:
                raise AlreadyInOrganization()
            organization_id = "o-" + self._org_token(10)
            root_id = "r-" + self._org_token(4)
            conn.execute(
                sa.insert(organizations).values(
                    id=organization_id,
                    management_account_id=account_id,
                    feature_set=feature_set,
                    created_at=tx.now,
                )
            )
            conn.execute(
                sa.insert(org_roots).values(
                    id=root_id,
                    organization_id=organization_id,
                    name="Root",
                    scp_enabled=False,
                    rcp_enabled=False,
                )
            )
            self._insert_member(
                conn, organization_id, account_id, root_id, account_id, management_email, tx.now
            )
            org = self._load_org(conn, organization_id)
            assert org is not None
            return org

    def get_organization(self, account_id: str) -> Organization:
        """The organization ``account_id`` belongs to; AWSOrganizationsNotInUseException if none."""
        with self._read() as conn:
            org = self._org_of_account(conn, account_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            return org

    def delete_organization(self, organization_id: str) -> None:
        """DeleteOrganization: only when the management account is its only account."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            members = conn.execute(
                sa.select(sa.func.count())
                .select_from(org_accounts)
                .where(org_accounts.c.organization_id == organization_id)
            ).scalar_one()
            if members > 1:
                raise OrganizationNotEmpty()
            for table in (
                org_policy_attachments,
                org_policies,
                org_create_account_status,
                org_accounts,
                org_units,
                org_roots,
            ):
                conn.execute(sa.delete(table).where(table.c.organization_id == organization_id))
            conn.execute(sa.delete(organizations).where(organizations.c.id == organization_id))

    def list_org_roots(self, organization_id: str) -> tuple[OrgRoot, ...]:
        with self._read() as conn:
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            return (self._root(self._root_row(conn, organization_id), org.management_account_id),)

    # -- accounts ----------------------------------------------------------------------

    def _insert_member(
        self,
        conn: Connection,
        organization_id: str,
        account_id: str,
        parent_id: str,
        name: str,
        email: str,
        now: datetime,
        joined_method: str = "CREATED",
    ) -> None:
        conn.execute(
            sa.insert(org_accounts).values(
                account_id=account_id,
                organization_id=organization_id,
                parent_id=parent_id,
                name=name,
                email=email,
                email_lower=email.lower(),
                state="ACTIVE",
                joined_method=joined_method,
                joined_at=now,
            )
        )

    def create_org_account(
        self,
        organization_id: str,
        name: str,
        email: str,
        role_name: str = "OrganizationAccountAccessRole",
    ) -> CreateAccountStatus:
        """CreateAccount, completed at once: a SUCCEEDED status with the new account's
        id, or a FAILED one (EMAIL_ALREADY_EXISTS, ACCOUNT_LIMIT_EXCEEDED) as AWS
        reports failures in the request's status."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            request_id = "car-" + self._org_token(32)
            failure = self._creation_failure(conn, organization_id, email)
            new_id = None if failure else self._unused_account_number(conn)
            conn.execute(
                sa.insert(org_create_account_status).values(
                    id=request_id,
                    organization_id=organization_id,
                    account_name=name,
                    state="FAILED" if failure else "SUCCEEDED",
                    requested_at=tx.now,
                    completed_at=tx.now,
                    account_id=new_id,
                    failure_reason=failure,
                )
            )
            if new_id is not None:
                conn.execute(sa.insert(accounts).values(id=new_id, version=1, created_at=tx.now))
                root = self._root_row(conn, organization_id)
                self._insert_member(conn, organization_id, new_id, root.id, name, email, tx.now)
                self._attach_defaults(conn, organization_id, root, new_id, tx.now)
            status = CreateAccountStatus(
                request_id,
                name,
                "FAILED" if failure else "SUCCEEDED",
                tx.now,
                tx.now,
                new_id,
                failure,
            )
        if new_id is not None:
            # The role the management account administers the new account through.
            self._create_role_for(new_id, role_name, org.management_account_id)
        return status

    def _create_role_for(self, account_id: str, role_name: str, management_account_id: str) -> None:
        roles = cast(_RoleWriter, self)  # RolesMixin and InlinePoliciesMixin, on Store
        roles.create_role(account_id, role_name, _trust(management_account_id))
        roles.put_role_policy(account_id, role_name, ADMIN_POLICY_NAME, _ADMIN_DOCUMENT)

    def _creation_failure(self, conn: Connection, organization_id: str, email: str) -> str | None:
        taken = conn.execute(
            sa.select(org_accounts.c.account_id).where(org_accounts.c.email_lower == email.lower())
        ).first()
        if taken is not None:
            return "EMAIL_ALREADY_EXISTS"
        count = conn.execute(
            sa.select(sa.func.count())
            .select_from(org_accounts)
            .where(org_accounts.c.organization_id == organization_id)
        ).scalar_one()
        if count >= self.org_quotas.accounts_per_organization:
            return "ACCOUNT_LIMIT_EXCEEDED"
        return None

    def _unused_account_number(self, conn: Connection) -> str:
        while True:
            candidate = self._new_account_number()
            if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == candidate)).first():
                continue
            return candidate

    def get_create_account_status(
        self, organization_id: str, request_id: str
    ) -> CreateAccountStatus:
        with self._read() as conn:
            row = conn.execute(
                sa.select(org_create_account_status).where(
                    org_create_account_status.c.id == request_id,
                    org_create_account_status.c.organization_id == organization_id,
                )
            ).first()
            if row is None:
                raise CreateAccountStatusNotFound()
            return _status(row)

    def list_create_account_statuses(
        self, organization_id: str, states: tuple[str, ...] = ()
    ) -> tuple[CreateAccountStatus, ...]:
        table = org_create_account_status
        query = sa.select(table).where(table.c.organization_id == organization_id)
        if states:
            query = query.where(table.c.state.in_(states))
        with self._read() as conn:
            rows = conn.execute(query.order_by(table.c.requested_at, table.c.id))
            return tuple(_status(row) for row in rows)

    def get_org_account(self, organization_id: str, account_id: str) -> OrgAccount:
        with self._read() as conn:
            org = self._load_org(conn, organization_id)
            row = self._member_row(conn, organization_id, account_id)
            if org is None or row is None:
                raise AccountNotFound()
            return self._member(row, org.management_account_id)

    def list_org_accounts(
        self, organization_id: str, parent_id: str | None = None
    ) -> tuple[OrgAccount, ...]:
        """ListAccounts (every account), or ListAccountsForParent."""
        with self._read() as conn:
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            if parent_id is not None and not self._is_parent(conn, organization_id, parent_id):
                raise ParentNotFound()
            query = sa.select(org_accounts).where(org_accounts.c.organization_id == organization_id)
            if parent_id is not None:
                query = query.where(org_accounts.c.parent_id == parent_id)
            rows = conn.execute(query.order_by(org_accounts.c.joined_at, org_accounts.c.account_id))
            return tuple(self._member(row, org.management_account_id) for row in rows)

    def _is_parent(self, conn: Connection, organization_id: str, parent_id: str) -> bool:
        return self._node_exists(conn, organization_id, parent_id) in (
            "ROOT",
            "ORGANIZATIONAL_UNIT",
        )

    def move_org_account(
        self, organization_id: str, account_id: str, source_id: str, destination_id: str
    ) -> None:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            row = self._member_row(conn, organization_id, account_id)
            if row is None:
                raise AccountNotFound()
            if not self._is_parent(conn, organization_id, source_id):
                raise SourceParentNotFound()
            if not self._is_parent(conn, organization_id, destination_id):
                raise DestinationParentNotFound()
            if row.parent_id != source_id:
                raise AccountNotFound()  # AWS: the account is not under the source parent
            if source_id == destination_id:
                raise DuplicateAccount()
            conn.execute(
                sa.update(org_accounts)
                .where(org_accounts.c.account_id == account_id)
                .values(parent_id=destination_id)
            )

    def remove_org_account(self, organization_id: str, account_id: str) -> None:
        """RemoveAccountFromOrganization: the account stays, standalone."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            if org is None or self._member_row(conn, organization_id, account_id) is None:
                raise AccountNotFound()
            if account_id == org.management_account_id:
                raise MasterCannotLeaveOrganization()
            conn.execute(
                sa.delete(org_policy_attachments).where(
                    org_policy_attachments.c.target_id == account_id
                )
            )
            conn.execute(sa.delete(org_accounts).where(org_accounts.c.account_id == account_id))

    def close_org_account(self, organization_id: str, account_id: str) -> None:
        """CloseAccount, at once: the account stays in the organization, SUSPENDED."""
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            row = self._member_row(conn, organization_id, account_id)
            if org is None or row is None:
                raise AccountNotFound()
            if account_id == org.management_account_id:
                raise ConstraintViolation(
                    "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
                    "You attempted to close the management account. To close the management "
                    "account for the organization, you must first either remove or close all "
                    "member accounts in the organization.",
                )
            if row.state != "ACTIVE":
                raise AccountAlreadyClosed()
            conn.execute(
                sa.update(org_accounts)
                .where(org_accounts.c.account_id == account_id)
                .values(state="SUSPENDED")
            )
            self._bump(conn, account_id)  # the account's own caches: its keys stop working

    # -- organizational units ----------------------------------------------------------

    def create_org_unit(self, organization_id: str, parent_id: str, name: str) -> OrgUnit:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            kind = self._node_exists(conn, organization_id, parent_id)
            if kind not in ("ROOT", "ORGANIZATIONAL_UNIT"):
                raise ParentNotFound()
            depth = (
                1 if kind == "ROOT" else self._unit_row(conn, organization_id, parent_id).depth + 1
            )
            if depth > self.org_quotas.ou_depth:
                raise ConstraintViolation(
                    "OU_DEPTH_LIMIT_EXCEEDED",
                    "You attempted to create an OU tree that is too many levels deep.",
                )
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(org_units)
                .where(org_units.c.organization_id == organization_id)
            ).scalar_one()
            if count >= self.org_quotas.ous_per_organization:
                raise ConstraintViolation(
                    "OU_NUMBER_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of OUs that you can have in an "
                    "organization.",
                )
            self._check_unit_name(conn, parent_id, name)
            root = self._root_row(conn, organization_id)
            unit_id = f"ou-{root.id[2:]}-{self._org_token(8)}"
            conn.execute(
                sa.insert(org_units).values(
                    id=unit_id,
                    organization_id=organization_id,
                    parent_id=parent_id,
                    name=name,
                    depth=depth,
                    created_at=tx.now,
                )
            )
            self._attach_defaults(conn, organization_id, root, unit_id, tx.now)
            return OrgUnit(
                unit_id, organization_id, org.management_account_id, parent_id, name, depth
            )

    def _check_unit_name(self, conn: Connection, parent_id: str, name: str) -> None:
        taken = conn.execute(
            sa.select(org_units.c.id).where(
                org_units.c.parent_id == parent_id, org_units.c.name == name
            )
        ).first()
        if taken is not None:
            raise DuplicateOrganizationalUnit()

    def get_org_unit(self, organization_id: str, unit_id: str) -> OrgUnit:
        with self._read() as conn:
            org = self._load_org(conn, organization_id)
            row = self._unit_row(conn, organization_id, unit_id)
            if org is None or row is None:
                raise OrganizationalUnitNotFound()
            return self._unit(row, org.management_account_id)

    def update_org_unit(self, organization_id: str, unit_id: str, name: str) -> OrgUnit:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            org = self._load_org(conn, organization_id)
            row = self._unit_row(conn, organization_id, unit_id)
            if org is None or row is None:
                raise OrganizationalUnitNotFound()
            if name != row.name:
                self._check_unit_name(conn, row.parent_id, name)
                conn.execute(
                    sa.update(org_units).where(org_units.c.id == unit_id).values(name=name)
                )
            return OrgUnit(
                unit_id, organization_id, org.management_account_id, row.parent_id, name, row.depth
            )

    def delete_org_unit(self, organization_id: str, unit_id: str) -> None:
        with self._write(ORG_VERSION_ACCOUNT) as tx:
            conn = tx.conn
            if self._unit_row(conn, organization_id, unit_id) is None:
                raise OrganizationalUnitNotFound()
            for table in (org_units, org_accounts):
                if conn.execute(
                    sa.select(table.c.parent_id).where(table.c.parent_id == unit_id)
                ).first():
                    raise OrganizationalUnitNotEmpty()
            conn.execute(
                sa.delete(org_policy_attachments).where(
                    org_policy_attachments.c.target_id == unit_id
                )
            )
            conn.execute(sa.delete(org_units).where(org_units.c.id == unit_id))

    def list_org_units(self, organization_id: str, parent_id: str) -> tuple[OrgUnit, ...]:
        """ListOrganizationalUnitsForParent."""
        with self._read() as conn:
            org = self._load_org(conn, organization_id)
            if org is None:
                raise AWSOrganizationsNotInUse()
            if not self._is_parent(conn, organization_id, parent_id):
                raise ParentNotFound()
            rows = conn.execute(
                sa.select(org_units)
                .where(org_units.c.parent_id == parent_id)
                .order_by(org_units.c.created_at, org_units.c.id)
            )
            return tuple(self._unit(row, org.management_account_id) for row in rows)

    def get_org_parent(self, organization_id: str, child_id: str) -> tuple[str, str]:
        """ListParents' one entry: (parent id, ROOT | ORGANIZATIONAL_UNIT)."""
        with self._read() as conn:
            if child_id.startswith("ou-"):
                row = self._unit_row(conn, organization_id, child_id)
                if row is None:
                    raise OrganizationalUnitNotFound()
            else:
                row = self._member_row(conn, organization_id, child_id)
                if row is None:
                    raise AccountNotFound()
            parent = str(row.parent_id)
            return parent, "ROOT" if parent.startswith("r-") else "ORGANIZATIONAL_UNIT"

    # -- the view authorization reads --------------------------------------------------

    def organization_view(self, account_id: str) -> AccountOrgView | None:
        """The account's organization, path and SCP/RCP chains (None: in no organization)."""
        with self._read() as conn:
            member = conn.execute(
                sa.select(
                    org_accounts.c.parent_id,
                    org_accounts.c.state,
                    organizations.c.id,
                    organizations.c.management_account_id,
                    org_roots.c.id.label("root_id"),
                    org_roots.c.scp_enabled,
                    org_roots.c.rcp_enabled,
                )
                .join(organizations, organizations.c.id == org_accounts.c.organization_id)
                .join(org_roots, org_roots.c.organization_id == organizations.c.id)
                .where(org_accounts.c.account_id == account_id)
            ).first()
            if member is None:
                return None
            units: list[str] = []
            parent = str(member.parent_id)
            while parent.startswith("ou-"):
                units.insert(0, parent)
                parent = str(
                    conn.execute(
                        sa.select(org_units.c.parent_id).where(org_units.c.id == parent)
                    ).scalar_one()
                )
            nodes = [str(member.root_id), *units, account_id]
            attached = self._attached_policies(
                conn, str(member.id), nodes, member.management_account_id
            )
        path = "/".join([member.id, *nodes[:-1]]) + "/"

        def levels(kind: str, enabled: Any) -> tuple[tuple[OrgPolicy, ...], ...]:
            if not enabled:
                return ()
            return tuple(tuple(attached.get((node, kind), ())) for node in nodes)

        return AccountOrgView(
            organization_id=member.id,
            management_account_id=member.management_account_id,
            org_path=path,
            scp_levels=levels(SCP, member.scp_enabled),
            rcp_levels=levels(RCP, member.rcp_enabled),
            account_state=member.state,
        )

    def _attached_policies(
        self, conn: Connection, organization_id: str, nodes: list[str], management: str
    ) -> dict[tuple[str, str], list[OrgPolicy]]:
        rows = conn.execute(
            sa.select(
                org_policy_attachments.c.target_id,
                org_policy_attachments.c.policy_id,
                org_policy_attachments.c.policy_type,
                org_policies.c.name,
                org_policies.c.document,
            )
            .select_from(
                org_policy_attachments.outerjoin(
                    org_policies, org_policies.c.id == org_policy_attachments.c.policy_id
                )
            )
            .where(
                org_policy_attachments.c.organization_id == organization_id,
                org_policy_attachments.c.target_id.in_(nodes),
            )
            .order_by(org_policy_attachments.c.policy_id)
        )
        found: dict[tuple[str, str], list[OrgPolicy]] = {}
        for row in rows:
            managed = AWS_MANAGED_POLICIES.get(row.policy_id)
            if managed is not None:
                policy = OrgPolicy(managed.id, managed.arn, managed.name, managed.document)
            else:
                kind = row.policy_type.lower()
                arn = (
                    f"arn:aws:organizations::{management}:policy/{organization_id}/"
                    f"{kind}/{row.policy_id}"
                )
                policy = OrgPolicy(row.policy_id, arn, row.name, row.document)
            found.setdefault((row.target_id, row.policy_type), []).append(policy)
        return found
