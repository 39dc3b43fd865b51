"""STS sessions: temporary keys, token hashes, expiry, cascade with their principal."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from clearance.store import NoSuchEntity, SessionSpec, Store, Tag
from clearance.store.errors import InvalidInput
from clearance.store.schema import sessions
from tests.store.conftest import START, TRUST


def _role_session(store: Store, account: str, **extra: object) -> tuple[SessionSpec, str]:
    role = store.create_role(account, "r", TRUST)
    spec = SessionSpec(
        account_id=account,
        kind="AssumedRole",
        principal_arn=f"arn:aws:sts::{account}:assumed-role/r/alice",
        principal_id=f"{role.id}:alice",
        expires=START + timedelta(hours=1),
        role_id=role.id,
        session_name="alice",
        source_identity="alice@example.com",
        mfa_present=True,
        mfa_authenticated=START,
        session_policy='{"Version":"2012-10-17","Statement":[]}',
        policy_arns=(f"arn:aws:iam::{account}:policy/p",),
        tags=(Tag("team", "a"),),
        transitive_tag_keys=("team",),
        attributes={"web_identity": {"sub": "123"}},
        **extra,  # type: ignore[arg-type]
    )
    return spec, role.id


def test_create_and_authenticate(store: Store, account: str) -> None:
    spec, role_id = _role_session(store, account)
    created = store.create_session(spec)
    session = created.session
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", session.access_key_id)
    assert len(created.secret_access_key) == 40 and len(created.session_token) > 100
    assert created.secret_access_key not in repr(created)
    assert created.session_token not in repr(created)
    assert (session.role_id, session.created, session.expires) == (role_id, START, spec.expires)
    assert session.tags == (Tag("team", "a"),) and session.attributes == spec.attributes
    assert store.get_session(session.access_key_id) == session
    record = store.key_record(session.access_key_id)
    assert record is not None and record.kind == "session"
    assert (record.principal_arn, record.principal_id) == (spec.principal_arn, spec.principal_id)
    assert record.secret_access_key == created.secret_access_key
    assert record.session == session
    assert session.token_matches(created.session_token)
    assert not session.token_matches(created.session_token + "x")


def test_secrets_and_tokens_at_rest(store: Store, account: str) -> None:
    spec, _ = _role_session(store, account)
    created = store.create_session(spec)
    with store.engine.connect() as conn:
        raw = conn.execute(sa.select(sessions)).one()
    dump = repr(tuple(raw))
    assert created.secret_access_key not in dump and created.session_token not in dump
    assert created.secret_access_key.encode() not in bytes(raw.secret)
    assert raw.token_hash == hashlib.sha256(created.session_token.encode()).hexdigest()


def test_session_token_session_for_a_user(store: Store, account: str) -> None:
    user = store.create_user(account, "alice", path="/eng/")
    created = store.create_session(
        SessionSpec(
            account, "SessionToken", user.arn, user.id, START + timedelta(hours=12), user_id=user.id
        )
    )
    record = store.key_record(created.session.access_key_id)
    assert record is not None
    assert (record.user_id, record.user_name, record.user_path) == (user.id, "alice", "/eng/")


def test_delete_and_expire(store: Store, account: str) -> None:
    spec, _ = _role_session(store, account)
    short = store.create_session(spec)
    long = store.create_session(
        SessionSpec(
            spec.account_id,
            spec.kind,
            spec.principal_arn,
            spec.principal_id,
            START + timedelta(hours=12),
            role_id=spec.role_id,
        )
    )
    assert store.delete_expired_sessions() == 0
    assert store.delete_expired_sessions(START + timedelta(hours=2)) == 1
    assert store.get_session(short.session.access_key_id) is None
    assert store.delete_session(long.session.access_key_id)
    assert not store.delete_session(long.session.access_key_id)
    assert store.key_record(long.session.access_key_id) is None


def test_invalid_specs(store: Store, account: str) -> None:
    spec = SessionSpec(account, "AssumedRole", "arn", "id", START, role_id="AROAAAAAAAAAAAAAAAAAA")
    with pytest.raises(NoSuchEntity):
        store.create_session(spec)
    with pytest.raises(NoSuchEntity):
        store.create_session(SessionSpec("999999999999", "FederatedUser", "arn", "id", START))
    with pytest.raises(InvalidInput):
        store.create_session(SessionSpec(account, "Bogus", "arn", "id", START))  # type: ignore[arg-type]
    assert store.delete_expired_sessions(START + timedelta(days=1)) == 0


def test_user_deletion_ends_its_sessions(store: Store, account: str) -> None:
    user = store.create_user(account, "alice")
    created = store.create_session(
        SessionSpec(
            account,
            "FederatedUser",
            f"arn:aws:sts::{account}:federated-user/x",
            f"{account}:x",
            START + timedelta(hours=1),
            user_id=user.id,
        )
    )
    store.delete_user(account, "alice")
    assert store.get_session(created.session.access_key_id) is None
