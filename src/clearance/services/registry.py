"""The operations Clearance serves, by (service, operation name)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clearance.services.context import CallContext

__all__ = ["OPERATIONS", "Handler", "Operation", "operation"]

Handler = Callable[[CallContext, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Operation:
    service: str
    name: str
    handler: Handler
    unsigned: bool = False  # AssumeRoleWithWebIdentity / WithSAML carry no signature


OPERATIONS: dict[tuple[str, str], Operation] = {}


def operation(service: str, name: str, *, unsigned: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler: ``@operation("iam", "CreateUser")``."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in OPERATIONS:
            raise RuntimeError(f"{service}:{name} registered twice")
        OPERATIONS[key] = Operation(service, name, handler, unsigned)
        return handler

    return register
