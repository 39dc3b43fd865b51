"""One request, end to end: route, authenticate, decode, run, encode.

WireRequest → service (SigV4 scope, else Version/Action)
            → authenticate (authn, secrets from the store)
            → decode parameters (protocol, botocore's model)
            → operation handler (authorizes with the engine, uses the store)
            → encode the result or AWS's error shape → WireResponse
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from clearance.authn import Authenticated, KeyRecord, authenticate, scope_of
from clearance.clock import Clock
from clearance.errors import ClearanceError
from clearance.protocol import decode_request, encode_error, encode_result, parse_form
from clearance.protocol.form import Raw, scalar
from clearance.services import iam, sts  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller, CallerKind
from clearance.services.errors import InvalidClientTokenId, NotImplementedOperation, ServiceFailure
from clearance.services.registry import OPERATIONS
from clearance.store import KeyRecord as StoredKey
from clearance.store import Store
from clearance.wire import WireRequest, WireResponse

__all__ = ["Gateway"]

log = logging.getLogger("clearance.gateway")

# Query-protocol services by API version, for requests without a SigV4 scope.
_VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}
_SERVED = frozenset(_VERSIONS.values())
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class _Route:
    service: str
    operation: str | None
    region: str


class Gateway:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer(store)

    def handle(self, request: WireRequest) -> WireResponse:
        request_id = str(uuid.uuid4())
        route = _route(request)
        try:
            return self._handle(request, route, request_id)
        except ClearanceError as error:
            return _error(route.service, error, request_id)
        except Exception:  # a bug: log it, answer like AWS, never leak a traceback
            log.exception("request %s failed", request_id)
            return _error(route.service, ServiceFailure(), request_id)

    def _handle(self, request: WireRequest, route: _Route, request_id: str) -> WireResponse:
        now = self.clock.now()
        unsigned = _is_unsigned(route)
        stored: dict[str, StoredKey] = {}

        def lookup(access_key_id: str) -> KeyRecord | None:
            record = self.store.key_record(access_key_id)
            if record is None:
                return None
            stored[access_key_id] = record
            return _key_record(record)

        auth = authenticate(
            request, lookup, now, expected_service=route.service, allow_anonymous=unsigned
        )
        decoded = decode_request(route.service, request)
        operation = OPERATIONS.get((route.service, decoded.operation))
        if operation is None:
            raise NotImplementedOperation(
                f"Clearance does not implement {route.service}:{decoded.operation} yet."
            )
        caller = _caller(auth, stored.get(auth.access_key_id))
        ctx = CallContext(
            caller=caller,
            service=route.service,
            operation=decoded.operation,
            request_id=request_id,
            region=auth.region or route.region,
            now=now,
            store=self.store,
            authorizer=self.authorizer,
            source_ip=request.source_ip,
            user_agent=request.header("user-agent"),
            secure=request.secure,
        )
        result = operation.handler(ctx, decoded.params)
        status, headers, body = encode_result(route.service, decoded.operation, result, request_id)
        return WireResponse(status, tuple(headers), body)


def _route(request: WireRequest) -> _Route:
    """Which service a request is for: the SigV4 scope, else the API version."""
    scope = scope_of(request)
    if scope is not None and scope[1] in _SERVED:
        return _Route(scope[1], None, scope[0])
    params = _form(request)
    version = scalar(params.get("Version"))
    service = _VERSIONS.get(version or "", "sts" if scope is None else scope[1])
    if service not in _SERVED:
        service = "iam"
    return _Route(service, scalar(params.get("Action")), scope[0] if scope else DEFAULT_REGION)


def _form(request: WireRequest) -> dict[str, Raw]:
    try:
        params = dict(parse_form(request.query))
        if request.method == "POST" and request.body:
            params.update(parse_form(request.body))
    except ClearanceError:
        return {}
    return params


def _is_unsigned(route: _Route) -> bool:
    if route.operation is None:
        return False
    operation = OPERATIONS.get((route.service, route.operation))
    return operation is not None and operation.unsigned


def _key_record(record: StoredKey) -> KeyRecord:
    session = record.session
    return KeyRecord(
        access_key_id=record.access_key_id,
        secret_access_key=record.secret_access_key,
        active=record.status == "Active",
        expires_at=session.expires if session else None,
        session_token_sha256=session.token_hash if session else None,
    )


def _caller(auth: Authenticated, record: StoredKey | None) -> Caller:
    if record is None:
        raise InvalidClientTokenId("The security token included in the request is invalid.")
    session = record.session
    if record.kind == "root":
        return Caller(
            record.account_id, record.principal_arn, "root", record.account_id, auth.access_key_id
        )
    if session is None:
        return Caller(
            record.account_id,
            record.principal_arn,
            "user",
            record.principal_id,
            auth.access_key_id,
            entity_id=record.user_id,
            user_name=record.user_name,
        )
    if session.kind == "AssumedRole":
        role_arn = session.attributes.get("role_arn") or _role_of(session.principal_arn)
        return Caller(
            record.account_id,
            session.principal_arn,
            "role_session",
            session.principal_id,
            auth.access_key_id,
            entity_id=session.role_id,
            role_arn=role_arn,
            session=session,
        )
    kind: CallerKind = "federated_user" if session.kind == "FederatedUser" else "user"
    return Caller(
        record.account_id,
        session.principal_arn,
        kind,
        session.principal_id,
        auth.access_key_id,
        entity_id=session.user_id,
        user_name=record.user_name,
        session=session,
    )


def _role_of(session_arn: str) -> str:
    """``arn:aws:iam::A:role/R`` from ``arn:aws:sts::A:assumed-role/R/S`` (no path)."""
    head, _, rest = session_arn.partition(":assumed-role/")
    return head.replace(":sts:", ":iam:", 1) + ":role/" + rest.split("/", 1)[0]


def _error(service: str, error: ClearanceError, request_id: str) -> WireResponse:
    status, headers, body = encode_error(service, error, request_id)
    return WireResponse(status, tuple(headers), body)
