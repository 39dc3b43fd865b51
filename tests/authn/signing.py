"""Requests signed by botocore at a chosen moment, as ``WireRequest`` values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV2Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from clearance.authn import KeyRecord
from clearance.wire import WireRequest

T0 = datetime(2026, 11, 27, 17, 39, 56, tzinfo=UTC)
AKID = "AKIDEXAMPLE0000000001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ASIA = "ASIAEXAMPLE0000000001"
TOKEN = "FwoGZXIvYXdzEXAMPLEtokenvalue+/="
IAM_BODY = b"Action=GetUser&Version=2010-05-08"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{parts.port}" if parts.port is not None and parts.port != default else host


def to_wire(prepared: Any) -> WireRequest:
    parts = urlsplit(prepared.url)
    headers = [(name, value) for name, value in prepared.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", host_of(prepared.url)))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return WireRequest.build(prepared.method, parts.path, parts.query, headers, body)


def aws_request(
    method: str = "POST",
    url: str = "https://iam.amazonaws.com/",
    body: Any = IAM_BODY,
    headers: dict[str, str] | None = None,
) -> AWSRequest:
    headers = dict(headers or {})
    if method == "POST" and (body == IAM_BODY or isinstance(body, dict)):
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    return AWSRequest(method=method, url=url, data=body, headers=headers)


def sign(
    request: AWSRequest | None = None,
    *,
    signer: str = "sigv4",
    region: str = "us-east-1",
    service: str = "iam",
    key: str = AKID,
    secret: str = SECRET,
    token: str | None = None,
    when: datetime = T0,
    expires: int = 3600,
) -> WireRequest:
    """Sign with botocore as of ``when`` (signer: sigv4, sigv4-query, s3, s3-query, sigv2)."""
    request = request if request is not None else aws_request()
    credentials = Credentials(key, secret, token)
    naive = when.astimezone(UTC).replace(tzinfo=None)
    with (
        mock.patch("botocore.auth.get_current_datetime", return_value=naive),
        mock.patch("botocore.auth.time.gmtime", return_value=when.timetuple()),
    ):
        if signer == "sigv4":
            SigV4Auth(credentials, service, region).add_auth(request)
        elif signer == "sigv4-query":
            SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
        elif signer == "s3":
            S3SigV4Auth(credentials, "s3", region).add_auth(request)
        elif signer == "s3-query":
            S3SigV4QueryAuth(credentials, "s3", region, expires=expires).add_auth(request)
        elif signer == "sigv2":
            SigV2Auth(credentials).add_auth(request)
        else:
            raise ValueError(signer)
    return to_wire(request.prepare())


def lookup(*records: KeyRecord) -> Any:
    table = {record.access_key_id: record for record in records}
    return table.get


def keys(**overrides: Any) -> Any:
    """A lookup holding the long-term key AKID and the session key ASIA (token TOKEN)."""
    return lookup(
        KeyRecord(AKID, SECRET, **overrides),
        KeyRecord(ASIA, SECRET, session_token=TOKEN, **overrides),
    )
