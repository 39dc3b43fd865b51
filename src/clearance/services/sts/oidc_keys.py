"""The signing keys of OpenID Connect providers, found as AWS finds them, and cached.

Where the keys of a provider come from (conventions.md, "OIDC keys"):

1. a provider tag ``clearance:jwks-uri`` whose value is a ``file://`` or
   ``https://`` URL of a JWKS document (offline setups), else
2. HTTPS discovery: ``https://<provider url>/.well-known/openid-configuration``,
   then its ``jwks_uri``.

An HTTPS server is trusted when the SHA-1 thumbprint of a certificate it presents
is in the provider's ThumbprintList (so a self-signed local issuer works), or
else when its certificate verifies against the system's CAs for its host name
(AWS also trusts well-known CAs, and ThumbprintList may be empty). Python 3.13+
exposes the whole presented chain; before that only the server's own certificate
is compared.

Keys are cached per source. A token whose ``kid`` is unknown refreshes the
source — a file when it changed on disk, an HTTPS source at most once per
:attr:`KeyCache.refresh_interval` (so that made-up ``kid`` values cannot make
Clearance hammer an identity provider); every source is re-read after
:attr:`KeyCache.max_age`. Time comes from the caller (the request's clock).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "ALGORITHMS",
    "JWKS_URI_TAG",
    "KEYS",
    "KeyCache",
    "KeySource",
    "KeyUnavailable",
    "KeyUnreachable",
    "SigningKey",
    "fetch",
    "key_source",
    "parse_jwks",
]

JWKS_URI_TAG = "clearance:jwks-uri"
DISCOVERY_PATH = "/.well-known/openid-configuration"
MAX_DOCUMENT_BYTES = 1 << 20
MAX_KEYS = 100
MAX_SOURCES = 4096  # cached sources (providers × thumbprint lists); least recently used go
TIMEOUT_SECONDS = 5.0

# The algorithms STS accepts for ID tokens, and the key each needs.
ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "ES256": ("EC", "secp256r1"),
    "ES384": ("EC", "secp384r1"),
    "ES512": ("EC", "secp521r1"),
}


class KeyUnavailable(Exception):
    """The source answered, but with no usable keys (bad document, untrusted TLS
    certificate, HTTP error): AWS's ``Couldn't retrieve verification key``."""


class KeyUnreachable(KeyUnavailable):
    """The source could not be reached (connection refused, timeout)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str | None
    kty: str  # "RSA" or "EC"
    alg: str | None  # the JWK's own "alg", when it names one
    key: Any  # a cryptography public key
    curve: str | None = None

    def fits(self, algorithm: str) -> bool:
        """May this key verify a token signed with ``algorithm``?"""
        wanted = ALGORITHMS.get(algorithm)
        if wanted is None or self.kty != wanted[0]:
            return False
        if self.alg is not None and self.alg != algorithm:
            return False
        return wanted[1] is None or self.curve == wanted[1]


@dataclass(frozen=True, slots=True)
class KeySource:
    """Where a provider's keys are: a JWKS URL, or an issuer to discover from."""

    url: str
    discovery: bool
    thumbprints: tuple[str, ...] = ()

    @property
    def is_file(self) -> bool:
        return self.url.startswith("file://")


def key_source(provider_url: str, thumbprints: Iterable[str], tags: Mapping[str, str]) -> KeySource:
    """The source of a provider's keys: the ``clearance:jwks-uri`` tag first,
    else discovery from ``https://<provider url>``."""
    prints = tuple(t.lower() for t in thumbprints)
    configured = next((v for k, v in tags.items() if k == JWKS_URI_TAG), None)
    if configured:
        return KeySource(configured.strip(), False, prints)
    return KeySource(f"https://{provider_url}", True, prints)


# -- reading documents ---------------------------------------------------------------------

Fetcher = Callable[[str, Sequence[str]], bytes]


def fetch(url: str, thumbprints: Sequence[str]) -> bytes:
    """A ``file://`` or ``https://`` document, at most :data:`MAX_DOCUMENT_BYTES`."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _read_file(url)
    if scheme == "https":
        return _https_get(url, thumbprints)
    raise KeyUnavailable(f"unsupported key source {url!r} (file:// or https:// only)")


def file_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise KeyUnavailable(f"file URL with a remote host: {url!r}")
    return unquote(parts.path)


def _read_file(url: str) -> bytes:
    try:
        with open(file_path(url), "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise KeyUnavailable(f"cannot read {url}: {error.strerror}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise KeyUnavailable(f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def _https_get(url: str, thumbprints: Sequence[str]) -> bytes:
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise KeyUnavailable(f"no host in {url!r}")
    try:
        port = parts.port or 443
    except ValueError:
        raise KeyUnavailable(f"bad port in {url!r}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connect(host, port, thumbprints)
    try:
        connection.request("GET", target, headers={"Accept": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            raise KeyUnavailable(f"{url} answered HTTP {response.status}")
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:
        raise KeyUnreachable(f"reading {url} failed: {error}") from None
    finally:
        connection.close()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise KeyUnavailable(f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes")
    return body


def _connect(host: str, port: int, thumbprints: Sequence[str]) -> http.client.HTTPSConnection:
    """A TLS connection to a server the provider trusts: pinned by thumbprint,
    else verified against the system's CAs."""
    wanted = {t.lower() for t in thumbprints}
    if wanted:
        pinned = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        pinned.check_hostname = False
        pinned.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            host, port, timeout=TIMEOUT_SECONDS, context=pinned
        )
        _open(connection, host, port)
        if _presented_thumbprints(connection) & wanted:
            return connection
        connection.close()
    connection = http.client.HTTPSConnection(
        host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
    )
    try:
        _open(connection, host, port)
    except KeyUnreachable as error:
        if isinstance(error.__cause__, ssl.SSLCertVerificationError):
            raise KeyUnavailable(
                f"the certificate of {host}:{port} is neither in the provider's thumbprint "
                "list nor trusted by the system's certificate authorities"
            ) from None
        raise
    return connection


def _open(connection: http.client.HTTPSConnection, host: str, port: int) -> None:
    try:
        connection.connect()
    except OSError as error:
        connection.close()
        raise KeyUnreachable(f"cannot connect to {host}:{port}: {error}") from error


def _presented_thumbprints(connection: http.client.HTTPSConnection) -> set[str]:
    sock = connection.sock
    if not isinstance(sock, ssl.SSLSocket):
        return set()
    certificates: list[bytes] = []
    chain = getattr(sock, "get_unverified_chain", None)  # Python 3.13+
    if chain is not None:  # DER bytes, server certificate first
        certificates.extend(c for c in chain() or () if isinstance(c, bytes))
    leaf = sock.getpeercert(binary_form=True)
    if leaf:
        certificates.append(leaf)
    return {hashlib.sha1(der, usedforsecurity=False).hexdigest() for der in certificates}


# -- JWKS documents --------------------------------------------------------------------------


def parse_jwks(data: bytes) -> tuple[SigningKey, ...]:
    """The RSA and EC signature keys of a JWKS document (others are skipped)."""
    try:
        document = json.loads(data)
    except ValueError:
        raise KeyUnavailable("the JWKS document is not JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise KeyUnavailable("the JWKS document has no 'keys' list")
    keys = []
    for entry in entries[:MAX_KEYS]:
        key = _signing_key(entry)
        if key is not None:
            keys.append(key)
    return tuple(keys)


def _signing_key(entry: object) -> SigningKey | None:
    if not isinstance(entry, dict):
        return None
    kty = entry.get("kty")
    if kty not in ("RSA", "EC") or entry.get("use", "sig") != "sig":
        return None
    alg = entry.get("alg")
    if alg is not None and alg not in ALGORITHMS:
        return None
    try:
        public = jwt.PyJWK(entry).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    curve = public.curve.name if isinstance(public, ec.EllipticCurvePublicKey) else None
    kid = entry.get("kid")
    return SigningKey(kid if isinstance(kid, str) else None, kty, alg, public, curve)


def discover_jwks_uri(data: bytes) -> str:
    try:
        document = json.loads(data)
    except ValueError:
        raise KeyUnavailable("the OpenID configuration is not JSON") from None
    uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(uri, str) or urlsplit(uri).scheme.lower() != "https":
        raise KeyUnavailable("the OpenID configuration has no https jwks_uri")
    return uri


# -- the cache ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    keys: tuple[SigningKey, ...] = ()
    loaded_at: datetime | None = None
    stamp: tuple[int, int] | None = None  # a file's (mtime_ns, size) when read
    failed_at: datetime | None = None
    failure: KeyUnavailable | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class KeyCache:
    """Keys per source, shared by every request of the process (thread-safe)."""

    def __init__(
        self,
        fetcher: Fetcher = fetch,
        *,
        refresh_interval: timedelta = timedelta(seconds=10),
        max_age: timedelta = timedelta(hours=1),
    ) -> None:
        self.fetcher = fetcher
        self.refresh_interval = refresh_interval
        self.max_age = max_age
        self._entries: OrderedDict[KeySource, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def candidates(
        self, source: KeySource, kid: str | None, now: datetime
    ) -> tuple[SigningKey, ...]:
        """The keys that may have signed a token with this ``kid`` (every key when
        the token names none), refreshing the source when needed.

        :raises KeyUnavailable: the source has no usable keys (or, subclass
            :class:`KeyUnreachable`, could not be reached)."""
        with self._lock:
            entry = self._entries.setdefault(source, _Entry())
            self._entries.move_to_end(source)
            while len(self._entries) > MAX_SOURCES:
                self._entries.popitem(last=False)
        with entry.lock:
            if self._stale(source, entry, now):
                self._load(source, entry, now)
            failure = entry.failure
            if entry.loaded_at is None and failure is not None:
                raise type(failure)(str(failure))  # failed recently: no new attempt yet
            found = _matching(entry.keys, kid)
            if not found and self._may_refresh(source, entry, now):
                self._load(source, entry, now)
                found = _matching(entry.keys, kid)
            return found

    def _stale(self, source: KeySource, entry: _Entry, now: datetime) -> bool:
        loaded = entry.loaded_at
        expired = loaded is None or now - loaded >= self.max_age
        if source.is_file:  # cheap to look at: whenever it changed
            return expired or _stamp(source) != entry.stamp
        if entry.failed_at is not None and now - entry.failed_at < self.refresh_interval:
            return False  # failed recently: do not hammer the identity provider
        return expired

    def _may_refresh(self, source: KeySource, entry: _Entry, now: datetime) -> bool:
        if source.is_file:
            return False  # read again only when it changes (checked on every use)
        last = entry.failed_at or entry.loaded_at
        return last is None or now - last >= self.refresh_interval

    def _load(self, source: KeySource, entry: _Entry, now: datetime) -> None:
        try:
            stamp = _stamp(source) if source.is_file else None
            url = source.url
            if source.discovery:
                url = discover_jwks_uri(
                    self.fetcher(source.url + DISCOVERY_PATH, source.thumbprints)
                )
            keys = parse_jwks(self.fetcher(url, source.thumbprints))
        except KeyUnavailable as error:
            entry.failed_at, entry.failure = now, error
            if entry.loaded_at is None:
                raise
            return  # keep the keys we had
        entry.keys, entry.loaded_at, entry.stamp = keys, now, stamp
        entry.failed_at = entry.failure = None


def _matching(keys: tuple[SigningKey, ...], kid: str | None) -> tuple[SigningKey, ...]:
    if kid is None:
        return keys
    return tuple(key for key in keys if key.kid == kid)


def _stamp(source: KeySource) -> tuple[int, int] | None:
    try:
        status = os.stat(file_path(source.url))
    except (OSError, KeyUnavailable):
        return None
    return (status.st_mtime_ns, status.st_size)


KEYS = KeyCache()
"""The process's cache (AssumeRoleWithWebIdentity uses it)."""
