"""``/imds/<instance-id>/...``: the paths of EC2's metadata service that SDKs read.

- ``PUT latest/api/token`` (IMDSv2): a token for ``X-aws-ec2-metadata-token-ttl-seconds``
  (1..21600; else 400). A request that carries ``X-Forwarded-For`` is refused
  (403), as EC2 refuses tokens to proxied requests.
- ``GET`` with a token (``X-aws-ec2-metadata-token``): an invalid or expired one is 401.
  Without one (IMDSv1): allowed when the instance's ``HttpTokens`` is
  ``optional`` (the default), 401 when ``required``.
- ``latest/meta-data/``: ``instance-id``, ``ami-id``, ``instance-type``,
  ``placement/region``, ``placement/availability-zone``, ``iam/info``,
  ``iam/security-credentials/`` (the role's name) and
  ``iam/security-credentials/ROLE`` (the credentials JSON);
  ``latest/dynamic/instance-identity/document`` (where SDKs read the region).
- Anything else, an unknown or terminated instance, and the ``iam/`` paths of
  an instance without a profile or role: 404.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-categories.html
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from clearance.audit import AuditSink
from clearance.clock import Clock
from clearance.services.imds.credentials import InstanceCredentials, role_of
from clearance.services.imds.tokens import issue_token, token_valid, ttl_of
from clearance.store import Store
from clearance.store.ec2 import Instance
from clearance.wire import WireRequest, WireResponse

__all__ = ["IMDS_PREFIX", "MetadataService", "is_metadata_request"]

log = logging.getLogger("clearance.imds")

IMDS_PREFIX = "/imds/"
_PATH = re.compile(r"/imds/(i-[0-9a-f]{8,17})(/.*)?")
_TEXT = "text/plain"
_TOKEN_HEADER = "x-aws-ec2-metadata-token"
_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
_META_INDEX = (
    "ami-id",
    "hostname",
    "iam/",
    "instance-id",
    "instance-type",
    "local-hostname",
    "placement/",
)


def is_metadata_request(request: WireRequest) -> bool:
    """An unsigned request for ``/imds/<instance-id>/...``. Signed requests (an S3
    bucket that happens to be named ``imds``) go on to the services."""
    if not request.path.startswith(IMDS_PREFIX) or _PATH.fullmatch(request.path) is None:
        return False
    if request.header("authorization") is not None:
        return False
    query = request.query.lower()
    return "x-amz-signature=" not in query and "signature=" not in query


def _response(status: int, body: str = "", content_type: str = _TEXT) -> WireResponse:
    headers = [("Content-Type", content_type), ("Server", "EC2ws")]
    return WireResponse(status, tuple(headers), body.encode("utf-8"))


_NOT_FOUND = _response(404, "404 - Not Found\n", "text/html")
_UNAUTHORIZED = _response(401, "401 - Unauthorized\n", "text/html")


def _json(document: dict[str, Any]) -> WireResponse:
    return _response(200, json.dumps(document, indent=2))


class MetadataService:
    def __init__(self, store: Store, clock: Clock, sink: AuditSink | None = None) -> None:
        self._store = store
        self._clock = clock
        self._credentials = InstanceCredentials(store, sink)

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one metadata request; never raises (a bug answers 500)."""
        try:
            return self._handle(request)
        except Exception:
            log.exception("instance metadata request failed")
            return _response(500, "500 - Internal Server Error\n", "text/html")

    def _handle(self, request: WireRequest) -> WireResponse:
        matched = _PATH.fullmatch(request.path)
        if matched is None:
            return _NOT_FOUND
        instance = self._store.get_instance(matched.group(1))
        if instance is None or instance.state != "running":
            return _NOT_FOUND
        path = (matched.group(2) or "/").lstrip("/")
        now = self._clock.now()
        sealer = self._store.authorization_messages
        if path == "latest/api/token":
            if request.method != "PUT":
                return _response(405, "405 - Method Not Allowed\n", "text/html")
            if request.header("x-forwarded-for") is not None:
                return _response(403, "403 - Forbidden\n", "text/html")
            ttl = ttl_of(request.header(_TTL_HEADER))
            if ttl is None:
                return _response(400, "400 - Bad Request\n", "text/html")
            token = issue_token(sealer, instance.id, now, ttl)
            return WireResponse(
                200,
                (("Content-Type", _TEXT), (_TTL_HEADER, str(ttl)), ("Server", "EC2ws")),
                token.encode("ascii"),
            )
        if request.method not in ("GET", "HEAD"):
            return _response(405, "405 - Method Not Allowed\n", "text/html")
        presented = request.header(_TOKEN_HEADER)
        if presented is not None:
            if not token_valid(sealer, instance.id, presented, now):
                return _UNAUTHORIZED
        elif instance.http_tokens == "required":
            return _UNAUTHORIZED
        return self._get(instance, path, now)

    def _get(self, instance: Instance, path: str, now: datetime) -> WireResponse:
        simple: dict[str, Callable[[], str]] = {
            "latest/meta-data/instance-id": lambda: instance.id,
            "latest/meta-data/ami-id": lambda: instance.image_id,
            "latest/meta-data/instance-type": lambda: instance.instance_type,
            "latest/meta-data/placement/region": lambda: instance.region,
            "latest/meta-data/placement/availability-zone": lambda: f"{instance.region}a",
            "latest/meta-data/placement/": lambda: "availability-zone\nregion",
            "latest/meta-data/hostname": lambda: _hostname(instance),
            "latest/meta-data/local-hostname": lambda: _hostname(instance),
            "latest/meta-data/": lambda: "\n".join(_META_INDEX),
            "latest/dynamic/instance-identity/document": lambda: _identity(instance),
        }
        answer = simple.get(path)
        if answer is not None:
            return _response(200, answer())
        if path.startswith("latest/meta-data/iam/"):
            return self._iam(instance, path[len("latest/meta-data/iam/") :], now)
        return _NOT_FOUND

    def _iam(self, instance: Instance, rest: str, now: datetime) -> WireResponse:
        role = role_of(self._store, instance)
        if role is None or instance.association is None:
            return _NOT_FOUND
        if rest == "":
            return _response(200, "info\nsecurity-credentials/")
        if rest == "info":
            profile = instance.association.profile
            return _json(
                {
                    "Code": "Success",
                    "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "InstanceProfileArn": profile.arn,
                    "InstanceProfileId": profile.id,
                }
            )
        if rest == "security-credentials/":
            return _response(200, role.name)
        if rest == f"security-credentials/{role.name}":
            issued = self._credentials.for_instance(instance, role, now)
            return _json(issued.document)
        return _NOT_FOUND


def _hostname(instance: Instance) -> str:
    return f"ip-10-0-0-1.{instance.region}.compute.internal"


def _identity(instance: Instance) -> str:
    return json.dumps(
        {
            "accountId": instance.account_id,
            "architecture": "x86_64",
            "availabilityZone": f"{instance.region}a",
            "imageId": instance.image_id,
            "instanceId": instance.id,
            "instanceType": instance.instance_type,
            "pendingTime": instance.launched.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privateIp": "10.0.0.1",
            "region": instance.region,
            "version": "2017-09-30",
        },
        indent=2,
    )
