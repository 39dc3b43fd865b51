"""STS sessions: temporary credentials (``ASIA…`` key, secret, session token).

The secret is sealed like a long-term key's; of the token only its SHA-256 is
kept (authentication hashes the presented token and compares). Creating and
ending sessions does not bump the account version: a session changes no other
principal's authorization, and AssumeRole must not invalidate every cache.
Deleting the role or user behind a session deletes the session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clearance.store.base import StoreBase
from clearance.store.errors import InvalidInput, NoSuchEntity
from clearance.store.ids import SESSION_KEY_PREFIX
from clearance.store.records import NewSession, Session, SessionSpec, Tag, token_hash
from clearance.store.schema import accounts, roles, sessions, users

__all__ = ["SessionsMixin", "session_record"]

_KINDS = ("AssumedRole", "FederatedUser", "SessionToken")


def session_record(m: Mapping[Any, Any]) -> Session:
    """A session from a row's mapping (or the values just inserted)."""
    return Session(
        access_key_id=m["access_key_id"],
        account_id=m["account_id"],
        kind=m["kind"],
        principal_arn=m["principal_arn"],
        principal_id=m["principal_id"],
        created=m["created_at"],
        expires=m["expires_at"],
        role_id=m["role_id"],
        user_id=m["user_id"],
        session_name=m["session_name"],
        source_identity=m["source_identity"],
        mfa_present=m["mfa_present"],
        mfa_authenticated=m["mfa_authenticated_at"],
        session_policy=m["session_policy"],
        policy_arns=tuple(json.loads(m["policy_arns"])),
        tags=tuple(Tag(k, v) for k, v in json.loads(m["tags"])),
        transitive_tag_keys=tuple(json.loads(m["transitive_tag_keys"])),
        federated_provider=m["federated_provider"],
        source_access_key_id=m["source_access_key_id"],
        attributes=json.loads(m["attributes"]),
        token_hash=m["token_hash"],
    )


class SessionsMixin(StoreBase):
    def create_session(self, spec: SessionSpec) -> NewSession:
        """Store a session STS has decided on; returns its new credentials."""
        if spec.kind not in _KINDS:
            raise InvalidInput(f"Unknown session kind {spec.kind}.")
        key_id = self._ids.access_key_id(SESSION_KEY_PREFIX)
        secret = self._ids.secret_access_key()
        token = self._ids.session_token()
        with self._write(None, bump=False) as tx:
            conn = tx.conn
            checks = [(accounts, spec.account_id, "account")]
            if spec.role_id is not None:
                checks.append((roles, spec.role_id, "role"))
            if spec.user_id is not None:
                checks.append((users, spec.user_id, "user"))
            for table, entity_id, noun in checks:
                column = table.c.id
                owner = table.c.id if table is accounts else table.c.account_id
                found = conn.execute(
                    sa.select(column).where(column == entity_id, owner == spec.account_id)
                ).first()
                if found is None:
                    raise NoSuchEntity(f"The {noun} with id {entity_id} cannot be found.")
            row = {
                "access_key_id": key_id,
                "account_id": spec.account_id,
                "secret": self._box.seal(secret, key_id),
                "token_hash": token_hash(token),
                "kind": spec.kind,
                "principal_arn": spec.principal_arn,
                "principal_id": spec.principal_id,
                "role_id": spec.role_id,
                "user_id": spec.user_id,
                "session_name": spec.session_name,
                "source_identity": spec.source_identity,
                "mfa_present": spec.mfa_present,
                "mfa_authenticated_at": spec.mfa_authenticated,
                "session_policy": spec.session_policy,
                "policy_arns": json.dumps(list(spec.policy_arns)),
                "tags": json.dumps([[tag.key, tag.value] for tag in spec.tags]),
                "transitive_tag_keys": json.dumps(list(spec.transitive_tag_keys)),
                "federated_provider": spec.federated_provider,
                "source_access_key_id": spec.source_access_key_id,
                "attributes": json.dumps(dict(spec.attributes), sort_keys=True),
                "created_at": tx.now,
                "expires_at": spec.expires,
            }
            conn.execute(sa.insert(sessions).values(**row))
            return NewSession(session_record(row), secret, token)

    def get_session(self, access_key_id: str) -> Session | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(sessions).where(sessions.c.access_key_id == access_key_id)
            ).first()
            return None if row is None else session_record(row._mapping)

    def delete_session(self, access_key_id: str) -> bool:
        """End a session now; False if there was none."""
        with self._write(None, bump=False) as tx:
            removed = tx.conn.execute(
                sa.delete(sessions).where(sessions.c.access_key_id == access_key_id)
            ).rowcount
            return bool(removed)

    def delete_expired_sessions(self, before: datetime | None = None) -> int:
        """Remove sessions that expired before ``before`` (default: now); how many."""
        with self._write(None, bump=False) as tx:
            cutoff = before or tx.now
            return int(
                tx.conn.execute(sa.delete(sessions).where(sessions.c.expires_at < cutoff)).rowcount
            )
