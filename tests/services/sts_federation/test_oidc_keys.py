"""Finding an OIDC provider's keys: file:// and https:// JWKS URLs, HTTPS discovery
with a self-signed certificate accepted by its thumbprint, and the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clearance.services.sts import oidc_keys
from clearance.services.sts.oidc_keys import KeyCache, KeySource, KeyUnavailable, KeyUnreachable
from tests.services.sts_federation import idp

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[idp.HttpsIssuer]:
    with idp.https_issuer(tmp_path_factory.mktemp("tls")) as running:
        yield running


def test_tag_takes_precedence_over_discovery() -> None:
    tagged = oidc_keys.key_source("a.example/x", ["AB"], {"clearance:jwks-uri": "file:///k.json"})
    assert tagged == KeySource("file:///k.json", False, ("ab",))
    plain = oidc_keys.key_source("a.example/x", [], {"team": "blue"})
    assert plain == KeySource("https://a.example/x", True, ())


def test_parse_jwks_keeps_rsa_and_ec_signature_keys() -> None:
    rsa, ec = idp.rsa_signer("r"), idp.ec_signer("e")
    document = idp.jwks(rsa, ec)
    document["keys"] += [
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},  # symmetric: never
        {**rsa.jwk(), "kid": "enc", "use": "enc"},  # an encryption key
        {**rsa.jwk(), "kid": "weird", "alg": "PS256"},  # an algorithm STS does not take
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not a key",
    ]
    keys = oidc_keys.parse_jwks(json.dumps(document).encode())
    assert [(k.kid, k.kty, k.curve) for k in keys] == [("r", "RSA", None), ("e", "EC", "secp256r1")]
    assert keys[0].fits("RS256") and keys[0].fits("RS512") is False  # alg pinned by the JWK
    assert keys[1].fits("ES256") and not keys[1].fits("ES384") and not keys[1].fits("RS256")


@pytest.mark.parametrize("document", [b"{", b"[]", b'{"keys": 3}'])
def test_bad_jwks_documents(document: bytes) -> None:
    with pytest.raises(KeyUnavailable):
        oidc_keys.parse_jwks(document)


def test_discovery_over_https_with_a_pinned_self_signed_certificate(
    issuer: idp.HttpsIssuer,
) -> None:
    signer = idp.rsa_signer("disc-1")
    issuer.publish(signer)
    source = oidc_keys.key_source(
        issuer.url.removeprefix("https://"), [idp.thumbprint(issuer.certificate).upper()], {}
    )
    keys = KeyCache().candidates(source, "disc-1", NOW)
    assert [k.kid for k in keys] == ["disc-1"]


def test_https_jwks_uri_tag(issuer: idp.HttpsIssuer) -> None:
    signer = idp.rsa_signer("tagged")
    issuer.publish(signer)
    source = KeySource(f"{issuer.url}/keys", False, (idp.thumbprint(issuer.certificate),))
    assert [k.kid for k in KeyCache().candidates(source, None, NOW)] == ["tagged"]


def test_unknown_thumbprint_and_untrusted_ca_are_refused(issuer: idp.HttpsIssuer) -> None:
    issuer.publish(idp.rsa_signer())
    for prints in (("0" * 40,), ()):
        source = KeySource(issuer.url, True, prints)
        with pytest.raises(KeyUnavailable, match=r"thumbprint") as raised:
            KeyCache().candidates(source, None, NOW)
        assert not isinstance(raised.value, KeyUnreachable)


def test_http_error_and_unreachable_server(issuer: idp.HttpsIssuer) -> None:
    prints = (idp.thumbprint(issuer.certificate),)
    with pytest.raises(KeyUnavailable, match=r"HTTP 404"):
        oidc_keys.fetch(f"{issuer.url}/missing", prints)
    with pytest.raises(KeyUnreachable):
        oidc_keys.fetch("https://127.0.0.1:9/keys", prints)
    with pytest.raises(KeyUnavailable, match=r"unsupported"):
        oidc_keys.fetch("http://127.0.0.1/keys", prints)


def test_discovery_needs_an_https_jwks_uri() -> None:
    with pytest.raises(KeyUnavailable, match=r"jwks_uri"):
        oidc_keys.discover_jwks_uri(b'{"jwks_uri": "http://plain/keys"}')


class _Counting:
    """A fetcher that serves a JWKS from memory and counts the fetches."""

    def __init__(self, *signers: idp.Signer) -> None:
        self.document = json.dumps(idp.jwks(*signers)).encode()
        self.fetches = 0
        self.fail = False

    def __call__(self, url: str, thumbprints: Sequence[str]) -> bytes:
        self.fetches += 1
        if self.fail:
            raise KeyUnreachable("down")
        if url.endswith("/.well-known/openid-configuration"):
            return json.dumps({"jwks_uri": "https://issuer.example/keys"}).encode()
        return self.document


def test_unknown_kid_refreshes_at_most_once_per_interval() -> None:
    first, second = idp.rsa_signer("one"), idp.rsa_signer("two")
    fetcher = _Counting(first)
    cache = KeyCache(fetcher, refresh_interval=timedelta(seconds=10))
    source = KeySource("https://issuer.example", True)
    assert [k.kid for k in cache.candidates(source, "one", NOW)] == ["one"]
    assert fetcher.fetches == 2  # discovery document + JWKS
    assert cache.candidates(source, "one", NOW + timedelta(seconds=1))
    assert fetcher.fetches == 2  # cached
    fetcher.document = json.dumps(idp.jwks(first, second)).encode()
    assert cache.candidates(source, "two", NOW + timedelta(seconds=2)) == ()  # too soon
    assert fetcher.fetches == 2
    assert [k.kid for k in cache.candidates(source, "two", NOW + timedelta(seconds=12))] == ["two"]
    assert fetcher.fetches == 4
    # Made-up kids cannot make it fetch more often than that.
    for second_offset in range(13, 20):
        cache.candidates(source, f"bogus-{second_offset}", NOW + timedelta(seconds=second_offset))
    assert fetcher.fetches == 4


def test_keys_expire_and_a_failed_refresh_keeps_the_old_ones() -> None:
    fetcher = _Counting(idp.rsa_signer("one"))
    cache = KeyCache(fetcher, max_age=timedelta(hours=1))
    source = KeySource("https://issuer.example/keys", False)
    assert cache.candidates(source, "one", NOW)
    fetcher.fail = True
    assert cache.candidates(source, "one", NOW + timedelta(hours=2))  # stale but kept
    assert fetcher.fetches == 2
    assert cache.candidates(source, "one", NOW + timedelta(hours=2, seconds=5))
    assert fetcher.fetches == 2  # not retried before the refresh interval
    fetcher.fail = False
    assert cache.candidates(source, "one", NOW + timedelta(hours=2, seconds=11))
    assert fetcher.fetches == 3


def test_a_failing_source_is_not_retried_on_every_request() -> None:
    fetcher = _Counting()
    fetcher.fail = True
    cache = KeyCache(fetcher, refresh_interval=timedelta(seconds=10))
    source = KeySource("https://issuer.example/keys", False)
    for offset in range(3):
        with pytest.raises(KeyUnreachable):
            cache.candidates(source, "k", NOW + timedelta(seconds=offset))
    assert fetcher.fetches == 1


def test_file_sources_are_read_again_when_they_change(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    first = idp.rsa_signer("one")
    url = idp.write_jwks(path, first)
    cache = KeyCache()
    source = KeySource(url, False)
    assert [k.kid for k in cache.candidates(source, None, NOW)] == ["one"]
    idp.write_jwks(path, first, idp.rsa_signer("two-with-a-longer-kid"))
    assert [k.kid for k in cache.candidates(source, "two-with-a-longer-kid", NOW)] == [
        "two-with-a-longer-kid"
    ]
    path.unlink()
    # Gone: the keys read last are kept (a refresh that fails changes nothing).
    assert cache.candidates(source, "one", NOW)
    with pytest.raises(KeyUnavailable):
        KeyCache().candidates(source, None, NOW)


def test_file_url_with_a_remote_host_is_refused() -> None:
    with pytest.raises(KeyUnavailable, match=r"remote host"):
        oidc_keys.fetch("file://server/share/jwks.json", ())
