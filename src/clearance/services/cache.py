"""Per-process caches of the request path, kept correct across replicas by the
accounts' version counters.

Every write that matters for authentication, authorization or a cached read
bumps its account's ``version`` in the store (``Store._write``), so one cheap
read per request — the versions of the caller's account, of ``aws`` (AWS
managed policies) and of ``org`` (every change to an organization: its
accounts, OUs, SCPs and RCPs), :meth:`Store.account_versions` — tells whether
anything a replica cached for that account may have changed. A request reads those
versions once (:class:`RequestView`) and everything it consults is validated
against that one snapshot:

- access keys (:class:`Caches.key`): the key's owner and decrypted secret,
  cached with the version read in the same statement as the key. A deleted or
  deactivated key, a renamed user, a deleted role bump the version; expiry is
  checked against the clock by authentication on every request. Session keys
  are also re-read after ``SESSION_TTL`` seconds, because ending a session
  (``Store.delete_session``) does not bump the version;
- the caller's compiled policy set (:class:`~clearance.services.authorize.Authorizer`,
  through :func:`current_view`);
- a few entity reads that handlers repeat on every call (:data:`CACHED_READS`:
  ``get_user``, ``list_user_tags``...), through the store the operation
  receives (:class:`CachingStore`). Values are frozen records. A few columns
  are written without a bump (``PasswordLastUsed``): in this process any such
  write drops the account's entries; other replicas see it within
  ``ENTITY_TTL`` seconds, which is sooner than AWS reports it.

Ordering makes this safe: a request reads the versions *before* it reads
anything it caches, so a cached value is never older than the version it is
filed under (it may be newer, which only means it was already committed).
Once a request has written (called any store method that is not a read), its
later reads bypass the caches.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from clearance.authn import KeyRecord as AuthnKey
from clearance.store import KeyRecord, Store

__all__ = [
    "CACHED_READS",
    "ORG_ACCOUNT",
    "Caches",
    "CachingStore",
    "RequestView",
    "current_view",
]

AWS_ACCOUNT = "aws"
# The pseudo-account whose version every organization change bumps (the
# store's ORG_VERSION_ACCOUNT; spelled here so this module does not depend on
# the organizations store being present).
ORG_ACCOUNT = "org"
KEY_CACHE_SIZE = 65_536
ENTITY_ACCOUNTS = 1024  # accounts with cached entity reads
ENTITY_ENTRIES = 4096  # cached reads per account
SESSION_TTL = 1.0  # seconds: sessions end without a version bump
ENTITY_TTL = 1.0  # seconds: PasswordLastUsed changes without a version bump

# Store reads whose results are cached per (account, versions): the account id is
# their first argument and their result depends only on that account's rows.
CACHED_READS = frozenset(
    {"get_account", "get_user", "list_users", "list_user_tags", "get_group", "list_role_tags"}
)
# Store methods that only read (or write nothing any cached read returns).
_READ_PREFIXES = ("get_", "list_", "find_")
_READS = frozenset(
    {
        "account_version",
        "account_versions",
        "key_record",
        "versioned_key_record",
        "principal_policies",
        "managed_policy_documents",
        "record_access_key_use",  # LastUsed of keys: nothing here caches it
        "record_role_use",  # RoleLastUsed: get_role is not cached
    }
)

Versions = tuple[int, int, int]  # (the account's, aws's, org's)


@dataclass(frozen=True, slots=True)
class _KeyEntry:
    record: KeyRecord
    authn: AuthnKey
    version: int
    loaded_at: float


@dataclass(slots=True)
class _Bucket:
    """One account's cached reads, all valid at ``versions``."""

    versions: Versions
    entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = field(default_factory=OrderedDict)


class Caches:
    """The caches one server process keeps (thread-safe; shared by all requests)."""

    def __init__(
        self,
        store: Store,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        key_cache_size: int = KEY_CACHE_SIZE,
        session_ttl: float = SESSION_TTL,
        entity_ttl: float = ENTITY_TTL,
    ) -> None:
        self.store = store
        self._monotonic = monotonic
        self._key_cache_size = key_cache_size
        self._session_ttl = session_ttl
        self._entity_ttl = entity_ttl
        self._keys: OrderedDict[str, _KeyEntry] = OrderedDict()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = Lock()

    # -- access keys -------------------------------------------------------------------

    def key(self, view: RequestView, access_key_id: str) -> tuple[KeyRecord, AuthnKey] | None:
        """The stored key and what authentication needs of it; None if unknown."""
        entry = self._keys.get(access_key_id)
        if entry is not None and self._key_current(view, entry):
            return entry.record, entry.authn
        loaded = self.store.versioned_key_record(access_key_id)
        with self._lock:
            if loaded is None:
                self._keys.pop(access_key_id, None)
                return None
            record, version = loaded
            entry = _KeyEntry(record, _authn_key(record), version, self._monotonic())
            self._keys[access_key_id] = entry
            self._keys.move_to_end(access_key_id)
            while len(self._keys) > self._key_cache_size:
                self._keys.popitem(last=False)
        return entry.record, entry.authn

    def _key_current(self, view: RequestView, entry: _KeyEntry) -> bool:
        session = entry.record.session
        if session is not None and self._monotonic() - entry.loaded_at >= self._session_ttl:
            return False
        return view.versions_of(entry.record.account_id)[0] == entry.version

    # -- entity reads ------------------------------------------------------------------

    def read(
        self,
        versions: Versions,
        account_id: str,
        name: str,
        method: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """``method(account_id, *args, **kwargs)``, cached while ``versions`` hold."""
        try:
            key = (name, args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:  # an unhashable argument: do not cache
            return method(account_id, *args, **kwargs)
        now = self._monotonic()
        bucket = self._buckets.get(account_id)
        if bucket is not None and bucket.versions == versions:
            hit = bucket.entries.get(key)
            if hit is not None and now - hit[0] < self._entity_ttl:
                return hit[1]
        value = method(account_id, *args, **kwargs)
        with self._lock:
            bucket = self._buckets.get(account_id)
            if bucket is None or _newer(versions, bucket.versions):
                bucket = _Bucket(versions)
                self._buckets[account_id] = bucket
            elif bucket.versions != versions:
                return value  # an older snapshot than the cached one: don't file it
            self._buckets.move_to_end(account_id)
            bucket.entries[key] = (now, value)
            bucket.entries.move_to_end(key)
            while len(bucket.entries) > ENTITY_ENTRIES:
                bucket.entries.popitem(last=False)
            while len(self._buckets) > ENTITY_ACCOUNTS:
                self._buckets.popitem(last=False)
        return value

    def forget(self, account_id: str) -> None:
        """Drop an account's cached entity reads (after a write through this process)."""
        with self._lock:
            self._buckets.pop(account_id, None)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._buckets.clear()


def _newer(a: Versions, b: Versions) -> bool:
    return a != b and all(x >= y for x, y in zip(a, b, strict=True))


class RequestView:
    """One request's snapshot of account versions, and its way to the caches."""

    __slots__ = ("caches", "dirty", "store", "versions")

    def __init__(self, caches: Caches) -> None:
        self.caches = caches
        self.store = caches.store
        self.versions: dict[str, Versions] = {}
        self.dirty = False

    def versions_of(self, account_id: str) -> Versions:
        """(account's, aws's, org's version): one read per request, then reused.

        After this request wrote, read again (so its own change is seen)."""
        if not self.dirty:
            known = self.versions.get(account_id)
            if known is not None:
                return known
        read = self.store.account_versions([account_id, AWS_ACCOUNT, ORG_ACCOUNT])
        found = (read.get(account_id, 0), read.get(AWS_ACCOUNT, 0), read.get(ORG_ACCOUNT, 0))
        if not self.dirty:
            self.versions[account_id] = found
        return found

    def key(self, access_key_id: str) -> tuple[KeyRecord, AuthnKey] | None:
        return self.caches.key(self, access_key_id)

    def wrote(self, account_ids: Iterable[str]) -> None:
        self.dirty = True
        for account_id in account_ids:
            self.caches.forget(account_id)


_CURRENT: ContextVar[RequestView | None] = ContextVar("clearance_request_view", default=None)


def current_view() -> RequestView | None:
    """The view of the request being served in this context (None outside one)."""
    return _CURRENT.get()


class activate:  # a context manager, named like one
    """``with activate(view):`` makes ``view`` the :func:`current_view`."""

    __slots__ = ("_token", "_view")

    def __init__(self, view: RequestView) -> None:
        self._view = view

    def __enter__(self) -> RequestView:
        self._token = _CURRENT.set(self._view)
        return self._view

    def __exit__(self, *_: object) -> None:
        _CURRENT.reset(self._token)


class CachingStore:
    """The store an operation receives: the process's store, with :data:`CACHED_READS`
    answered from the caches (validated by the request's snapshot) and every write
    noted, so that the request's later reads go to the store.

    Everything else is the store's own attribute (``isinstance`` checks aside, it
    is a drop-in :class:`Store`)."""

    __slots__ = ("_account_id", "_view")

    def __init__(self, view: RequestView, account_id: str) -> None:
        self._view = view
        self._account_id = account_id

    def __getattr__(self, name: str) -> Any:
        view = self._view
        attr = getattr(view.store, name)
        if name in CACHED_READS:
            return _CachedRead(view, name, attr)
        if not callable(attr) or name in _READS or name.startswith(_READ_PREFIXES):
            return attr
        return _Write(view, self._account_id, attr)


class _CachedRead:
    __slots__ = ("_method", "_name", "_view")

    def __init__(self, view: RequestView, name: str, method: Callable[..., Any]) -> None:
        self._view = view
        self._name = name
        self._method = method

    def __call__(self, account_id: str, *args: Any, **kwargs: Any) -> Any:
        view = self._view
        if view.dirty or account_id not in view.versions:
            return self._method(account_id, *args, **kwargs)
        versions = view.versions[account_id]
        return view.caches.read(versions, account_id, self._name, self._method, args, kwargs)


class _Write:
    __slots__ = ("_account_id", "_method", "_view")

    def __init__(self, view: RequestView, account_id: str, method: Callable[..., Any]) -> None:
        self._view = view
        self._account_id = account_id
        self._method = method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        accounts = {self._account_id}
        if args and isinstance(args[0], str):
            accounts.add(args[0])
        self._view.wrote(accounts)
        try:
            return self._method(*args, **kwargs)
        finally:
            # Forget again: a concurrent request may have filed a pre-write read.
            self._view.wrote(accounts)


def _authn_key(record: KeyRecord) -> AuthnKey:
    session = record.session
    return AuthnKey(
        access_key_id=record.access_key_id,
        secret_access_key=record.secret_access_key,
        active=record.status == "Active",
        expires_at=session.expires if session else None,
        session_token_sha256=session.token_hash if session else None,
    )
