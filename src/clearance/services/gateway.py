"""One request, end to end: route, authenticate, decode, run, encode.

WireRequest → service (SigV4 scope, else Version/Action)
            → authenticate (authn, secrets from the store)
            → decode parameters (protocol, botocore's model)
            → operation handler (authorizes with the engine, uses the store)
            → encode the result or AWS's error shape → WireResponse

The hot path makes one database read when nothing changed: the caller's
account version (and ``aws``'s), which validates the cached access key, the
compiled policy set and the handler's cached entity reads
(:mod:`clearance.services.cache`). The use of a long-term key is recorded
(debounced) after the response is computed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from clearance.audit import AuditSink
from clearance.authn import Authenticated, InvalidAccessKeyId, KeyRecord, authenticate, scope_of
from clearance.clock import Clock
from clearance.engine import ANONYMOUS
from clearance.errors import ClearanceError
from clearance.protocol import decode_request, encode_error, encode_result, parse_form
from clearance.protocol.form import Raw, scalar
from clearance.protocol.jsonproto import json_target
from clearance.services import (  # noqa: F401  (registers the operations)
    cloudtrail,
    ec2,
    iam,
    organizations,
    sts,
)
from clearance.services.audit_hook import record_call
from clearance.services.authorize import Authorizer
from clearance.services.authz_message import with_encoded_message
from clearance.services.cache import Caches, CachingStore, RequestView, activate
from clearance.services.context import CallContext, Caller, CallerKind
from clearance.services.errors import InvalidClientTokenId, NotImplementedOperation, ServiceFailure
from clearance.services.iam.access_keys import record_use
from clearance.services.imds import MetadataService, is_metadata_request
from clearance.services.registry import OPERATIONS
from clearance.services.s3.front import S3Front, is_s3_request
from clearance.services.sts.restrictions import check_credential_type
from clearance.store import KeyRecord as StoredKey
from clearance.store import Store
from clearance.wire import WireRequest, WireResponse

__all__ = ["Gateway"]

log = logging.getLogger("clearance.gateway")

# Query-protocol services by API version, for requests without a SigV4 scope.
_VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts", "2016-11-15": "ec2"}
_SERVED = frozenset(_VERSIONS.values())
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class _Route:
    service: str
    operation: str | None
    region: str


class Gateway:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        caches: Caches | None = None,
        sink: AuditSink | None = None,
        encoded_messages: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        self.store = store
        # S3: object bytes under data_dir/s3; uploads spool to its tmp/ (spool_dir).
        self.s3 = S3Front(data_dir, clock)
        # AccessDenied answers carry an encoded authorization message (else
        # only when the request asks: authz_message.ENCODE_REQUEST_HEADER).
        self.encoded_messages = encoded_messages
        self.sink = sink
        self.clock = clock
        self.caches = caches or Caches(store)
        self.authorizer = Authorizer(store)
        self.metadata = MetadataService(store, clock, sink)  # /imds/<id>/, unsigned

    @property
    def spool_dir(self) -> str:
        return self.s3.spool_dir

    def handle(self, request: WireRequest) -> WireResponse:
        if is_metadata_request(request):  # unsigned, before authentication
            return self.metadata.handle(request)
        request_id = str(uuid.uuid4())
        route = _route(request)
        view = RequestView(self.caches)
        served: list[CallContext] = []
        call: dict[str, Any] = {}  # the decoded params and the result, for the audit event
        failure: BaseException | None = None
        with activate(view):
            try:
                serve = self._handle_s3 if route.service == "s3" else self._handle
                response = serve(request, route, request_id, view, served, call)
            except ClearanceError as error:
                failure = error
                response = _error(route.service, error, request_id, request)
                response = with_encoded_message(
                    response,
                    request,
                    error,
                    served[0] if served else None,
                    enabled=self.encoded_messages,
                )
            except Exception as error:  # a bug: log it, answer like AWS, never leak a traceback
                failure = error
                log.exception("request %s failed", request_id)
                response = _error(route.service, ServiceFailure(), request_id, request)
            finally:
                record_call(
                    request,
                    route,
                    served[0] if served else None,
                    sink=self.sink,
                    now=self.clock.now(),
                    request_id=request_id,
                    params=call.get("params"),
                    result=call.get("result"),
                    error=failure,
                )
            if served:
                self._record_use(served[0])
        return response

    def _handle(
        self,
        request: WireRequest,
        route: _Route,
        request_id: str,
        view: RequestView,
        served: list[CallContext],
        call: dict[str, Any],
    ) -> WireResponse:
        now = self.clock.now()
        unsigned = _is_unsigned(route)
        lookup = _KeyLookup(view)
        auth = authenticate(
            request, lookup, now, expected_service=route.service, allow_anonymous=unsigned
        )
        decoded = decode_request(route.service, request)
        call["params"] = decoded.params
        operation = OPERATIONS.get((route.service, decoded.operation))
        if operation is None:
            raise NotImplementedOperation(
                f"Clearance does not implement {route.service}:{decoded.operation} yet."
            )
        record = lookup.record_of(auth)
        caller = _caller(auth, record)
        ctx = self._start_call(
            request,
            view,
            served,
            caller=caller,
            service=route.service,
            operation=decoded.operation,
            request_id=request_id,
            region=auth.region or route.region,
            now=now,
            endpoint=_endpoint(request),
        )
        result = operation.handler(ctx, decoded.params)
        call["result"] = result
        status, headers, body = encode_result(route.service, decoded.operation, result, request_id)
        return WireResponse(status, tuple(headers), body)

    def _handle_s3(
        self,
        request: WireRequest,
        route: _Route,
        request_id: str,
        view: RequestView,
        served: list[CallContext],
        call: dict[str, Any],
    ) -> WireResponse:
        """An S3 request: S3's signatures (anonymous allowed), REST-XML, S3's errors."""
        now = self.clock.now()
        lookup = _KeyLookup(view)
        target = self.s3.target(request)
        auth = authenticate(
            request,
            lookup,
            now,
            s3=True,
            allow_anonymous=True,
            expected_service="s3",
            bucket=target.bucket if target.virtual else None,
        )
        decoded, call["params"] = self.s3.decode(request, auth)
        operation = OPERATIONS.get((decoded.service, decoded.operation))
        if operation is None:
            raise NotImplementedOperation(
                f"Clearance does not implement s3:{decoded.operation} yet."
            )
        record = lookup.record_of(auth)
        try:
            caller = _caller(auth, record)
        except InvalidClientTokenId:
            raise InvalidAccessKeyId() from None
        ctx = self._start_call(
            request,
            view,
            served,
            caller=caller,
            service="s3",
            operation=decoded.operation,
            request_id=request_id,
            region=auth.region or route.region,
            now=now,
        )
        result = operation.handler(ctx, decoded.params)
        return self.s3.result(decoded.operation, result, request_id, decoded.service)

    def _start_call(
        self,
        request: WireRequest,
        view: RequestView,
        served: list[CallContext],
        *,
        caller: Caller,
        service: str,
        operation: str,
        request_id: str,
        region: str,
        now: datetime,
        endpoint: str | None = None,
    ) -> CallContext:
        """The call's context on the caller's snapshot, listed as served, once the
        caller's credential type may make the call."""
        if caller.account_id:  # the snapshot (already read unless the key was new)
            view.versions_of(caller.account_id)
        ctx = CallContext(
            caller=caller,
            service=service,
            operation=operation,
            request_id=request_id,
            region=region,
            now=now,
            store=cast(Store, CachingStore(view, caller.account_id)),
            authorizer=self.authorizer,
            source_ip=request.source_ip,
            user_agent=request.header("user-agent"),
            secure=request.secure,
            endpoint=endpoint,
        )
        served.append(ctx)
        check_credential_type(ctx)  # what GetSessionToken / GetFederationToken keys may call
        return ctx

    def _record_use(self, ctx: CallContext) -> None:
        """GetAccessKeyLastUsed's data: debounced (a durable write at most once a
        minute per key in this process), never failing the request."""
        if not ctx.caller.access_key_id or ctx.caller.session is not None:
            return
        try:
            record_use(ctx)
        except Exception:
            log.warning("recording the use of an access key failed", exc_info=True)


class _KeyLookup:
    """The authenticator's key lookup on the request's view; remembers the stored
    keys it found, so the caller's own record need not be read again."""

    def __init__(self, view: RequestView) -> None:
        self._view = view
        self._stored: list[StoredKey] = []

    def __call__(self, access_key_id: str) -> KeyRecord | None:
        found = self._view.key(access_key_id)
        if found is None:
            return None
        self._stored.append(found[0])
        return found[1]

    def record_of(self, auth: Authenticated) -> StoredKey | None:
        """The stored key the request was signed with, when the lookup found it."""
        stored = self._stored
        return stored[-1] if stored and stored[-1].access_key_id == auth.access_key_id else None


def _route(request: WireRequest) -> _Route:
    """Which service a request is for: a JSON protocol's ``X-Amz-Target``, the
    SigV4 scope, else the query API's version."""
    scope = scope_of(request)
    target = json_target(request)
    if target is not None:
        return _Route(target[0], target[1], scope[0] if scope else DEFAULT_REGION)
    if is_s3_request(request, scope):
        return _Route("s3", S3Front.operation_name(request), scope[0] if scope else DEFAULT_REGION)
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


def _caller(auth: Authenticated, record: StoredKey | None) -> Caller:
    if auth.anonymous:  # an unsigned operation (AssumeRoleWithWebIdentity / WithSAML)
        return Caller("", ANONYMOUS, "anonymous", ANONYMOUS, "")
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


def _endpoint(request: WireRequest) -> str | None:
    host = request.header("host")
    return f"{'https' if request.secure else 'http'}://{host}" if host else None


def _role_of(session_arn: str) -> str:
    """``arn:aws:iam::A:role/R`` from ``arn:aws:sts::A:assumed-role/R/S`` (no path)."""
    head, _, rest = session_arn.partition(":assumed-role/")
    return head.replace(":sts:", ":iam:", 1) + ":role/" + rest.split("/", 1)[0]


def _error(
    service: str, error: ClearanceError, request_id: str, request: WireRequest | None = None
) -> WireResponse:
    if service == "s3" and request is not None:
        return S3Front.error(request, error, request_id)
    status, headers, body = encode_error(service, error, request_id)
    return WireResponse(status, tuple(headers), body)
